"""Detection quality against ground truth: account, campaign and population metrics.

Labels come from the simulator (``labels/accounts.parquet``: account_id, role, population,
campaign_id, attack_share). An account counts as detected when its verdict is
``distillation``; ``suspicious`` is reported separately, never counted as a catch.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HYDRA_BUCKETS = ((0.0, 0.25), (0.25, 0.5), (0.5, 1.01))


def average_precision(scores: np.ndarray, positive: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Area under the precision-recall curve, as the mean precision at each positive.

    >>> average_precision(np.array([0.9, 0.8, 0.1]), np.array([True, False, True]))
    0.8333333333333333
    """
    if not positive.any():
        return float("nan")
    weights = np.ones(len(scores)) if weights is None else weights
    order = np.argsort(-scores, kind="stable")
    hits = positive[order] * weights[order]
    seen = weights[order]
    precision = np.cumsum(hits) / np.cumsum(seen)
    return float((precision * hits).sum() / hits.sum())


def _rates(predicted: np.ndarray, actual: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    true_positive = float((weights * (predicted & actual)).sum())
    precision = true_positive / max(float((weights * predicted).sum()), 1e-12) if predicted.any() else float("nan")
    recall = true_positive / max(float((weights * actual).sum()), 1e-12) if actual.any() else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(findings_accounts: pa.Table, campaigns: pa.Table, labels: pa.Table) -> dict:
    """Metrics for one findings folder against the labels; a JSON-ready dict."""
    label_rows = {row["account_id"]: row for row in labels.to_pylist()}
    accounts = findings_accounts.column("account_id").to_pylist()
    missing = [account for account in accounts if account not in label_rows]
    if missing:
        raise ValueError(f"{len(missing)} accounts in the findings have no label, e.g. {missing[:3]}")
    rows = [label_rows[account] for account in accounts]
    attacker = np.array([row["role"] == "attacker" for row in rows])
    verdict = np.array(findings_accounts.column("verdict").to_pylist())
    predicted = verdict == "distillation"
    risk = findings_accounts.column("risk").to_numpy()
    exchanges = findings_accounts.column("exchanges").to_numpy().astype(float)
    predicted_campaign = findings_accounts.column("campaign_id").to_pylist()
    result: dict = {
        "accounts": {
            "total": len(accounts),
            "attackers": int(attacker.sum()),
            "flagged_distillation": int(predicted.sum()),
            "flagged_suspicious": int((verdict == "suspicious").sum()),
            **_rates(predicted, attacker, np.ones(len(accounts))),
            "pr_auc": round(average_precision(risk, attacker), 4),
        },
        "exchange_weighted": {
            **_rates(predicted, attacker, exchanges),
            "pr_auc": round(average_precision(risk, attacker, exchanges), 4),
        },
    }
    # campaigns: recall within each true campaign, purity of the predicted campaign that holds most of it
    true_campaigns = sorted({row["campaign_id"] for row in rows if row["campaign_id"]})
    per_campaign = []
    for campaign in true_campaigns:
        members = np.array([row["campaign_id"] == campaign for row in rows])
        found = members & predicted
        holders = [predicted_campaign[i] for i in np.flatnonzero(members) if predicted_campaign[i]]
        best = max(set(holders), key=holders.count) if holders else None
        purity = float("nan")
        if best:
            in_best = np.array([c == best for c in predicted_campaign])
            purity = float((in_best & members).sum() / in_best.sum())
        per_campaign.append(
            {
                "campaign": campaign,
                "accounts": int(members.sum()),
                "recovered": round(float(found.sum() / members.sum()), 4),
                "matched_campaign": best,
                "purity": round(purity, 4),
            }
        )
    result["campaigns"] = per_campaign
    # false positives per legitimate population
    populations = sorted(
        {row["population"] for row, is_attacker in zip(rows, attacker, strict=True) if not is_attacker}
    )
    result["legitimate_populations"] = []
    for population in populations:
        members = np.array([row["population"] == population for row in rows]) & ~attacker
        result["legitimate_populations"].append(
            {
                "population": population,
                "accounts": int(members.sum()),
                "false_positives": int((members & predicted).sum()),
                "false_positive_rate": round(float((members & predicted).sum() / members.sum()), 4),
                "flagged_suspicious": int((members & (verdict == "suspicious")).sum()),
            }
        )
    # attackers whose traffic is only partly attack (hydra proxies), by attack share
    share = np.array([row.get("attack_share") or 0.0 for row in rows])
    result["attack_share_buckets"] = []
    for low, high in HYDRA_BUCKETS:
        members = attacker & (share >= low) & (share < high) & (share < 1.0)
        if members.any():
            result["attack_share_buckets"].append(
                {
                    "attack_share": f"{low:.0%}-{min(high, 1.0):.0%}",
                    "accounts": int(members.sum()),
                    "recall": round(float((members & predicted).sum() / members.sum()), 4),
                }
            )
    result["campaigns_found"] = campaigns.num_rows
    return result


def misses(findings_accounts: pa.Table, labels: pa.Table, limit: int = 20) -> list[dict]:
    """The attackers not flagged and the legitimate accounts flagged, for the analyst's eye."""
    found = findings_accounts.select(["account_id", "risk", "own_risk", "verdict", "campaign_id", "exchanges"])
    truth = labels.select(["account_id", "population", "campaign_id", "attack_share"]).rename_columns(
        ["account_id", "population", "true_campaign", "attack_share"]
    )
    joined = found.join(truth.append_column("role", labels.column("role")), "account_id")
    attackers = pc.equal(joined.column("role"), "attacker")
    flagged = pc.equal(joined.column("verdict"), "distillation")
    columns = [
        "account_id",
        "population",
        "true_campaign",
        "attack_share",
        "risk",
        "own_risk",
        "verdict",
        "campaign_id",
        "exchanges",
    ]
    missed = joined.filter(pc.and_(attackers, pc.invert(flagged))).select(columns).slice(0, limit).to_pylist()
    false = joined.filter(pc.and_(pc.invert(attackers), flagged)).select(columns).slice(0, limit).to_pylist()
    return [{"kind": "missed attacker", **row} for row in missed] + [{"kind": "false positive", **row} for row in false]


def detection_times(
    snapshots: list[tuple[datetime, pa.Table]], final_accounts: pa.Table, labels: pa.Table, share: float = 0.5
) -> list[dict]:
    """Per true campaign, how long after its first exchange a scan of only the traffic so
    far had flagged ``share`` of its accounts (verdict distillation).

    ``snapshots`` are (cutoff, accounts.parquet of a scan up to that cutoff), in time order.
    """
    truth = {row["account_id"]: row["campaign_id"] for row in labels.to_pylist() if row["campaign_id"]}
    first_seen = dict(
        zip(
            final_accounts.column("account_id").to_pylist(),
            final_accounts.column("first_seen").to_pylist(),
            strict=True,
        )
    )
    campaigns = sorted(set(truth.values()))
    results = []
    for campaign in campaigns:
        members = [account for account, c in truth.items() if c == campaign]
        starts = [first_seen[a] for a in members if first_seen.get(a)]
        if not starts:
            continue
        start = min(starts)
        detected = None
        for cutoff, accounts in snapshots:
            flagged = {
                a
                for a, v in zip(
                    accounts.column("account_id").to_pylist(), accounts.column("verdict").to_pylist(), strict=True
                )
                if v == "distillation"
            }
            if sum(a in flagged for a in members) >= share * len(members):
                detected = cutoff
                break
        results.append(
            {
                "campaign": campaign,
                "first_exchange": start.isoformat(),
                "detected_at": detected.isoformat() if detected else None,
                "hours_to_detection": round((detected - start).total_seconds() / 3600, 1) if detected else None,
            }
        )
    return results
