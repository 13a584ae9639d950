"""Linking: shared rare templates and infrastructure join risky accounts, never bystanders."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from distillguard.engines import Engine
from distillguard.linking import (
    Links,
    campaign_attachment,
    cohort_pairs_sql,
    cohort_templates,
    confirm_weak_members,
    link,
    stable_ids,
    suspicious_templates,
    template_users,
)
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
    linking_templates = suspicious_templates(users, templates, accounts, risk, signal, SETTINGS)
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
        accounts,
        risk,
        users,
        suspicious_templates(users, templates, accounts, risk, signal, SETTINGS),
        infrastructure,
        SETTINGS,
    )
    campaign = dict(zip(accounts.to_pylist(), links.campaign, strict=True))
    assert all(campaign[f"v{v}"] == -1 for v in range(3))
    assert campaign["b0"] == -1 and all(campaign[f"h{h}"] == -1 for h in range(6))


def test_small_groups_are_not_campaigns() -> None:
    templates, accounts, risk, signal, infrastructure = _world()
    settings = Linking(campaign_min_accounts=7)
    users = template_users(templates, settings)
    links = link(
        accounts,
        risk,
        users,
        suspicious_templates(users, templates, accounts, risk, signal, settings),
        infrastructure,
        settings,
    )
    assert (links.campaign == -1).all()


def test_attachment_counts_the_campaigns_own_templates_even_too_rare_to_link() -> None:
    accounts = pa.array(["a0", "a1", "a2", "x"])
    links = Links(accounts, np.array([0, 0, 0, -1]), np.zeros(4), pa.table({"account_id": pa.array([], pa.string())}))
    templates = pa.table(
        {
            "account_id": ["a0", "a0", "a1", "a1", "a2", "a2", "x", "x"],
            "template_key": ["T", "rare", "T", "rare", "own", "public", "public", "chat"],
            "exchanges": [60, 20, 50, 50, 10, 30, 5, 95],
        }
    )
    attachment = dict(zip(accounts.to_pylist(), campaign_attachment(links, templates, SETTINGS), strict=True))
    # "T" and "rare" only members open: they count; "own" is one member's alone, and "public"
    # is opened by an outsider too, as a proxy's honest customers share phrasings with people
    assert attachment == {"a0": 1.0, "a1": 1.0, "a2": 0.0, "x": 0.0}


def test_a_phrasing_a_large_campaign_shares_with_honest_people_attaches_nobody() -> None:
    """The mechanism that cost precision at the reported scale: a proxy network's accounts
    carry honest customers' phrasings; an honest account placed near the campaign by a cloud
    network it shares must not be attached by those phrasings, however many members use them."""
    members = [f"p{i}" for i in range(200)]
    honest = [f"h{i}" for i in range(30)]
    accounts = pa.array([*members, *honest, "dev"])
    campaign = np.array([0] * 200 + [-1] * 30 + [0])  # dev: attached by a shared /24 only
    links = Links(accounts, campaign, np.zeros(len(accounts)), pa.table({"account_id": pa.array([], pa.string())}))
    rows = [(p, "ATTACK", 50) for p in members] + [(p, "popular-chat", 5) for p in members]
    rows += [(h, "popular-chat", 40) for h in honest] + [("dev", "popular-chat", 60), ("dev", "mine", 40)]
    templates = pa.table(
        {"account_id": [r[0] for r in rows], "template_key": [r[1] for r in rows], "exchanges": [r[2] for r in rows]}
    )
    attachment = dict(zip(accounts.to_pylist(), campaign_attachment(links, templates, SETTINGS), strict=True))
    assert attachment["dev"] == 0.0 and attachment["p0"] == pytest.approx(50 / 55)
    # the same phrasing, opened by members only, is the campaign's own
    only_members = templates.filter(pa.compute.invert(pa.compute.match_substring(templates.column("account_id"), "h")))
    again = dict(zip(accounts.to_pylist(), campaign_attachment(links, only_members, SETTINGS), strict=True))
    assert again["dev"] == pytest.approx(0.6)


def test_a_template_whose_openers_are_mostly_honest_links_nobody() -> None:
    # t0..t8 are risky heavy users of a phrasing (a proxy network's accounts carrying honest
    # customers' traffic); five honest people open it too, a little each
    accounts = pa.array([*(f"t{i}" for i in range(9)), *(f"h{i}" for i in range(5))])
    risk = np.array([0.7] * 9 + [0.1] * 5)
    rows = [(f"t{i}", "P", 50) for i in range(9)] + [(f"h{i}", "P", 1) for i in range(5)]
    rows += [(f"h{i}", f"own-{i}", 100) for i in range(5)]
    templates = pa.table(
        {
            "account_id": [r[0] for r in rows],
            "template_key": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "exchanges": [r[2] for r in rows],
        }
    )
    signal = pa.table({"template_key": ["P"], "harvest": [0.0], "generic": [False]})
    users = template_users(templates, Linking(template_min_share=0.005, template_min_exchanges=1))
    assert pa.compute.sum(pa.compute.equal(users.column("template_key"), "P")).as_py() == 14
    # weighted by traffic the risky users are 99% of it, and their median risk is high ...
    assert (
        suspicious_templates(users, templates, accounts, risk, signal, Linking(template_min_risky_users=0.0)).num_rows
        == 1
    )
    # ... but counted one account each, five in fourteen are honest: the phrasing is public
    assert suspicious_templates(users, templates, accounts, risk, signal, SETTINGS).num_rows == 0


def _cohort_world():
    """Three groups of accounts, none sharing infrastructure:

    - q0..q9: a quiet campaign; each draws its conversations from a private pool of twelve
      phrasings (P*) that ask for reasoning, plus a few of its own;
    - c*: a class on one problem set: also a private pool (S*), asking for nothing harmful;
    - h*: chat users who share rare phrasings with each other *and* with strangers (x*).
    """
    rows = []
    for q in range(10):
        rows += [(f"q{q}", f"P{(q + k) % 12}", 3) for k in range(11)] + [(f"q{q}", f"own-q{q}", 4)]
    for c in range(6):
        rows += [(f"c{c}", f"S{(c + k) % 10}", 3) for k in range(6)] + [(f"c{c}", f"own-c{c}", 6)]
    for h in range(6):
        rows += [(f"h{h}", f"R{(h + k) % 8}", 2) for k in range(5)] + [(f"h{h}", f"own-h{h}", 30)]
    for x in range(12):  # strangers: each R template has three more users outside the h group
        rows += [(f"x{x}", f"R{(x + k) % 8}", 2) for k in range(2)] + [(f"x{x}", f"own-x{x}", 30)]
    openers = pa.table(
        {
            "account_id": [r[0] for r in rows],
            "template_key": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "exchanges": [r[2] for r in rows],
        }
    )
    accounts = pa.array(sorted({r[0] for r in rows}))
    risk = np.array([0.3 if a.startswith("q") else 0.05 for a in accounts.to_pylist()])
    keys = sorted({r[1] for r in rows})
    content = pa.table({"template_key": keys, "elicits": [0.8 if k.startswith("P") else 0.0 for k in keys]})
    return openers, accounts, risk, content


def _cohorts(engine: Engine, openers, accounts, risk, content, settings=SETTINGS):
    pairs = engine.table(cohort_pairs_sql(engine.register_arrow("openers", openers), settings))
    return cohort_templates(pairs, openers, content, accounts, risk, settings)


def _members(cohorts, prefix: str) -> set[str]:
    return {a for a in cohorts.users.column("account_id").to_pylist() if a.startswith(prefix)}


def test_a_cohort_is_linked_by_templates_only_it_uses_and_what_they_ask(engine: Engine) -> None:
    cohorts = _cohorts(engine, *_cohort_world())
    assert _members(cohorts, "q") == {f"q{q}" for q in range(10)}
    risk = cohorts.templates.column("risk").to_numpy()
    assert {key[0] for key in cohorts.templates.column("template_key").to_pylist()} == {"P"}
    assert risk.min() >= 0.8  # reasoning asks from a private pool: a quiet campaign
    # the class on one problem set is a cohort too, but asks for nothing that harvests: no link
    found = sorted((summary["accounts"], summary["linked"]) for summary in cohorts.summary)
    assert found == [(6, False), (10, True)]
    assert not _members(cohorts, "c")
    # rare phrasings shared with strangers make no cohort at all
    assert not _members(cohorts, "h") and not _members(cohorts, "x")


def test_an_account_on_the_cohort_templates_joins_even_without_a_close_pair(engine: Engine) -> None:
    openers, accounts, risk, content = _cohort_world()
    # one more quiet account: only two of the pool's phrasings, too few to pair it with anyone
    extra = pa.table(
        {"account_id": ["q10"] * 3, "template_key": ["P1", "P5", "own-q10"], "n": [3, 3, 10], "exchanges": [3, 3, 10]}
    )
    openers = pa.concat_tables([openers, extra])
    accounts = pa.array(sorted([*accounts.to_pylist(), "q10"]))
    risk = np.array([0.3 if a.startswith("q") else 0.05 for a in accounts.to_pylist()])
    assert "q10" in _members(_cohorts(engine, openers, accounts, risk, content), "q")


def test_a_weak_indicator_alone_does_not_make_a_member() -> None:
    # a0..a2 share the campaign template; x0 only shares their cloud /24, y0 shares the /24 and
    # opens some conversations the campaign's way; s0..s1 met only in one sign-up hour
    accounts = pa.array(["a0", "a1", "a2", "s0", "s1", "x0", "y0"])
    edges = pa.table(
        {
            "account_id": ["a0", "a1", "a2", "x0", "y0", "a0", "s0", "s1"],
            "kind": ["template", "template", "template", "network", "network", "network", "signup", "signup"],
            "indicator": ["T", "T", "T", "net", "net", "net", "hour", "hour"],
        }
    )
    links = Links(accounts, np.array([0, 0, 0, 1, 1, 0, 0]), np.zeros(7), edges)
    attachment = np.array([0.9, 0.9, 0.9, 0.0, 0.0, 0.0, 0.1])
    confirmed = confirm_weak_members(links, attachment, SETTINGS)
    assert confirmed.campaign.tolist() == [0, 0, 0, -1, -1, -1, 0]
    assert set(confirmed.edges.column("account_id").to_pylist()) == {"a0", "a1", "a2", "y0"}
    assert confirmed.attachment.tolist() == [0.9, 0.9, 0.9, 0.0, 0.0, 0.0, 0.1]


def test_a_benchmark_run_by_several_teams_is_not_a_harvesting_cohort(engine: Engine) -> None:
    openers, accounts, risk, _ = _cohort_world()
    keys = sorted(set(openers.column("template_key").to_pylist()))
    # the class's problem set now asks for step-by-step answers: alone, that links it
    asks = [0.9 if k.startswith(("P", "S")) else 0.0 for k in keys]
    content = pa.table({"template_key": keys, "elicits": asks})
    assert _members(_cohorts(engine, openers, accounts, risk, content), "c")
    # ... but when most of its openers re-send an identical request at temperature 0, as a
    # benchmark does, the asks teach nothing new and the group links nobody
    repeats = [0.8 if k.startswith("S") else 0.0 for k in keys]
    content = content.append_column("greedy_repeats", pa.array(repeats))
    cohorts = _cohorts(engine, openers, accounts, risk, content)
    assert not _members(cohorts, "c") and _members(cohorts, "q")


def test_campaign_ids_follow_their_members_not_their_rank() -> None:
    known = {"C0003": {"a", "b", "c", "d"}, "C0009": {"x", "y"}}
    # the campaign of a..d grew and is now second by size; x, y merged into a bigger one
    campaigns = [{"p", "q", "r", "s", "t", "x", "y"}, {"a", "b", "c", "d", "e"}, {"m", "n", "o"}]
    assert stable_ids(campaigns, known) == ["C0009", "C0003", "C0010"]
    # a weak overlap (less than half of the smaller side) does not inherit a name
    assert stable_ids([{"a", "k", "l", "m", "n"}], {"C0001": {"a", "b", "c"}}) == ["C0002"]
    assert stable_ids([{"a"}], {}) == ["C0001"]
