"""What every log reader shares: opening (gzip, zstd), line framing, quarantine, batching."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import gzip
import io
import multiprocessing
import operator
import os
import signal
import sys
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
import zstandard

from distillguard.arrow_pool import READ_POOL
from distillguard.errors import RecordError
from distillguard.schema import (
    ACCOUNT_SCHEMA,
    EXCHANGE_SCHEMA,
    coerce_account,
    coerce_exchange,
    coerce_exchange_values,
    exchange_values,
    validate_exchanges,
)

# Bytes asked of the stream at a time: large reads keep the per-chunk Python work small.
READ_BYTES = 8 << 20
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"


# Of the bytes of quarantined records, what one record and one run keep by default: enough to
# see what went wrong, while one endless line cannot fill the disk.
KEEP_RECORD_BYTES = 1 << 20
KEEP_RUN_BYTES = 256 << 20


@dataclass(frozen=True)
class ReadOptions:
    """How readers behave; the defaults suit logs of any size on a small machine."""

    batch_rows: int = 16_384
    # A record longer than this is not parsed; its bytes are spooled to `spool_dir`.
    max_record_bytes: int = 16 * 1024 * 1024
    spool_dir: Path | None = None
    # Of the bytes of quarantined records, at most this much is kept per record and per run
    # (see RawBudget); `raw_budget` is the run's count, shared by everything that keeps bytes.
    keep_record_bytes: int = KEEP_RECORD_BYTES
    keep_run_bytes: int = KEEP_RUN_BYTES
    raw_budget: RawBudget | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # OpenTelemetry: the span or resource attribute that names the billing account.
    account_attribute: str | None = None
    # Worker processes that map the blocks of a file: 1 maps them in this process; 0 chooses,
    # several for a large file of a format mapped in Python when the machine has several cores
    # (the CLI does; a program that asks for workers needs the `if __name__ == "__main__":`
    # guard, as workers are spawned and import its main module).
    processes: int = 1


@dataclass
class Quarantined:
    source: str
    record: int
    reason: str
    detail: str
    raw: bytes | None = None
    raw_path: str | None = None


@dataclass
class ReadBatch:
    """A slice of one input: canonical rows, the records that failed, how many were read.

    For formats with one exchange per record, ``records = table rows + quarantined``. A record
    that holds several items (an OTLP export line holds many spans) counts once in ``records``;
    its items each become a row, a quarantine entry or one of ``skipped``, so that
    ``items = table rows + quarantined + skipped`` for such formats.
    """

    table: pa.Table
    quarantined: list[Quarantined]
    records: int  # input records consumed by this batch
    skipped: int = 0  # items read on purpose but not exchanges (an OTLP span of an HTTP call)


@dataclass
class ItemReject:
    """One item of a multi-item record that cannot be mapped; the other items are kept."""

    reason: str
    detail: str
    item: Any = None  # the item's own bytes (or its parsed JSON, serialised), kept in the quarantine


@dataclass
class Mapped:
    """What :meth:`Reader.map_record` returns for a record that holds several items.

    Unlike a plain list of rows, which fails whole when one row fails, each item stands alone:
    ``rows[i]`` came from ``items[i]`` and is quarantined alone if it fails coercion;
    ``rejects`` are items the reader could not map; ``skipped`` counts items that are not
    exchanges at all (they are counted, never quarantined).

    >>> mapped = Mapped(rejects=[ItemReject("missing_account_id", "span 1 has no account")], skipped=2)
    >>> len(mapped.rows), len(mapped.rejects), mapped.skipped
    (0, 1, 2)
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    rejects: list[ItemReject] = field(default_factory=list)
    skipped: int = 0


def quarantine_table(items: Iterable[Quarantined], run_id: str) -> pa.Table:
    from distillguard.schema import QUARANTINE_SCHEMA

    rows = [
        {
            "source": q.source,
            "record": q.record,
            "reason": q.reason,
            "detail": q.detail,
            "raw": q.raw,
            "raw_path": q.raw_path,
            "run_id": run_id,
        }
        for q in items
    ]
    return pa.Table.from_pylist(rows, QUARANTINE_SCHEMA)


