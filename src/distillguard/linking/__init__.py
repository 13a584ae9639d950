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


def link(
    accounts: pa.Array,
    risk: np.ndarray,
    users: pa.Table,
    linking_templates: pa.Table,
    infrastructure: pa.Table,
    settings: Linking,
) -> Links:
    """Connected components of the account-indicator graph, keeping those large enough.

    ``infrastructure`` is (account_id, kind, indicator); its edges only join accounts whose
    own risk reaches ``risky_account``.
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
        positions = pc.index_in(infrastructure.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
        known = ~np.isnan(positions.astype(float))
        risky = np.zeros(len(positions), dtype=bool)
        risky[known] = risk[positions[known].astype(int)] >= settings.risky_account
        shared = infrastructure.filter(pa.array(risky))
        # an indicator held by a single risky account links nothing
        counts = shared.group_by(["kind", "indicator"]).aggregate([("account_id", "count_distinct")])
        multi = counts.filter(pc.greater_equal(counts.column("account_id_count_distinct"), 2))
        keys = pc.binary_join_element_wise(multi.column("kind"), multi.column("indicator"), "\x1f")
        shared_keys = pc.binary_join_element_wise(shared.column("kind"), shared.column("indicator"), "\x1f")
        edges = pa.concat_tables(
            [edges, shared.filter(pc.is_in(shared_keys, value_set=keys)).select(edges.column_names)]
        )
    n_accounts = len(accounts)
    campaign = np.full(n_accounts, -1, dtype=np.int64)
    attachment = np.zeros(n_accounts)
    if edges.num_rows == 0:
        return Links(accounts, campaign, attachment, edges)
    account_index = (
        pc.index_in(edges.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False).astype(int)
    )
    indicator_keys = pc.binary_join_element_wise(edges.column("kind"), edges.column("indicator"), "\x1f")
    indicator_ids, indicator_index = np.unique(indicator_keys.to_numpy(zero_copy_only=False), return_inverse=True)
    size = n_accounts + len(indicator_ids)
    graph = coo_matrix((np.ones(len(account_index)), (account_index, n_accounts + indicator_index)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    account_labels = labels[:n_accounts]
    linked = np.zeros(n_accounts, dtype=bool)
    linked[account_index] = True
    members = np.bincount(account_labels[linked], minlength=labels.max() + 1)
    big = members >= settings.campaign_min_accounts
    keep = linked & big[account_labels]
    # campaigns numbered 0.. by size, largest first, so ids are stable for the same input
    order = np.argsort(-members, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    campaign[keep] = rank[account_labels[keep]]
    dense = {old: new for new, old in enumerate(sorted(set(campaign[keep].tolist())))}
    campaign[keep] = [dense[c] for c in campaign[keep].tolist()]
    # attachment: the share of the account's traffic on templates that link its campaign
    template_share = users.filter(
        pc.is_in(users.column("template_key"), value_set=linking_templates.column("template_key"))
    )
    if template_share.num_rows:
        per_account = template_share.group_by("account_id").aggregate([("share", "sum")])
        positions = pc.index_in(per_account.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
        attachment[positions.astype(int)] = per_account.column("share_sum").to_numpy()
    member_ids = pc.take(accounts, pa.array(np.flatnonzero(keep)))
    edges = edges.filter(pc.is_in(edges.column("account_id"), value_set=member_ids))
    return Links(accounts, campaign, np.minimum(attachment, 1.0), edges)
