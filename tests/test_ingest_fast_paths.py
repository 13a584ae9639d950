"""The batch coercion gives what record-by-record coercion gives: same rows, bytes, quarantine."""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard.errors import RecordError
from distillguard.ingest import ReadOptions, base, reader_for
from distillguard.ingest.base import Block, bulk_reading, iter_blocks, read_ahead
from distillguard.ingest.render import render_lines, synthetic_exchanges
from distillguard.schema import EXCHANGE_SCHEMA, MAX_ID_CHARS, MAX_TEXT_CHARS, coerce_exchange, coerce_exchange_rows

from .conftest import exchange, read_all, write_jsonl

REPO = Path(__file__).resolve().parent.parent
SHIPPED = [
    REPO / "tests" / "data" / "openai_style.jsonl",
    REPO / "tests" / "data" / "litellm.jsonl",
    REPO / "tests" / "data" / "otel_genai.jsonl",
    REPO / "examples" / "logs" / "canonical.jsonl",
]

# Values a log may hold where a column wants something else: each row gets one of them.
ODD_VALUES: dict[str, list[object]] = {
    "exchange_id": [None, "", 7, "x" * (MAX_ID_CHARS + 1), "id-é✓漢字"],
    "ts": [
        1769940000,
        1769940000.5,
        1769940000123,
        1769940000123456,
        1769940000123456789,
        2**64 - 1,
        1769940000.0000005,
        -1.5,
        "2026-02-01T10:00:00+05:30",
        "2026-02-01T10:00:00.123Z",
        "2026-02-01 10:00:00",
        "2026-02-01T10:00:00",
        "2026-02-30T10:00:00Z",
        "0001-01-01T00:30:00+01:00",
        "1769940000",
        "soon",
        "",
        None,
        True,
        float("nan"),
        [],
    ],
    "account_id": [None, "", 42, 4.5, True, ["a"], "x" * (MAX_ID_CHARS + 1), "compte-é"],
    "model": [None, "", 3, {"name": "m"}],
    "prompt": [None, "", 12, "p" * (MAX_TEXT_CHARS + 5), "¿Por qué? 为什么？ 🙂"],
    "response": [None, "r" * (MAX_TEXT_CHARS + 1), 1.5],
    "turn": [None, "2", 2.0, 2.5, True, 40_000, -1, "x"],
    "asn": [None, "64500", 2**31, 2**64 - 1, 64500.0],
    "temperature": [None, "0.7", 1, True, float("inf"), float("nan"), "warm"],
    "stream": [None, 0, 1, 2, "true", "False", "yes"],
    "tools": [None, [], ["a", None], ["a", 3], ["t" * (MAX_ID_CHARS + 10)], "bash", {"a": 1}],
    "extra": [None, "", "{}", '{"k": 1}', "not json", {"k": 1}, [], {}],
    "colour": ["blue"],
}


def odd_records() -> list[dict]:
    """Realistic exchanges, each with one odd value (or several for every tenth record)."""
    records = []
    index = 0
    for name, values in ODD_VALUES.items():
        for value in values:
            record = exchange(index, **{name: value})
            if index % 10 == 9:  # several odd values at once: the first one in key order wins
                record.update(turn="many", asn="x")
            records.append(record)
            index += 1
    records.extend(exchange(index + i) for i in range(20))  # clean ones between
    return records


