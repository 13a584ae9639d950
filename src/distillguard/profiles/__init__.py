"""Per-account behavioural fingerprints: SQL that aggregates exchanges and their signals.

The core only *describes* the work, in two steps that make rescans incremental:

- :func:`partial_queries` summarise one slice of traffic (relation ``source``: exchanges
  joined with their signals, see :func:`joined_sql`) into sums, extremes, distinct-value
  lists and small histograms per account. A scan summarises each exchange file once and keeps
  the summaries in the workspace, so a new day of logs only adds the new files' summaries;
- :func:`merge_queries` add the summaries of all slices up (relations ``part_<name>``) into the
  profile, and :func:`finish_profiles` turns the few histograms that SQL cannot summarise
  portably (hour of day, capability) into features with numpy.

Engines execute the SQL. Everything adds up exactly across slices except what crosses a
file boundary: the gap between two files counts from the last exchange of one to the first of
the next, and a conversation continued in a later file counts there without its template.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Feature:
    """One account feature: its column name, how SQL computes it, and what it means."""

    name: str
    sql: str
    description: str


def _count(condition: str) -> str:
    return f"count(*) FILTER (WHERE {condition})"


def _total(column: str) -> str:
    return f"CAST(sum({column}) AS BIGINT)"  # a sum of integers stays an integer (not a 128-bit one)


def _rate(column: str) -> str:
    return f"CAST(sum({column}) AS DOUBLE) / greatest(sum(exchanges), 1)"


def _distinct(column: str) -> str:
    return f"len(list_distinct(flatten(list({column}))))"


def _values(column: str) -> str:
    return f"list(DISTINCT {column}) FILTER (WHERE {column} IS NOT NULL)"


# Per account and slice (relation `source`); BASE_FEATURES add them up (relation `part_base`).
BASE_PARTIAL: dict[str, str] = {
    "exchanges": "count(*)",
    "first_seen": "min(ts)",
    "last_seen": "max(ts)",
    "days": _values("CAST(ts AS DATE)"),
    "model_values": _values("model"),
    "output_tokens": "sum(output_tokens + reasoning_tokens)",
    "input_tokens": "sum(input_tokens)",
    "saturated": _count("max_tokens > 0 AND output_tokens + reasoning_tokens >= 0.9 * max_tokens"),
    "openers": _count("turn = 0"),
    "multi_sample": _count("n > 1"),
    "temperature_values": _values("temperature"),
    "reasoning_asked": _count("reasoning"),
    "with_tools": _count("tool_count > 0"),
    "with_images": _count("n_images > 0"),
    "failed": _count("status >= 400"),
    "prompt_chars": "sum(prompt_chars)",
    "ip_values": _values("client_ip"),
    "user_agent_values": _values("user_agent"),
    "end_user_values": _values("end_user_id"),
}

BASE_FEATURES: tuple[Feature, ...] = (
    Feature("exchanges", _total("exchanges"), "exchanges in the window"),
    Feature("first_seen", "min(first_seen)", "first exchange"),
    Feature("last_seen", "max(last_seen)", "last exchange"),
    Feature("active_days", _distinct("days"), "UTC days with any exchange"),
    Feature("models", _distinct("model_values"), "distinct models used"),
    Feature(
        "output_input_ratio",
        "CAST(sum(output_tokens) AS DOUBLE) / greatest(sum(input_tokens), 1)",
        "output (incl. reasoning) tokens per input token: harvesting buys outputs",
    ),
    Feature("max_tokens_saturation", _rate("saturated"), "share of answers that filled at least 90% of max_tokens"),
    Feature("single_turn_share", _rate("openers"), "share of exchanges that open a conversation"),
    Feature("multi_sample_share", _rate("multi_sample"), "share of requests asking for several samples (n > 1)"),
    Feature("distinct_temperatures", _distinct("temperature_values"), "distinct temperatures: sweeps for diverse data"),
    Feature("reasoning_share", _rate("reasoning_asked"), "share of requests that asked for reasoning / thinking"),
    Feature("tools_share", _rate("with_tools"), "share of requests carrying tool definitions"),
    Feature("images_share", _rate("with_images"), "share of requests carrying images"),
    Feature("error_share", _rate("failed"), "share of failed requests (429s from pushing limits)"),
    Feature("mean_prompt_chars", _rate("prompt_chars"), "mean prompt length"),
    Feature("distinct_ips", _distinct("ip_values"), "distinct client addresses"),
    Feature("distinct_user_agents", _distinct("user_agent_values"), "distinct client fingerprints"),
    Feature("distinct_end_users", _distinct("end_user_values"), "distinct end users (resellers, proxies)"),
)

# Gaps between an account's consecutive exchanges: within slices (relation `part_gaps`) and
# across them (from one slice's last exchange to the next one's first).
TIMING_FEATURES: tuple[Feature, ...] = (
    Feature("gap_mean_s", "sum(gap_sum) / sum(gaps)", "mean seconds between consecutive exchanges"),
    Feature(
        "gap_cv",
        "sqrt(greatest(sum(gap_squares) / sum(gaps) - pow(sum(gap_sum) / sum(gaps), 2), 0)) "
        "/ greatest(sum(gap_sum) / sum(gaps), 0.001)",
        "coefficient of variation of gaps: ~1 for random arrivals, <<1 for metronomic bots",
    ),
    Feature("burst_share", "CAST(sum(bursts) AS DOUBLE) / sum(gaps)", "share of gaps shorter than 2 s"),
)

# Features derived in numpy from histograms (see finish_profiles).
DERIVED_FEATURES: tuple[Feature, ...] = (
    Feature("hour_entropy", "", "entropy of the hour-of-day histogram, 0 (one hour) .. 1 (all hours alike)"),
    Feature("sleep_hours", "", "longest daily run of hours with under 2% of the account's activity"),
    Feature("capability_entropy", "", "entropy over capability areas, 0 = one area only"),
    Feature("top_capability", "", "the capability area with most exchanges"),
    Feature("top_capability_share", "", "share of exchanges in the top capability area"),
    Feature("top_template_share", "", "share of conversations opened with the account's most used template"),
    Feature("templates_per_1k", "", "distinct templates per 1000 conversations opened"),
    # a benchmark or regression run re-sends identical requests at temperature 0; a harvester
    # gains nothing from that, the answer is the same every time
    Feature(
        "greedy_repeat_share",
        "",
        "share of exchanges that open a conversation with an identical earlier request at temperature 0",
    ),
)

# From the accounts table (relation `accounts`) and the summaries (relation `part_base`).
ACCOUNT_FEATURES: tuple[Feature, ...] = (
    Feature("account_type", "any_value(a.account_type)", "sign-up pathway: individual, startup, education, ..."),
    Feature("verification", "any_value(a.verification)", "strongest verification: none, email, card, id, contract"),
    Feature(
        "account_age_days",
        "date_diff('day', any_value(a.created_at), min(p.first_seen))",
        "days between sign-up and the first exchange in the window",
    ),
    Feature(
        "weak_verification",
        "max(CASE WHEN a.verification IN ('none', 'email') THEN 1.0 ELSE 0.0 END)",
        "1 when the account was verified by e-mail at most (the pathways campaigns abuse)",
    ),
)


def signal_rate_features(signal_names: list[str]) -> tuple[Feature, ...]:
    """``<signal>_rate``: share of the account's exchanges where a 0..1 signal is on."""
    return tuple(
        Feature(f"{name}_rate", _rate(f"{name}_on"), f"share of exchanges where {name} is on") for name in signal_names
    )


