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

from distillguard.engines.base import Dialect
from distillguard.settings import Linking


def partial_queries(
    source: str, harvest_signals: tuple[str, ...], threshold: float, dialect: Dialect
) -> dict[str, str]:
    """What linking needs of one slice of traffic (relation ``source``, exchanges joined with
    their signals: see :func:`distillguard.profiles.joined_sql`), summaries that add up."""
    harvest = "greatest(" + ", ".join(harvest_signals) + ")"
    network = dialect.regexp_extract("client_ip", "^(\\d+\\.\\d+\\.\\d+)\\.", 1)
    return {
        # `n` counts the conversations a template opened, `exchanges` every exchange of them
        "template_use": (
            f"WITH conversations AS (SELECT account_id, conversation_id, count(*) AS size FROM {source} "
            "WHERE conversation_id IS NOT NULL GROUP BY account_id, conversation_id) "
            "SELECT j.account_id, j.template_key, count(*) AS n, CAST(sum(coalesce(c.size, 1)) AS BIGINT) AS exchanges "
            f"FROM {source} j LEFT JOIN conversations c "
            "ON c.account_id = j.account_id AND c.conversation_id = j.conversation_id "
            "WHERE j.turn = 0 GROUP BY j.account_id, j.template_key"
        ),
        "template_signals": (
            f"SELECT template_key, count(*) AS n, {dialect.count_if('turn = 0')} AS openers, "
            f"{dialect.count_if(f'{harvest} >= {threshold}')} AS harvest_on, "
            f"{dialect.count_if(f'greatest({harvest}, cot_elicitation) >= {threshold}')} AS elicits_on, "
            f"min(CASE WHEN template_generic THEN 1 ELSE 0 END) = 1 AS generic FROM {source} GROUP BY template_key"
        ),
        # a client network and fingerprint together: one address alone is too common (VPNs, NAT)
        "networks": (
            f"SELECT DISTINCT account_id, concat({network}, '.0/24|', coalesce(user_agent, '')) AS indicator "
            f"FROM {source} WHERE client_ip LIKE '%.%.%.%'"
        ),
        # exchanges per account, API key, end user and the template that opened their
        # conversation: what says which keys and end users carry a campaign's traffic
        "key_use": (
            "WITH openers AS (SELECT account_id, conversation_id, min(template_key) AS opened_with "
            f"FROM {source} WHERE turn = 0 AND conversation_id IS NOT NULL GROUP BY account_id, conversation_id) "
            "SELECT s.account_id, s.api_key_id, s.end_user_id, coalesce(o.opened_with, s.template_key) AS opened_with, "
            f"count(*) AS n FROM {source} s LEFT JOIN openers o "
            "ON o.account_id = s.account_id AND o.conversation_id = s.conversation_id "
            "GROUP BY s.account_id, s.api_key_id, s.end_user_id, coalesce(o.opened_with, s.template_key)"
        ),
        # each account's five exchanges that harvest most plainly: a campaign's examples
        "harvest_examples": (
            "SELECT account_id, exchange_id, harvest FROM (SELECT account_id, exchange_id, "
            f"{harvest} AS harvest, row_number() OVER (PARTITION BY account_id ORDER BY {harvest} DESC, "
            f"exchange_id) AS rank FROM {source}) WHERE rank <= 5"
        ),
    }


def template_use_sql(part: str) -> str:
    """The merged (account_id, template_key, n, exchanges) of every conversation opener."""
    return (
        "SELECT account_id, template_key, CAST(sum(n) AS BIGINT) AS n, CAST(sum(exchanges) AS BIGINT) AS exchanges "
        f"FROM {part} GROUP BY account_id, template_key"
    )


def template_content_sql(template_signals: str, requests: str) -> str:
    """Per template: how often it asks for content made to train on, and how often its openers
    re-send an identical request at temperature 0 (benchmark runs). ``requests`` is the merged
    catalogue histogram (account_id, template_key, request, n)."""
    return (
        "WITH repeats AS (SELECT template_key, sum(copies) - count(*) AS repeats FROM (SELECT template_key, "
        f"request, sum(n) AS copies FROM {requests} GROUP BY template_key, request) GROUP BY template_key) "
        "SELECT t.template_key, CAST(sum(t.harvest_on) AS DOUBLE) / sum(t.n) AS harvest, "
        "CAST(sum(t.elicits_on) AS DOUBLE) / sum(t.n) AS elicits, "
        "coalesce(max(r.repeats), 0) / greatest(sum(t.openers), 1) AS greedy_repeats, "
        f"min(CASE WHEN t.generic THEN 1 ELSE 0 END) = 1 AS generic FROM {template_signals} t "
        "LEFT JOIN repeats r ON r.template_key = t.template_key GROUP BY t.template_key"
    )


