"""Per-exchange expressions written once, rendered as SQL for an engine or evaluated on Arrow.

The feature catalogue's conditions ("the answer filled 90% of max_tokens") and keys ("the hour
of day") are built from these nodes, so the batch scan (SQL) and the streaming state
(:class:`distillguard.profiles.StreamingProfiles`, Arrow over the requests at hand) compute the
very same thing.

>>> from distillguard.engines.duckdb import DuckDBDialect
>>> saturated = col("max_tokens").gt(0).and_(col("output_tokens").ge(col("max_tokens").times(0.9)))
>>> saturated.sql(DuckDBDialect())
'((max_tokens > 0) AND (output_tokens >= (max_tokens * 0.9)))'
>>> saturated.arrow(pa.table({"max_tokens": [100, 0], "output_tokens": [95, 5]})).to_pylist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from distillguard.engines.base import Dialect


class Expr:
    """A node: ``sql`` renders it for a dialect, ``arrow`` evaluates it on a table's rows."""

    def sql(self, dialect: Dialect) -> str:
        raise NotImplementedError

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        raise NotImplementedError

    def columns(self) -> set[str]:
        """The input columns it reads."""
        raise NotImplementedError

    # building ------------------------------------------------------------------------------
    def gt(self, other: object) -> Expr:
        return _Binary(">", self, _wrap(other))

    def ge(self, other: object) -> Expr:
        return _Binary(">=", self, _wrap(other))

    def lt(self, other: object) -> Expr:
        return _Binary("<", self, _wrap(other))

    def eq(self, other: object) -> Expr:
        return _Binary("=", self, _wrap(other))

    def plus(self, other: object) -> Expr:
        return _Binary("+", self, _wrap(other))

    def times(self, other: object) -> Expr:
        return _Binary("*", self, _wrap(other))

    def and_(self, other: Expr) -> Expr:
        return _Binary("AND", self, other)

    def is_in(self, *values: str) -> Expr:
        return _IsIn(self, values)


@dataclass(frozen=True)
class _Column(Expr):
    name: str

    def sql(self, dialect: Dialect) -> str:
        return self.name

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        return table.column(self.name)

    def columns(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class _Literal(Expr):
    value: float | int | bool | str

    def sql(self, dialect: Dialect) -> str:
        if isinstance(self.value, bool):
            return "TRUE" if self.value else "FALSE"
        if isinstance(self.value, str):
            return dialect.quote(self.value)
        return repr(self.value)

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        return pa.scalar(self.value)  # broadcast by the kernels

    def columns(self) -> set[str]:
        return set()


_KERNELS: dict[str, Callable] = {
    ">": pc.greater,
    ">=": pc.greater_equal,
    "<": pc.less,
    "=": pc.equal,
    "+": pc.add,
    "*": pc.multiply,
    "AND": pc.and_kleene,
}


@dataclass(frozen=True)
class _Binary(Expr):
    operator: str
    left: Expr
    right: Expr

    def sql(self, dialect: Dialect) -> str:
        return f"({self.left.sql(dialect)} {self.operator} {self.right.sql(dialect)})"

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        return _KERNELS[self.operator](self.left.arrow(table), self.right.arrow(table))

    def columns(self) -> set[str]:
        return self.left.columns() | self.right.columns()


@dataclass(frozen=True)
class _IsIn(Expr):
    operand: Expr
    values: tuple[str, ...]

    def sql(self, dialect: Dialect) -> str:
        return f"({self.operand.sql(dialect)} IN ({', '.join(dialect.quote(v) for v in self.values)}))"

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        result = pc.is_in(self.operand.arrow(table), value_set=pa.array(self.values))
        return pc.if_else(pc.is_null(self.operand.arrow(table)), None, result)  # NULL IN (...) is NULL

    def columns(self) -> set[str]:
        return self.operand.columns()


@dataclass(frozen=True)
class _Function(Expr):
    """A function whose spelling differs by engine: one SQL and one Arrow rendering."""

    function: str
    arguments: tuple[Expr, ...]

    def sql(self, dialect: Dialect) -> str:
        rendered = [a.sql(dialect) for a in self.arguments]
        if self.function == "hour":
            return f"hour({rendered[0]})"
        if self.function == "date":
            return f"CAST({rendered[0]} AS DATE)"
        if self.function == "row_hash":
            return dialect.row_hash(*rendered)
        if self.function == "days_between":
            return dialect.days_between(*rendered)
        raise ValueError(self.function)

    def arrow(self, table: pa.Table) -> pa.Array | pa.ChunkedArray:
        values = [a.arrow(table) for a in self.arguments]
        if self.function == "hour":
            return pc.hour(values[0])
        if self.function == "date":
            return pc.cast(values[0], pa.date32())
        if self.function == "row_hash":
            # a key per distinct row (not the engine's hash value): only counts of keys are used
            parts = [pc.fill_null(pc.cast(v, pa.string()), "\x00") for v in values]
            return pc.binary_join_element_wise(*parts, "\x1f")
        if self.function == "days_between":
            return pc.days_between(values[0], values[1])
        raise ValueError(self.function)

    def columns(self) -> set[str]:
        return set().union(*(a.columns() for a in self.arguments))


def col(name: str) -> Expr:
    """An input column (of the exchanges joined with their signals, see ``joined_sql``)."""
    return _Column(name)


def hour(expression: Expr) -> Expr:
    """The UTC hour of day, 0..23."""
    return _Function("hour", (expression,))


def date(expression: Expr) -> Expr:
    """The UTC calendar day."""
    return _Function("date", (expression,))


def row_hash(*expressions: Expr) -> Expr:
    """A key equal for rows with equal values: identical requests."""
    return _Function("row_hash", expressions)


def days_between(start: Expr, end: Expr) -> Expr:
    return _Function("days_between", (start, end))


def _wrap(value: object) -> Expr:
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool | int | float | str):
        return _Literal(value)
    raise TypeError(f"not an expression: {value!r}")
