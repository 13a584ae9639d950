"""The report keeps personal data private: a scan of simulated traffic whose prompts carry
e-mail addresses and phone numbers, run the way a user runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from .test_cli import distillguard

EMAIL = "jane.roe@example.com"
PHONE = "+1 415 555 0134"
PERSONAL = (EMAIL, PHONE, "415 555 0134", "jane.roe")
INJECTED = f"Jane Roe ({EMAIL}, {PHONE}) asks: "


def _inject_personal_data(exchanges: Path) -> None:
    """Every prompt and system prompt of the simulation starts with the same name, e-mail
    address and phone number (the same text everywhere, so that detection is unchanged, and at
    the start, so that every preview the report shows holds it)."""
    for part in sorted(exchanges.glob("*.parquet")):
        table = pq.read_table(part)
        for column in ("prompt", "system"):
            index = table.schema.get_field_index(column)
            text = table.column(column)
            joined = pc.binary_join_element_wise(pa.scalar(INJECTED), text, "")
            table = table.set_column(index, table.field(column), joined.cast(table.field(column).type))
        pq.write_table(table, part, compression="zstd")


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("private")
    simulated, workspace, findings = root / "simulated", root / "ws", root / "findings"
    result = distillguard("simulate", "demo", "--scale", "0.1", "--seed", "3", "--out", str(simulated), "--quiet")
    assert result.returncode == 0, result.stderr
    _inject_personal_data(simulated / "exchanges")
    for args in (
        ("ingest", str(simulated / "exchanges"), "-a", str(simulated / "accounts.parquet"), "-w", str(workspace), "-q"),
        ("scan", "-w", str(workspace), "--out", str(findings), "--quiet"),
    ):
        result = distillguard(*args)
        assert result.returncode == 0, result.stderr
    return {"simulated": simulated, "workspace": workspace, "findings": findings}


def _holds_personal_data(text: str) -> list[str]:
    return [value for value in PERSONAL if value in text]


def test_the_personal_data_really_is_in_the_traffic(private: dict[str, Path]) -> None:
    """The test means something only if the scanned prompts carry the personal data."""
    prompts = pq.read_table(private["simulated"] / "exchanges", columns=["prompt"]).column("prompt")
    assert pc.all(pc.match_substring(prompts, EMAIL)).as_py()


def test_no_personal_data_in_any_findings_file_or_explain(private: dict[str, Path]) -> None:
    findings = private["findings"]
    assert _holds_personal_data((findings / "report.html").read_text()) == []
    assert _holds_personal_data((findings / "run.json").read_text()) == []
    for name in ("accounts", "campaigns", "signals", "profiles"):
        rows = pq.read_table(findings / f"{name}.parquet").to_pylist()
        assert _holds_personal_data(json.dumps(rows, default=str, ensure_ascii=False)) == [], name
    accounts = pq.read_table(findings / "accounts.parquet")
    for verdict in ("distillation", "suspicious", "benign"):
        rows = accounts.filter(pc.equal(accounts.column("verdict"), verdict))
        assert rows.num_rows, verdict
        explain = distillguard("explain", rows.column("account_id")[0].as_py(), "--findings", str(findings))
        assert explain.returncode == 0, explain.stderr
        assert _holds_personal_data(explain.stdout) == []


def test_the_report_shows_masked_examples_from_distillation_accounts_only(private: dict[str, Path]) -> None:
    findings = private["findings"]
    page = (findings / "report.html").read_text()
    verdicts = dict(
        zip(
            *pq.read_table(findings / "accounts.parquet", columns=["account_id", "verdict"]).columns,
            strict=True,
        )
    )
    verdict_of = {account.as_py(): verdict.as_py() for account, verdict in verdicts.items()}
    quoted = re.findall(r"<blockquote><div class='muted'>([^<]*?) · ", page)
    assert quoted, "the report shows no example prompt"
    assert {verdict_of[account] for account in quoted} == {"distillation"}
    examples = re.findall(r"<blockquote>.*?</blockquote>", page, flags=re.S)
    assert all("Jane Roe ([email], [phone]) asks:" in example for example in examples)
    templates = re.findall(r"<td><code>[0-9a-f]+</code><div class='muted'>(.*?)</div>", page)
    assert templates and all("([email], [phone])" in text for text in templates)
    assert "Example prompts come only from accounts at verdict distillation" in page


def test_payment_fingerprints_are_keyed_hashes_in_the_report(private: dict[str, Path]) -> None:
    findings, workspace = private["findings"], private["workspace"]
    campaigns = pq.read_table(findings / "campaigns.parquet").to_pylist()
    payments = {i["value"] for c in campaigns for i in c["indicators"] if i["kind"] == "payment"}
    assert payments, "no campaign is linked by a payment instrument in this simulation"
    page = (findings / "report.html").read_text()
    assert not [value for value in payments if value in page]
    assert re.search(r"<code>pay:[0-9a-f]{8}</code>", page)
    key = workspace / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32


def test_report_prompts_none_shows_no_prompt_and_the_same_hashes(private: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "none"
    result = distillguard(
        "scan", "-w", str(private["workspace"]), "--out", str(out), "--report-prompts", "none", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    page = (out / "report.html").read_text()
    assert "<blockquote>" not in page and "[email]" not in page
    assert "not shown (scan --report-prompts none)" in page
    first = set(re.findall(r"pay:[0-9a-f]{8}", (private["findings"] / "report.html").read_text()))
    assert first and first == set(re.findall(r"pay:[0-9a-f]{8}", page))  # one key per workspace
    bad = distillguard("scan", "-w", str(private["workspace"]), "--out", str(out), "--report-prompts", "some")
    assert bad.returncode == 2