@contextmanager
def bulk_reading() -> Iterator[None]:
    """Settings of the Python process for reading millions of records, for the CLI to enter.

    Python's cycle collector: what exists before (modules, the caller's state) is frozen out
    of its sweeps, and young collections wait for 20,000 new containers instead of 700.
    Reading allocates and frees millions of small dicts; sweeping them that often cost a tenth
    of an ingest. Reference counting still frees them at once: only objects in reference
    cycles wait longer.

    On leaving, exactly what was changed is restored: the thresholds, and the freeze only if
    it was this function's. A host that froze objects of its own (``gc.freeze()`` before
    forking workers, say) keeps them frozen; nothing more is frozen then, since unfreezing at
    the end would thaw the host's objects too. Arrow's allocator is not touched: the readers
    allocate in :data:`distillguard.arrow_pool.READ_POOL`.
    """
    thresholds = gc.get_threshold()
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    gc.set_threshold(20_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freezing:
            gc.unfreeze()


class TruncatedInput(Exception):
    """The compressed stream ended early; what was read before stays good."""


# What open_binary returns: a stream whose ``read1`` returns what one decompression step yields.
ByteStream = gzip.GzipFile | zstandard.ZstdDecompressionReader | io.BufferedReader


def open_binary(path: Path) -> ByteStream:
    """Open a file for reading, decompressing gzip or zstd by their magic bytes.

    Every stream returned has ``read1``, which returns what one decompression step yields:
    when a compressed file is cut off, everything before the cut has been returned.
    """
    raw = path.open("rb")
    head = raw.read(4)
    raw.seek(0)
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=raw)
    if head == ZSTD_MAGIC:
        return _ZstdStream(path, raw)  # type: ignore[return-value]
    return raw


class _ZstdStream(io.BufferedIOBase):
    """zstd decompression that, like gzip, raises EOFError when the file ends inside a frame.

    The decompressor returns what the complete blocks before a cut hold and then reports a
    clean end; whether the file really ended where a frame does is read from the frame and
    block headers (a few bytes per 128 KiB block) when the stream is done.
    """

    def __init__(self, path: Path, raw: BinaryIO):
        self.path = path
        self.raw = raw
        self.stream = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        self.checked = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._checked(self.stream.read(-1 if size is None else size), size)

    def read1(self, size: int = -1) -> bytes:
        return self._checked(self.stream.read1(size), size)

    def _checked(self, data: bytes, size: int | None) -> bytes:
        if not data and size != 0 and not self.checked:
            self.checked = True
            problem = zstd_frames_problem(self.path)
            if problem:
                raise EOFError(problem)
        return data

    def close(self) -> None:
        self.stream.close()
        super().close()


_ZSTD_SKIPPABLE = range(0x184D2A50, 0x184D2A60)


def zstd_frames_problem(path: Path) -> str | None:
    """Why a zstd file does not end where its last frame ends (it was cut), or None.

    Walks the frame and block headers of RFC 8878 without decompressing.

    >>> import tempfile
    >>> packed = zstandard.ZstdCompressor().compress(b"x" * 100_000) * 2
    >>> path = Path(tempfile.mkdtemp()) / "x.zst"
    >>> _ = path.write_bytes(packed)
    >>> zstd_frames_problem(path) is None
    True
    >>> _ = path.write_bytes(packed[:-3])
    >>> zstd_frames_problem(path)
    'the zstd stream ends inside its frame 2'
    """
    size = path.stat().st_size
    with path.open("rb") as stream:
        position, frame = 0, 0
        while position < size:
            frame += 1
            stream.seek(position)
            header = stream.read(5)
            if len(header) < 4:
                return f"the zstd stream ends inside the header of its frame {frame}"
            magic = int.from_bytes(header[:4], "little")
            if magic in _ZSTD_SKIPPABLE:
                stream.seek(position + 4)
                length = stream.read(4)
                if len(length) < 4:
                    return f"the zstd stream ends inside its frame {frame}"
                position += 8 + int.from_bytes(length, "little")
                continue
            if magic != int.from_bytes(ZSTD_MAGIC, "little") or len(header) < 5:
                return f"the zstd stream ends inside the header of its frame {frame}"
            descriptor = header[4]
            single_segment = descriptor >> 5 & 1
            content_size_bytes = (0, 2, 4, 8)[descriptor >> 6] or single_segment
            position += 5 + (not single_segment) + (0, 1, 2, 4)[descriptor & 3] + content_size_bytes
            while True:
                stream.seek(position)
                block = stream.read(3)
                if len(block) < 3:
                    return f"the zstd stream ends inside its frame {frame}"
                value = int.from_bytes(block, "little")
                block_type, block_size = value >> 1 & 3, value >> 3
                position += 3 + (1 if block_type == 1 else block_size)
                if value & 1:  # the last block of the frame
                    break
            position += 4 * (descriptor >> 2 & 1)  # the content checksum
        if position > size:
            return f"the zstd stream ends inside its frame {frame}"
    return None


