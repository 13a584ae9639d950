"""The precision mechanism of the reported scale, at a size CI can scan: a proxy campaign whose
accounts also carry honest customers' traffic, drawn from the same generators as the honest
resellers, developers, researchers and chat users around it (tests/scenarios/proxy_mix.yaml).

Before linking rested on what is a campaign's own, this scan flagged 5 of the 12 honest
resellers and 7 researchers at `distillation`, each as a campaign member.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .test_cli import distillguard

SCENARIO = Path(__file__).parent / "scenarios" / "proxy_mix.yaml"


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict[str, dict], dict[str, dict]]:
    root = tmp_path_factory.mktemp("proxy_mix")
    simulated, workspace, findings = root / "simulated", root / "workspace", root / "findings"
    for args in (
        ("simulate", str(SCENARIO), "--seed", "5", "--out", str(simulated), "--quiet"),
        ("ingest", str(simulated / "exchanges"), "--accounts", str(simulated / "accounts.parquet"), "-w",
         str(workspace), "--quiet"),
        ("scan", "-w", str(workspace), "--out", str(findings), "--quiet"),
    ):  # fmt: skip
        result = distillguard(*args, cwd=root)
        assert result.returncode == 0, result.stderr
    result = distillguard("evaluate", str(findings), "--labels", str(simulated / "labels"), "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    labels = {r["account_id"]: r for r in pq.read_table(simulated / "labels" / "accounts.parquet").to_pylist()}
    accounts = {r["account_id"]: r for r in pq.read_table(findings / "accounts.parquet").to_pylist()}
    return json.loads(result.stdout), labels, accounts


def test_no_honest_account_is_made_a_campaign_member_at_distillation(evaluated) -> None:
    _, labels, accounts = evaluated
    linked = [
        labels[a]["population"]
        for a, row in accounts.items()
        if labels[a]["role"] == "legitimate" and row["verdict"] == "distillation" and row["campaign_id"]
    ]
    assert linked == []


def test_honest_resellers_on_the_proxies_phrasings_stay_out(evaluated) -> None:
    metrics, _, _ = evaluated
    resellers = next(p for p in metrics["legitimate_populations"] if p["population"] == "resellers")
    assert resellers["accounts"] >= 10 and resellers["false_positives"] == 0


def test_the_campaign_is_still_found(evaluated) -> None:
    metrics, _, _ = evaluated
    assert metrics["accounts"]["precision"] >= 0.995
    (campaign,) = metrics["campaigns"]
    assert campaign["recovered"] >= 0.88 and campaign["purity"] >= 0.99
    # accounts whose traffic is mostly the campaign's are found; the 0-25% bin is the known miss
    buckets = {b["attack_share"]: b["recall"] for b in metrics["attack_share_buckets"]}
    assert buckets["25%-50%"] >= 0.95 and buckets["50%-100%"] >= 0.95
