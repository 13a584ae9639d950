"""Risk, verdicts and reasons for accounts and campaigns, from profiles and links."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import ConfigError
from distillguard.linking import Links
from distillguard.settings import Settings


@dataclass(frozen=True)
class AccountScores:
    risk: np.ndarray  # 0..1 per account, in the profiles' order
    contributions: np.ndarray  # accounts x evidence, each weight x strength
    values: np.ndarray  # accounts x evidence, the feature values


def combine(contributions: np.ndarray) -> np.ndarray:
    """Contributions add up as evidence: risk = 1 - exp(-sum). Counter-evidence (a negative
    weight) takes some back, never below no evidence at all.

    >>> combine(np.array([[0.0, 0.0], [1.6, 0.7], [1.6, -0.9], [0.2, -0.9]])).round(2).tolist()
    [0.0, 0.9, 0.5, 0.0]
    """
    return 1.0 - np.exp(-np.maximum(contributions.sum(axis=1), 0.0))


def score_accounts(profiles: pa.Table, settings: Settings) -> AccountScores:
    """Each account's own risk from its features (before anything links it to others)."""
    evidence = settings.account_evidence
    values = np.zeros((profiles.num_rows, len(evidence)))
    contributions = np.zeros_like(values)
    missing = sorted({item.feature for item in evidence} - set(profiles.column_names))
    if missing:
        raise ConfigError(f"the profiles lack the evidence feature(s) {', '.join(missing)}")
    for column, item in enumerate(evidence):
        feature = pc.fill_null(pc.cast(profiles.column(item.feature), pa.float64()), math.nan).to_numpy()
        known = ~np.isnan(feature)
        strength = np.clip((feature - item.low) / (item.high - item.low), 0.0, 1.0)
        values[:, column] = np.where(known, feature, 0.0)
        contributions[:, column] = np.where(known, strength * item.weight, 0.0)
    exchanges = profiles.column("exchanges").to_numpy().astype(float)
    contributions *= (1.0 - np.exp(-exchanges / settings.volume_scale))[:, None]
    return AccountScores(combine(contributions), contributions, values)


def member_strength(links: Links, settings: Settings) -> np.ndarray:
    """How firmly each account belongs to its campaign, 0..1: the share of its traffic on
    the campaign's templates (full at ``linking.full_attachment_share``), or what the
    infrastructure it shares says (``campaigns.infrastructure_strength``), whichever is more."""
    strength = np.minimum(links.attachment / settings.linking.full_attachment_share, 1.0)
    for kind, floor in settings.campaigns.infrastructure_strength.items():
        holders = links.edges.filter(pc.equal(links.edges.column("kind"), kind)).column("account_id")
        if len(holders):
            linked = pc.is_in(links.accounts, value_set=holders).to_numpy(zero_copy_only=False)
            strength = np.where(linked, np.maximum(strength, floor), strength)
    return np.where(links.campaign >= 0, strength, 0.0)


def campaign_risk(
    member_risk: np.ndarray, campaign: np.ndarray, templates_risk: np.ndarray, settings: Settings
) -> np.ndarray:
    """A campaign's risk: a quantile (``campaigns.risk_quantile``) of its members' own risk,
    raised by the risk of the templates that link it, so a campaign of quiet accounts on one
    harvesting template still scores high. One value per campaign index."""
    count = int(campaign.max()) + 1 if campaign.size and campaign.max() >= 0 else 0
    risk = np.zeros(count)
    for index in range(count):
        members = member_risk[campaign == index]
        risk[index] = max(float(np.quantile(members, settings.campaigns.risk_quantile)), float(templates_risk[index]))
    return risk


def reasons(scores: AccountScores, settings: Settings, row: int, limit: int = 5) -> list[dict]:
    """The account's strongest pieces of evidence as reasons, strongest first, then any
    counter-evidence that took risk back (negative weight)."""
    contributions = scores.contributions[row]
    order = [c for c in np.argsort(-contributions)[:limit] if contributions[c] > 0]
    order += [c for c in np.argsort(contributions) if contributions[c] < 0][:2]
    found = []
    for column in order:
        contribution = float(contributions[column])
        item = settings.account_evidence[column]
        value = float(scores.values[row, column])
        found.append(
            {
                "signal": item.feature,
                "value": value,
                "weight": round(contribution, 4),
                "detail": item.says.format(value=value),
            }
        )
    return found