_READ_ERRORS = (EOFError, OSError, zlib.error, zstandard.ZstdError)


def read_head(path: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a file after decompression, for format sniffing."""
    head = bytearray()
    with open_binary(path) as stream:
        try:
            while len(head) < size and (chunk := stream.read1(size)):
                head += chunk
        except _READ_ERRORS:
            pass  # a damaged file still shows its first bytes; reading it reports the damage
    return bytes(head.removeprefix(UTF8_BOM)[:size])


@dataclass(frozen=True)
class Block:
    """Whole lines of a file (``data`` ends with a newline, except perhaps at the end of the
    file), or one over-long record that was spooled to ``spooled`` instead of being held."""

    first_line: int  # 1-based number of the block's first line
    lines: int
    data: bytes | None
    spooled: str | None = None
    offset: int | None = None  # where ``data`` starts in the file, when the file is not compressed
    record_bytes: int = 0  # of a spooled record: its size, and how many of its bytes were kept
    kept_bytes: int = 0

    def too_large(self, source: str, options: ReadOptions) -> Quarantined:
        """The quarantine entry of a spooled over-long record."""
        detail = f"record is over {options.max_record_bytes:,} bytes"
        if self.kept_bytes < self.record_bytes:
            detail += f" ({kept_note(self.kept_bytes, self.record_bytes)})"
        path = self.spooled if self.kept_bytes else None
        return Quarantined(source, self.first_line, "record_too_large", detail, raw_path=path)


def iter_blocks(path: Path, options: ReadOptions, block_bytes: int = 8 << 20) -> Iterator[Block]:
    """Cut a file into blocks of whole lines of about ``block_bytes``.

    A line longer than ``options.max_record_bytes`` is never held in memory: its bytes go to
    a spool file and it comes as a block of its own. A compressed stream that ends early
    raises :class:`TruncatedInput` after the last whole block; the cut line is not yielded.

    A UTF-8 byte-order mark at the start is dropped. A file whose first read holds carriage
    returns and no line feed has CR line ends (old Mac style): each CR is read as a line end.
    """
    limit = options.max_record_bytes
    number = 1  # the line the next block starts with
    parts: list[bytes] = []  # bytes read but not yet yielded: whole lines, then a partial one
    size = 0
    tail = 0  # bytes of the partial line at the end of parts (no newline yet)
    spool: _Spool | None = None
    position = 0  # bytes of the stream before parts (or before the line being spooled)
    first, cr_lines = True, False
    with open_binary(path) as stream:
        plain = isinstance(stream, io.BufferedReader) and path.is_file()  # stream offsets are file offsets
        while True:
            try:
                chunk = stream.read1(READ_BYTES)
            except _READ_ERRORS as exc:
                if spool:
                    spool.close()
                whole, _ = _split_off(parts, tail)
                if whole:  # the whole lines before the cut are good data
                    blocks = _line_blocks(number, whole, None)
                    yield from blocks
                    number = blocks[-1].first_line + blocks[-1].lines
                raise TruncatedInput(f"the compressed stream ends early in line {number} ({exc})") from exc
            if not chunk:
                break
            if first:
                first = False
                if chunk.startswith(UTF8_BOM):
                    chunk, position = chunk[len(UTF8_BOM) :], len(UTF8_BOM)
                cr_lines = b"\n" not in chunk and b"\r" in chunk
                plain = plain and not cr_lines  # a worker would read the CRs from the file
            if cr_lines:
                chunk = chunk.replace(b"\r", b"\n")
            if spool:
                end = chunk.find(b"\n")
                if end < 0:
                    spool.write(chunk)
                    position += len(chunk)
                    continue
                spool.write(chunk[: end + 1])
                yield spool.block()
                spool, number, chunk = None, number + 1, chunk[end + 1 :]
                position += end + 1
                if not chunk:
                    continue
            last = chunk.rfind(b"\n")
            parts.append(chunk)
            size += len(chunk)
            tail = tail + len(chunk) if last < 0 else len(chunk) - last - 1
            if tail > limit:
                # the partial line is over the limit: flush the whole lines before it, spool it
                whole, rest = _split_off(parts, tail)
                if whole:
                    blocks = _line_blocks(number, whole, position if plain else None)
                    yield from blocks
                    number = blocks[-1].first_line + blocks[-1].lines
                    position += len(whole)
                spool = _Spool(path, number, options)
                spool.write(rest)
                position += len(rest)
                parts, size, tail = [], 0, 0
            elif size >= block_bytes and size > tail:
                whole, rest = _split_off(parts, tail)
                blocks = _line_blocks(number, whole, position if plain else None)
                yield from blocks
                number = blocks[-1].first_line + blocks[-1].lines
                position += len(whole)
                parts, size = ([rest], len(rest)) if rest else ([], 0)
    if spool:
        yield spool.block()
    elif parts:
        yield from _line_blocks(number, b"".join(parts), position if plain else None)


# Lines per block at most: a block's rejects are held until it is written, so a file of
# millions of short bad lines (``x``) is read in blocks whose quarantine stays small.
MAX_BLOCK_LINES = 32_768


def _line_blocks(number: int, data: bytes, offset: int | None) -> list[Block]:
    """``data`` (whole lines, but perhaps for the last) as blocks of at most MAX_BLOCK_LINES."""
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if lines <= MAX_BLOCK_LINES:
        return [Block(number, lines, data, offset=offset)]
    blocks = []
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)[MAX_BLOCK_LINES - 1 :: MAX_BLOCK_LINES] + 1
    start = 0
    for end in [*ends.tolist(), len(data)]:
        if end <= start:
            continue
        piece = data[start:end]
        count = piece.count(b"\n") + (not piece.endswith(b"\n"))
        blocks.append(Block(number, count, piece, offset=None if offset is None else offset + start))
        number += count
        start = end
    return blocks


def _split_off(parts: list[bytes], tail: int) -> tuple[bytes, bytes]:
    """``parts`` joined and cut before their last ``tail`` bytes; each byte is copied once
    (a single part with nothing to cut is not copied at all)."""
    keep = sum(map(len, parts)) - tail
    head: list[bytes | memoryview] = []
    rest: list[bytes | memoryview] = []
    taken = 0
    for part in parts:
        if taken + len(part) <= keep:
            head.append(part)
        elif taken >= keep:
            rest.append(part)
        else:
            view = memoryview(part)
            head.append(view[: keep - taken])
            rest.append(view[keep - taken :])
        taken += len(part)
    return b"".join(head), b"".join(rest)


def read_ahead(blocks: Iterator[Block]) -> Iterator[Block]:
    """``blocks``, the next one read on a thread while the caller works on the current one.

    Reading and cutting a block is a system call and copies; Arrow's JSON reader frees the
    interpreter while it parses, so for canonical logs the two overlap. Exceptions come
    in their place, after the blocks before them.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="distillguard-read") as pool:
        upcoming = pool.submit(next, blocks, None)
        while (block := upcoming.result()) is not None:
            upcoming = pool.submit(next, blocks, None)
            yield block


