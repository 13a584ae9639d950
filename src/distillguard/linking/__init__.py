"""Cross-account linking: accounts joined through shared indicators into campaigns.

Accounts and indicators (a rare template, a payment fingerprint, a /24 prefix with one client
fingerprint, a sign-up burst) form a bipartite graph; campaigns are its connected components.
Working on the bipartite graph keeps the cost linear in (account, indicator) pairs: 20,000
accounts on one template are 20,000 edges, not 200 million.

What may form an edge is where the care goes (see data/settings.yaml, ``linking``):
- a template links the accounts that *use* it (a real share of their traffic), only when
  enough accounts use it and they are risky together, so popular human prompts and one
  company's batch template link nobody;
- infrastructure links only accounts that are risky on their own, so the honest customers of
  a proxy, or the employees behind one VPN, are never pulled in through an address.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from distillguard.settings import Linking

# Relation names the SQL below expects: `joined` (exchanges with signals), `accounts`.
INFRASTRUCTURE_SQL = {
    # a client network and fingerprint together: one address alone is too common (VPNs, NAT)
    "network": (
        "SELECT account_id, concat(regexp_extract(client_ip, '^(\\d+\\.\\d+\\.\\d+)\\.', 1), '.0/24|', "
        "coalesce(user_agent, '')) AS indicator, count(*) AS n FROM joined "
        "WHERE client_ip LIKE '%.%.%.%' GROUP BY account_id, indicator"
    ),
    "payment": (
        "SELECT account_id, payment_fingerprint AS indicator, 1 AS n FROM accounts "
        "WHERE payment_fingerprint IS NOT NULL AND payment_fingerprint <> ''"
    ),
    # accounts created within the same hour from the same network and pathway
    "signup": (
        "SELECT account_id, concat(strftime(created_at, '%Y-%m-%dT%H'), '|', "
        "coalesce(CAST(signup_asn AS VARCHAR), ''), '|', coalesce(account_type, '')) AS indicator, 1 AS n "
        "FROM accounts WHERE created_at IS NOT NULL"
    ),
}


@dataclass(frozen=True)
class Links:
    """The outcome of linking: a campaign label per account (-1 = none) and the evidence."""

    accounts: pa.Array  # account ids, in the order of the arrays below
    campaign: np.ndarray  # campaign index per account, -1 when in no campaign
    attachment: np.ndarray  # share of the account's traffic on its campaign's templates
    edges: pa.Table  # account_id, kind, indicator: the indicators that linked each member


def template_users(templates: pa.Table, settings: Linking) -> pa.Table:
    """(account_id, template_key, n, exchanges, share) for accounts that really use a template.

    ``templates`` has per account and template the conversations it opened (``n``) and the
    exchanges of those conversations (``exchanges``); ``share`` is the share of the
    account's exchanges that went through the template's conversations.
    """
    totals = templates.group_by("account_id").aggregate([("exchanges", "sum")])
    positions = pc.index_in(templates.column("account_id"), value_set=totals.column("account_id"))
    total = pc.take(totals.column("exchanges_sum"), positions)
    share = pc.divide(pc.cast(templates.column("exchanges"), pa.float64()), pc.cast(total, pa.float64()))
    table = templates.append_column("share", share)
    keep = pc.and_(
        pc.greater_equal(table.column("share"), settings.template_min_share),
        pc.greater_equal(table.column("exchanges"), settings.template_min_exchanges),
    )
    return table.filter(keep)


def suspicious_templates(
    users: pa.Table, accounts: pa.Array, risk: np.ndarray, template_signal: pa.Table, settings: Linking
) -> pa.Table:
    """Templates that link: used by enough accounts whose median risk, raised by the
    template's own harvest signal, reaches ``template_min_risk``. The harvest signal alone
    never qualifies a template: a suffix like "think step by step" is shared by many honest
    people. Returns (template_key, users, risk)."""
    if users.num_rows == 0:
        return pa.table({"template_key": pa.array([], pa.string()), "users": [], "risk": []})
    positions = pc.index_in(users.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
    user_risk = risk[positions.astype(int)]
    share = users.column("share").to_numpy()
    # risky users weighted by how much of their traffic the template is: the heavy users of a
    # campaign template are its harvesters, while a proxy account that mixes in some campaign
    # traffic weighs little either way
    grouped = (
        users.append_column("risk", pa.array(user_risk))
        .append_column("risky_weight", pa.array(share * (user_risk >= settings.risky_account)))
        .group_by("template_key")
        .aggregate(
            [
                ("account_id", "count_distinct"),
                ("risk", "approximate_median"),
                ("risky_weight", "sum"),
                ("share", "sum"),
            ]
        )
        .rename_columns(["template_key", "users", "median_risk", "risky_weight", "weight"])
    )
    risky_share = grouped.column("risky_weight").to_numpy() / np.maximum(grouped.column("weight").to_numpy(), 1e-12)
    signal = pc.take(
        template_signal.column("harvest"),
        pc.index_in(grouped.column("template_key"), value_set=template_signal.column("template_key")),
    )
    generic = pc.fill_null(
        pc.take(
            template_signal.column("generic"),
            pc.index_in(grouped.column("template_key"), value_set=template_signal.column("template_key")),
        ),
        False,
    )
    median_risk = grouped.column("median_risk").to_numpy(zero_copy_only=False)
    combined = 1.0 - (1.0 - median_risk) * (1.0 - 0.5 * pc.fill_null(signal, 0.0).to_numpy(zero_copy_only=False))
    keep = (
        (grouped.column("users").to_numpy() >= settings.template_min_accounts)
        & (combined >= settings.template_min_risk)
        & (risky_share >= settings.template_min_risky_share)
        & ~generic.to_numpy(zero_copy_only=False)
    )
    return pa.table(
        {
            "template_key": grouped.column("template_key").filter(pa.array(keep)),
            "users": grouped.column("users").filter(pa.array(keep)),
            "risk": pa.array(combined[keep]),
        }
    )


# Indicators that say two accounts are run by the same hands: a harvesting template their heavy
# users share, one payment instrument. Network and sign-up coincidences are weaker: cloud /24s
# and sign-up hours are shared by strangers, so they attach accounts but never merge campaigns.
STRONG_KINDS = ("template", "payment")


def _components(account_index: np.ndarray, indicator_index: np.ndarray, n_accounts: int) -> np.ndarray:
    """Component label per account of the bipartite graph given as edge lists; -1 when alone."""
    n_indicators = int(indicator_index.max()) + 1 if len(indicator_index) else 0
    size = n_accounts + n_indicators
    graph = coo_matrix((np.ones(len(account_index)), (account_index, n_accounts + indicator_index)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    account_labels = labels[:n_accounts].astype(np.int64)
    linked = np.zeros(n_accounts, dtype=bool)
    linked[account_index] = True
    return np.where(linked, account_labels, -1)


def _risky_infrastructure(
    accounts: pa.Array, risk: np.ndarray, infrastructure: pa.Table, settings: Linking
) -> pa.Table:
    """Infrastructure rows of risky accounts, for indicators that at least two of them hold."""
    positions = pc.index_in(infrastructure.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
    known = ~np.isnan(positions.astype(float))
    risky = np.zeros(len(positions), dtype=bool)
    risky[known] = risk[positions[known].astype(int)] >= settings.risky_account
    shared = infrastructure.filter(pa.array(risky))
    counts = shared.group_by(["kind", "indicator"]).aggregate([("account_id", "count_distinct")])
    multi = counts.filter(pc.greater_equal(counts.column("account_id_count_distinct"), 2))
    keys = pc.binary_join_element_wise(multi.column("kind"), multi.column("indicator"), "\x1f")
    shared_keys = pc.binary_join_element_wise(shared.column("kind"), shared.column("indicator"), "\x1f")
    return shared.filter(pc.is_in(shared_keys, value_set=keys))


def link(
    accounts: pa.Array,
    risk: np.ndarray,
    users: pa.Table,
    linking_templates: pa.Table,
    infrastructure: pa.Table,
    settings: Linking,
) -> Links:
    """Campaigns from the account-indicator graph, keeping those large enough.

    Strong indicators (linking templates, payment instruments) form the campaigns as connected
    components. Weak ones (a network with one client fingerprint, a sign-up burst) then attach
    accounts that no strong indicator placed, to the campaign most of their co-holders are in,
    or group such accounts among themselves; they never join two campaigns. ``infrastructure``
    is (account_id, kind, indicator); it only counts for accounts whose own risk reaches
    ``risky_account``.
    """
    template_edges = users.filter(
        pc.is_in(users.column("template_key"), value_set=linking_templates.column("template_key"))
    )
    edges = pa.table(
        {
            "account_id": template_edges.column("account_id"),
            "kind": pa.array(["template"] * template_edges.num_rows, pa.string()),
            "indicator": template_edges.column("template_key"),
        }
    )
    if infrastructure.num_rows:
        edges = pa.concat_tables([edges, _risky_infrastructure(accounts, risk, infrastructure, settings)])
    n_accounts = len(accounts)
    campaign = np.full(n_accounts, -1, dtype=np.int64)
    attachment = np.zeros(n_accounts)
    if edges.num_rows == 0:
        return Links(accounts, campaign, attachment, edges)
    account_index = (
        pc.index_in(edges.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False).astype(int)
    )
    indicator_keys = pc.binary_join_element_wise(edges.column("kind"), edges.column("indicator"), "\x1f")
    _, indicator_index = np.unique(indicator_keys.to_numpy(zero_copy_only=False), return_inverse=True)
    strong = pc.is_in(edges.column("kind"), value_set=pa.array(STRONG_KINDS)).to_numpy(zero_copy_only=False)
    labels = _components(account_index[strong], indicator_index[strong], n_accounts)
    weak_accounts, weak_indicators = account_index[~strong], indicator_index[~strong]
    if len(weak_accounts):
        # each weak indicator votes for the campaign most of its placed holders are in
        placed = labels[weak_accounts] >= 0
        votes: dict[int, dict[int, int]] = {}
        for indicator, label in zip(
            weak_indicators[placed].tolist(), labels[weak_accounts[placed]].tolist(), strict=True
        ):
            votes.setdefault(indicator, {}).setdefault(label, 0)
            votes[indicator][label] += 1
        choice: dict[int, dict[int, int]] = {}
        for account, indicator in zip(weak_accounts[~placed].tolist(), weak_indicators[~placed].tolist(), strict=True):
            for label, count in votes.get(indicator, {}).items():
                choice.setdefault(account, {}).setdefault(label, 0)
                choice[account][label] += count
        for account, tally in choice.items():
            labels[account] = max(tally, key=lambda label: (tally[label], -label))
        # accounts still unplaced group among themselves through their weak indicators
        loose = labels[weak_accounts] < 0
        if loose.any():
            grouped = _components(weak_accounts[loose], weak_indicators[loose], n_accounts)
            fresh = grouped >= 0
            labels[fresh] = grouped[fresh] + labels.max() + 1
    linked = labels >= 0
    members = np.bincount(labels[linked], minlength=labels.max() + 1)
    keep = linked & (members >= settings.campaign_min_accounts)[np.maximum(labels, 0)]
    # campaigns numbered 0.. by size, largest first, so ids are stable for the same input
    order = np.argsort(-members, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    campaign[keep] = rank[labels[keep]]
    dense = {old: new for new, old in enumerate(sorted(set(campaign[keep].tolist())))}
    campaign[keep] = [dense[c] for c in campaign[keep].tolist()]
    # attachment: the share of the account's traffic on templates that link its campaign
    if template_edges.num_rows:
        per_account = template_edges.group_by("account_id").aggregate([("share", "sum")])
        positions = pc.index_in(per_account.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
        attachment[positions.astype(int)] = per_account.column("share_sum").to_numpy()
    member_ids = pc.take(accounts, pa.array(np.flatnonzero(keep)))
    edges = edges.filter(pc.is_in(edges.column("account_id"), value_set=member_ids))
    return Links(accounts, campaign, np.minimum(attachment, 1.0), edges)


def campaign_attachment(links: Links, templates: pa.Table) -> np.ndarray:
    """Each member's share of traffic in conversations opened with templates that another
    member of its campaign opens too, whether or not the template links on its own: a proxy
    account's attack traffic often runs through template variants too rare to link anything,
    yet its campaign uses them. ``templates`` is (account_id, template_key, exchanges) for
    every opener; accounts in no campaign get 0."""
    attachment = np.zeros(len(links.accounts))
    positions = pc.index_in(templates.column("account_id"), value_set=links.accounts).to_numpy(zero_copy_only=False)
    known = ~np.isnan(positions.astype(float))
    rows = positions[known].astype(int)
    campaign = links.campaign[rows]
    exchanges = templates.column("exchanges").to_numpy(zero_copy_only=False).astype(float)[known]
    keys = templates.column("template_key").to_numpy(zero_copy_only=False)[known]
    totals = np.bincount(rows, weights=exchanges, minlength=len(links.accounts))
    member = campaign >= 0
    if not member.any():
        return attachment
    # how many members of the same campaign open with each (campaign, template)
    pairs = np.char.add(campaign[member].astype(str), np.char.add("\x1f", keys[member].astype(str)))
    _, inverse, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    shared = counts[inverse] >= 2
    np.add.at(attachment, rows[member][shared], exchanges[member][shared])
    return np.divide(attachment, totals, out=np.zeros_like(attachment), where=totals > 0)
