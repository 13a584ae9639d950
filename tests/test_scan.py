"""End to end: simulate, ingest, scan and evaluate with the CLI, as a user runs them."""

from __future__ import annotations

import json
import re
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from distillguard.schema import FINDINGS_ACCOUNTS_SCHEMA as ACCOUNTS_SCHEMA
from distillguard.schema import FINDINGS_CAMPAIGNS_SCHEMA as CAMPAIGNS_SCHEMA
from distillguard.signals import SIGNALS_SCHEMA

from .conftest import exchange, write_jsonl
from .test_cli import distillguard


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("scan")
    simulated, workspace, findings = root / "simulated", root / "workspace", root / "findings"
    for args in (
        ("simulate", "demo", "--scale", "0.25", "--seed", "3", "--out", str(simulated), "--quiet"),
        (
            "ingest",
            str(simulated / "exchanges"),
            "--accounts",
            str(simulated / "accounts.parquet"),
            "-w",
            str(workspace),
            "--quiet",
        ),
        ("scan", "-w", str(workspace), "--out", str(findings), "--quiet"),
    ):
        result = distillguard(*args, cwd=root)
        assert result.returncode == 0, result.stderr
    return {"simulated": simulated, "workspace": workspace, "findings": findings}


def test_findings_follow_the_output_contract(scanned: dict[str, Path]) -> None:
    findings = scanned["findings"]
    accounts = pq.read_table(findings / "accounts.parquet")
    assert accounts.schema.equals(ACCOUNTS_SCHEMA)
    assert pq.read_table(findings / "campaigns.parquet").schema.equals(CAMPAIGNS_SCHEMA)
    assert pq.read_schema(findings / "signals.parquet").equals(SIGNALS_SCHEMA)
    run = json.loads((findings / "run.json").read_text())
    assert run["input"]["exchanges_scanned"] == pq.read_metadata(findings / "signals.parquet").num_rows
    assert set(run["timings_s"]) >= {"signals", "profiles", "linking", "report"}
    assert set(accounts.column("verdict").to_pylist()) <= {"benign", "suspicious", "distillation"}
    page = (findings / "report.html").read_text()
    assert "<svg" in page and "Campaigns, by risk" in page
    assert not re.search(r"""(src|href)=["']?https?:|url\(|@import""", page)  # self-contained: loads nothing