class _Spool:
    """Where an over-long record's bytes go, chunk by chunk, so it is kept without being held;
    only as many as the run's :class:`RawBudget` grants are written, the rest is counted."""

    def __init__(self, path: Path, number: int, options: ReadOptions):
        self.number = number
        self.target: BinaryIO | None = None
        self.path: Path | None = None
        self.budget = options.raw_budget or RawBudget(options.keep_record_bytes, options.keep_run_bytes)
        self.size = 0
        self.kept = 0
        if options.spool_dir is not None:
            options.spool_dir.mkdir(parents=True, exist_ok=True)
            self.path = options.spool_dir / f"{options.run_id}-{uuid.uuid4().hex[:8]}-{path.name}-{number}.bin"
            self.target = self.path.open("wb")

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.target is not None:
            granted = self.budget.grant(len(data), self.kept)
            if granted:
                self.target.write(data[:granted] if granted < len(data) else data)
                self.kept += granted

    def close(self) -> str | None:
        if self.target is not None:
            self.target.close()
            self.target = None
            self.budget.note(self.size, self.kept)
            if not self.kept and self.path is not None:
                self.path.unlink(missing_ok=True)  # nothing of it was kept
        return str(self.path) if self.path and self.kept else None

    def block(self) -> Block:
        spooled = self.close()
        return Block(self.number, 1, None, spooled, record_bytes=self.size, kept_bytes=self.kept)