def joined_sql(
    signal_columns: list[str], until: str | None = None, exchanges: str = "exchanges", signals: str = "signals"
) -> str:
    """Exchanges with their signals; ``until`` (an ISO timestamp) limits the window."""
    extra = ", ".join(f"s.{name}" for name in signal_columns)
    where = f"WHERE e.ts <= CAST('{until}' AS TIMESTAMP WITH TIME ZONE)" if until else ""
    return (
        "SELECT e.exchange_id, e.account_id, e.ts, e.model, e.turn, e.n, e.temperature, e.reasoning, "
        "e.system, e.prompt, e.max_tokens, e.output_tokens, e.input_tokens, e.reasoning_tokens, e.status, e.n_images, "
        "e.client_ip, e.asn, e.user_agent, e.end_user_id, e.api_key_id, e.conversation_id, "
        "len(e.tools) AS tool_count, "
        f"{extra} FROM {exchanges} e JOIN {signals} s ON e.exchange_id = s.exchange_id {where}"
    )


def partial_queries(rate_signals: list[str], harvest_signals: list[str], threshold: float) -> dict[str, str]:
    """SQL over relation ``source`` (one slice of traffic): the summaries that add up.

    ``rate_signals`` get a count of exchanges where they are on (at ``threshold``);
    ``harvest_signals`` are those that mark content made to train on, counted per template.
    """
    on = {name: _count(f"{name} >= {threshold}") for name in rate_signals}
    base = ", ".join(
        f"{sql} AS {name}" for name, sql in {**BASE_PARTIAL, **{f"{n}_on": c for n, c in on.items()}}.items()
    )
    harvest = "greatest(" + ", ".join(harvest_signals) + ")"
    return {
        "base": f"SELECT account_id, {base} FROM source GROUP BY account_id",
        "gaps": (
            "SELECT account_id, count(gap_s) AS gaps, sum(gap_s) AS gap_sum, sum(gap_s * gap_s) AS gap_squares, "
            f"{_count('gap_s < 2')} AS bursts FROM (SELECT account_id, "
            "epoch(ts) - epoch(lag(ts) OVER (PARTITION BY account_id ORDER BY ts)) AS gap_s FROM source) "
            "WHERE gap_s IS NOT NULL GROUP BY account_id"
        ),
        "hours": "SELECT account_id, hour(ts) AS hour, count(*) AS n FROM source GROUP BY account_id, hour(ts)",
        "capabilities": "SELECT account_id, capability, count(*) AS n FROM source GROUP BY account_id, capability",
        # A template is what opens a conversation: later turns carry tool results and follow-ups
        # ("Command output: ...", "Why?") that every agent and every chat shares. `n` counts the
        # conversations a template opened, `exchanges` every exchange of those conversations.
        "templates": (
            "WITH conversations AS (SELECT account_id, conversation_id, count(*) AS size FROM source "
            "WHERE conversation_id IS NOT NULL GROUP BY account_id, conversation_id) "
            "SELECT j.account_id, j.template_key, count(*) AS n, " + _total("coalesce(c.size, 1)") + " AS exchanges "
            "FROM source j LEFT JOIN conversations c "
            "ON c.account_id = j.account_id AND c.conversation_id = j.conversation_id "
            "WHERE j.turn = 0 GROUP BY j.account_id, j.template_key"
        ),
        # identical requests opening conversations at temperature 0, for the repeats of accounts
        # and templates
        "requests": (
            "SELECT account_id, template_key, hash(system, prompt) AS request, count(*) AS copies FROM source "
            "WHERE temperature = 0 AND turn = 0 GROUP BY account_id, template_key, request"
        ),
        "template_signals": (
            f"SELECT template_key, count(*) AS n, {_count('turn = 0')} AS openers, "
            f"{_count(f'{harvest} >= {threshold}')} AS harvest_on, "
            f"{_count(f'greatest({harvest}, cot_elicitation) >= {threshold}')} AS elicits_on, "
            "bool_and(template_generic) AS generic FROM source GROUP BY template_key"
        ),
    }


