"""The feature catalogue: SQL on every engine and the streaming state give the same features."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from distillguard import linking, profiles
from distillguard.engines import Engine
from distillguard.profiles import Catalogue, StreamingProfiles
from distillguard.profiles.catalogue import ACCOUNT_COLUMNS
from distillguard.profiles.statistics import GapState
from distillguard.scan import HARVEST_SIGNALS
from distillguard.signals import SIGNALS_SCHEMA, request_signals
from distillguard.simulate import simulate

SIGNAL_NAMES = [name for name in SIGNALS_SCHEMA.names if name not in ("exchange_id", "account_id", "ts")]
CATALOGUE = Catalogue.build(0.5)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, pa.Table, pa.Table]:
    """A small simulated window: exchanges (time order), their signals, the accounts table."""
    folder = tmp_path_factory.mktemp("simulated")
    simulate("demo", folder, scale=0.03, seed=5)
    exchanges = pa.concat_tables(
        pq.read_table(path) for path in sorted((folder / "exchanges").rglob("*.parquet"))
    ).sort_by([("ts", "ascending"), ("exchange_id", "ascending")])
    accounts = pq.read_table(folder / "accounts.parquet")
    return exchanges, request_signals(exchanges, on=0.5), accounts


def _sql_profiles(engine: Engine, exchanges: pa.Table, signals: pa.Table, accounts: pa.Table, slices: int) -> pa.Table:
    """Profiles the way a scan makes them: each slice summarised alone, then merged."""
    dialect = engine.dialect
    signal_table = engine.register_arrow("signals", signals)
    bounds = np.linspace(0, exchanges.num_rows, slices + 1).astype(int)
    parts: dict[str, list[pa.Table]] = {}
    for start, end in pairwise(bounds):
        piece = engine.register_arrow("slice", exchanges.slice(start, end - start))
        joined = engine.register_sql("joined", profiles.joined_sql(SIGNAL_NAMES, dialect, piece, signal_table))
        for name, sql in profiles.partial_queries(CATALOGUE, joined, dialect).items():
            parts.setdefault(name, []).append(engine.table(sql))
    relations = {
        name: engine.register_arrow(f"part_{name}", pa.concat_tables(tables)) for name, tables in parts.items()
    }
    merged = {name: engine.table(sql) for name, sql in profiles.merge_queries(CATALOGUE, relations, dialect).items()}
    return profiles.profiles_from_tables(CATALOGUE, merged, accounts.select(["account_id", *ACCOUNT_COLUMNS]))


def _streamed(exchanges: pa.Table, signals: pa.Table, accounts: pa.Table) -> pa.Table:
    joined = exchanges  # the signals come in the exchanges' order, which is time order
    for name in SIGNAL_NAMES:
        joined = joined.append_column(name, signals.column(name))
    stream = StreamingProfiles(CATALOGUE)
    for row in accounts.to_pylist():
        stream.learn_account(row)
    for batch in joined.to_batches(max_chunksize=997):  # requests arrive in small groups
        stream.learn_many(pa.Table.from_batches([batch]))
    ids = sorted(set(exchanges.column("account_id").to_pylist()))
    return stream.features(ids)


def _assert_same_features(batch: pa.Table, streamed: pa.Table) -> None:
    """Equal features; numbers within a relative 1e-6 (gaps are differences of epoch seconds
    near 1.8e9 held as doubles: ~1e-7 s apart in SQL and Python), counts and labels exactly."""
    assert batch.column("account_id").to_pylist() == streamed.column("account_id").to_pylist()
    for feature in CATALOGUE.features:
        left, right = batch.column(feature.name), streamed.column(feature.name)
        assert left.null_count == right.null_count, feature.name
        if feature.numeric:
            a = pc.fill_null(pc.cast(left, pa.float64()), -1.0).to_numpy(zero_copy_only=False)
            b = pc.fill_null(pc.cast(right, pa.float64()), -1.0).to_numpy(zero_copy_only=False)
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=feature.name)
        else:
            assert left.to_pylist() == right.to_pylist(), feature.name


def test_sql_and_streaming_state_give_the_same_features(engine: Engine, traffic) -> None:
    exchanges, signals, accounts = traffic
    batch = _sql_profiles(engine, exchanges, signals, accounts, slices=4)
    assert batch.num_rows > 50 and pc.sum(batch.column("exchanges")).as_py() == exchanges.num_rows
    _assert_same_features(batch, _streamed(exchanges, signals, accounts))


def test_slices_add_up_to_the_whole(engine: Engine, traffic) -> None:
    exchanges, signals, accounts = traffic
    whole = _sql_profiles(engine, exchanges, signals, accounts, slices=1)
    _assert_same_features(whole, _sql_profiles(engine, exchanges, signals, accounts, slices=5))


def test_every_feature_is_documented_once_with_a_unit() -> None:
    names = [feature.name for feature in CATALOGUE.features]
    assert len(names) == len(set(names))
    table = CATALOGUE.documentation()
    for feature in CATALOGUE.features:
        assert feature.unit and feature.description
        assert f"| `{feature.name}` | {feature.unit} |" in table
    # each 0..1 signal has its rate, named from its declaration
    assert {f"{name}_rate" for name in CATALOGUE.signals} <= set(names)


def test_gap_states_merge_as_one_stream() -> None:
    times = [0.0, 1.0, 1.5, 30.0, 31.0, 100.0]
    whole = GapState(2.0)
    for t in times:
        whole.update(t)
    first, second = GapState(2.0), GapState(2.0)
    for t in times[:3]:
        first.update(t)
    for t in times[3:]:
        second.update(t)
    first += second
    assert first.get() == pytest.approx(whole.get())
    assert whole.get()["gaps"] == 5 and whole.get()["bursts"] == 3


def test_linking_summaries_run_on_every_engine(engine: Engine, traffic) -> None:
    exchanges, signals, _ = traffic
    joined = engine.register_sql(
        "joined",
        profiles.joined_sql(
            SIGNAL_NAMES, engine.dialect, engine.register_arrow("x", exchanges), engine.register_arrow("s", signals)
        ),
    )
    parts = {
        name: engine.materialise(name, sql)
        for name, sql in linking.partial_queries(joined, HARVEST_SIGNALS, 0.5, engine.dialect).items()
    }
    use = engine.table(linking.template_use_sql(parts["template_use"]))
    openers = pc.sum(pc.equal(exchanges.column("turn"), 0)).as_py()
    assert pc.sum(use.column("n")).as_py() == openers
    requests = engine.materialise("requests", profiles.partial_queries(CATALOGUE, joined, engine.dialect)["requests"])
    content = engine.table(linking.template_content_sql(parts["template_signals"], requests))
    assert content.num_rows == pc.count_distinct(signals.column("template_key")).as_py()
    assert pc.min(content.column("harvest")).as_py() >= 0 and pc.max(content.column("harvest")).as_py() <= 1


def test_a_catalogue_feature_reads_only_declared_columns(tmp_path: Path) -> None:
    declared = set(profiles.EXCHANGE_COLUMNS) | {"tool_count", *SIGNAL_NAMES}
    used = set()
    for statistic in CATALOGUE.scalars.values():
        if statistic.observed() is not None:
            used |= statistic.observed().columns()
    for histogram in CATALOGUE.histograms.values():
        for _, expression in histogram.keys:
            used |= expression.columns()
    assert used <= declared


def test_the_readme_lists_the_catalogue_as_it_is() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert CATALOGUE.documentation() in readme
