"""The embedded default engine: DuckDB over Parquet, out of core, nothing to start."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from distillguard.engines.base import Dialect, Engine
from distillguard.errors import BusyError, EngineError, InputError

# what `SET memory_limit` is given: a size with a unit, or a share of the machine's memory
_MEMORY_LIMIT = re.compile(r"\s*\d+(\.\d+)?\s*([KMGT]i?B|%)\s*", re.IGNORECASE)
# DuckDB names the process holding a database file's lock in its error message
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
# characters DuckDB's file reader expands as a pattern, even in a path given as a list item
_GLOB_CHARACTERS = re.compile(r"[\[*?]")


def check_memory_limit(text: str) -> str:
    """``text`` if it is a memory limit DuckDB takes (``512MB``, ``2GB``, ``1.5GiB``, ``50%``).

    >>> check_memory_limit("2GB")
    '2GB'
    >>> check_memory_limit("banana")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    distillguard.errors.InputError: memory limit 'banana' is not a size (give a number with a unit: ...)
    """
    if _MEMORY_LIMIT.fullmatch(text):
        try:
            with duckdb.connect(":memory:") as probe:
                probe.execute("SET memory_limit = ?", [text])
            return text
        except duckdb.Error:
            pass
    raise InputError(
        f"memory limit {text!r} is not a size",
        hint="give a number with a unit: 512MB, 2GB, 1.5GiB, or a share of memory such as 50%",
    )


def glob_literal(path: str) -> str:
    """``path`` with DuckDB's pattern characters escaped, so that it names only itself.

    >>> glob_literal("/data/ws[1]/day?/*.parquet")
    '/data/ws[[]1]/day[?]/[*].parquet'
    """
    return _GLOB_CHARACTERS.sub(lambda found: f"[{found.group()}]", path)


class DuckDBDialect(Dialect):
    name = "duckdb"

    def count_if(self, condition: str) -> str:
        return f"count(*) FILTER (WHERE {condition})"

    def distinct_values(self, expression: str) -> str:
        return f"list(DISTINCT {expression}) FILTER (WHERE {expression} IS NOT NULL)"

    def count_distinct_in_lists(self, column: str) -> str:
        return f"len(list_distinct(flatten(list({column}))))"

    def epoch_seconds(self, expression: str) -> str:
        return f"epoch({expression})"

    def row_hash(self, *expressions: str) -> str:
        return f"hash({', '.join(expressions)})"

    def list_length(self, expression: str) -> str:
        return f"len({expression})"

    def days_between(self, start: str, end: str) -> str:
        return f"date_diff('day', {start}, {end})"

    def format_hour(self, expression: str) -> str:
        return f"strftime({expression}, '%Y-%m-%dT%H')"


class DuckDBEngine(Engine):
    """DuckDB, in memory or on a database file, with a memory cap and a spill folder.
    Sessions run in UTC, so hours and days of timestamps are UTC ones on every machine.

    >>> engine = DuckDBEngine()
    >>> engine.scalar("SELECT 40 + ?", [2])
    42
    >>> name = engine.register_arrow("numbers", pa.table({"n": [1, 2, 3]}))
    >>> engine.scalar(f"SELECT max(n) FROM {name}")
    3
    """

    name = "duckdb"
    version = duckdb.__version__
    dialect = DuckDBDialect()

    def __init__(
        self,
        database: str | Path = ":memory:",
        *,
        memory_limit: str = "4GB",
        threads: int | None = None,
        temp_directory: str | Path | None = None,
        read_only: bool = False,
    ):
        super().__init__()
        check_memory_limit(memory_limit)
        try:
            self.connection = duckdb.connect(str(database), read_only=read_only)
        except duckdb.Error as error:
            raise _connect_error(database, error) from None
        self.connection.execute("SET memory_limit = ?", [memory_limit])
        self.connection.execute("SET preserve_insertion_order = false")
        self.connection.execute("SET TimeZone = 'UTC'")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if temp_directory:
            self.connection.execute("SET temp_directory = ?", [str(temp_directory)])

    def parquet_sql(self, paths: Sequence[Path | str], *, hive: bool = False) -> str:
        listed = ", ".join(self.dialect.quote(glob_literal(str(path))) for path in paths)
        return f"read_parquet([{listed}], hive_partitioning = {str(hive).lower()})"

    def _run(self, sql: str, parameters: Sequence[object] | None) -> int | None:
        result = self.connection.execute(sql, parameters).fetchall()
        if len(result) == 1 and len(result[0]) == 1 and isinstance(result[0][0], int):
            return result[0][0]
        return None

    def _arrow(self, sql: str, parameters: Sequence[object] | None) -> pa.Table:
        return self.connection.sql(sql, params=parameters or None).to_arrow_table()

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        return self.connection.sql(sql).to_arrow_reader(batch_rows)

    def _register_arrow(self, name: str, data: pa.Table | pa.RecordBatchReader) -> None:
        self.connection.register(name, data)

    def _register_sql(self, name: str, sql: str) -> None:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH", "(")):
            sql = f"SELECT * FROM {sql}"  # a bare FROM expression such as read_parquet(...)
        self.connection.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def close(self) -> None:
        self.connection.close()


def _connect_error(database: str | Path, error: duckdb.Error) -> EngineError | BusyError:
    """One clear sentence for a database file that cannot be opened."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    holder = _LOCK_HOLDER.search(message)
    if holder:
        pid = int(holder.group("pid"))
        return BusyError(
            f"the database is open in another process ({holder.group('program')}, PID {pid})",
            pid=pid,
            where=str(database),
            hint="wait for it to finish, then run this again",
        )
    return EngineError(f"cannot open the database: {message}", where=str(database))
