"""What every reader shares: decompression that notices a cut, line framing (BOM, CR line ends)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import orjson
import pytest
import zstandard

from distillguard.ingest import ReadOptions, reader_for
from distillguard.ingest.base import iter_blocks, read_head, zstd_frames_problem

from .conftest import exchange
from .test_cli import distillguard

CUTS = [0.0005, 0.2, 0.5, 0.8, 0.9995]


def _lines(count: int) -> bytes:
    return b"".join(orjson.dumps(exchange(index)) + b"\n" for index in range(count))


def _decodable_prefix(packed: bytes, compression: str) -> bytes:
    """What a decompressor can get out of a cut stream: the bytes before the cut."""
    if compression == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed)
    return zstandard.ZstdDecompressor().decompressobj().decompress(packed)


def _read(path: Path):  # type: ignore[no-untyped-def]
    reader = reader_for(path, "canonical", ReadOptions(batch_rows=64))
    batches = list(reader.read(path))
    ids = [value for batch in batches for value in batch.table.column("exchange_id").to_pylist()]
    quarantined = [item for batch in batches for item in batch.quarantined]
    return ids, quarantined, sum(batch.records for batch in batches)


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_a_cut_file_keeps_every_record_before_the_cut_and_reports_the_cut(
    tmp_path: Path, compression: str, cut: float
) -> None:
    plain = _lines(3000)
    if compression == "none":
        packed = plain
    elif compression == "gzip":
        packed = gzip.compress(plain)
    else:
        packed = zstandard.ZstdCompressor(write_checksum=True).compress(plain)
    cut_at = max(1, int(len(packed) * cut))
    if compression == "none":
        cut_at += plain[cut_at:].index(b"\n") // 2 + 1  # inside a line, not on its end
    path = tmp_path / f"cut.jsonl{ {'none': '', 'gzip': '.gz', 'zstd': '.zst'}[compression] }"
    path.write_bytes(packed[:cut_at])
    before = plain[:cut_at] if compression == "none" else _decodable_prefix(packed[:cut_at], compression)
    whole_lines = before.count(b"\n")
    ids, quarantined, records = _read(path)
    assert ids == [f"ex-{index:06d}" for index in range(whole_lines)]  # every record before the cut
    [reported] = quarantined
    assert reported.record == whole_lines + 1
    assert reported.reason == ("truncated_record" if compression == "none" else "truncated_file")
    assert records == len(ids) + len(quarantined)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_cut_compressed_file_gives_exit_code_3_and_says_truncated(tmp_path: Path, compression: str) -> None:
    plain = _lines(1000)
    packed = gzip.compress(plain) if compression == "gzip" else zstandard.ZstdCompressor().compress(plain)
    path = tmp_path / ("logs.jsonl.gz" if compression == "gzip" else "logs.jsonl.zst")
    path.write_bytes(packed[: len(packed) // 2])
    result = distillguard("ingest", str(path), "-w", str(tmp_path / "ws"), "--json")
    assert result.returncode == 3, result.stderr
    summary = orjson.loads(result.stdout)
    assert summary["quarantine_reasons"].get("truncated_file") == 1
    assert 0 < summary["ingested"] < 1000


def test_zstd_frames_are_walked_across_frames_and_skippable_frames(tmp_path: Path) -> None:
    compressor = zstandard.ZstdCompressor(write_checksum=True)
    skippable = (0x184D2A53).to_bytes(4, "little") + (5).to_bytes(4, "little") + b"hello"
    packed = compressor.compress(b"a\n" * 50_000) + skippable + compressor.compress(b"b\n" * 10)
    path = tmp_path / "x.jsonl.zst"
    for data, problem in [
        (packed, None),
        (packed[:-1], "frame 3"),
        (packed[: len(packed) - len(skippable) - 30], "frame 1"),
        (packed[:3], "header of its frame 1"),
        (packed[:6], "frame 1"),
    ]:
        path.write_bytes(data)
        found = zstd_frames_problem(path)
        assert (found is None) if problem is None else (problem in (found or "")), (len(data), found)
    path.write_bytes(packed)
    lines = b"".join(block.data or b"" for block in iter_blocks(path, ReadOptions()))
    assert lines == b"a\n" * 50_000 + b"b\n" * 10


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + _lines(5))
    assert read_head(path).startswith(b'{"exchange_id"')
    ids, quarantined, _ = _read(path)
    assert (len(ids), quarantined) == (5, [])
    [block] = iter_blocks(path, ReadOptions())
    assert block.offset == 3  # a worker reading the block from the file skips the mark too


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_cr_line_ends_are_line_ends(tmp_path: Path, compression: str) -> None:
    lines = [orjson.dumps(exchange(index)) for index in range(1000)]
    lines[10] = b"{broken"
    data = b"\r".join(lines) + b"\r"
    path = tmp_path / "old-mac.jsonl"
    path.write_bytes(gzip.compress(data) if compression == "gzip" else data)
    ids, quarantined, records = _read(path)
    assert len(ids) == 999 and records == 1000
    [bad] = quarantined
    assert (bad.record, bad.reason, bad.raw) == (11, "invalid_json", b"{broken\n")
    assert all(block.offset is None for block in iter_blocks(path, ReadOptions()))  # workers read no CRs
