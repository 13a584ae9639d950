"""The small engine interface: execute SQL, register a table, read a result back as Arrow."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from distillguard.errors import EngineError

log = logging.getLogger(__name__)


class Engine:
    """Executes SQL. Subclasses implement the ``_run`` / ``_register`` / ``_arrow`` trio;
    logging and wrapping errors together with the failing SQL live here once."""

    name = "engine"

    def execute(self, sql: str) -> int | None:
        """Run a statement; return the rows it wrote where the engine says (COPY, INSERT)."""
        log.debug("%s execute: %s", self.name, sql)
        return self._guard(self._run, sql)

    def table(self, sql: str) -> pa.Table:
        """Run a query and return its whole result as an Arrow table."""
        log.debug("%s table: %s", self.name, sql)
        return self._guard(self._arrow, sql)

    def batches(self, sql: str, batch_rows: int = 65_536) -> Iterator[pa.RecordBatch]:
        """Run a query and stream its result in record batches (bounded memory)."""
        log.debug("%s batches: %s", self.name, sql)
        reader = self._guard(self._reader, sql, batch_rows)
        yield from reader

    def scalar(self, sql: str) -> object:
        result = self.table(sql)
        return result.column(0)[0].as_py() if result.num_rows else None

    def register(self, name: str, data: pa.Table | pa.RecordBatchReader | Path | str) -> None:
        """Make Arrow data, or Parquet files (a path or glob), queryable as ``name``."""
        self._guard(self._register, name, data)

    def close(self) -> None:  # pragma: no cover - engines with resources override it
        pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _guard(self, function, *args):  # type: ignore[no-untyped-def]
        try:
            return function(*args)
        except EngineError:
            raise
        except Exception as exc:  # any engine failure is reported with its SQL
            sql = next((a for a in args if isinstance(a, str)), "")
            raise EngineError(f"{self.name} failed: {exc}\n--- SQL ---\n{sql.strip()}") from exc

    def _run(self, sql: str) -> int | None:
        raise NotImplementedError

    def _arrow(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        raise NotImplementedError

    def _register(self, name: str, data: object) -> None:
        raise NotImplementedError
