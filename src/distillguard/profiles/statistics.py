"""Mergeable per-account statistics: each one's SQL (partial and merge) and streaming state.

A statistic is declared once (what it counts, over which expression). From the declaration
come the SQL that summarises one slice of traffic per account (``partial``), the SQL that adds
the summaries of many slices up (``merge``), and a small state object that the streaming path
updates one exchange at a time (``update``), merges with another (``+=``) and reads (``get``).
Both paths hand :mod:`distillguard.profiles.catalogue` the same values to derive features from.

>>> from distillguard.profiles.expressions import col
>>> state = Count(where=col("turn").eq(0)).state()
>>> for turn in (0, 2, 0):
...     state = state.update(turn == 0)
>>> state.get()
2
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from distillguard.engines.base import Dialect
from distillguard.profiles.expressions import Expr, col


class State:
    """The streaming twin of a statistic: ``update`` returns self, ``+=`` merges, ``get`` reads."""

    def update(self, value: object) -> State:
        raise NotImplementedError

    def __iadd__(self, other: State) -> State:
        raise NotImplementedError

    def get(self) -> object:
        raise NotImplementedError


class Scalar:
    """A statistic with one value per account, summarised in the ``base`` partial query."""

    expression: Expr | None = None

    def partial(self, dialect: Dialect) -> str:
        raise NotImplementedError

    def merge(self, column: str, dialect: Dialect) -> str:
        raise NotImplementedError

    def state(self) -> State:
        raise NotImplementedError

    def observed(self) -> Expr | None:
        """What ``update`` is given per exchange."""
        return self.expression


@dataclass(frozen=True)
class Count(Scalar):
    """Exchanges where ``where`` holds (all exchanges without it)."""

    where: Expr | None = None

    def partial(self, dialect: Dialect) -> str:
        return dialect.count_if(self.where.sql(dialect)) if self.where is not None else "count(*)"

    def merge(self, column: str, dialect: Dialect) -> str:
        return f"CAST(sum({column}) AS BIGINT)"

    def observed(self) -> Expr | None:
        return self.where

    def state(self) -> State:
        return _Total(_counted, 0)


class _Total(State):
    """A running total: each exchange adds ``term(value)``; two totals merge by adding."""

    def __init__(self, term: Callable[[object], float], start: float) -> None:
        self.term = term
        self.value = start

    def update(self, value: object) -> State:
        self.value += self.term(value)
        return self

    def __iadd__(self, other: State) -> State:
        assert isinstance(other, _Total)
        self.value += other.value
        return self

    def get(self) -> float:
        return self.value


def _counted(value: object) -> int:
    return 1 if value else 0  # a condition that is NULL does not count, as in SQL


def _summed(value: object) -> float:
    return 0.0 if value is None else float(value)  # type: ignore[arg-type]  # nulls add nothing


@dataclass(frozen=True)
class Sum(Scalar):
    """The sum of ``expression`` (nulls add nothing)."""

    expression: Expr

    def partial(self, dialect: Dialect) -> str:
        return f"CAST(sum({self.expression.sql(dialect)}) AS DOUBLE)"

    def merge(self, column: str, dialect: Dialect) -> str:
        return f"CAST(sum({column}) AS DOUBLE)"

    def state(self) -> State:
        return _Total(_summed, 0.0)


@dataclass(frozen=True)
class Extreme(Scalar):
    """The smallest (``largest=False``) or largest value of ``expression``."""

    expression: Expr
    largest: bool = False

    def partial(self, dialect: Dialect) -> str:
        return f"{'max' if self.largest else 'min'}({self.expression.sql(dialect)})"

    def merge(self, column: str, dialect: Dialect) -> str:
        return f"{'max' if self.largest else 'min'}({column})"

    def state(self) -> State:
        return _ExtremeState(self.largest)


class _ExtremeState(State):
    def __init__(self, largest: bool) -> None:
        self.largest = largest
        self.value: object = None

    def update(self, value: object) -> State:
        if value is not None and (self.value is None or (value > self.value) == self.largest):  # type: ignore[operator]
            self.value = value
        return self

    def __iadd__(self, other: State) -> State:
        assert isinstance(other, _ExtremeState)
        return self.update(other.value)

    def get(self) -> object:
        return self.value


@dataclass(frozen=True)
class Distinct(Scalar):
    """How many distinct non-null values ``expression`` takes (exact: small sets per account)."""

    expression: Expr

    def partial(self, dialect: Dialect) -> str:
        return dialect.distinct_values(self.expression.sql(dialect))

    def merge(self, column: str, dialect: Dialect) -> str:
        return dialect.count_distinct_in_lists(column)

    def state(self) -> State:
        return _DistinctState()


class _DistinctState(State):
    def __init__(self) -> None:
        self.values: set[object] = set()

    def update(self, value: object) -> State:
        if value is not None:
            self.values.add(value)
        return self

    def __iadd__(self, other: State) -> State:
        assert isinstance(other, _DistinctState)
        self.values |= other.values
        return self

    def get(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Histogram:
    """Exchanges per key (``where`` holds, when given): a relation of its own per account,
    (account_id, *keys, n). Keys are expressions named by the mapping's keys."""

    keys: tuple[tuple[str, Expr], ...]
    where: Expr | None = None

    def partial(self, source: str, dialect: Dialect) -> str:
        keys = ", ".join(f"{expression.sql(dialect)} AS {name}" for name, expression in self.keys)
        where = f" WHERE {self.where.sql(dialect)}" if self.where is not None else ""
        groups = ", ".join(str(i + 2) for i in range(len(self.keys)))
        return f"SELECT account_id, {keys}, count(*) AS n FROM {source}{where} GROUP BY 1, {groups}"

    def merge(self, part: str, dialect: Dialect) -> str:
        names = ", ".join(name for name, _ in self.keys)
        return f"SELECT account_id, {names}, CAST(sum(n) AS BIGINT) AS n FROM {part} GROUP BY account_id, {names}"

    def state(self) -> HistogramState:
        return HistogramState()