def merge_queries(rate_signals: list[str]) -> dict[str, str]:
    """SQL over the summaries of every slice (relations ``part_<name>`` of :func:`partial_queries`)
    and ``accounts``: the inputs of :func:`finish_profiles`, and the content of each template."""
    base = ", ".join(f"{f.sql} AS {f.name}" for f in (*BASE_FEATURES, *signal_rate_features(rate_signals)))
    timing = ", ".join(f"{f.sql} AS {f.name}" for f in TIMING_FEATURES)
    return {
        "base": f"SELECT account_id, {base} FROM part_base GROUP BY account_id",
        "timing": (
            # slices of one day may overlap in time: their gap counts as 0, not negative
            "WITH slices AS (SELECT account_id, greatest(gap_s, 0) AS gap_s FROM (SELECT account_id, "
            "epoch(first_seen) - epoch(lag(last_seen) OVER (PARTITION BY account_id ORDER BY first_seen, last_seen)) "
            "AS gap_s FROM part_base) WHERE gap_s IS NOT NULL), "
            "between_slices AS (SELECT account_id, count(*) AS gaps, sum(gap_s) AS gap_sum, "
            f"sum(gap_s * gap_s) AS gap_squares, {_count('gap_s < 2')} AS bursts FROM slices GROUP BY account_id) "
            "SELECT account_id, "
            + timing
            + " FROM (SELECT account_id, gaps, gap_sum, gap_squares, bursts FROM part_gaps "
            "UNION ALL SELECT * FROM between_slices) "
            "GROUP BY account_id HAVING sum(gaps) > 0"
        ),
        "hours": f"SELECT account_id, hour, {_total('n')} AS n FROM part_hours GROUP BY account_id, hour",
        "capabilities": (
            f"SELECT account_id, capability, {_total('n')} AS n FROM part_capabilities GROUP BY account_id, capability"
        ),
        "templates": (
            f"SELECT account_id, template_key, {_total('n')} AS n, {_total('exchanges')} AS exchanges "
            "FROM part_templates GROUP BY account_id, template_key"
        ),
        "repeats": (
            "SELECT account_id, CAST(sum(copies - 1) AS DOUBLE) AS greedy_repeats FROM (SELECT account_id, request, "
            "sum(copies) AS copies FROM part_requests GROUP BY account_id, request) GROUP BY account_id"
        ),
        "metadata": (
            "SELECT p.account_id, "
            + ", ".join(f"{f.sql} AS {f.name}" for f in ACCOUNT_FEATURES)
            + " FROM part_base p JOIN accounts a ON a.account_id = p.account_id GROUP BY p.account_id"
        ),
    }