def test_the_scan_finds_the_campaigns_and_spares_the_hard_negatives(scanned: dict[str, Path]) -> None:
    """A floor, not the README's figures: it fails when detection breaks, not when it wobbles."""
    result = distillguard(
        "evaluate", str(scanned["findings"]), "--labels", str(scanned["simulated"] / "labels"), "--json"
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["accounts"]["precision"] >= 0.95
    assert metrics["accounts"]["recall"] >= 0.6
    recovered = {c["campaign"]: c for c in metrics["campaigns"]}
    for kind in ("campaign-a", "campaign-b", "campaign-c"):
        assert recovered[kind]["recovered"] >= 0.7 and recovered[kind]["purity"] >= 0.9
    for population in metrics["legitimate_populations"]:
        assert population["false_positive_rate"] <= 0.05, population


def test_explain_prints_an_accounts_case(scanned: dict[str, Path]) -> None:
    accounts = pq.read_table(scanned["findings"] / "accounts.parquet")
    top = accounts.column("account_id")[0].as_py()
    result = distillguard("explain", top, "--findings", str(scanned["findings"]))
    assert result.returncode == 0 and top in result.stdout and "reasons:" in result.stdout
    missing = distillguard("explain", "no-such-account", "--findings", str(scanned["findings"]))
    assert missing.returncode == 1 and "not in these findings" in missing.stderr


def test_scanning_log_files_directly_matches_the_workspace_scan(scanned: dict[str, Path], tmp_path: Path) -> None:
    simulated = scanned["simulated"]
    result = distillguard(
        "scan",
        str(simulated / "exchanges"),
        "--accounts",
        str(simulated / "accounts.parquet"),
        "--out",
        str(tmp_path / "direct"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    direct = pq.read_table(tmp_path / "direct" / "accounts.parquet").select(["account_id", "verdict"])
    stored = pq.read_table(scanned["findings"] / "accounts.parquet").select(["account_id", "verdict"])
    assert direct.sort_by("account_id").equals(stored.sort_by("account_id"))


def test_a_rescan_reuses_signals_and_computes_only_new_traffic(scanned: dict[str, Path], tmp_path: Path) -> None:
    workspace = scanned["workspace"]
    again = distillguard("scan", "-w", str(workspace), "--out", str(tmp_path / "again"), "--quiet")
    assert again.returncode == 0, again.stderr
    run = json.loads((tmp_path / "again" / "run.json").read_text())
    assert run["input"]["signals_computed"] == 0 and run["input"]["exchanges_scanned"] > 0
    new_day = [exchange(i, exchange_id=f"late-{i}", ts=f"2027-02-01T10:00:{i:02d}Z") for i in range(12)]
    write_jsonl(tmp_path / "late.jsonl", new_day)
    assert distillguard("ingest", str(tmp_path / "late.jsonl"), "-w", str(workspace), "--quiet").returncode == 0
    later = distillguard("scan", "-w", str(workspace), "--out", str(tmp_path / "later"), "--quiet")
    assert later.returncode == 0, later.stderr
    run = json.loads((tmp_path / "later" / "run.json").read_text())
    assert run["input"]["signals_computed"] == 12
    assert run["input"]["exchanges_scanned"] == run["input"]["exchanges_in_workspace"]


def test_scanning_a_missing_workspace_is_an_error_not_an_empty_scan(tmp_path: Path) -> None:
    result = distillguard("scan", "-w", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "not a distillguard workspace" in result.stderr
    assert not (tmp_path / "nope").exists()


def test_benchmark_runs_show_as_greedy_repeats(scanned: dict[str, Path]) -> None:
    profiles = pq.read_table(scanned["findings"] / "profiles.parquet", columns=["account_id", "greedy_repeat_share"])
    labels = pq.read_table(scanned["simulated"] / "labels" / "accounts.parquet", columns=["account_id", "population"])
    share = dict(zip(*profiles.to_pydict().values(), strict=True))
    by_population: dict[str, list[float]] = {}
    for account, population in zip(*labels.to_pydict().values(), strict=True):
        if account in share:
            by_population.setdefault(population, []).append(share[account])
    assert max(by_population["eval_harnesses"]) >= 0.1  # the same benchmark, again, at temperature 0
    assert max(by_population["chat_users"]) == 0.0  # people sample; nobody repeats at temperature 0
    assert all(0.0 <= value <= 1.0 for value in share.values())


def test_campaigns_keep_their_ids_across_rescans(scanned: dict[str, Path], tmp_path: Path) -> None:
    first = pq.read_table(scanned["findings"] / "campaigns.parquet", columns=["campaign_id", "accounts"]).to_pylist()
    assert first, "the demo has campaigns"
    # the workspace remembers them; a later scan finds them again under the same names
    registry = pq.read_table(scanned["workspace"] / "campaigns.parquet").to_pylist()
    assert {row["campaign_id"] for row in registry} == {row["campaign_id"] for row in first}
    result = distillguard("scan", "-w", str(scanned["workspace"]), "--out", str(tmp_path / "again"), "--quiet")
    assert result.returncode == 0, result.stderr
    again = pq.read_table(tmp_path / "again" / "campaigns.parquet", columns=["campaign_id", "accounts"]).to_pylist()
    assert {r["campaign_id"]: r["accounts"] for r in again} == {r["campaign_id"]: r["accounts"] for r in first}


def test_a_new_day_is_summarised_alone_and_profiles_match_a_scan_from_scratch(tmp_path: Path) -> None:
    from distillguard.scan import scan_workspace
    from distillguard.workspace import Workspace

    records = [exchange(i) for i in range(600)]
    early = write_jsonl(tmp_path / "early.jsonl", [r for i, r in enumerate(records) if i % 3 != 2])  # 1 and 2 March
    late = write_jsonl(tmp_path / "late.jsonl", [r for i, r in enumerate(records) if i % 3 == 2])  # 3 March
    with Workspace.create(tmp_path / "daily") as daily:
        daily.ingest([early])
        first = scan_workspace(daily, tmp_path / "day2", write_report=False)
        daily.ingest([late])
        second = scan_workspace(daily, tmp_path / "day3", write_report=False)
    assert (first.files_summarised, second.files_summarised) == (2, 1)  # one file per day partition
    assert (first.signals_computed, second.signals_computed) == (400, 200)
    with Workspace.create(tmp_path / "whole") as whole:
        whole.ingest([early, late])
        scan_workspace(whole, tmp_path / "whole-scan", write_report=False)
    incremental = pq.read_table(tmp_path / "day3" / "profiles.parquet")
    assert incremental.num_rows == 7
    assert incremental.equals(pq.read_table(tmp_path / "whole-scan" / "profiles.parquet"))
    # gaps that cross from one day's file to the next count as they happened
    times = sorted(datetime.fromisoformat(r["ts"]) for r in records if r["account_id"] == "acct-0")
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    row = incremental.filter(pc.equal(incremental.column("account_id"), "acct-0")).to_pylist()[0]
    assert row["gap_mean_s"] == pytest.approx(sum(gaps) / len(gaps))
    assert row["exchanges"] == len(times) and row["active_days"] == 3


def test_the_report_charts_each_campaign_under_its_stable_id(scanned: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    import pyarrow as pa

    workspace = tmp_path / "workspace"
    shutil.copytree(scanned["workspace"], workspace)
    registry = pq.read_table(workspace / "campaigns.parquet")
    renamed = [f"C{int(c[1:]) + 40:04d}" for c in registry.column("campaign_id").to_pylist()]  # ids not 1..N
    pq.write_table(registry.set_column(0, "campaign_id", pa.array(renamed)), workspace / "campaigns.parquet")
    result = distillguard("scan", "-w", str(workspace), "--out", str(tmp_path / "again"), "--quiet")
    assert result.returncode == 0, result.stderr
    campaigns = pq.read_table(tmp_path / "again" / "campaigns.parquet").to_pylist()
    assert campaigns and all(int(c["campaign_id"][1:]) > 40 for c in campaigns)
    page = (tmp_path / "again" / "report.html").read_text()
    shown = [c["campaign_id"] for c in campaigns[:8]]
    assert re.findall(r"<span class='key'><i [^>]*></i>(C\d{4})</span>", page) == shown
    assert re.findall(r"<polyline points='[^']+'[^>]*><title>(C\d{4})</title>", page) == shown
    assert "No campaign traffic" not in page


def test_a_findings_folder_inside_the_workspace_is_refused(scanned: dict[str, Path]) -> None:
    result = distillguard("scan", "-w", str(scanned["workspace"]), "--out", str(scanned["workspace"]), "--quiet")
    assert result.returncode == 1 and "inside the workspace" in result.stderr
    assert pq.read_table(scanned["workspace"] / "accounts.parquet").schema.names[0] == "account_id"
    assert "risk" not in pq.read_schema(scanned["workspace"] / "accounts.parquet").names