class RawBudget:
    """How many bytes of quarantined records one run keeps (inline in the quarantine file or
    in ``quarantine/raw``): ``per_record`` of each record, ``per_run`` in all; the rest is
    counted (``dropped`` bytes of ``cut`` records), never written.

    >>> budget = RawBudget(per_record=10, per_run=25)
    >>> [budget.keep(b"x" * 12) for _ in range(3)]
    [b'xxxxxxxxxx', b'xxxxxxxxxx', b'xxxxx']
    >>> budget.kept, budget.dropped, budget.cut
    (25, 11, 3)
    """

    def __init__(self, per_record: int, per_run: int):
        self.per_record = per_record
        self.per_run = per_run
        self.kept = 0
        self.dropped = 0
        self.cut = 0
        self._lock = threading.Lock()  # the read-ahead thread spools, the main thread writes

    def grant(self, wanted: int, record_kept: int = 0) -> int:
        """How many of ``wanted`` more bytes of a record that has ``record_kept`` kept may be kept."""
        with self._lock:
            granted = max(0, min(wanted, self.per_record - record_kept, self.per_run - self.kept))
            self.kept += granted
            return granted

    def note(self, size: int, kept: int) -> None:
        """Count a record of ``size`` bytes of which ``kept`` were kept."""
        if kept < size:
            with self._lock:
                self.dropped += size - kept
                self.cut += 1

    def keep(self, raw: bytes) -> bytes:
        """The part of a record's bytes that is kept."""
        granted = self.grant(len(raw))
        self.note(len(raw), granted)
        return raw if granted == len(raw) else raw[:granted]

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if key != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._lock = threading.Lock()


def kept_note(kept: int, size: int) -> str:
    """What of a quarantined record's bytes was kept, for its detail."""
    if not kept:
        return f"its {size:,} bytes were not kept: the run's cap on kept bytes is reached"
    return f"the first {kept:,} of its {size:,} bytes were kept"


def exchange_id_for(raw: bytes) -> str:
    """A stable id for a record that has none: the same bytes always give the same id."""
    return "x" + xxhash.xxh3_128_hexdigest(raw.strip())[:24]


class Reader:
    """A log format. Subclasses say how to recognise it and how to map one record.

    ``kind`` is ``exchanges`` or ``accounts``. The default :meth:`read` handles JSON lines:
    it frames lines, parses JSON, calls :meth:`map_record`, coerces every mapped row and
    quarantines what fails, so a format usually only writes :meth:`sniff` and
    :meth:`map_record`.
    """

    name: ClassVar[str]
    kind: ClassVar[str] = "exchanges"
    description: ClassVar[str] = ""

    def __init__(self, options: ReadOptions | None = None):
        self.options = options or ReadOptions()

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        """Whether this reader understands the file, given its first bytes and first record."""
        return False

    def map_record(self, record: Any) -> list[dict[str, Any]] | Mapped:
        """Map one parsed JSON record to canonical rows, or raise RecordError.

        A record holding several independent items returns :class:`Mapped` instead.
        """
        raise NotImplementedError

    # Whether blocks may be mapped in worker processes: the records of this format are parsed
    # and mapped in Python, one core's work per block (the canonical reader parses in Arrow's
    # own threads instead).
    map_in_processes: ClassVar[bool] = True

    def read(self, path: Path) -> Iterator[ReadBatch]:
        """Read a file block by block; one ReadBatch per block of about 8 MB, in file order.

        A large file of a format mapped in Python has its blocks mapped by worker processes
        (see :func:`map_blocks_in_processes`); the batches are the same either way.
        """
        source = str(path)
        next_line = [1]

        def blocks() -> Iterator[Block]:
            for block in read_ahead(iter_blocks(path, self.options)):
                next_line[0] = block.first_line + block.lines
                yield block

        workers = self.options.processes or _auto_processes(path)
        try:
            if self.map_in_processes and workers > 1:
                yield from map_blocks_in_processes(self, source, blocks(), workers)
            else:
                for block in blocks():
                    yield self.read_block(source, block)
        except TruncatedInput as exc:
            cut = Quarantined(source, next_line[0], "truncated_file", str(exc))
            schema = EXCHANGE_SCHEMA if self.kind == "exchanges" else ACCOUNT_SCHEMA
            yield ReadBatch(schema.empty_table(), [cut], 1)

    def read_block(self, source: str, block: Block) -> ReadBatch:
        """Map one block of whole lines (or one spooled over-long record) to a ReadBatch."""
        collector = _BatchCollector(self.kind, self.options.batch_rows, self._items_of)
        if block.data is None:
            collector.reject(block.too_large(source, self.options))
            return collector.flush()
        lines = block.data.split(b"\n")
        last = len(lines) - 1
        for offset, line in enumerate(lines):
            if line.strip():
                self._read_line(source, block.first_line + offset, line if offset == last else line + b"\n", collector)
        return collector.flush()

    def parse(self, line: bytes) -> Any:
        """One line as the record :meth:`map_record` takes (parsed JSON), or RecordError."""
        return parse_json_line(line)

    def _items_of(self, line: bytes) -> list[Any]:
        """The items of a record that holds several (see :class:`Mapped`), mapped again."""
        mapped = self.map_record(self.parse(line))
        return mapped.items if isinstance(mapped, Mapped) else []

    def _read_line(self, source: str, number: int, line: bytes, collector: _BatchCollector) -> None:
        try:
            rows = self.map_record(self.parse(line))
        except RecordError as exc:
            collector.reject(Quarantined(source, number, exc.reason, exc.message, raw=line))
            return
        except SHAPE_ERRORS as exc:
            # a value of a type no mapping expects (a list for a role, a dict for a name): one
            # bad record, never the end of the file
            collector.reject(Quarantined(source, number, *unexpected_shape(exc), raw=line))
            return
        collector.add_mapped(source, number, line, rows)