# Per template: how often it asks for content made to train on, and how often its openers
# re-send an identical request at temperature 0 (benchmark runs), for linking.
TEMPLATE_CONTENT_SQL = (
    "WITH repeats AS (SELECT template_key, sum(copies) - count(*) AS repeats FROM (SELECT template_key, request, "
    "sum(copies) AS copies FROM part_requests GROUP BY template_key, request) GROUP BY template_key) "
    "SELECT t.template_key, CAST(sum(t.harvest_on) AS DOUBLE) / sum(t.n) AS harvest, "
    "CAST(sum(t.elicits_on) AS DOUBLE) / sum(t.n) AS elicits, "
    "coalesce(any_value(r.repeats), 0) / greatest(sum(t.openers), 1) AS greedy_repeats, "
    "bool_and(t.generic) AS generic FROM part_template_signals t LEFT JOIN repeats r USING (template_key) "
    "GROUP BY t.template_key"
)


def _normalised_entropy(counts: np.ndarray) -> np.ndarray:
    """Row-wise entropy of count rows, scaled to 0..1 by the log of the number of columns."""
    totals = counts.sum(axis=1, keepdims=True)
    probabilities = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probabilities > 0, -probabilities * np.log(probabilities), 0.0)
    return terms.sum(axis=1) / np.log(counts.shape[1]) if counts.shape[1] > 1 else np.zeros(len(counts))


def _longest_quiet_run(hours: np.ndarray, quiet_share: float = 0.02) -> np.ndarray:
    """Longest circular run of hours whose share of activity is under ``quiet_share``."""
    totals = hours.sum(axis=1, keepdims=True)
    quiet = (hours < quiet_share * np.maximum(totals, 1)).astype(np.int8)
    doubled = np.concatenate([quiet, quiet], axis=1)  # circular: 23h runs into 0h
    best = np.zeros(len(hours), dtype=np.int16)
    run = np.zeros(len(hours), dtype=np.int16)
    for column in range(doubled.shape[1]):
        run = np.where(doubled[:, column] == 1, run + 1, 0)
        best = np.maximum(best, run)
    return np.minimum(best, 24)