class HistogramState(State):
    def __init__(self) -> None:
        self.counts: Counter[tuple] = Counter()

    def update(self, value: object) -> State:
        """``value`` is the key tuple, or None when ``where`` does not hold."""
        if value is not None:
            self.counts[value] += 1  # type: ignore[index]
        return self

    def __iadd__(self, other: State) -> State:
        assert isinstance(other, HistogramState)
        self.counts.update(other.counts)
        return self

    def get(self) -> Counter[tuple]:
        return self.counts


@dataclass(frozen=True)
class Gaps:
    """Moments of the gaps between an account's consecutive exchanges: count, sum, sum of
    squares and gaps under ``burst_seconds``. Slices add up exactly, with the gap from one
    slice's last exchange to the next one's first (slices that overlap in time count 0)."""

    burst_seconds: float = 2.0
    timestamp: Expr = field(default_factory=lambda: col("ts"))

    COLUMNS = ("gaps", "gap_sum", "gap_squares", "bursts")

    def partial(self, source: str, dialect: Dialect) -> str:
        ts = self.timestamp.sql(dialect)
        previous = f"lag({ts}) OVER (PARTITION BY account_id ORDER BY {ts})"
        gap = f"{dialect.epoch_seconds(ts)} - {dialect.epoch_seconds(previous)}"
        return (
            "SELECT account_id, count(gap_s) AS gaps, sum(gap_s) AS gap_sum, sum(gap_s * gap_s) AS gap_squares, "
            f"{dialect.count_if(f'gap_s < {self.burst_seconds}')} AS bursts "
            f"FROM (SELECT account_id, {gap} AS gap_s FROM {source}) WHERE gap_s IS NOT NULL GROUP BY account_id"
        )

    def merge(self, part: str, base: str, dialect: Dialect) -> str:
        """Over the partials (``part``) and the per-slice first/last exchange (``base``)."""
        between = (
            f"{dialect.epoch_seconds('first_seen')} - "
            f"{dialect.epoch_seconds('lag(last_seen) OVER (PARTITION BY account_id ORDER BY first_seen, last_seen)')}"
        )
        return (
            f"WITH slices AS (SELECT account_id, greatest(gap_s, 0) AS gap_s FROM (SELECT account_id, {between} "
            f"AS gap_s FROM {base}) WHERE gap_s IS NOT NULL), "
            "between_slices AS (SELECT account_id, count(*) AS gaps, sum(gap_s) AS gap_sum, "
            f"sum(gap_s * gap_s) AS gap_squares, {dialect.count_if(f'gap_s < {self.burst_seconds}')} AS bursts "
            "FROM slices GROUP BY account_id) "
            "SELECT account_id, CAST(sum(gaps) AS BIGINT) AS gaps, sum(gap_sum) AS gap_sum, "
            "sum(gap_squares) AS gap_squares, CAST(sum(bursts) AS BIGINT) AS bursts "
            f"FROM (SELECT account_id, gaps, gap_sum, gap_squares, bursts FROM {part} "
            "UNION ALL SELECT account_id, gaps, gap_sum, gap_squares, bursts FROM between_slices) "
            "GROUP BY account_id HAVING sum(gaps) > 0"
        )

    def state(self) -> GapState:
        return GapState(self.burst_seconds)


class GapState(State):
    """Gap moments over exchanges seen in time order; one that arrives late counts a gap of 0."""

    def __init__(self, burst_seconds: float) -> None:
        self.burst_seconds = burst_seconds
        self.first: float | None = None
        self.last: float | None = None
        self.moments = np.zeros(4)  # gaps, sum, squares, bursts

    def update(self, value: object) -> State:
        """``value`` is the exchange's time in epoch seconds."""
        seconds = float(value)  # type: ignore[arg-type]
        if self.last is not None:
            self._add(max(seconds - self.last, 0.0))
        self.first = seconds if self.first is None else min(self.first, seconds)
        self.last = seconds if self.last is None else max(self.last, seconds)
        return self

    def _add(self, gap: float) -> None:
        self.moments += (1.0, gap, gap * gap, 1.0 if gap < self.burst_seconds else 0.0)

    def __iadd__(self, other: State) -> State:
        """``other`` holds the exchanges that came after this state's ones."""
        assert isinstance(other, GapState)
        if other.first is None:
            return self
        if self.last is not None:
            self._add(max(other.first - self.last, 0.0))
        assert other.last is not None  # a state that saw a first exchange saw a last one
        self.moments += other.moments
        self.first = other.first if self.first is None else min(self.first, other.first)
        self.last = other.last if self.last is None else max(self.last, other.last)
        return self

    def get(self) -> dict[str, float]:
        return dict(zip(Gaps.COLUMNS, self.moments.tolist(), strict=True))
