"""Linking: shared rare templates and infrastructure join risky accounts, never bystanders."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from distillguard.linking import link, suspicious_templates, template_users
from distillguard.settings import Linking

SETTINGS = Linking(template_min_accounts=3, template_min_risk=0.35, risky_account=0.35, campaign_min_accounts=3)


def _world():
    # attackers a0..a4 use template T (90% of traffic); a5 is a hydra account with 30% on T;
    # v0..v2 are VPN employees sharing a network with a0; b0 is a batch pipeline on its own template;
    # h0..h5 are chat users who all sent "hi" (a generic template) and other things.
    rows = []
    for a in range(5):
        rows += [(f"a{a}", "T", 90), (f"a{a}", f"x{a}", 10)]
    rows += [("a5", "T", 30), ("a5", "own-a5", 70)]
    for v in range(3):
        rows += [(f"v{v}", f"chat-v{v}", 50)]
    rows += [("b0", "BATCH", 10_000)]
    for h in range(6):
        rows += [(f"h{h}", "hi", 3), (f"h{h}", f"chat-h{h}", 40)]
    templates = pa.table(
        {
            "account_id": [r[0] for r in rows],
            "template_key": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "exchanges": [r[2] for r in rows],
        }
    )
    accounts = pa.array(sorted({r[0] for r in rows}))
    risk = np.array(
        [0.6 if a.startswith("a") and a != "a5" else 0.2 if a == "a5" else 0.05 for a in accounts.to_pylist()]
    )
    signal = pa.table(
        {"template_key": ["T", "hi", "BATCH"], "harvest": [0.9, 0.0, 0.0], "generic": [False, True, False]}
    )
    infrastructure = pa.table(
        {
            "account_id": ["a0", "v0", "v1", "v2", "a1", "a2"],
            "kind": ["network"] * 4 + ["payment"] * 2,
            "indicator": ["10.0.0.0/24|ua", "10.0.0.0/24|ua", "10.0.0.0/24|ua", "10.0.0.0/24|ua", "pf1", "pf1"],
        }
    )
    return templates, accounts, risk, signal, infrastructure


def test_a_shared_harvest_template_links_its_users_and_only_them() -> None:
    templates, accounts, risk, signal, infrastructure = _world()
    users = template_users(templates, SETTINGS)
    linking_templates = suspicious_templates(users, accounts, risk, signal, SETTINGS)
    assert linking_templates.column("template_key").to_pylist() == ["T"]
    links = link(accounts, risk, users, linking_templates, infrastructure, SETTINGS)
    members = {a for a, c in zip(accounts.to_pylist(), links.campaign, strict=True) if c >= 0}
    assert members == {"a0", "a1", "a2", "a3", "a4", "a5"}  # the hydra account too, through its share
    attachment = dict(zip(accounts.to_pylist(), links.attachment, strict=True))
    assert attachment["a5"] == 0.3 and attachment["a0"] == 0.9
    assert set(
        links.edges.filter(pa.compute.equal(links.edges.column("kind"), "payment")).column("account_id").to_pylist()
    ) == {"a1", "a2"}


def test_infrastructure_alone_never_pulls_in_low_risk_accounts() -> None:
    templates, accounts, risk, signal, infrastructure = _world()
    users = template_users(templates, SETTINGS)
    links = link(
        accounts, risk, users, suspicious_templates(users, accounts, risk, signal, SETTINGS), infrastructure, SETTINGS
    )
    campaign = dict(zip(accounts.to_pylist(), links.campaign, strict=True))
    assert all(campaign[f"v{v}"] == -1 for v in range(3))
    assert campaign["b0"] == -1 and all(campaign[f"h{h}"] == -1 for h in range(6))


def test_small_groups_are_not_campaigns() -> None:
    templates, accounts, risk, signal, infrastructure = _world()
    settings = Linking(campaign_min_accounts=7)
    users = template_users(templates, settings)
    links = link(
        accounts, risk, users, suspicious_templates(users, accounts, risk, signal, settings), infrastructure, settings
    )
    assert (links.campaign == -1).all()


def test_attachment_counts_campaign_templates_too_rare_to_link_on_their_own() -> None:
    from distillguard.linking import Links, campaign_attachment

    accounts = pa.array(["a0", "a1", "a2", "x"])
    links = Links(accounts, np.array([0, 0, 0, -1]), np.zeros(4), pa.table({"account_id": pa.array([], pa.string())}))
    templates = pa.table(
        {
            "account_id": ["a0", "a0", "a1", "a1", "a2", "x", "x"],
            "template_key": ["T", "rare", "T", "rare", "own", "rare", "chat"],
            "exchanges": [60, 20, 50, 50, 10, 5, 95],
        }
    )
    attachment = dict(zip(accounts.to_pylist(), campaign_attachment(links, templates), strict=True))
    # "rare" is shared by two members: it counts for them; "own" is one member's alone
    assert attachment == {"a0": 1.0, "a1": 1.0, "a2": 0.0, "x": 0.0}