# What mapping or coercing a record of a shape nobody planned for raises (RecursionError: a
# value nested deeper than the mapping's recursion goes).
SHAPE_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError, RecursionError)


def unexpected_shape(exc: Exception) -> tuple[str, str]:
    """(reason, detail) of a quarantined record that a mapping could not handle."""
    return "unexpected_shape", f"{type(exc).__name__}: {exc}"[:500]


# Files at least this large are mapped in worker processes when the machine has several cores:
# starting a worker costs about a second, a 64 MB file takes a few seconds to map on one core.
PROCESSES_MIN_BYTES = 64 << 20


def _auto_processes(path: Path) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        large = path.stat().st_size >= PROCESSES_MIN_BYTES
    except OSError:
        large = False
    return min(cores, 4) if large else 1


def map_blocks_in_processes(reader: Reader, source: str, blocks: Iterator[Block], workers: int) -> Iterator[ReadBatch]:
    """``reader.read_block`` over ``blocks`` in ``workers`` processes, results in order.

    The parent only cuts the file into blocks and writes what comes back; each worker parses,
    maps and coerces whole blocks and returns an Arrow table and its quarantine (cheap to
    send: Arrow's IPC format). A block of an uncompressed file is sent as its place in the
    file and the worker reads it from there (from the page cache: the parent has just read
    it), so the bytes are not copied through a pipe. Workers are started with "spawn", never
    "fork": the parent runs DuckDB's and Arrow's threads. At most two blocks per worker are in
    flight.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(type(reader), reader.options, os.getpid()),
    ) as pool:
        pending: deque[Future[ReadBatch]] = deque()
        for block in blocks:
            if block.offset is not None and block.data is not None:
                length, block = len(block.data), replace(block, data=None)
                pending.append(pool.submit(_map_block_in_file, source, block, length))
            else:
                pending.append(pool.submit(_map_block, source, block))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


_WORKER_READER: Reader | None = None


def _start_worker(reader_class: type[Reader], options: ReadOptions, parent: int) -> None:
    global _WORKER_READER
    _exit_with_parent(parent)
    _WORKER_READER = reader_class(options)
    # fewer cycle collections while millions of small dicts come and go (no gc.freeze here:
    # objects frozen at exit are reported as leaks by the bindings of DuckDB)
    gc.set_threshold(20_000, *gc.get_threshold()[1:])


# how often a worker looks whether its parent is still there, where the kernel cannot tell it
PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that started it ends, however it ends (a killed
    ingest must not leave its workers mapping blocks nobody will read). On Linux the kernel
    sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); a thread that watches the
    parent's pid covers other systems and a parent gone before this ran. (The kernel's
    signal follows the parent's thread that started the worker: the pool is started and
    used by the one thread that reads the file, for as long as the pool lives.)"""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="distillguard-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _map_block(source: str, block: Block) -> ReadBatch:
    if _WORKER_READER is None:
        raise RuntimeError("worker not started")
    return _WORKER_READER.read_block(source, block)


def _map_block_in_file(source: str, block: Block, length: int) -> ReadBatch:
    with open(source, "rb") as stream:
        data = os.pread(stream.fileno(), length, block.offset or 0)
    if len(data) != length:
        raise OSError(f"{source} changed while it was read: {length} bytes at {block.offset} are no longer there")
    return _map_block(source, replace(block, data=data))