def infrastructure_sql(networks: str, accounts: str, dialect: Dialect) -> dict[str, str]:
    """(account_id, indicator) per kind of shared infrastructure; ``networks`` is the
    ``networks`` partial of every slice, ``accounts`` the accounts table."""
    signup_hour = dialect.format_hour("created_at")
    return {
        "network": f"SELECT DISTINCT account_id, indicator FROM {networks}",
        "payment": (
            f"SELECT account_id, payment_fingerprint AS indicator FROM {accounts} "
            "WHERE payment_fingerprint IS NOT NULL AND payment_fingerprint <> ''"
        ),
        # accounts created within the same hour from the same network and pathway
        "signup": (
            f"SELECT account_id, concat({signup_hour}, '|', coalesce(CAST(signup_asn AS VARCHAR), ''), '|', "
            f"coalesce(account_type, '')) AS indicator FROM {accounts} WHERE created_at IS NOT NULL"
        ),
    }


# Pairs of accounts that open conversations with the same rare templates (relation `openers`:
# account_id, template_key, n, exchanges for every conversation opener, generic ones left out).
# A template used by more than {max_users} accounts is too common to say anything about a pair.
COHORT_PAIRS_SQL = """
WITH users AS (SELECT template_key, count(*) AS users FROM {openers} GROUP BY template_key),
sizes AS (SELECT account_id, count(*) AS templates FROM {openers} GROUP BY account_id),
rare AS (
    SELECT o.account_id, o.template_key FROM {openers} o JOIN users u ON u.template_key = o.template_key
    WHERE u.users BETWEEN {min_users} AND {max_users}
),
pairs AS (
    SELECT a.account_id AS a, b.account_id AS b, count(*) AS shared
    FROM rare a JOIN rare b ON a.template_key = b.template_key AND a.account_id < b.account_id
    GROUP BY a.account_id, b.account_id HAVING count(*) >= {min_shared}
)
SELECT p.a, p.b, p.shared FROM pairs p
JOIN sizes sa ON sa.account_id = p.a JOIN sizes sb ON sb.account_id = p.b
WHERE p.shared / sqrt(sa.templates * sb.templates) >= {min_similarity}
"""


def cohort_pairs_sql(openers: str, settings: Linking) -> str:
    """The SQL of the candidate pairs of :func:`cohort_templates`, with the settings filled in."""
    return COHORT_PAIRS_SQL.format(
        openers=openers,
        min_users=settings.template_min_accounts,
        max_users=settings.cohort_max_users,
        min_shared=settings.cohort_min_shared,
        min_similarity=settings.cohort_min_similarity,
    )


# Templates that link accounts, from suspicious_templates or cohort_templates.
LINKING_TEMPLATES_SCHEMA = pa.schema([("template_key", pa.string()), ("users", pa.int64()), ("risk", pa.float64())])


@dataclass(frozen=True)
class Cohorts:
    """Groups of accounts linked by templates that only they use (see :func:`cohort_templates`)."""

    templates: pa.Table  # template_key, users, risk: the templates that link a cohort
    users: pa.Table  # account_id, template_key, n, exchanges, share: each member's use of them
    summary: list[dict]  # per cohort: accounts, templates, coverage, content, own_risk, risk


