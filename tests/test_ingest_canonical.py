"""Canonical JSONL, Parquet and accounts readers: fast path, slow path, every quarantine case."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from distillguard.ingest import ReadOptions, detect_format, expand_inputs, reader_for
from distillguard.ingest.canonical import AccountsTable, CanonicalJsonl, ParquetExchanges
from distillguard.schema import EXCHANGE_SCHEMA

from .conftest import exchange, write_jsonl


def read_all(path: Path, options: ReadOptions | None = None, format_name: str | None = None):
    reader = reader_for(path, format_name, options or ReadOptions(batch_rows=16))
    batches = list(reader.read(path))
    table = pa.concat_tables([b.table for b in batches])
    quarantined = [q for b in batches for q in b.quarantined]
    records = sum(b.records for b in batches)
    return table, quarantined, records


def test_clean_file_takes_the_fast_path_and_keeps_every_value(tmp_path: Path, sample_records) -> None:
    path = write_jsonl(tmp_path / "logs.jsonl", sample_records)
    table, quarantined, records = read_all(path)
    assert (records, table.num_rows, quarantined) == (50, 50, [])
    assert table.schema == EXCHANGE_SCHEMA
    first = table.slice(0, 1).to_pylist()[0]
    assert first["prompt"] == sample_records[0]["prompt"]
    assert first["tools"] == ["search"]
    assert first["ts"].isoformat() == "2026-03-01T00:00:07.250000+00:00"


def test_bad_lines_are_quarantined_with_line_and_reason_and_the_rest_kept(tmp_path: Path) -> None:
    lines: list = [exchange(i) for i in range(10)]
    lines[2] = b"{not json at all\n"
    lines[4] = exchange(4, account_id=None)
    lines[5] = exchange(5, ts=None)
    lines[6] = exchange(6, n="many")
    lines[7] = b'{"ts": "2026-03-01T00:00:00Z", "account_id": "\xff\xfe", "model": "m", "prompt": "p"}\n'
    lines.append(b"\n   \n")  # blank lines are not records
    lines.append(b'{"exchange_id": "cut", "ts": "2026-03-01T00:00:00Z", "account_id": "a", "mod')
    path = write_jsonl(tmp_path / "logs.jsonl", lines)
    table, quarantined, records = read_all(path)
    reasons = {q.record: q.reason for q in quarantined}
    assert reasons == {
        3: "invalid_json",
        5: "missing_account_id",
        6: "missing_ts",
        7: "bad_type",
        8: "not_utf8",
        13: "truncated_record",
    }
    assert records == table.num_rows + len(quarantined) == 11
    assert all(q.source == str(path) and q.raw for q in quarantined)
    assert next(q for q in quarantined if q.record == 8).raw.startswith(b'{"ts"')


def test_slow_path_accepts_epoch_times_and_unknown_keys(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "logs.jsonl", [exchange(1, ts=1772451000, vendor_field="x"), exchange(2)])
    table, quarantined, _ = read_all(path)
    assert quarantined == []
    assert json.loads(table.column("extra")[0].as_py()) == {"vendor_field": "x"}


def test_records_without_an_id_get_a_stable_one(tmp_path: Path) -> None:
    record = exchange(1)
    del record["exchange_id"]
    first = read_all(write_jsonl(tmp_path / "a.jsonl", [record]))[0]
    second = read_all(write_jsonl(tmp_path / "b.jsonl", [record]))[0]
    assert first.column("exchange_id")[0].as_py() == second.column("exchange_id")[0].as_py()


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_inputs_read_the_same(tmp_path: Path, sample_records, compression: str) -> None:
    plain = write_jsonl(tmp_path / "logs.jsonl", sample_records).read_bytes()
    packed = gzip.compress(plain) if compression == "gzip" else zstandard.ZstdCompressor().compress(plain)
    path = tmp_path / "logs.jsonl.gz"
    path.write_bytes(packed)
    table, quarantined, _ = read_all(path)
    assert table.num_rows == 50 and not quarantined


def test_a_truncated_gzip_keeps_what_was_read_and_says_where_it_ended(tmp_path: Path) -> None:
    plain = write_jsonl(tmp_path / "logs.jsonl", [exchange(i) for i in range(2000)]).read_bytes()
    packed = gzip.compress(plain)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    table, quarantined, records = read_all(path, ReadOptions(batch_rows=100))
    assert 0 < table.num_rows < 2000
    assert quarantined[-1].reason == "truncated_file"
    assert records == table.num_rows + len(quarantined)


def test_a_huge_line_is_spooled_to_disk_not_loaded(tmp_path: Path) -> None:
    huge = json.dumps(exchange(1, prompt="y" * (50 * 1024 * 1024))).encode() + b"\n"
    path = write_jsonl(tmp_path / "logs.jsonl", [exchange(0), huge, exchange(2)])
    options = ReadOptions(batch_rows=16, spool_dir=tmp_path / "spool", keep_record_bytes=len(huge))
    table, quarantined, records = read_all(path, options)
    assert table.column("exchange_id").to_pylist() == ["ex-000000", "ex-000002"]
    [item] = quarantined
    assert (item.record, item.reason, item.raw) == (2, "record_too_large", None)
    assert Path(item.raw_path).read_bytes() == huge
    assert records == 3
    # by default only its first MiB is kept, and the detail says so
    _, [item], _ = read_all(path, ReadOptions(spool_dir=tmp_path / "default"))
    assert Path(item.raw_path).read_bytes() == huge[: 1 << 20]
    assert f"the first 1,048,576 of its {len(huge):,} bytes were kept" in item.detail


def test_parquet_exchanges_are_validated_like_json(tmp_path: Path) -> None:
    rows = [exchange(i) for i in range(5)]
    rows[3]["account_id"] = None
    table = pa.Table.from_pylist([{**r, "ts": r["ts"]} for r in rows])
    pq.write_table(table, tmp_path / "x.parquet")
    assert detect_format(tmp_path / "x.parquet") is ParquetExchanges
    out, quarantined, records = read_all(tmp_path / "x.parquet")
    assert (out.num_rows, [q.record for q in quarantined], records) == (4, [4], 5)


def test_accounts_csv_with_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        b"account_id,account_type,verification,signup_asn\n"
        b"a1,education,email,64512\n"
        b"a2,pirate,email,1\n"
        b"a3,startup\n"
        b",research,none,5\n"
        b"a5,research,none,\xff\n"
    )
    reader = reader_for(path, None, ReadOptions(), kind="accounts")
    assert isinstance(reader, AccountsTable)
    batches = list(reader.read(path))
    table = pa.concat_tables(b.table for b in batches)
    reasons = {q.record: q.reason for b in batches for q in b.quarantined}
    assert table.column("account_id").to_pylist() == ["a1"]
    assert reasons == {3: "bad_account_type", 4: "bad_csv", 5: "missing_account_id", 6: "not_utf8"}


def test_detection_and_expansion(tmp_path: Path, sample_records) -> None:
    write_jsonl(tmp_path / "day1.jsonl", sample_records[:5])
    (tmp_path / "nested").mkdir()
    write_jsonl(tmp_path / "nested" / "day2.jsonl", sample_records[5:])
    (tmp_path / "README.txt").write_text("not a log")
    assert [p.name for p in expand_inputs([tmp_path])] == ["day1.jsonl", "day2.jsonl"]
    assert [p.name for p in expand_inputs([str(tmp_path / "*.jsonl")])] == ["day1.jsonl"]
    assert detect_format(tmp_path / "day1.jsonl") is CanonicalJsonl


def test_fast_path_rejects_are_counted_once(tmp_path: Path) -> None:
    """Valid JSON lacking a required value is rejected by the Arrow path itself."""
    records = [exchange(i) for i in range(20)]
    records[5] = exchange(5, account_id=None)
    records[9] = exchange(9, model="")
    table, quarantined, count = read_all(write_jsonl(tmp_path / "logs.jsonl", records))
    assert [(q.record, q.reason) for q in quarantined] == [(6, "missing_account_id"), (10, "missing_model")]
    assert count == 20 == table.num_rows + len(quarantined)


def test_an_unterminated_quote_in_an_accounts_csv_is_one_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    lines = [
        b"account_id,account_type,org_name\n",
        b"a1,education,Uni\n",
        b'a2,startup,"Acme\n',  # the quote is never closed
        b"a3,research,Lab\n",
        b'a4,research,"Quoted, with comma"\n',
        b'a5,partner,Say "hi"\n',
        b"a6,enterprise,Big\r\n",
    ]
    path.write_bytes(b"".join(lines))
    reader = reader_for(path, None, ReadOptions(), kind="accounts")
    batches = list(reader.read(path))
    table = pa.concat_tables(b.table for b in batches)
    [bad] = [q for b in batches for q in b.quarantined]
    assert table.column("account_id").to_pylist() == ["a1", "a3", "a4", "a5", "a6"]
    assert table.column("org_name").to_pylist() == ["Uni", "Lab", "Quoted, with comma", 'Say "hi"', "Big"]
    assert (bad.record, bad.reason, bad.raw) == (3, "bad_csv", lines[2])
    assert sum(b.records for b in batches) == 6


def test_quarantined_csv_rows_keep_the_bytes_of_their_line(tmp_path: Path) -> None:
    lines = [
        b"account_id,account_type,signup_asn\n",
        b'"a1" , pirate ,"1"\n',
        b"a2,startup\n",
        b"a3,research,\xff\n",
        b'"a,4",education,"12"',
    ]
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"".join(lines))
    reader = reader_for(path, None, ReadOptions(), kind="accounts")
    quarantined = [q for b in reader.read(path) for q in b.quarantined]
    assert [(q.record, q.raw) for q in quarantined] == [(2, lines[1]), (3, lines[2]), (4, lines[3])]


def test_a_cut_gzip_accounts_csv_keeps_the_rows_before_the_cut(tmp_path: Path) -> None:
    rows = "".join(f"acct-{index:05d},education\n" for index in range(20_000))
    packed = gzip.compress(("account_id,account_type\n" + rows).encode())
    path = tmp_path / "accounts.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    reader = reader_for(path, None, ReadOptions(), kind="accounts")
    batches = list(reader.read(path))
    kept = pa.concat_tables(b.table for b in batches).column("account_id").to_pylist()
    quarantined = [q for b in batches for q in b.quarantined]
    assert kept == [f"acct-{index:05d}" for index in range(len(kept))] and len(kept) > 5000
    assert [q.reason for q in quarantined] == ["truncated_file"]
    assert quarantined[0].record == len(kept) + 2  # the header is line 1