def parse_json_line(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise RecordError(
                "not_utf8", f"bytes are not UTF-8 ({decode_error.reason} at byte {decode_error.start})"
            ) from None
        if not line.endswith(b"\n"):
            raise RecordError("truncated_record", f"last line is cut off ({exc})") from None
        raise RecordError("invalid_json", str(exc)) from None


class _BatchCollector:
    """Accumulates mapped rows and rejects; turns them into ReadBatches.

    Exchange rows are coerced when the batch is flushed, column by column
    (:func:`coerce_exchange_rows`); only the rows that need converting or fail go through
    :func:`coerce_exchange` one by one. Account rows are coerced one by one as they come.
    """

    def __init__(self, kind: str, batch_rows: int, items_of: Callable[[bytes], list[Any]] | None = None):
        self.kind = kind
        # a record's items mapped again from its bytes: only a failed item or one without an id
        # needs its own bytes, and holding every item until the flush would cost more
        self.items_of = items_of
        self.last_items: tuple[bytes | None, list[Any]] = (None, [])
        self.schema = EXCHANGE_SCHEMA if kind == "exchanges" else ACCOUNT_SCHEMA
        self.coerce = coerce_exchange if kind == "exchanges" else coerce_account
        self.batch_rows = batch_rows
        # Each coerced row is kept as a tuple of its values in schema order, taken while the row
        # is still in cache: transposing thousands of dicts column by column at flush time
        # costs more than coercing them.
        self.values = operator.itemgetter(*self.schema.names)
        self.rows: list[tuple[Any, ...]] = []
        # exchange rows waiting to be coerced: the mapped dict, its values in schema order
        # (see exchange_values) and where it came from: (source, record number, the line's
        # bytes or (line, item index), how many rejects came before it)
        self.pending: list[dict[str, Any]] = []
        self.pending_values: list[tuple[Any, ...] | None] = []
        self.origins: list[tuple[str, int, bytes | tuple[bytes, int], int]] = []
        self.tables: list[pa.Table] = []
        self.table_rows = 0
        self.quarantined: list[Quarantined] = []
        self.records = 0
        self.skipped = 0
        self.last_record = 0

    def full(self) -> bool:
        return len(self.rows) + len(self.pending) + self.table_rows >= self.batch_rows

    def reject(self, item: Quarantined) -> None:
        self.quarantined.append(item)
        self.records += 1
        self.last_record = item.record

    def add_mapped(self, source: str, number: int, raw: bytes, rows: list[dict[str, Any]] | Mapped) -> None:
        """Take the rows one input record mapped to; the record fails whole if any row fails.

        One input record counts once, however many rows it maps to (an OTLP export line
        holds many spans). A :class:`Mapped` result is judged item by item instead.
        """
        if isinstance(rows, Mapped):
            self._add_items(source, number, raw, rows)
            return
        self.records += 1
        self.last_record = number
        if self.kind == "exchanges" and len(rows) == 1:
            self.pending.append(rows[0])  # coerced with the batch, see flush
            self.pending_values.append(exchange_values(rows[0]))
            self.origins.append((source, number, raw, len(self.quarantined)))
            return
        try:
            coerced = [self.coerce(row) for row in rows]
        except RecordError as exc:
            self.quarantined.append(Quarantined(source, number, exc.reason, exc.message, raw=raw))
            return
        except SHAPE_ERRORS as exc:
            self.quarantined.append(Quarantined(source, number, *unexpected_shape(exc), raw=raw))
            return
        if self.kind != "exchanges":
            self.rows.extend(map(self.values, coerced))
            return
        for index, row in enumerate(coerced):
            if row["exchange_id"] is None:
                row["exchange_id"] = exchange_id_for(raw + b"#%d" % index)
            # coerced already; coercing a coerced row again changes nothing
            self.pending.append(row)
            self.pending_values.append(exchange_values(row))
            self.origins.append((source, number, raw, len(self.quarantined)))

    def _add_items(self, source: str, number: int, raw: bytes, mapped: Mapped) -> None:
        for reject in mapped.rejects:
            self.quarantined.append(
                Quarantined(source, number, reject.reason, reject.detail, raw=_item_bytes(reject.item))
            )
        slot = len(self.quarantined)
        if len(mapped.rows) != len(mapped.items):
            raise ValueError("Mapped.rows and Mapped.items differ in length")
        for index, row in enumerate(mapped.rows):
            self.pending.append(row)
            self.pending_values.append(exchange_values(row))
            self.origins.append((source, number, (raw, index), slot))
        self.skipped += mapped.skipped
        self.records += 1
        self.last_record = number

    def add_table(self, table: pa.Table, records: int, last_record: int) -> None:
        """Add rows a reader built as Arrow directly (already validated)."""
        self.tables.append(table)
        self.table_rows += table.num_rows
        self.records += records
        self.last_record = last_record

    def flush(self) -> ReadBatch:
        tables = list(self.tables)
        if self.pending:
            tables.append(self._coerce_pending())
        if self.rows:
            tables.append(_rows_to_table(self.rows, self.schema))
        table = pa.concat_tables(tables) if tables else self.schema.empty_table()
        batch = ReadBatch(table, self.quarantined, self.records, self.skipped)
        self.rows, self.tables, self.table_rows, self.quarantined, self.records = [], [], 0, [], 0
        self.pending, self.pending_values, self.origins = [], [], []
        self.skipped = 0
        return batch

    def _coerce_pending(self) -> pa.Table:
        """The pending exchange rows as a table, in their order; the rows that fail coercion
        join the quarantine where they would have come had they been coerced one by one."""
        table, others = coerce_exchange_values(self.pending_values)
        ready = np.ones(len(self.pending), dtype=bool)
        ready[others] = False
        ready_positions = np.flatnonzero(ready)
        ids = table.column("exchange_id")
        if ids.null_count:
            filled = ids.to_pylist()
            for index in np.flatnonzero(pc.is_null(ids).to_numpy(zero_copy_only=False)).tolist():
                filled[index] = exchange_id_for(self._raw(ready_positions[index]) or b"")
            table = table.set_column(0, "exchange_id", pa.array(filled, pa.string(), memory_pool=READ_POOL))
        table = table.cast(self.schema)
        if not others:
            return table
        converted: list[tuple[Any, ...]] = []
        converted_positions: list[int] = []
        failures: list[tuple[int, Quarantined]] = []
        for position in others:
            source, number, _, slot = self.origins[position]
            try:
                row = coerce_exchange(self.pending[position])
            except RecordError as exc:
                failures.append((slot, Quarantined(source, number, exc.reason, exc.message, raw=self._raw(position))))
                continue
            except SHAPE_ERRORS as exc:
                failures.append((slot, Quarantined(source, number, *unexpected_shape(exc), raw=self._raw(position))))
                continue
            if row["exchange_id"] is None:
                row["exchange_id"] = exchange_id_for(self._raw(position) or b"")
            converted.append(self.values(row))
            converted_positions.append(position)
        if failures:
            self.quarantined = _insert_at_slots(self.quarantined, failures)
        if not converted:
            return table
        order = np.argsort(np.concatenate([ready_positions, converted_positions]), kind="stable")
        return pc.take(pa.concat_tables([table, _rows_to_table(converted, self.schema)]), order, memory_pool=READ_POOL)

    def _raw(self, position: int) -> bytes | None:
        """The bytes of a pending row's record, or of its item for a record of several."""
        raw = self.origins[position][2]
        if isinstance(raw, bytes):
            return raw
        line, index = raw
        if self.items_of is None:
            raise ValueError("a collector given Mapped records needs items_of")
        if self.last_items[0] is not line:  # the items of one line often fail together
            self.last_items = (line, self.items_of(line))
        return _item_bytes(self.last_items[1][index])


def _insert_at_slots(items: list[Quarantined], inserts: list[tuple[int, Quarantined]]) -> list[Quarantined]:
    """``items`` with each insert placed after the first ``slot`` items (slots in order)."""
    merged: list[Quarantined] = []
    start = 0
    for slot, item in inserts:
        merged.extend(items[start:slot])
        merged.append(item)
        start = slot
    merged.extend(items[start:])
    return merged


def _rows_to_table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    """Coerced rows (tuples of values in schema order) as a table, built column by column."""
    columns = [
        pa.array(values, field.type, memory_pool=READ_POOL)
        for values, field in zip(zip(*rows, strict=True), schema, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _item_bytes(item: Any) -> bytes | None:
    if item is None:
        return None
    if isinstance(item, bytes):
        return item
    return orjson.dumps(item, default=str)


__all__ = [
    "ItemReject",
    "Mapped",
    "Quarantined",
    "ReadBatch",
    "ReadOptions",
    "Reader",
    "bulk_reading",
    "exchange_id_for",
    "open_binary",
    "parse_json_line",
    "quarantine_table",
    "read_head",
    "validate_exchanges",
]
