"""Hostile input: what an attacker can put in a log never poisons the workspace.

Each hostile value goes through every path a record can take (Arrow's JSON reader, the batch
coercion, the record-by-record reference; Parquet's cast and its row path) and must come out
the same: the same records quarantined with the same reasons, the rest kept identical, and
nothing kept that a later `info` or `scan` cannot read.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import zstandard

from distillguard.ingest import ReadOptions, UnknownFormat, base, canonical, detect_format, reader_for
from distillguard.schema import EXCHANGE_SCHEMA, MAX_ID_CHARS, coerce_exchange

from .conftest import exchange
from .test_cli import distillguard

STRING_FIELDS = [f.name for f in EXCHANGE_SCHEMA if pa.types.is_string(f.type)]
BAD_UTF8 = [b"caf\xe9", b"\xed\xa0\x80", b"\xff\xfe", b"ok\xc3"]  # cut, surrogate, never valid, cut at the end

# Raw JSON text spliced in for one field of an otherwise clean canonical record.
HOSTILE_JSON: list[tuple[str, bytes]] = [
    *((name, b'"' + bad + b'"') for name in STRING_FIELDS for bad in BAD_UTF8[:1]),
    *(("prompt", b'"' + bad + b'"') for bad in BAD_UTF8[1:]),
    ("tools", b'["caf\xe9"]'),
    ("prompt", b'"a\\udc00b"'),  # a lone surrogate, escaped in ASCII
    ("prompt", b'"a\\u0000b"'),
    ("account_id", b'"a\\u0000b"'),
    ("model", b'"\\u001b]0;title\\u0007"'),
    ("ts", b'"0000-01-01T00:00:00Z"'),
    ("ts", b'"9999-12-31T23:59:59-05:00"'),
    ("ts", b'"0001-01-01T00:00:00+00:01"'),
    ("ts", b'"0001-01-01T00:00:00Z"'),
    ("ts", b'"9999-12-31T23:59:59.999999Z"'),
    ("ts", b'"9999-12-31T23:59:59.999999+00:00"'),
    ("ts", b'"10000-01-01T00:00:00Z"'),
    ("ts", b'"-0001-01-01T00:00:00Z"'),
    ("ts", b'"2026-02-30T00:00:00Z"'),
    ("ts", b'"2026-02-01"'),
    ("ts", b'"2026-02-01 10:00:00"'),
    ("ts", b'"2026-02-01T10:00"'),
    ("ts", b'"2026-02-01T10:00:00+0530"'),
    ("ts", b"253402300800"),
    ("ts", b"-62135596801"),
    ("ts", b"1e20"),
    ("ts", b"null"),
    ("ts", b"true"),
    ("ts", b"[]"),
    ("turn", b"32768"),
    ("turn", b"-32769"),
    ("turn", b"1e300"),
    ("turn", b"18446744073709551616"),
    ("turn", b'"x"'),
    ("turn", b"1.5"),
    ("turn", b"true"),
    ("turn", b"null"),
    ("n_images", b"40000"),
    ("n", b"32768"),
    ("status", b"99999"),
    ("asn", b"2147483648"),
    ("asn", b"-2147483649"),
    ("context_chars", b"1099511627776"),
    ("max_tokens", b"2147483648"),
    ("latency_ms", b"-2147483649"),
    ("input_tokens", b"9223372036854775808"),
    ("reasoning_tokens", b"2147483648"),
    ("temperature", b"NaN"),
    ("temperature", b"Infinity"),
    ("temperature", b"-Infinity"),
    ("temperature", b"1e300"),
    ("temperature", b"1e400"),
    ("temperature", b"-1e39"),
    ("top_p", b'"NaN"'),
    ("top_p", b'"inf"'),
    ("temperature", b'"warm"'),
    ("account_id", b"null"),
    ("account_id", b'""'),
    ("account_id", b"42"),
    ("account_id", b"true"),
    ("account_id", b"[]"),
    ("account_id", b'"' + b"a" * (MAX_ID_CHARS + 1) + b'"'),
    ("model", b"null"),
    ("model", b"{}"),
    ("prompt", b"null"),
    ("prompt", b"1"),
    ("exchange_id", b"null"),
    ("exchange_id", b'""'),
    ("stream", b"null"),
    ("stream", b'"yes"'),
    ("stream", b"2"),
    ("tools", b"null"),
    ("tools", b'"bash"'),
    ("tools", b"[1]"),
    ("tools", b'["a", null]'),
    ("tools", b'[["a"]]'),
    ("tools", b'["' + b"t" * (MAX_ID_CHARS + 5) + b'"]'),
    ("extra", b"null"),
    ("extra", b"[]"),
    ("extra", b"1"),
    ("extra", b'"not json"'),
    ("extra", b'"[1, 2]"'),
    ("extra", b'"{\\"k\\": 1}"'),
    ("extra", b'"{\\"k\\": 18446744073709551616}"'),
    ("extra", b'""'),
]

# Values a later `info` or `scan` cannot read, and so must never be kept.
MUST_QUARANTINE = {
    *((name, b'"' + bad + b'"') for name in STRING_FIELDS for bad in BAD_UTF8),
    ("tools", b'["caf\xe9"]'),
    ("prompt", b'"a\\udc00b"'),
    ("ts", b'"0000-01-01T00:00:00Z"'),
    ("ts", b'"9999-12-31T23:59:59-05:00"'),
    ("ts", b'"0001-01-01T00:00:00+00:01"'),
    ("ts", b"-62135596801"),
    ("turn", b"32768"),
    ("asn", b"2147483648"),
    ("input_tokens", b"9223372036854775808"),
    ("temperature", b"NaN"),
}

FIRST_TS = datetime(1, 1, 1, tzinfo=UTC)
LAST_TS = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def hostile_line(index: int, name: str, raw_value: bytes) -> bytes:
    """A clean canonical record with ``raw_value`` (JSON text) as the value of ``name``."""
    marker = f"<hostile-{index}>"
    text = orjson.dumps(exchange(index, **{name: marker}))
    return text.replace(orjson.dumps(marker), raw_value) + b"\n"


def hostile_file(folder: Path, index: int, name: str, raw_value: bytes) -> Path:
    """The hostile record between clean ones, so the Arrow path reads it in a clean block."""
    lines = [orjson.dumps(exchange(index * 10 + k)) + b"\n" for k in range(6)]
    lines.insert(3, hostile_line(index * 10 + 9, name, raw_value))
    path = folder / f"hostile-{index}.jsonl"
    path.write_bytes(b"".join(lines))
    return path


def assert_readable(table: pa.Table) -> None:
    """What a scan and `info` need of every kept row."""
    table.validate(full=True)  # valid UTF-8 in every string, list item included
    for value in table.column("ts").to_pylist():
        assert FIRST_TS <= value <= LAST_TS
    for name in ("temperature", "top_p"):
        assert all(value is None or math.isfinite(value) for value in table.column(name).to_pylist())
    assert all(None not in tools for tools in table.column("tools").to_pylist())
    for extra in table.column("extra").to_pylist():
        assert isinstance(orjson.loads(extra), dict)


def read_with(path: Path, format_name: str) -> tuple[list[dict], list[tuple]]:
    reader = reader_for(path, format_name, ReadOptions(run_id="fixed", batch_rows=4))
    batches = list(reader.read(path))
    table = pa.concat_tables([batch.table for batch in batches])
    assert table.schema == EXCHANGE_SCHEMA
    assert_readable(table)
    quarantined = [(q.record, q.reason, q.detail, q.raw) for batch in batches for q in batch.quarantined]
    assert sum(batch.records for batch in batches) == table.num_rows + len(quarantined)
    return table.to_pylist(), quarantined


def force_record_path(patch: pytest.MonkeyPatch, one_by_one: bool) -> None:
    """No block takes Arrow's JSON reader, no Parquet batch its cast; with ``one_by_one``
    every row also takes coerce_exchange alone (the reference)."""

    def miss(*_args: object) -> None:
        raise canonical._FastPathMiss

    patch.setattr(canonical, "_parse_block", miss)
    patch.setattr(canonical, "_cast_parquet_batch", miss)
    if one_by_one:
        patch.setattr(
            base, "coerce_exchange_values", lambda values: (EXCHANGE_SCHEMA.empty_table(), list(range(len(values))))
        )


def every_path(path: Path, format_name: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    results = [read_with(path, format_name)]
    for one_by_one in (False, True):
        with monkeypatch.context() as patch:
            force_record_path(patch, one_by_one)
            results.append(read_with(path, format_name))
    return results


@pytest.mark.parametrize(("name", "raw_value"), HOSTILE_JSON, ids=lambda v: v if isinstance(v, str) else repr(v)[:40])
def test_a_hostile_json_value_is_judged_the_same_on_every_path(
    name: str, raw_value: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = hostile_file(tmp_path, 1, name, raw_value)
    fast, batch, reference = every_path(path, "canonical", monkeypatch)
    assert fast[1] == batch[1] == reference[1]  # the same records, reasons, details and bytes
    assert fast[0] == batch[0] == reference[0]  # the rest kept identical
    rows, quarantined = fast
    assert len(rows) + len(quarantined) == 7
    if (name, raw_value) in MUST_QUARANTINE:
        assert [record for record, *_ in quarantined] == [4]


# --- Parquet ---------------------------------------------------------------------------


def _bad_utf8_strings(values: list, index: int, bad: bytes) -> pa.Array:
    raw = [None if v is None else v.encode() for v in values]
    raw[index] = bad
    return pa.array(raw, pa.binary()).view(pa.string())


def _column(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def _with(values: list, index: int, value: object) -> list:
    values = list(values)
    values[index] = value
    return values


US = pa.timestamp("us", tz="UTC")
# name of the case -> (column, function of (clean column values, index) -> the column's array)
HOSTILE_PARQUET = {
    **{
        f"{name}-not-utf8": (name, lambda v, i, bad=bad: _bad_utf8_strings(v, i, bad))
        for name in STRING_FIELDS
        for bad in BAD_UTF8[:1]
    },
    "prompt-surrogate": ("prompt", lambda v, i: _bad_utf8_strings(v, i, BAD_UTF8[1])),
    "tools-not-utf8": (
        "tools",
        lambda v, i: pa.ListArray.from_arrays(
            pa.array(range(len(v) + 1), pa.int32()), _bad_utf8_strings(["t"] * len(v), i, b"\xff")
        ),
    ),
    "ts-year-0": ("ts", lambda v, i: _ts_micros(v, i, -62167219200000000)),
    "ts-year-14645": ("ts", lambda v, i: _ts_micros(v, i, 4 * 10**17)),
    "ts-past-9999-by-1us": ("ts", lambda v, i: _ts_micros(v, i, 253402300800000000)),
    "ts-last": ("ts", lambda v, i: _ts_micros(v, i, 253402300799999999)),
    "ts-first": ("ts", lambda v, i: _ts_micros(v, i, -62135596800000000)),
    "ts-before-first": ("ts", lambda v, i: _ts_micros(v, i, -62135596800000001)),
    "ts-seconds-overflow": (
        "ts",
        lambda v, i: pa.array(_with([int(t.timestamp() * 1000) for t in v], i, 10**16), pa.timestamp("ms", tz="UTC")),
    ),
    "ts-ns": ("ts", lambda v, i: pa.array(v, US).cast(pa.timestamp("ns", tz="UTC"))),
    "ts-other-zone": ("ts", lambda v, i: pa.array(v, US).cast(pa.timestamp("us", tz="Asia/Kolkata"))),
    "ts-naive": ("ts", lambda v, i: pa.array(v, US).cast(pa.timestamp("us"))),
    "ts-text": ("ts", lambda v, i: pa.array([t.isoformat() for t in v], pa.string())),
    "ts-text-year-0": ("ts", lambda v, i: pa.array(_with([t.isoformat() for t in v], i, "0000-01-01T00:00:00Z"))),
    "ts-null": ("ts", lambda v, i: pa.array(_with(v, i, None), US)),
    "turn-int64-huge": ("turn", lambda v, i: pa.array(_with(v, i, 2**40), pa.int64())),
    "turn-uint64-max": ("turn", lambda v, i: pa.array(_with(v, i, 2**64 - 1), pa.uint64())),
    "turn-float": ("turn", lambda v, i: pa.array(_with([float(x) for x in v], i, 2.5), pa.float64())),
    "turn-float-nan": ("turn", lambda v, i: pa.array(_with([float(x) for x in v], i, math.nan), pa.float64())),
    "turn-text": ("turn", lambda v, i: pa.array(_with([str(x) for x in v], i, "+2"), pa.string())),
    "turn-null": ("turn", lambda v, i: pa.array(_with(v, i, None), pa.int16())),
    "asn-huge": ("asn", lambda v, i: pa.array(_with(v, i, 2**31), pa.int64())),
    "status-huge": ("status", lambda v, i: pa.array(_with(v, i, 70000), pa.int32())),
    "input-tokens-huge": ("input_tokens", lambda v, i: pa.array(_with(v, i, 2**63 - 1), pa.int64())),
    "temperature-nan": ("temperature", lambda v, i: pa.array(_with(v, i, math.nan), pa.float32())),
    "temperature-inf": ("temperature", lambda v, i: pa.array(_with(v, i, math.inf), pa.float64())),
    "temperature-float32-overflow": ("temperature", lambda v, i: pa.array(_with(v, i, 1e300), pa.float64())),
    "temperature-text": ("temperature", lambda v, i: pa.array(_with([str(x) for x in v], i, "warm"), pa.string())),
    "account-null": ("account_id", lambda v, i: pa.array(_with(v, i, None), pa.string())),
    "account-empty": ("account_id", lambda v, i: pa.array(_with(v, i, ""), pa.string())),
    "account-too-long": ("account_id", lambda v, i: pa.array(_with(v, i, "a" * (MAX_ID_CHARS + 1)), pa.string())),
    "account-int": ("account_id", lambda v, i: pa.array(range(len(v)), pa.int64())),
    "account-binary": ("account_id", lambda v, i: pa.array([x.encode() for x in v], pa.binary())),
    "model-null": ("model", lambda v, i: pa.array(_with(v, i, None), pa.string())),
    "prompt-null": ("prompt", lambda v, i: pa.array(_with(v, i, None), pa.string())),
    "exchange-id-null": ("exchange_id", lambda v, i: pa.array(_with(v, i, None), pa.string())),
    "stream-int": ("stream", lambda v, i: pa.array(_with([int(x) for x in v], i, 2), pa.int8())),
    "stream-null": ("stream", lambda v, i: pa.array(_with(v, i, None), pa.bool_())),
    "tools-text": ("tools", lambda v, i: pa.array(["bash"] * len(v), pa.string())),
    "tools-ints": ("tools", lambda v, i: pa.array([[1]] * len(v), pa.list_(pa.int64()))),
    "tools-null-item": ("tools", lambda v, i: pa.array(_with(v, i, ["a", None]), pa.list_(pa.string()))),
    "tools-long-item": (
        "tools",
        lambda v, i: pa.array(_with(v, i, ["t" * (MAX_ID_CHARS + 5)]), pa.list_(pa.string())),
    ),
    "tools-null": ("tools", lambda v, i: pa.array(_with(v, i, None), pa.list_(pa.string()))),
    "extra-not-json": ("extra", lambda v, i: pa.array(_with(v, i, "not json"), pa.string())),
    "extra-spaced": ("extra", lambda v, i: pa.array(_with(v, i, '{"k": 1}'), pa.string())),
    "extra-list": ("extra", lambda v, i: pa.array(_with(v, i, "[1]"), pa.string())),
    "extra-null": ("extra", lambda v, i: pa.array(_with(v, i, None), pa.string())),
    "unknown-column": ("colour", lambda v, i: pa.array(["blue"] * len(v))),
}
PARQUET_MUST_QUARANTINE = {
    *(f"{name}-not-utf8" for name in STRING_FIELDS),
    "prompt-surrogate",
    "tools-not-utf8",
    "ts-year-0",
    "ts-year-14645",
    "ts-past-9999-by-1us",
    "ts-before-first",
    "ts-seconds-overflow",
    "ts-text-year-0",
    "turn-int64-huge",
    "input-tokens-huge",
}


def _ts_micros(values: list, index: int, micros: int) -> pa.Array:
    numbers = pa.array(values, US).cast(pa.int64()).to_pylist()
    numbers[index] = micros
    return pa.array(numbers, pa.int64()).cast(US)


def clean_parquet_table(rows: int = 7) -> pa.Table:
    return pa.Table.from_pylist([coerce_exchange(exchange(k)) for k in range(rows)], schema=EXCHANGE_SCHEMA)


@pytest.mark.parametrize("case", sorted(HOSTILE_PARQUET))
def test_a_hostile_parquet_value_is_judged_the_same_on_every_path(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, build = HOSTILE_PARQUET[case]
    table = clean_parquet_table()
    index = 3
    values = _column(table, name) if name in table.column_names else [None] * table.num_rows
    column = build(values, index)
    if name in table.column_names:
        table = table.set_column(table.column_names.index(name), name, column)
    else:
        table = table.append_column(name, column)
    path = tmp_path / "hostile.parquet"
    pq.write_table(table, path)
    fast, batch, reference = every_path(path, "parquet", monkeypatch)
    assert fast[1] == batch[1] == reference[1]
    assert fast[0] == batch[0] == reference[0]
    rows, quarantined = fast
    assert len(rows) + len(quarantined) == 7
    if case in PARQUET_MUST_QUARANTINE:
        assert [record for record, *_ in quarantined] == [index + 1]


def test_the_arrow_paths_are_taken_for_clean_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The differential tests compare something: clean blocks do take the fast paths."""
    calls = {"json": 0, "parquet": 0}
    parse_block, cast_batch = canonical._parse_block, canonical._cast_parquet_batch

    def counted_parse(*args: object):  # type: ignore[no-untyped-def]
        calls["json"] += 1
        return parse_block(*args)

    def counted_cast(*args: object):  # type: ignore[no-untyped-def]
        calls["parquet"] += 1
        return cast_batch(*args)

    monkeypatch.setattr(canonical, "_parse_block", counted_parse)
    monkeypatch.setattr(canonical, "_cast_parquet_batch", counted_cast)
    jsonl = hostile_file(tmp_path, 2, "prompt", b'"fine"')
    parquet = tmp_path / "clean.parquet"
    pq.write_table(clean_parquet_table(), parquet)
    reader = reader_for(jsonl, "canonical", ReadOptions())
    assert sum(batch.table.num_rows for batch in reader.read(jsonl)) == 7
    reader = reader_for(parquet, "parquet", ReadOptions())
    assert sum(batch.table.num_rows for batch in reader.read(parquet)) == 7
    assert calls["json"] >= 1 and calls["parquet"] >= 1


