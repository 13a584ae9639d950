"""The engine seam: generated relation names, nothing left in a catalogue, errors carry their SQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard.engines import Engine, create_engine
from distillguard.errors import EngineError, InputError


def test_relations_get_fresh_names_and_read_back_as_arrow(engine: Engine, tmp_path: Path) -> None:
    first = engine.register_arrow("numbers", pa.table({"n": [1, 2, 3]}))
    second = engine.register_arrow("numbers", pa.table({"n": [10]}))
    assert first != second and first.startswith("dg_numbers_")
    pq.write_table(pa.table({"n": [4, 5]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"n": [6]}), tmp_path / "b.parquet")
    files = engine.register_parquet("files", [tmp_path / "a.parquet", tmp_path / "b.parquet"])
    union = engine.register_sql("union", f"SELECT n FROM {first} UNION ALL SELECT n FROM {files}")
    assert sorted(engine.table(f"SELECT n FROM {union}").column("n").to_pylist()) == [1, 2, 3, 4, 5, 6]
    assert engine.scalar(f"SELECT count(*) FROM {second} WHERE n = ?", [10]) == 1


def test_map_batches_keeps_every_row_in_order(engine: Engine, tmp_path: Path) -> None:
    numbers = engine.register_arrow("numbers", pa.table({"n": list(range(10_000))}))
    schema = pa.schema([("n", pa.int64()), ("square", pa.int64())])

    def square(batch: pa.RecordBatch) -> pa.Table:
        n = batch.column("n").to_numpy()
        return pa.table({"n": n, "square": n * n})

    rows = engine.map_batches(f"SELECT n FROM {numbers} ORDER BY n", square, schema, tmp_path / "out.parquet", 999)
    table = pq.read_table(tmp_path / "out.parquet")
    assert rows == table.num_rows == 10_000
    assert table.column("square").to_pylist()[:4] == [0, 1, 4, 9] and table.schema.equals(schema)


def test_a_failure_names_the_sql_that_failed(engine: Engine) -> None:
    with pytest.raises(EngineError, match="SELECT no_such_column"):
        engine.table("SELECT no_such_column FROM (SELECT 1 AS x)")
    with pytest.raises(EngineError, match="no Parquet files"):
        engine.register_parquet("nothing", [])


def test_a_session_leaves_nothing_in_the_catalogue(tmp_path: Path) -> None:
    database = tmp_path / "catalog.duckdb"
    with create_engine("duckdb", database=database) as engine:
        engine.execute("CREATE TABLE kept AS SELECT 1 AS x")
        engine.register_sql("scratch", "SELECT 2 AS y")
        engine.register_arrow("data", pa.table({"z": [3]}))
    with create_engine("duckdb", database=database, read_only=True) as engine:
        names = engine.table("SELECT table_name FROM information_schema.tables").column("table_name").to_pylist()
    assert names == ["kept"]


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="unknown engine 'spork'"):
        create_engine("spork")
