"""Per-account behavioural fingerprints, from the feature catalogue, in batch and streaming.

The core only *describes* the work. In batch, two steps make rescans incremental:

- :func:`partial_queries` summarise one slice of traffic (a relation of exchanges joined with
  their signals, see :func:`joined_sql`) into the catalogue's mergeable statistics per account.
  A scan summarises each exchange file once and keeps the summaries in the workspace, so a new
  day of logs only adds the new files' summaries;
- :func:`merge_queries` add the summaries of all slices up, and :func:`profiles_from_tables`
  derives the features from the merged statistics.

:class:`StreamingProfiles` keeps the same statistics per account as exchanges arrive and
derives the features with the same code (see :mod:`distillguard.profiles.catalogue`).

Everything adds up exactly across slices except what crosses a file boundary: the gap between
two files counts from the last exchange of one to the first of the next, and a conversation
continued in a later file counts there without its template.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.engines.base import Dialect
from distillguard.profiles.catalogue import ACCOUNT_COLUMNS, Catalogue, Feature, Keyed, Merged
from distillguard.profiles.statistics import GapState, HistogramState, State

# The columns of the joined relation: exchanges with their signals.
EXCHANGE_COLUMNS = (
    "exchange_id", "account_id", "ts", "model", "turn", "n", "temperature", "reasoning", "system", "prompt",
    "max_tokens", "output_tokens", "input_tokens", "reasoning_tokens", "status", "n_images", "client_ip", "asn",
    "user_agent", "end_user_id", "api_key_id", "conversation_id",
)  # fmt: skip


def joined_sql(
    signal_columns: list[str], dialect: Dialect, exchanges: str, signals: str, until: str | None = None
) -> str:
    """Exchanges with their signals and ``tool_count``; ``until`` (ISO timestamp) limits the window."""
    extra = ", ".join(f"s.{name}" for name in signal_columns)
    where = f"WHERE e.ts <= {dialect.timestamp_literal(until)}" if until else ""
    chosen = ", ".join(f"e.{name}" for name in EXCHANGE_COLUMNS)
    return (
        f"SELECT {chosen}, {dialect.list_length('e.tools')} AS tool_count, {extra} "
        f"FROM {exchanges} e JOIN {signals} s ON e.exchange_id = s.exchange_id {where}"
    )


def partial_queries(catalogue: Catalogue, source: str, dialect: Dialect) -> dict[str, str]:
    """SQL over one slice of traffic (relation ``source``): the summaries that add up."""
    base = ", ".join(f"{statistic.partial(dialect)} AS {name}" for name, statistic in catalogue.scalars.items())
    return {
        "base": f"SELECT account_id, {base} FROM {source} GROUP BY account_id",
        "gaps": catalogue.gaps.partial(source, dialect),
        **{name: histogram.partial(source, dialect) for name, histogram in catalogue.histograms.items()},
    }


def merge_queries(catalogue: Catalogue, parts: Mapping[str, str], dialect: Dialect) -> dict[str, str]:
    """SQL over the summaries of every slice (``parts``: summary name -> relation of
    :func:`partial_queries`), one row per account (per key for histograms)."""
    base = ", ".join(f"{s.merge(name, dialect)} AS {name}" for name, s in catalogue.scalars.items())
    return {
        "base": f"SELECT account_id, {base} FROM {parts['base']} GROUP BY account_id",
        "gaps": catalogue.gaps.merge(parts["gaps"], parts["base"], dialect),
        **{name: histogram.merge(parts[name], dialect) for name, histogram in catalogue.histograms.items()},
    }


def profiles_from_tables(catalogue: Catalogue, merged: Mapping[str, pa.Table], accounts: pa.Table) -> pa.Table:
    """The profile of every account in ``merged['base']`` (results of :func:`merge_queries`),
    with ``accounts`` (the accounts table: account_id and ``ACCOUNT_COLUMNS``), by account_id."""
    base = merged["base"].sort_by("account_id")
    ids = base.column("account_id").combine_chunks()
    size = len(ids)
    scalars: dict[str, np.ndarray | pa.Array] = {}
    for name in catalogue.scalars:
        column = base.column(name).combine_chunks()
        scalars[name] = column if pa.types.is_timestamp(column.type) else _numbers(column)
    histograms = {}
    for name, histogram in catalogue.histograms.items():
        table = merged[name]
        rows = pc.index_in(table.column("account_id"), value_set=ids).to_numpy(zero_copy_only=False)
        keys = {key: table.column(key).to_numpy(zero_copy_only=False) for key, _ in histogram.keys}
        histograms[name] = Keyed(size, rows.astype(np.int64), keys, _numbers(table.column("n")))
    gaps_table = merged["gaps"]
    positions = pc.index_in(ids, value_set=gaps_table.column("account_id"))
    gaps = {
        column: np.nan_to_num(_numbers(pc.take(gaps_table.column(column), positions)))
        for column in catalogue.gaps.COLUMNS
    }
    rows = pc.index_in(ids, value_set=accounts.column("account_id"))
    account = {column: pc.take(accounts.column(column), rows).combine_chunks() for column in ACCOUNT_COLUMNS}
    account["known"] = pc.is_valid(rows)
    return catalogue.derive(Merged(size, scalars, histograms, gaps, account), ids)


def _numbers(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(pc.cast(values, pa.float64()), np.nan).to_numpy(zero_copy_only=False)


class AccountState:
    """One account's statistics, updated one exchange at a time (see :class:`StreamingProfiles`)."""

    def __init__(self, catalogue: Catalogue):
        self.scalars: dict[str, State] = {name: s.state() for name, s in catalogue.scalars.items()}
        self.histograms: dict[str, HistogramState] = {name: h.state() for name, h in catalogue.histograms.items()}
        self.gaps: GapState = catalogue.gaps.state()
        self.account: dict[str, object] | None = None  # its row of the accounts table, when known

    def __iadd__(self, other: AccountState) -> AccountState:
        """Merge ``other``, whose exchanges came after this state's ones."""
        for name, state in self.scalars.items():
            state.__iadd__(other.scalars[name])
        for name, histogram in self.histograms.items():
            histogram.__iadd__(other.histograms[name])
        self.gaps.__iadd__(other.gaps)
        self.account = other.account or self.account
        return self