def _pivot(table: pa.Table, key: str, accounts: pa.Array, categories: list) -> np.ndarray:
    """Counts as a dense matrix: one row per account (in ``accounts`` order), one column per category."""
    matrix = np.zeros((len(accounts), len(categories)), dtype=np.float64)
    if table.num_rows == 0:
        return matrix
    rows = pc.index_in(table.column("account_id"), value_set=accounts).to_numpy(zero_copy_only=False)
    columns = pc.index_in(table.column(key), value_set=pa.array(categories)).to_numpy(zero_copy_only=False)
    counts = table.column("n").to_numpy()
    valid = ~(np.isnan(rows.astype(float)) | np.isnan(columns.astype(float)))
    np.add.at(matrix, (rows[valid].astype(int), columns[valid].astype(int)), counts[valid])
    return matrix


def finish_profiles(
    base: pa.Table,
    timing: pa.Table,
    hours: pa.Table,
    capabilities: pa.Table,
    templates: pa.Table,
    metadata: pa.Table,
    repeats: pa.Table,
) -> pa.Table:
    """Join the SQL results and add the histogram features; one row per account."""
    accounts = base.column("account_id")
    hour_matrix = _pivot(hours, "hour", accounts, list(range(24)))
    capability_names = sorted(c for c in pc.unique(capabilities.column("capability")).to_pylist() if c is not None)
    capability_matrix = _pivot(capabilities, "capability", accounts, capability_names)
    capability_totals = np.maximum(capability_matrix.sum(axis=1), 1)
    top = capability_matrix.argmax(axis=1) if capability_names else np.zeros(len(accounts), dtype=int)
    top_template = _top_template_share(templates, accounts)
    result = base
    derived = {
        "hour_entropy": _normalised_entropy(hour_matrix),
        "sleep_hours": _longest_quiet_run(hour_matrix),
        "capability_entropy": _normalised_entropy(capability_matrix),
        "top_capability": pa.array([capability_names[i] for i in top] if capability_names else [None] * len(top)),
        "top_capability_share": capability_matrix.max(axis=1, initial=0) / capability_totals,
        "top_template_share": top_template["share"],
        "templates_per_1k": top_template["distinct"] / np.maximum(top_template["total"], 1) * 1000,
        "greedy_repeat_share": pc.fill_null(
            pc.take(repeats.column("greedy_repeats"), pc.index_in(accounts, value_set=repeats.column("account_id"))),
            0.0,
        ).to_numpy(zero_copy_only=False)
        / np.maximum(base.column("exchanges").to_numpy(zero_copy_only=False), 1),
    }
    for name, values in derived.items():
        result = result.append_column(name, values if isinstance(values, pa.Array) else pa.array(values))
    for table, features in ((timing, TIMING_FEATURES), (metadata, ACCOUNT_FEATURES)):
        positions = pc.index_in(accounts, value_set=table.column("account_id"))
        for feature in features:
            result = result.append_column(feature.name, pc.take(table.column(feature.name), positions))
    return result


def _top_template_share(templates: pa.Table, accounts: pa.Array) -> dict[str, np.ndarray]:
    if templates.num_rows == 0:
        return {"share": np.zeros(len(accounts)), "distinct": np.zeros(len(accounts)), "total": np.zeros(len(accounts))}
    grouped = templates.group_by("account_id").aggregate([("n", "max"), ("n", "sum"), ("n", "count")])
    positions = pc.index_in(accounts, value_set=grouped.column("account_id"))
    top = pc.take(grouped.column("n_max"), positions).to_numpy(zero_copy_only=False).astype(float)
    total = pc.take(grouped.column("n_sum"), positions).to_numpy(zero_copy_only=False).astype(float)
    distinct = pc.take(grouped.column("n_count"), positions).to_numpy(zero_copy_only=False).astype(float)
    return {
        "share": np.nan_to_num(top / np.maximum(total, 1)),
        "distinct": np.nan_to_num(distinct),
        "total": np.nan_to_num(total),
    }
