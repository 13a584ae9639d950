"""The embedded default engine: DuckDB over Parquet, out of core, nothing to start."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from distillguard.engines.base import Engine


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    """DuckDB, in memory or on a database file, with a memory cap and a spill folder.

    >>> engine = DuckDBEngine()
    >>> engine.scalar("SELECT 40 + 2")
    42
    """

    name = "duckdb"

    def __init__(
        self,
        database: str | Path = ":memory:",
        *,
        memory_limit: str = "4GB",
        threads: int | None = None,
        temp_directory: str | Path | None = None,
    ):
        self.connection = duckdb.connect(str(database))
        self.connection.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        self.connection.execute("SET preserve_insertion_order = false")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        if temp_directory:
            self.connection.execute(f"SET temp_directory = {quote_literal(str(temp_directory))}")

    def _run(self, sql: str) -> int | None:
        result = self.connection.execute(sql).fetchall()
        if len(result) == 1 and len(result[0]) == 1 and isinstance(result[0][0], int):
            return result[0][0]
        return None

    def _arrow(self, sql: str) -> pa.Table:
        return self.connection.sql(sql).to_arrow_table()

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        return self.connection.sql(sql).to_arrow_reader(batch_rows)

    def _register(self, name: str, data: object) -> None:
        if isinstance(data, str | Path):
            self.connection.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({quote_literal(str(data))})"
            )
        else:
            self.connection.register(name, data)

    def close(self) -> None:
        self.connection.close()