class StreamingProfiles:
    """Per-account state over exchanges as they arrive; features derived as the scan derives them.

    ``learn_many`` takes exchanges joined with their signals (the columns of
    :func:`joined_sql`), in time order. Score before learning: read an account's features, then
    learn its new exchange.

    >>> import datetime as dt
    >>> from distillguard.profiles.catalogue import Catalogue
    >>> stream = StreamingProfiles(Catalogue.build(0.5, ("reasoning_extraction",)))
    >>> at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    >>> rows = [dict(_example_row(), ts=at + dt.timedelta(seconds=s)) for s in (0, 1, 5)]
    >>> stream = stream.learn_many(pa.Table.from_pylist(rows))
    >>> features = stream.features(["acct-1"]).to_pylist()[0]
    >>> features["exchanges"], features["gap_mean_s"], features["burst_share"]
    (3, 2.5, 0.5)
    """

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.states: dict[str, AccountState] = {}

    def learn_account(self, row: Mapping[str, object]) -> StreamingProfiles:
        """The account's row of the accounts table (account_id and ``ACCOUNT_COLUMNS``)."""
        state = self.states.setdefault(str(row["account_id"]), AccountState(self.catalogue))
        state.account = {column: row.get(column) for column in ACCOUNT_COLUMNS}
        return self

    def learn_many(self, exchanges: pa.Table) -> StreamingProfiles:
        """Update the states with exchanges (in time order), vectorised per statistic."""
        if exchanges.num_rows == 0:
            return self
        if "tool_count" not in exchanges.column_names and "tools" in exchanges.column_names:
            exchanges = exchanges.append_column("tool_count", pc.list_value_length(exchanges.column("tools")))
        accounts = exchanges.column("account_id").to_pylist()
        observed: dict[str, list] = {}
        for name, statistic in self.catalogue.scalars.items():
            expression = statistic.observed()
            observed[name] = (
                [True] * exchanges.num_rows if expression is None else _values(expression.arrow(exchanges), exchanges)
            )
        keyed: dict[str, list] = {}
        for name, histogram in self.catalogue.histograms.items():
            keys = [_values(expression.arrow(exchanges), exchanges) for _, expression in histogram.keys]
            holds = [True] * exchanges.num_rows if histogram.where is None else _values(
                histogram.where.arrow(exchanges), exchanges)  # fmt: skip
            keyed[name] = [key if ok else None for key, ok in zip(zip(*keys, strict=True), holds, strict=True)]
        seconds = (pc.cast(exchanges.column("ts"), pa.int64()).to_numpy(zero_copy_only=False) / 1e6).tolist()
        for row, account in enumerate(accounts):
            state = self.states.get(account)
            if state is None:
                state = self.states[account] = AccountState(self.catalogue)
            for name, values in observed.items():
                state.scalars[name].update(values[row])
            for name, values in keyed.items():
                state.histograms[name].update(values[row])
            state.gaps.update(seconds[row])
        return self

    def features(self, account_ids: list[str]) -> pa.Table:
        """The features of these accounts (each must have been learnt), one row each."""
        states = [self.states[account] for account in account_ids]
        size = len(states)
        scalars: dict[str, np.ndarray | pa.Array] = {}
        for name in self.catalogue.scalars:
            values = [state.scalars[name].get() for state in states]
            if name in ("first_seen", "last_seen"):
                scalars[name] = pa.array(values, pa.timestamp("us", tz="UTC"))
            else:
                scalars[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        histograms = {}
        for name, histogram in self.catalogue.histograms.items():
            rows, counts, key_values = [], [], []
            for position, state in enumerate(states):
                for key, count in state.histograms[name].get().items():
                    rows.append(position)
                    counts.append(count)
                    key_values.append(key)
            keys = {
                key_name: np.array([key[index] for key in key_values], dtype=object)
                for index, (key_name, _) in enumerate(histogram.keys)
            }
            histograms[name] = Keyed(size, np.array(rows, dtype=np.int64), keys, np.array(counts, dtype=float))
        moments = np.array([list(state.gaps.get().values()) for state in states]).reshape(size, 4)
        gaps = {column: moments[:, index] for index, column in enumerate(self.catalogue.gaps.COLUMNS)}
        rows_of_accounts = [state.account or {} for state in states]
        account = {
            "account_type": pa.array([r.get("account_type") for r in rows_of_accounts], pa.string()),
            "verification": pa.array([r.get("verification") for r in rows_of_accounts], pa.string()),
            "created_at": pa.array([r.get("created_at") for r in rows_of_accounts], pa.timestamp("us", tz="UTC")),
            "known": pa.array([state.account is not None for state in states]),
        }
        merged = Merged(size, scalars, histograms, gaps, account)
        return self.catalogue.derive(merged, pa.array(account_ids, pa.string()))


def _values(values: pa.Array | pa.ChunkedArray | pa.Scalar, table: pa.Table) -> list:
    if isinstance(values, pa.Scalar):
        return [values.as_py()] * table.num_rows
    return values.to_pylist()


def _example_row() -> dict:
    """A joined row for the doctests (see :func:`joined_sql`)."""
    return {
        "exchange_id": "ex-1", "account_id": "acct-1", "model": "m", "turn": 0, "n": 1, "temperature": 0.7,
        "reasoning": False, "system": None, "prompt": "hi", "max_tokens": 100, "output_tokens": 10,
        "input_tokens": 5, "reasoning_tokens": 0, "status": 200, "n_images": 0, "client_ip": "10.0.0.1",
        "user_agent": "ua", "end_user_id": None, "tools": [], "capability": "chat", "template_key": "t1",
        "prompt_chars": 2, "reasoning_extraction": 0.0,
    }  # fmt: skip


__all__ = [
    "AccountState",
    "Catalogue",
    "Feature",
    "StreamingProfiles",
    "joined_sql",
    "merge_queries",
    "partial_queries",
    "profiles_from_tables",
]