def cohort_templates(
    pairs: pa.Table,
    openers: pa.Table,
    content: pa.Table,
    accounts: pa.Array,
    risk: np.ndarray,
    settings: Linking,
) -> Cohorts:
    """Cohorts: accounts whose traffic runs on templates that nobody outside the group uses.

    A quiet campaign (old accounts, human pace, own addresses and cards, paraphrased prompts)
    shares no infrastructure and no single popular template; what gives it away is that its
    accounts draw on one private pool of phrasings. Honest people who happen to share rare
    templates share them with strangers too, so the test is *exclusivity*, which corrects for
    chance without a model of it:

    1. candidate groups are the connected components of ``pairs`` (accounts that share at least
       ``cohort_min_shared`` rare templates, see :data:`COHORT_PAIRS_SQL`);
    2. an account's coverage is the share of its exchanges in conversations opened with
       templates it shares only with the group (see :func:`_cohort_members`); every account, in
       the group or not, that reaches ``cohort_min_coverage`` is a member, the group grows by
       them, and it is a cohort when it has at least ``campaign_min_accounts`` members.

    Coordination alone is not harm (a class doing one problem set, a team with one prompt
    library), so a cohort's risk adds up its coordination (``cohort_risk``, scaled by the
    members' median coverage, full at ``cohort_full_coverage``), what its own templates ask
    for (``content``: template_key, elicits = share of their exchanges asking for reasoning or
    training data, less greedy_repeats = the share of openers that re-send an identical request
    at temperature 0, when given: eval harnesses of several teams run the same benchmark again
    and again, which teaches a harvester nothing) and the median own risk of its members.
    Coordination makes a campaign of harvesting, it is not harvesting itself: a cohort links
    only when content and own risk alone reach ``template_min_risk``.
    """
    empty = Cohorts(
        LINKING_TEMPLATES_SCHEMA.empty_table(), openers.schema.append(pa.field("share", pa.float64())).empty_table(), []
    )
    if pairs.num_rows == 0:
        return empty
    account_of_row = _positions(openers.column("account_id"), accounts)
    template_ids, template_of_row = np.unique(
        openers.column("template_key").to_numpy(zero_copy_only=False).astype(str), return_inverse=True
    )
    exchanges = openers.column("exchanges").to_numpy(zero_copy_only=False).astype(float)
    totals = np.bincount(account_of_row, weights=exchanges, minlength=len(accounts))
    users = np.bincount(template_of_row, minlength=len(template_ids))
    indexes = (_Index(account_of_row, len(accounts)), _Index(template_of_row, len(template_ids)))
    positions = pc.index_in(pa.array(template_ids), value_set=content.column("template_key"))
    elicits = pc.fill_null(pc.take(content.column("elicits"), positions), 0.0).to_numpy(zero_copy_only=False)
    if "greedy_repeats" in content.column_names:  # a benchmark re-sends its items; a harvest would learn nothing
        repeats = pc.fill_null(pc.take(content.column("greedy_repeats"), positions), 0.0)
        elicits = elicits * (1.0 - repeats.to_numpy(zero_copy_only=False))
    # candidate groups: components of the pair graph with enough accounts
    ends = np.concatenate([_positions(pairs.column("a"), accounts), _positions(pairs.column("b"), accounts)])
    half = pairs.num_rows
    graph = coo_matrix((np.ones(half), (ends[:half], ends[half:])), shape=(len(accounts), len(accounts)))
    _, component = connected_components(graph, directed=False)
    paired = np.unique(ends)
    labels, sizes = np.unique(component[paired], return_counts=True)
    linked: dict[str, tuple[int, float]] = {}
    linked_rows, summary = [], []
    for label in labels[sizes >= settings.campaign_min_accounts]:
        group = paired[component[paired] == label]
        for _ in range(3):  # grow the group by the accounts its own templates reveal, to a fixed point
            firm, rows, coverage = _cohort_members(
                group, template_of_row, account_of_row, exchanges, totals, users, indexes, settings
            )
            grown = np.union1d(group, firm)
            if len(grown) == len(group):
                break
            group = grown
        if len(firm) < settings.campaign_min_accounts:
            continue
        median_coverage = float(np.median(coverage))
        coordination = settings.cohort_risk * min(1.0, median_coverage / settings.cohort_full_coverage)
        asked = float(np.average(elicits[template_of_row[rows]], weights=exchanges[rows]))
        own_risk = float(np.median(risk[firm]))
        harvest = 1.0 - (1.0 - asked) * (1.0 - own_risk)
        cohort_risk = 1.0 - (1.0 - coordination) * (1.0 - harvest)
        templates = np.unique(template_of_row[rows])
        summary.append(
            {
                "accounts": len(firm),
                "templates": len(templates),
                "coverage": round(median_coverage, 4),
                "content": round(asked, 4),
                "own_risk": round(own_risk, 4),
                "risk": round(cohort_risk, 4),
                "linked": harvest >= settings.template_min_risk,
            }
        )
        if harvest < settings.template_min_risk:
            continue  # coordinated, but on nothing that harvests: one team's prompt library
        for template in templates:
            linked[str(template_ids[template])] = (int(users[template]), cohort_risk)
        linked_rows.append(rows)
    if not linked_rows:
        return empty
    rows = np.unique(np.concatenate(linked_rows))
    share = exchanges[rows] / np.maximum(totals[account_of_row[rows]], 1)
    return Cohorts(
        pa.table(
            {
                "template_key": list(linked),
                "users": [value[0] for value in linked.values()],
                "risk": [value[1] for value in linked.values()],
            },
            schema=LINKING_TEMPLATES_SCHEMA,
        ),
        openers.take(pa.array(rows)).append_column("share", pa.array(share)),
        summary,
    )