# --- end to end --------------------------------------------------------------------------


def test_a_hostile_log_is_quarantined_and_every_command_still_works(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [orjson.dumps(exchange(k)) + b"\n" for k in range(40)]
    lines += [hostile_line(100 + k, name, raw) for k, (name, raw) in enumerate(HOSTILE_JSON)]
    (logs / "hostile.jsonl").write_bytes(b"".join(lines))
    for k, case in enumerate(sorted(PARQUET_MUST_QUARANTINE)):
        name, build = HOSTILE_PARQUET[case]
        table = clean_parquet_table()
        table = table.set_column(0, "exchange_id", pa.array([f"pq-{k}-{row}" for row in range(table.num_rows)]))
        table = table.set_column(table.column_names.index(name), name, build(_column(table, name), 3))
        pq.write_table(table, logs / f"hostile-{k}.parquet")
    workspace, findings = tmp_path / "ws", tmp_path / "findings"
    result = distillguard("ingest", str(logs), "-w", str(workspace), "--json")
    assert result.returncode == 3, result.stderr
    summary = orjson.loads(result.stdout)
    must = [value for value in HOSTILE_JSON if value in MUST_QUARANTINE]
    assert summary["quarantined"] >= len(must) + len(PARQUET_MUST_QUARANTINE)
    assert summary["items"] == summary["ingested"] + summary["duplicates"] + summary["quarantined"]
    info = distillguard("info", "-w", str(workspace), "--json")
    assert info.returncode == 0, info.stderr
    assert orjson.loads(info.stdout)["exchanges"] == summary["ingested"]
    scanned = distillguard("scan", "-w", str(workspace), "--out", str(findings), "--quiet")
    assert scanned.returncode == 0, scanned.stderr
    kept = pq.read_table(findings / "signals.parquet")
    assert kept.num_rows == summary["ingested"]
    quarantine = pq.read_table(summary["quarantine_file"])
    assert pc.all(pc.greater(quarantine.column("record"), 0)).as_py()


def test_quarantined_bytes_are_the_lines_as_read(tmp_path: Path) -> None:
    line = hostile_line(1, "prompt", b'"caf\xe9"')
    path = tmp_path / "one.jsonl"
    path.write_bytes(orjson.dumps(exchange(0)) + b"\n" + line)
    reader = reader_for(path, "canonical", ReadOptions())
    [item] = [q for batch in reader.read(path) for q in batch.quarantined]
    assert (item.record, item.reason, item.raw) == (2, "not_utf8", line)
    assert io.BytesIO(item.raw).read() == line


def test_an_accounts_parquet_with_values_python_cannot_hold_is_quarantined_row_by_row(tmp_path: Path) -> None:
    created = pa.array([0, -62167219200000000, 10**15, 4 * 10**17], pa.int64()).cast(US)
    table = pa.table(
        {
            "account_id": ["a0", "a1", "a2", "a3"],
            "org_name": _bad_utf8_strings(["o0", "o1", "o2", "o3"], 2, b"caf\xe9"),
            "created_at": created,
        }
    )
    path = tmp_path / "accounts.parquet"
    pq.write_table(table, path)
    reader = reader_for(path, None, ReadOptions(), kind="accounts")
    batches = list(reader.read(path))
    kept = pa.concat_tables([batch.table for batch in batches])
    quarantined = [(q.record, q.reason) for batch in batches for q in batch.quarantined]
    assert kept.column("account_id").to_pylist() == ["a0"]
    assert quarantined == [(2, "bad_timestamp"), (3, "not_utf8"), (4, "bad_timestamp")]


# --- resources ---------------------------------------------------------------------------


def test_one_endless_line_keeps_only_the_record_cap_of_its_bytes(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor()
    endless = compressor.compress(b"{" + b"a" * (64 << 20) + b"\n") + compressor.compress(
        orjson.dumps(exchange(1)) + b"\n"
    )
    path = tmp_path / "endless.jsonl.zst"
    path.write_bytes(endless)
    assert len(endless) < 64 << 10  # 64 MiB in a few kilobytes
    result = distillguard("ingest", str(path), "-w", str(tmp_path / "ws"), "--format", "canonical", "--json")
    assert result.returncode == 3, result.stderr
    summary = orjson.loads(result.stdout)
    assert (summary["ingested"], summary["quarantined"], summary["quarantine_records_cut"]) == (1, 1, 1)
    assert summary["quarantine_bytes_kept"] == 1 << 20
    assert summary["quarantine_bytes_not_kept"] == (64 << 20) + 2 - (1 << 20)
    raw = list((tmp_path / "ws" / "quarantine" / "raw").iterdir())
    assert [file.stat().st_size for file in raw] == [1 << 20]
    [row] = pq.read_table(summary["quarantine_file"]).to_pylist()
    assert row["reason"] == "record_too_large" and "the first 1,048,576 of its" in row["detail"]


def test_the_run_cap_bounds_what_all_quarantined_records_keep(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(b"{" + bytes([65 + k % 26]) * 100_000 + b"\n" for k in range(40)))
    result = distillguard(
        "ingest", str(path), "-w", str(tmp_path / "ws"), "--format", "canonical", "--keep-run-bytes", "1MB", "--json"
    )
    assert result.returncode == 3, result.stderr
    summary = orjson.loads(result.stdout)
    assert summary["quarantined"] == 40  # every record is still counted
    assert summary["quarantine_bytes_kept"] == 1_000_000
    assert summary["quarantine_bytes_kept"] + summary["quarantine_bytes_not_kept"] == 40 * 100_002
    rows = pq.read_table(summary["quarantine_file"]).to_pylist()
    assert sum(len(row["raw"] or b"") for row in rows) == 1_000_000
    assert [row["record"] for row in rows] == list(range(1, 41))
    assert rows[-1]["raw"] is None and "were not kept" in rows[-1]["detail"]
    bad = distillguard("ingest", str(path), "-w", str(tmp_path / "ws2"), "--keep-run-bytes", "lots")
    assert bad.returncode == 2 and "--keep-run-bytes 'lots' is not a size" in bad.stderr


def test_many_short_bad_lines_are_quarantined_in_bounded_batches(tmp_path: Path) -> None:
    """Rejects are held per block until written, so blocks have a bounded number of lines."""
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"x\n" * (3 * base.MAX_BLOCK_LINES + 5))
    reader = reader_for(path, "canonical", ReadOptions())
    sizes = [len(batch.quarantined) for batch in reader.read(path)]
    assert sum(sizes) == 3 * base.MAX_BLOCK_LINES + 5
    assert max(sizes) <= base.MAX_BLOCK_LINES
    blocks = list(base.iter_blocks(path, ReadOptions()))
    assert [block.first_line for block in blocks] == [1 + k * base.MAX_BLOCK_LINES for k in range(4)]
    assert [block.offset for block in blocks] == [2 * k * base.MAX_BLOCK_LINES for k in range(4)]


# --- per-file decisions ------------------------------------------------------------------


def _damaged_parquet(folder: Path) -> tuple[Path, Path]:
    """A Parquet file with a damaged page in its second row group, and one cut in half."""
    table = pa.Table.from_pylist([coerce_exchange(exchange(500 + k)) for k in range(300)], schema=EXCHANGE_SCHEMA)
    path = folder / "pages.parquet"
    pq.write_table(table, path, row_group_size=100, compression="zstd")
    prompt = pq.ParquetFile(path).metadata.row_group(1).column(EXCHANGE_SCHEMA.names.index("prompt"))
    data = bytearray(path.read_bytes())
    middle = prompt.data_page_offset + prompt.total_compressed_size // 2
    data[middle : middle + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    cut = folder / "cut.parquet"
    cut.write_bytes(bytes(data[: len(data) // 2]))
    return path, cut


def test_each_file_of_a_folder_is_judged_alone(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    good = [orjson.dumps(exchange(k)) + b"\n" for k in range(10)]
    (logs / "a-empty.jsonl").write_bytes(b"")
    (logs / "b-blank.jsonl").write_bytes(b"\n  \n")
    (logs / "c-bom.jsonl").write_bytes(b"\xef\xbb\xbf" + b"".join(good[:3]))
    (logs / "d-garbage-first.jsonl").write_bytes(b"=== export started ===\n" + b"".join(good[3:6]))
    (logs / "e-all-garbage.jsonl").write_bytes(b"\x00\x01 not a log at all\n" * 3)
    (logs / "f-good.jsonl").write_bytes(b"".join(good[6:]))
    _damaged_parquet(logs)
    accounts = tmp_path / "accounts.csv"
    accounts.write_bytes(b"\xef\xbb\xbfexported by the billing system\naccount_id,account_type\nacct-1,education\n")
    result = distillguard("ingest", str(logs), "--accounts", str(accounts), "-w", str(tmp_path / "ws"), "--json")
    assert result.returncode == 3, result.stderr
    summary = orjson.loads(result.stdout)
    assert summary["ingested"] == 10 + 200 + 1  # every good record, the readable row groups, the account
    assert summary["quarantine_reasons"] == {"invalid_json": 1, "unknown_format": 1, "bad_parquet": 2, "bad_csv": 1}
    assert sorted(Path(s["path"]).name for s in summary["skipped_files"] if s["reason"] == "empty") == [
        "a-empty.jsonl",
        "b-blank.jsonl",
    ]
    formats = {Path(f["path"]).name: f["format"] for f in summary["files"]}
    assert formats["e-all-garbage.jsonl"] == "unknown" and formats["c-bom.jsonl"] == "canonical"
    assert summary["items"] == summary["ingested"] + summary["duplicates"] + summary["quarantined"]
    quarantine = {row["reason"]: row for row in pq.read_table(summary["quarantine_file"]).to_pylist()}
    assert quarantine["unknown_format"]["raw"] == (logs / "e-all-garbage.jsonl").read_bytes()
    assert "pass --format" in quarantine["unknown_format"]["detail"]
    assert (quarantine["invalid_json"]["source"], quarantine["invalid_json"]["record"]) == (
        str(logs / "d-garbage-first.jsonl"),
        1,
    )
    info = distillguard("info", "-w", str(tmp_path / "ws"), "--json")
    assert info.returncode == 0 and orjson.loads(info.stdout)["exchanges"] == 210


def test_a_damaged_parquet_file_is_quarantined_where_it_is_damaged(tmp_path: Path) -> None:
    pages, cut = _damaged_parquet(tmp_path)
    for path, kept, where in [(pages, 200, [(101, "rows 101 to 200 (row group 2)")]), (cut, 0, [(1, "footer")])]:
        reader = reader_for(path, None, ReadOptions())
        batches = list(reader.read(path))
        quarantined = [(q.record, q.reason, q.detail) for batch in batches for q in batch.quarantined]
        assert sum(batch.table.num_rows for batch in batches) == kept
        assert [(record, reason) for record, reason, _ in quarantined] == [(where[0][0], "bad_parquet")]
        assert where[0][1] in quarantined[0][2]


def test_the_hint_for_an_accounts_file_of_no_known_shape_does_not_suggest_format(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"\xef\xbb\xbfid;type\n1;education\n")
    with pytest.raises(UnknownFormat) as refused:
        detect_format(path, "accounts")
    assert "--format" not in str(refused.value) and "account_id" in str(refused.value)
    good = tmp_path / "good.csv"
    good.write_bytes(b"\xef\xbb\xbfaccount_id,account_type\n1,education\n")
    assert detect_format(good, "accounts").name == "accounts"
