"""The engine seam: a small API that executes what the core describes, and the SQL dialect.

The core writes portable SQL and asks the :class:`Dialect` for the few expressions that differ
between engines (distinct-value lists, epoch seconds, a row hash, ...). An :class:`Engine`
registers relations under generated names, executes SQL, reads results back as Arrow and
maps Arrow batch functions over relations. Logging, naming and wrapping an engine failure
together with its SQL live here once; an implementation fills in the ``_`` methods.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import EngineError

log = logging.getLogger(__name__)
T = TypeVar("T")


class Dialect:
    """SQL that differs between engines. Everything else the core writes is portable SQL."""

    name = "sql"

    def quote(self, text: str) -> str:
        """A string literal."""
        return "'" + text.replace("'", "''") + "'"

    def count_if(self, condition: str) -> str:
        return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def distinct_values(self, expression: str) -> str:
        """Aggregate: the distinct non-null values of ``expression`` as a list."""
        raise NotImplementedError

    def count_distinct_in_lists(self, column: str) -> str:
        """Aggregate over a column of lists (from :meth:`distinct_values`): distinct values in all."""
        raise NotImplementedError

    def epoch_seconds(self, expression: str) -> str:
        """Seconds since 1970 of a timestamp, with the fraction (a burst is a gap under 2 s)."""
        raise NotImplementedError

    def row_hash(self, *expressions: str) -> str:
        """A 64-bit hash of the values (nulls included), to count identical requests."""
        raise NotImplementedError

    def list_length(self, expression: str) -> str:
        raise NotImplementedError

    def days_between(self, start: str, end: str) -> str:
        """Calendar days from ``start`` to ``end`` (day boundaries crossed, UTC)."""
        raise NotImplementedError

    def format_hour(self, expression: str) -> str:
        """A timestamp as text to the hour: ``2026-03-01T14``."""
        raise NotImplementedError

    def regexp_extract(self, expression: str, pattern: str, group: int) -> str:
        return f"regexp_extract({expression}, {self.quote(pattern)}, {group})"

    def timestamp_literal(self, iso: str) -> str:
        return f"CAST({self.quote(iso)} AS TIMESTAMP WITH TIME ZONE)"


class Engine:
    """Executes SQL over named relations.

    Relations the core asks for are registered under generated names (:meth:`relation`), held
    for the engine's session only: nothing a scan builds is kept in a workspace's catalogue.
    """

    name = "engine"
    version = ""
    dialect: Dialect = Dialect()

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    # -- relations ----------------------------------------------------------------------
    def relation(self, hint: str) -> str:
        """A fresh relation name for this session: ``dg_<hint>_<n>``."""
        return f"dg_{hint}_{next(self._numbers)}"

    def register_arrow(self, hint: str, data: pa.Table | pa.RecordBatchReader) -> str:
        """Arrow data as a relation; returns its generated name."""
        name = self.relation(hint)
        self._guard(self._register_arrow, name, data)
        return name

    def register_parquet(self, hint: str, paths: Sequence[Path | str], *, hive: bool = False) -> str:
        """Parquet files as one relation (an empty list is an error); returns its name."""
        if not paths:
            raise EngineError(f"no Parquet files to register as {hint}")
        name = self.relation(hint)
        self._guard(self._register_sql, name, self.parquet_sql(paths, hive=hive))
        return name

    def register_sql(self, hint: str, sql: str) -> str:
        """A query as a (lazy) relation; returns its name."""
        name = self.relation(hint)
        self._guard(self._register_sql, name, sql)
        return name

    def materialise(self, hint: str, sql: str) -> str:
        """A query's result kept in memory as a relation (read several times, computed once)."""
        return self.register_arrow(hint, self.table(sql))

    def parquet_sql(self, paths: Sequence[Path | str], *, hive: bool = False) -> str:
        """A FROM-clause expression reading the Parquet files."""
        raise NotImplementedError

    # -- queries ------------------------------------------------------------------------
    def execute(self, sql: str, parameters: Sequence[object] | None = None) -> int | None:
        """Run a statement; return the rows it wrote where the engine says (COPY, INSERT)."""
        log.debug("%s execute: %s", self.name, sql)
        return self._guard(self._run, sql, parameters)

    def table(self, sql: str, parameters: Sequence[object] | None = None) -> pa.Table:
        """Run a query and return its whole result as an Arrow table."""
        log.debug("%s table: %s", self.name, sql)
        return self._guard(self._arrow, sql, parameters)

    def batches(self, sql: str, batch_rows: int = 65_536) -> Iterator[pa.RecordBatch]:
        """Run a query and stream its result in record batches (bounded memory)."""
        log.debug("%s batches: %s", self.name, sql)
        yield from self._guard(self._reader, sql, batch_rows)

    def scalar(self, sql: str, parameters: Sequence[object] | None = None) -> object:
        result = self.table(sql, parameters)
        return result.column(0)[0].as_py() if result.num_rows else None

    def map_batches(
        self,
        sql: str,
        function: Callable[[pa.RecordBatch], pa.Table],
        schema: pa.Schema,
        out: Path,
        batch_rows: int = 32_768,
    ) -> int:
        """Apply an Arrow batch function to a query's rows, writing its output to Parquet at
        ``out`` (zstd); returns the rows written. An engine that runs Python beside its data
        overrides it.

        Functions that release the GIL in their Arrow and regex kernels (the request signals)
        run two batches at a time, in order, never more than two ahead."""
        rows = 0
        with pq.ParquetWriter(out, schema, compression="zstd") as writer, ThreadPoolExecutor(2) as pool:
            pending: deque[Future[pa.Table]] = deque()

            def write_oldest() -> int:
                table = pending.popleft().result()
                writer.write_table(table.cast(schema))
                return table.num_rows

            for batch in self.batches(sql, batch_rows):
                pending.append(pool.submit(function, batch))
                if len(pending) > 2:
                    rows += write_oldest()
            while pending:
                rows += write_oldest()
        return rows

    def close(self) -> None:  # pragma: no cover - engines with resources override it
        pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- implementation -------------------------------------------------------------------
    def _guard(self, function: Callable[..., T], *args: object) -> T:
        try:
            return function(*args)
        except EngineError:
            raise
        except Exception as exc:  # any engine failure is reported with its SQL
            sql = next((a for a in args if isinstance(a, str) and " " in a), "")
            raise EngineError(f"{self.name} failed: {exc}\n--- SQL ---\n{sql.strip()}") from exc

    def _run(self, sql: str, parameters: Sequence[object] | None) -> int | None:
        raise NotImplementedError

    def _arrow(self, sql: str, parameters: Sequence[object] | None) -> pa.Table:
        raise NotImplementedError

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        raise NotImplementedError

    def _register_arrow(self, name: str, data: pa.Table | pa.RecordBatchReader) -> None:
        raise NotImplementedError

    def _register_sql(self, name: str, sql: str) -> None:
        raise NotImplementedError