def _cohort_members(
    group: np.ndarray,
    template_of_row: np.ndarray,
    account_of_row: np.ndarray,
    exchanges: np.ndarray,
    totals: np.ndarray,
    users: np.ndarray,
    indexes: tuple[_Index, _Index],
    settings: Linking,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The members of a group and the opener rows that make them so.

    For each account, a template is the group's own when someone else uses it and at least
    ``cohort_exclusive_share`` of its *other* users are in the group: a phrasing this account
    shares only with members. Any account (in the group or not: one whose overlap with each
    single member was too small to pair it with anyone) is a member when at least ``cohort_min_templates`` such
    templates carry ``cohort_min_coverage`` of its exchanges. Returns (members, their rows on
    own templates, their coverage)."""
    rows_of_account, rows_of_template = indexes
    in_group = np.zeros(len(totals), dtype=bool)
    in_group[group] = True
    inside = np.bincount(template_of_row[rows_of_account.rows(group)], minlength=len(users))
    # templates where even an outsider's row could pass: its other users mostly in the group
    touched = np.flatnonzero((inside >= 1) & (inside >= settings.cohort_exclusive_share * (users - 1)))
    rows = rows_of_template.rows(touched)
    others = users[template_of_row[rows]] - 1
    members_among_others = inside[template_of_row[rows]] - in_group[account_of_row[rows]]
    rows = rows[(members_among_others >= 1) & (members_among_others >= settings.cohort_exclusive_share * others)]
    candidates, inverse = np.unique(account_of_row[rows], return_inverse=True)
    coverage = np.bincount(inverse, weights=exchanges[rows], minlength=len(candidates)) / np.maximum(
        totals[candidates], 1
    )
    distinct = np.bincount(inverse, minlength=len(candidates))  # rows are distinct (account, template)
    firm = (coverage >= settings.cohort_min_coverage) & (distinct >= settings.cohort_min_templates)
    return candidates[firm], rows[firm[inverse]], coverage[firm]


class _Index:
    """Rows grouped by a key (0..size-1): the rows of several keys at once, without a scan."""

    def __init__(self, key_of_row: np.ndarray, size: int):
        self.order = np.argsort(key_of_row, kind="stable")
        self.starts = np.searchsorted(key_of_row[self.order], np.arange(size + 1))

    def rows(self, keys: np.ndarray) -> np.ndarray:
        if len(keys) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([self.order[self.starts[k] : self.starts[k + 1]] for k in keys.tolist()])


def _positions(values: pa.Array | pa.ChunkedArray, accounts: pa.Array) -> np.ndarray:
    """Index of each value in ``accounts`` (every value must be there)."""
    return pc.index_in(values, value_set=accounts).to_numpy(zero_copy_only=False).astype(np.int64)


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
    users: pa.Table,
    openers: pa.Table,
    accounts: pa.Array,
    risk: np.ndarray,
    template_signal: pa.Table,
    settings: Linking,
) -> pa.Table:
    """Templates that link: used by enough accounts whose median risk, raised by the
    template's own harvest signal, reaches ``template_min_risk``. The harvest signal alone
    never qualifies a template: a suffix like "think step by step" is shared by many honest
    people. Its heavy users (``users``, see :func:`template_users`) must be risky on their own
    for ``template_min_risky_share`` of their weight, and every account that opened a
    conversation with it (``openers``: account_id, template_key) counts once too: at least
    ``template_min_risky_users`` of them must be risky. A proxy network carries honest
    customers' phrasings through thousands of risky accounts, which outweigh by traffic the
    honest heavy users of the same phrasing; counted one account each, they do not.
    Returns (template_key, users, risk)."""
    if users.num_rows == 0:
        return LINKING_TEMPLATES_SCHEMA.empty_table()
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
    combined = 1.0 - (1.0 - median_risk) * (
        1.0 - settings.template_signal_weight * pc.fill_null(signal, 0.0).to_numpy(zero_copy_only=False)
    )
    keep = (
        (grouped.column("users").to_numpy() >= settings.template_min_accounts)
        & (combined >= settings.template_min_risk)
        & (risky_share >= settings.template_min_risky_share)
        & (
            _risky_openers(grouped.column("template_key"), openers, accounts, risk, settings)
            >= settings.template_min_risky_users
        )
        & ~generic.to_numpy(zero_copy_only=False)
    )
    return pa.table(
        {
            "template_key": grouped.column("template_key").filter(pa.array(keep)),
            "users": grouped.column("users").filter(pa.array(keep)),
            "risk": pa.array(combined[keep]),
        }
    ).cast(LINKING_TEMPLATES_SCHEMA)


def _risky_openers(
    templates: pa.ChunkedArray, openers: pa.Table, accounts: pa.Array, risk: np.ndarray, settings: Linking
) -> np.ndarray:
    """Per template (in ``templates`` order): the share of accounts that opened a conversation
    with it that are risky on their own."""
    keys = openers.column("template_key")
    wanted = pc.is_in(keys, value_set=templates)
    chosen = openers.filter(wanted)
    positions = pc.index_in(chosen.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
    risky = risk[positions.astype(np.int64)] >= settings.risky_account
    index = pc.index_in(chosen.column("template_key"), value_set=templates).to_numpy(zero_copy_only=False)
    index = index.astype(np.int64)
    totals = np.bincount(index, minlength=len(templates))
    return np.bincount(index, weights=risky, minlength=len(templates)) / np.maximum(totals, 1)


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
    """Infrastructure rows of risky accounts, for indicators that at least two of them hold.
    A weak indicator may only attach (see :func:`link`) and needs traffic the campaign's way
    to hold (see :func:`confirm_weak_members`), so it asks less own risk (``attach_min_risk``)."""
    positions = pc.index_in(infrastructure.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
    known = ~np.isnan(positions.astype(float))
    risky = np.zeros(len(positions), dtype=bool)
    weak = ~pc.is_in(infrastructure.column("kind"), value_set=pa.array(STRONG_KINDS)).to_numpy(zero_copy_only=False)
    floor = np.where(weak, settings.attach_min_risk, settings.risky_account)
    risky[known] = risk[positions[known].astype(int)] >= floor[known]
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


def confirm_weak_members(links: Links, attachment: np.ndarray, settings: Linking) -> Links:
    """Links without the members that only a weak indicator placed and that share none of the
    campaign's traffic: a cloud /24 or a sign-up hour in common with a campaign is a lead, not
    membership, unless the account also opens conversations the way the campaign does
    (``attachment`` > 0, see :func:`campaign_attachment`). Campaigns left too small dissolve;
    the rest are renumbered in their order."""
    kinds = links.edges.column("kind")
    strong = pc.is_in(
        links.accounts,
        value_set=links.edges.filter(pc.is_in(kinds, value_set=pa.array(STRONG_KINDS))).column("account_id"),
    ).to_numpy(zero_copy_only=False)
    campaign = np.where((links.campaign >= 0) & ~strong & (attachment <= 0), -1, links.campaign)
    if campaign.max(initial=-1) >= 0:
        sizes = np.bincount(campaign[campaign >= 0])
        campaign = np.where(
            (campaign >= 0) & (sizes[np.maximum(campaign, 0)] < settings.campaign_min_accounts), -1, campaign
        )
    kept = np.unique(campaign[campaign >= 0])
    campaign = np.where(campaign >= 0, np.searchsorted(kept, campaign), -1)
    members = pc.filter(links.accounts, pa.array(campaign >= 0))
    edges = links.edges.filter(pc.is_in(links.edges.column("account_id"), value_set=members))
    return Links(links.accounts, campaign, np.where(campaign >= 0, attachment, 0.0), edges)


def stable_ids(campaigns: list[set[str]], known: dict[str, set[str]]) -> list[str]:
    """An id per campaign that survives rescans: each takes the id of the known campaign it
    shares most accounts with, when they share at least half of the smaller one (largest
    overlaps first, each known id once); the rest get new ids after the highest known one.
    So a campaign found yesterday keeps its name today as it grows, loses members or merges.

    >>> stable_ids([{"a", "b", "c"}, {"x", "y"}, {"p", "q"}], {"C0007": {"a", "b"}, "C0002": {"y", "z"}})
    ['C0007', 'C0002', 'C0008']
    """
    overlaps = []
    for index, members in enumerate(campaigns):
        for campaign_id, previous in known.items():
            shared = len(members & previous)
            if shared and shared * 2 >= min(len(members), len(previous)):
                overlaps.append((-shared, campaign_id, index))
    ids: list[str | None] = [None] * len(campaigns)
    taken = set()
    for _, campaign_id, index in sorted(overlaps):
        if ids[index] is None and campaign_id not in taken:
            ids[index] = campaign_id
            taken.add(campaign_id)
    number = max((int(campaign_id[1:]) for campaign_id in known if campaign_id[1:].isdigit()), default=0)
    for index, assigned in enumerate(ids):
        if assigned is None:
            number += 1
            ids[index] = f"C{number:04d}"
    return [str(campaign_id) for campaign_id in ids]


def campaign_attachment(links: Links, templates: pa.Table, settings: Linking) -> np.ndarray:
    """Each member's share of traffic in conversations opened with its campaign's *own*
    templates, whether or not they link on their own: a proxy account's attack traffic often
    runs through template variants too rare to link anything, yet only its campaign uses them.
    A template is the campaign's own for a member when other members open conversations with
    it too and they are at least ``own_template_share`` of its other openers: the phrasings a
    proxy network's honest customers share with honest people elsewhere are nobody's own, so
    an honest account that came near a large campaign (a cloud network in common) is not
    attached by them. A phrasing counts in full where it is a real part of the account's
    traffic (``template_min_share``, as for linking) and less below: a reseller's thousands of
    customers touch many phrasings a little each. ``templates`` is (account_id, template_key,
    exchanges) for every opener; accounts in no campaign get 0."""
    own = _own_phrasings(links, templates, settings)
    attachment = np.zeros(len(links.accounts))
    np.add.at(attachment, own.rows, own.exchanges * own.weight)
    return np.divide(attachment, own.totals, out=np.zeros_like(attachment), where=own.totals > 0)


def own_templates(links: Links, templates: pa.Table, settings: Linking) -> pa.Table:
    """(campaign, template_key): each campaign's own templates (see :func:`campaign_attachment`)."""
    own = _own_phrasings(links, templates, settings)
    pairs = sorted(set(zip(own.campaign.tolist(), own.keys.tolist(), strict=True)))
    return pa.table(
        {"campaign": pa.array([p[0] for p in pairs], pa.int64()), "template_key": pa.array([p[1] for p in pairs])}
    )


@dataclass(frozen=True)
class _Own:
    rows: np.ndarray  # account index of each opener row on an own template
    campaign: np.ndarray
    keys: np.ndarray
    exchanges: np.ndarray
    weight: np.ndarray
    totals: np.ndarray  # exchanges per account, over all its openers


def _own_phrasings(links: Links, templates: pa.Table, settings: Linking) -> _Own:
    positions = pc.index_in(templates.column("account_id"), value_set=links.accounts).to_numpy(zero_copy_only=False)
    known = ~np.isnan(positions.astype(float))
    rows = positions[known].astype(int)
    campaign = links.campaign[rows]
    exchanges = templates.column("exchanges").to_numpy(zero_copy_only=False).astype(float)[known]
    keys = templates.column("template_key").to_numpy(zero_copy_only=False)[known].astype(str)
    totals = np.bincount(rows, weights=exchanges, minlength=len(links.accounts))
    member = campaign >= 0
    if not member.any():
        empty = np.zeros(0)
        return _Own(empty.astype(int), empty.astype(int), empty.astype(str), empty, empty, totals)
    # openers of each template, and members of the same campaign among them
    _, template_of_row, openers = np.unique(keys, return_inverse=True, return_counts=True)
    pairs = np.char.add(campaign[member].astype(str), np.char.add("\x1f", keys[member]))
    _, inverse, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    other_members = counts[inverse] - 1
    other_openers = openers[template_of_row[member]] - 1
    own = (other_members >= 1) & (other_members >= settings.own_template_share * other_openers)
    share = exchanges[member] / np.maximum(totals[rows[member]], 1)
    weight = np.minimum(share / settings.template_min_share, 1.0)
    return _Own(
        rows[member][own], campaign[member][own], keys[member][own], exchanges[member][own], weight[own], totals
    )


def attribution_sql(key_use: str, members: str, campaign_templates: str, dialect: Dialect) -> str:
    """Per campaign member, API key and end user (``key_use``: the partials of every slice):
    its exchanges, and those in conversations opened with its campaign's templates
    (``campaign_templates``: campaign_id, template_key; the templates that link it and its
    own). A proxy account carries honest customers too: this says which of its keys and end
    users are the campaign's, to act on them alone."""
    return (
        "SELECT k.account_id, m.campaign_id, k.api_key_id, k.end_user_id, CAST(sum(k.n) AS BIGINT) AS exchanges, "
        "CAST(sum(CASE WHEN c.template_key IS NOT NULL THEN k.n ELSE 0 END) AS BIGINT) AS campaign_exchanges "
        f"FROM {key_use} k JOIN {members} m ON m.account_id = k.account_id "
        f"LEFT JOIN {campaign_templates} c ON c.campaign_id = m.campaign_id AND c.template_key = k.opened_with "
        "GROUP BY k.account_id, m.campaign_id, k.api_key_id, k.end_user_id"
    )


def campaign_queries(members: str, profiles: str, capabilities: str, examples: str, edges: str) -> dict[str, str]:
    """What a campaign's findings row says, from what the scan has already summarised: the
    members (account_id, campaign_id), their ``profiles`` (exchanges, first_seen, last_seen),
    the merged ``capabilities`` histogram (account_id, capability, n), the ``harvest_examples``
    partials and the ``edges`` (account_id, kind, indicator: what linked each). No pass over
    the traffic: a campaign of millions of exchanges costs what its members' summaries do."""
    return {
        "overview": (
            "SELECT m.campaign_id, CAST(sum(p.exchanges) AS BIGINT) AS exchanges, min(p.first_seen) AS first_seen, "
            f"max(p.last_seen) AS last_seen FROM {profiles} p JOIN {members} m ON m.account_id = p.account_id "
            "GROUP BY m.campaign_id"
        ),
        # the four capabilities with most exchanges
        "capabilities": (
            "SELECT campaign_id, capability, share FROM (SELECT campaign_id, capability, "
            "CAST(n AS DOUBLE) / sum(n) OVER (PARTITION BY campaign_id) AS share, "
            "row_number() OVER (PARTITION BY campaign_id ORDER BY n DESC, capability) AS rank FROM ("
            f"SELECT m.campaign_id, h.capability, sum(h.n) AS n FROM {capabilities} h JOIN {members} m "
            "ON m.account_id = h.account_id GROUP BY m.campaign_id, h.capability)) WHERE rank <= 4 "
            "ORDER BY campaign_id, share DESC, capability"
        ),
        # the twelve indicators most members share
        "indicators": (
            "SELECT campaign_id, kind, value, accounts FROM (SELECT campaign_id, kind, value, accounts, "
            "row_number() OVER (PARTITION BY campaign_id ORDER BY accounts DESC, value) AS rank FROM ("
            "SELECT m.campaign_id, e.kind, e.indicator AS value, count(DISTINCT e.account_id) AS accounts "
            f"FROM {edges} e JOIN {members} m ON m.account_id = e.account_id "
            "GROUP BY m.campaign_id, e.kind, e.indicator)) WHERE rank <= 12 ORDER BY campaign_id, rank"
        ),
        # the five exchanges that harvest most plainly (each account's five, of every slice)
        "examples": (
            "SELECT campaign_id, exchange_id FROM (SELECT m.campaign_id, x.exchange_id, row_number() OVER "
            "(PARTITION BY m.campaign_id ORDER BY x.harvest DESC, x.exchange_id) AS rank "
            f"FROM {examples} x JOIN {members} m ON m.account_id = x.account_id) "
            "WHERE rank <= 5 ORDER BY campaign_id, rank"
        ),
    }
