"""Settings, account risk and reasons, evaluation metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from distillguard.errors import ConfigError
from distillguard.evaluate import average_precision, evaluate
from distillguard.scoring import reasons, score_accounts
from distillguard.settings import load_settings

from .conftest import profiles_table


def test_default_settings_load_and_round_trip() -> None:
    settings = load_settings()
    assert settings.verdicts.of(0.9) == "distillation" and settings.verdicts.of(0.1) == "benign"
    assert type(settings).from_dict(settings.to_dict()) == settings


def test_user_settings_override_a_subset_and_errors_say_where(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("verdicts: {suspicious: 0.4}\nlinking: {campaign_min_accounts: 5}\n")
    settings = load_settings(path)
    assert settings.verdicts.suspicious == 0.4 and settings.verdicts.distillation == 0.8
    assert settings.linking.campaign_min_accounts == 5 and settings.linking.template_min_accounts == 3
    path.write_text("verdicts: {suspicious: 0.4\n  bad: [\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(path) in str(error.value) and ":" in error.value.where
    path.write_text("verdicts: {suspicious: 0.9}\n")
    with pytest.raises(ConfigError, match="suspicious < distillation"):
        load_settings(path)


def test_account_risk_grows_with_evidence_and_reasons_explain_it() -> None:
    settings = load_settings()
    profiles = profiles_table(
        {
            "account_id": ["harvester", "chatter"],
            "reasoning_extraction_rate": [0.8, 0.0],
            "top_template_share": [0.95, 0.05],
            "sleep_hours": [0, 7],
        }
    )
    scores = score_accounts(profiles, settings)
    assert scores.risk[0] > 0.8 > 0.05 > scores.risk[1]
    found = reasons(scores, settings, 0)
    assert found[0]["signal"] == "reasoning_extraction_rate" and "80%" in found[0]["detail"]
    assert reasons(scores, settings, 1) == []


def test_counter_evidence_takes_risk_back_and_is_named_in_the_reasons() -> None:
    settings = load_settings()
    # two new accounts that ask for step-by-step answers with many samples; one re-sends the
    # same requests at temperature 0, as a benchmark run does
    profiles = profiles_table(
        {
            "account_id": ["harvester", "benchmark"],
            "cot_elicitation_rate": [0.6, 0.6],
            "multi_sample_share": [0.7, 0.7],
            "account_age_days": [2, 2],
            "greedy_repeat_share": [0.0, 0.6],
        }
    )
    scores = score_accounts(profiles, settings)
    assert scores.risk[1] < settings.verdicts.suspicious < scores.risk[0]
    counter = [r for r in reasons(scores, settings, 1) if r["weight"] < 0]
    assert [r["signal"] for r in counter] == ["greedy_repeat_share"] and "60%" in counter[0]["detail"]
    assert all(r["weight"] > 0 for r in reasons(scores, settings, 0))


def test_few_exchanges_are_weak_evidence_on_their_own() -> None:
    settings = load_settings()
    profiles = profiles_table(
        {"account_id": ["one", "many"], "exchanges": [1, 200], "reasoning_extraction_rate": [1.0, 1.0]}
    )
    risk = score_accounts(profiles, settings).risk
    assert risk[0] < settings.verdicts.suspicious < settings.verdicts.distillation < risk[1]


def test_evaluation_counts_catches_misses_and_false_positives() -> None:
    findings = pa.table(
        {
            "account_id": ["a1", "a2", "a3", "l1", "l2"],
            "risk": [0.9, 0.85, 0.3, 0.82, 0.1],
            "verdict": ["distillation", "distillation", "benign", "distillation", "benign"],
            "campaign_id": ["C1", "C1", None, None, None],
            "exchanges": [100, 100, 800, 10, 10],
        }
    )
    labels = pa.table(
        {
            "account_id": ["a1", "a2", "a3", "l1", "l2"],
            "role": ["attacker"] * 3 + ["legitimate"] * 2,
            "population": ["reasoning_harvest"] * 3 + ["batch_pipeline", "chat"],
            "campaign_id": ["R1", "R1", "R1", None, None],
            "attack_share": [1.0, 1.0, 0.2, 0.0, 0.0],
        }
    )
    metrics = evaluate(findings, pa.table({"campaign_id": ["C1"]}), labels)
    assert metrics["accounts"]["precision"] == pytest.approx(2 / 3, abs=1e-3)
    assert metrics["accounts"]["recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert metrics["exchange_weighted"]["recall"] == pytest.approx(0.2, abs=1e-3)
    assert metrics["campaigns"] == [
        {"campaign": "R1", "accounts": 3, "recovered": 0.6667, "matched_campaign": "C1", "purity": 1.0}
    ]
    batch = next(p for p in metrics["legitimate_populations"] if p["population"] == "batch_pipeline")
    assert batch["false_positive_rate"] == 1.0
    assert metrics["attack_share_buckets"] == [{"attack_share": "0%-25%", "accounts": 1, "recall": 0.0}]


def test_average_precision_matches_a_hand_computation() -> None:
    assert average_precision(np.array([0.9, 0.8, 0.7]), np.array([True, True, False])) == 1.0
    assert average_precision(np.array([0.9, 0.8, 0.7]), np.array([False, True, True])) == pytest.approx(
        (1 / 2 + 2 / 3) / 2
    )


def test_detection_time_is_the_first_snapshot_that_flags_half_a_campaign() -> None:
    from datetime import UTC, datetime, timedelta

    from distillguard.evaluate import detection_times

    start = datetime(2026, 1, 5, tzinfo=UTC)
    final = pa.table({"account_id": ["a1", "a2", "l1"], "first_seen": [start, start + timedelta(hours=3), start]})
    labels = pa.table({"account_id": ["a1", "a2", "l1"], "campaign_id": ["R1", "R1", None]})
    snapshots = [
        (start + timedelta(hours=6), pa.table({"account_id": ["a1", "l1"], "verdict": ["suspicious", "benign"]})),
        (start + timedelta(hours=12), pa.table({"account_id": ["a1", "a2"], "verdict": ["distillation", "benign"]})),
    ]
    [result] = detection_times(snapshots, final, labels)
    assert (result["campaign"], result["hours_to_detection"]) == ("R1", 12.0)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "account_evidence:\n  - {feature: reasoning_extration_rate, low: 0, high: 1, weight: 1, says: x}\n",
            2,
            "unknown feature 'reasoning_extration_rate'",
        ),
        (
            "account_evidence:\n  - {feature: sleep_hours, low: 0, high: 1,\n     weight: .nan, says: x}\n",
            3,
            "not a finite number",
        ),
        (
            "account_evidence:\n  - {feature: sleep_hours, low: zero, high: 1, weight: 1, says: x}\n",
            2,
            "not a finite number",
        ),
        (
            "account_evidence:\n  - {feature: sleep_hours, low: 0, high: 1, weight: 1, says: '{value:.0q}'}\n",
            2,
            "not a valid format",
        ),
        ("\n\nvolume_scale: -1\n", 3, "outside"),
        ("linking:\n  template_min_accounts: 3\n  campaign_min_acounts: 5\n", 3, "unknown key 'campaign_min_acounts'"),
        ("linking: {cohort_min_shared: 2.5}\n", 1, "not a whole number"),
        ("campaigns:\n  infrastructure_strength: {payment: 1.5}\n", 2, "outside"),
        ("verdicts: {suspicious: abc}\n", 1, "not a number"),
        ("thresholds: 3\n", 1, "unknown key 'thresholds'"),
    ],
)
def test_every_mistake_in_a_settings_file_names_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        load_settings(path)
    assert error.value.where == f"{path}:{line}"


def test_the_numbers_that_decide_verdicts_come_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "campaigns: {risk_quantile: 0.5, infrastructure_strength: {payment: 0.9}}\n"
        "linking: {template_signal_weight: 0.2, cohort_min_templates: 3}\n"
    )
    settings = load_settings(path)
    assert settings.campaigns.risk_quantile == 0.5 and settings.campaigns.infrastructure_strength["payment"] == 0.9
    assert settings.linking.template_signal_weight == 0.2 and settings.linking.cohort_min_templates == 3
    members = np.array([0.2, 0.4, 0.9])
    from distillguard.scoring import campaign_risk

    assert campaign_risk(members, np.zeros(3, dtype=int), np.zeros(1), settings)[0] == pytest.approx(0.4)
    assert campaign_risk(members, np.zeros(3, dtype=int), np.zeros(1), load_settings())[0] == pytest.approx(0.65)