def record_by_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every exchange row take coerce_exchange one by one: the reference path."""

    def everything_one_by_one(values: list) -> tuple[pa.Table, list[int]]:
        return EXCHANGE_SCHEMA.empty_table(), list(range(len(values)))

    monkeypatch.setattr(base, "coerce_exchange_values", everything_one_by_one)


def read_everything(path: Path, format_name: str | None = None) -> tuple[bytes, list[tuple]]:
    reader = reader_for(path, format_name, ReadOptions(run_id="fixed"))
    batches = list(reader.read(path))
    table = pa.concat_tables([batch.table for batch in batches]) if batches else EXCHANGE_SCHEMA.empty_table()
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    quarantined = [(q.source, q.record, q.reason, q.detail, q.raw) for batch in batches for q in batch.quarantined]
    return parquet.getvalue(), quarantined


def both_paths(path: Path, monkeypatch: pytest.MonkeyPatch, format_name: str | None = None) -> tuple:
    fast = read_everything(path, format_name)
    with monkeypatch.context() as patch:
        record_by_record(patch)
        slow = read_everything(path, format_name)
    return fast, slow


def test_odd_records_give_the_same_rows_and_quarantine_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[dict | bytes] = []
    for index, record in enumerate(odd_records()):
        lines.append(orjson.dumps(record) + b"\n")
        if index % 25 == 0:  # lines that never reach coercion, between the others
            lines.append(b'{"ts": "2026-02-01T10:00:00Z", "account_id": \n')
            lines.append(b'{"prompt": "caf\xe9"}\n')
    path = write_jsonl(tmp_path / "odd.jsonl", lines)
    (fast_rows, fast_quarantine), (slow_rows, slow_quarantine) = both_paths(path, monkeypatch, "canonical")
    assert fast_quarantine == slow_quarantine
    assert fast_rows == slow_rows  # the same Parquet bytes
    numbers = [number for _, number, _, _, _ in fast_quarantine]
    assert numbers == sorted(numbers)  # in line order, as they were read
    reasons = {reason for _, _, reason, _, _ in fast_quarantine}
    assert {"bad_type", "bad_timestamp", "id_too_long", "missing_ts", "out_of_range", "invalid_json"} <= reasons
    ingested = pq.read_table(io.BytesIO(fast_rows))
    truncated = [orjson.loads(extra) for extra in ingested.column("extra").to_pylist() if "_truncated" in extra]
    assert {"prompt", "response"} <= {name for extra in truncated for name in extra["_truncated"]}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_samples_read_the_same_on_both_paths(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = both_paths(path, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("format_name", ["openai", "anthropic", "litellm", "otel", "otel_old_events"])
def test_rendered_formats_read_the_same_on_both_paths(
    format_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchanges = list(synthetic_exchanges(300, seed=3))
    exchanges[5]["prompt"] = "x" * (MAX_TEXT_CHARS + 3)  # cut, with its length kept
    exchanges[6]["prompt"] = "Ünïcödé prompt 🙂 为什么"
    exchanges[7]["exchange_id"] = None  # the id comes from the record's bytes
    path = tmp_path / f"{format_name}.jsonl"
    path.write_bytes(b"".join(render_lines(exchanges, format_name)))
    reader_name = {"anthropic": "openai", "otel_old_events": "otel"}.get(format_name, format_name)
    fast, slow = both_paths(path, monkeypatch, reader_name)
    assert fast == slow
    assert pq.read_metadata(io.BytesIO(fast[0])).num_rows == 300


def test_batch_coercion_of_timestamps_agrees_with_parse_timestamp() -> None:
    values = [
        *ODD_VALUES["ts"],
        *(1769940000 + fraction / 8 for fraction in range(8)),
        *(sign * (micros + 0.5) / 1e6 for micros in range(6) for sign in (1, -1)),  # ties: half to even
        *(1_769_940_000_123_456_789 + step for step in range(-3, 4)),
        99_999_999_999,
        100_000_000_000,
        99_999_999_999_999,
        100_000_000_000_000,
        253_402_300_799,
        -62_135_596_800,
        -(2**63),
        2**63 - 1,
        "2024-02-29T23:59:59.999999-00:30",
        "2026-03-01T00:00:00.5+14:00",
        "2026-03-01T00:00:00.1234567Z",
        "2026-03-01t00:00:00z",
        " 2026-03-01T00:00:00Z",
        datetime(2026, 3, 1, tzinfo=UTC),
    ]
    rows = [{"ts": value, "account_id": "a", "model": "m", "prompt": "p"} for value in values]
    table, others = coerce_exchange_rows(rows)
    fast = iter(table.column("ts").to_pylist())
    for index, row in enumerate(rows):
        try:
            expected = coerce_exchange(row)["ts"]
        except RecordError:
            assert index in others, row["ts"]
            continue
        got = coerce_exchange(row)["ts"] if index in others else next(fast)
        assert got == expected, row["ts"]
    assert len(others) < len(values) / 2  # most of them took the batch path


def test_rows_that_need_converting_are_handed_back() -> None:
    rows = [
        {"ts": "2026-02-01T10:00:00Z", "account_id": "a1", "model": "m", "prompt": "hi", "extra": {"k": 1}},
        {"ts": "2026-02-01T10:00:00Z", "account_id": "a1", "model": "m", "prompt": "hi", "n": "2"},
        {"ts": "2026-02-01T10:00:00Z", "account_id": "a1", "model": "m", "prompt": "hi", "colour": "blue"},
        {"ts": "2026-02-01T10:00:00Z", "account_id": "", "model": "m", "prompt": "hi"},
    ]
    table, others = coerce_exchange_rows(rows)
    assert others == [1, 2, 3]
    assert table.to_pylist()[0]["extra"] == '{"k":1}'
    assert table.column("exchange_id").null_count == 1  # the reader derives it from the raw record


def test_iter_blocks_cuts_whole_lines_wherever_the_reads_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f'{{"n": {index}, "pad": "{"x" * (index % 37)}"}}\n'.encode() for index in range(500)]
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(lines) + b'{"n": "last, no newline"}')
    monkeypatch.setattr(base, "READ_BYTES", 97)  # reads end mid-line, blocks span several reads
    blocks = list(iter_blocks(path, ReadOptions(), block_bytes=1000))
    assert len(blocks) > 10
    assert b"".join(block.data or b"" for block in blocks) == path.read_bytes()
    for block in blocks[:-1]:
        assert block.data is not None and block.data.endswith(b"\n")
    assert [block.first_line for block in blocks[1:]] == [block.first_line + block.lines for block in blocks[:-1]]
    assert blocks[-1].first_line + blocks[-1].lines - 1 == 501


def test_read_ahead_keeps_the_order_and_raises_in_place() -> None:
    def blocks() -> Iterator[Block]:
        yield Block(1, 1, b"a\n")
        yield Block(2, 1, b"b\n")
        raise ValueError("cut")

    seen = []
    with pytest.raises(ValueError, match="cut"):
        for block in read_ahead(blocks()):
            seen.append(block.data)
    assert seen == [b"a\n", b"b\n"]


def test_bulk_reading_restores_the_process_settings() -> None:
    thresholds, pool = gc.get_threshold(), pa.default_memory_pool().backend_name
    assert gc.get_freeze_count() == 0
    with bulk_reading():
        assert gc.get_threshold()[0] > thresholds[0]
        assert gc.get_freeze_count() > 0
        assert pa.default_memory_pool().backend_name == pool  # Arrow's process-wide pool is left alone
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_bulk_reading_keeps_what_the_host_froze() -> None:
    gc.freeze()  # a host that freezes its objects, e.g. before forking workers
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with bulk_reading():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen  # not thawed on the way out
    finally:
        gc.unfreeze()


def test_a_library_ingest_leaves_the_process_settings_alone(tmp_path: Path) -> None:
    """Only the CLI enters bulk_reading: a program that ingests through the API keeps its gc."""
    from distillguard.workspace import Workspace

    logs = write_jsonl(tmp_path / "logs.jsonl", [exchange(i) for i in range(20)])
    thresholds = gc.get_threshold()
    seen = []
    with Workspace.create(tmp_path / "ws") as workspace:
        summary = workspace.ingest([logs], on_progress=lambda _path, _records: seen.append(gc.get_threshold()))
    assert summary.ingested == 20
    assert seen and all(during == thresholds for during in seen)


def test_readers_allocate_in_the_reading_pool(tmp_path: Path) -> None:
    """The readers hand their own pool to Arrow (jemalloc where Arrow has it), not the default."""
    from distillguard.arrow_pool import READ_POOL

    if READ_POOL.backend_name == pa.default_memory_pool().backend_name:
        pytest.skip("this Arrow has no allocator besides its default")
    records = [exchange(i) for i in range(200)]
    canonical = write_jsonl(tmp_path / "canonical.jsonl", records)
    mapped = write_jsonl(tmp_path / "mapped.jsonl", [{**record, "unknown_key": 1} for record in records])
    for path in (canonical, mapped):
        before = READ_POOL.total_bytes_allocated()
        _, table, _, _ = read_all(path, ReadOptions(batch_rows=64))
        assert table.num_rows == 200
        assert READ_POOL.total_bytes_allocated() - before > table.nbytes // 2, path.name
