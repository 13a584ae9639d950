"""What every log reader shares: opening (gzip, zstd), line framing, quarantine, batching."""

from __future__ import annotations

import gzip
import io
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import orjson
import pyarrow as pa
import xxhash
import zstandard

from distillguard.errors import RecordError
from distillguard.schema import (
    ACCOUNT_SCHEMA,
    EXCHANGE_SCHEMA,
    coerce_account,
    coerce_exchange,
    validate_exchanges,
)

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class ReadOptions:
    """How readers behave; the defaults suit logs of any size on a small machine."""

    batch_rows: int = 16_384
    # A record longer than this is not parsed; its bytes are spooled to `spool_dir`.
    max_record_bytes: int = 16 * 1024 * 1024
    spool_dir: Path | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    # OpenTelemetry: the span or resource attribute that names the billing account.
    account_attribute: str | None = None


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
    """A slice of one input: canonical rows, the records that failed, how many were read."""

    table: pa.Table
    quarantined: list[Quarantined]
    records: int  # input records consumed by this batch (= table rows + quarantined)


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


class TruncatedInput(Exception):
    """The compressed stream ended early; what was read before stays good."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading, decompressing gzip or zstd by their magic bytes."""
    raw = path.open("rb")
    head = raw.read(4)
    raw.seek(0)
    if head.startswith(GZIP_MAGIC):
        return io.BufferedReader(gzip.GzipFile(fileobj=raw), buffer_size=1 << 20)  # type: ignore[arg-type]
    if head == ZSTD_MAGIC:
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
        return io.BufferedReader(reader, buffer_size=1 << 20)  # type: ignore[arg-type]
    return io.BufferedReader(raw, buffer_size=1 << 20)  # type: ignore[arg-type]


def read_head(path: Path, size: int = 64 * 1024) -> bytes:
    """The first bytes of a file after decompression, for format sniffing."""
    with open_binary(path) as stream:
        try:
            return stream.read(size)
        except (EOFError, OSError, zlib.error, zstandard.ZstdError):
            return b""


def iter_lines(path: Path, options: ReadOptions) -> Iterator[tuple[int, bytes | None, str | None]]:
    """Yield ``(line_number, line, spooled_path)`` for every non-blank line of a file.

    A line longer than ``options.max_record_bytes`` is never held in memory: its bytes go to
    a spool file whose path is yielded in place of the line. A compressed stream that ends
    early raises :class:`TruncatedInput` after the last complete line.
    """
    limit = options.max_record_bytes
    number = 0
    with open_binary(path) as stream:
        while True:
            try:
                line = stream.readline(limit + 1)
            except (EOFError, OSError, zlib.error, zstandard.ZstdError) as exc:
                raise TruncatedInput(f"the compressed stream ends early after line {number} ({exc})") from exc
            if not line:
                return
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                yield number, None, _spool(stream, line, path, number, options)
                continue
            if line.strip():
                yield number, line, None


def _spool(stream: BinaryIO, head: bytes, path: Path, number: int, options: ReadOptions) -> str | None:
    """Copy an over-long line to the spool folder in chunks; return where it went."""
    target: BinaryIO | None = None
    spool_path: Path | None = None
    if options.spool_dir is not None:
        options.spool_dir.mkdir(parents=True, exist_ok=True)
        spool_path = options.spool_dir / f"{options.run_id}-{uuid.uuid4().hex[:8]}-{path.name}-{number}.bin"
        target = spool_path.open("wb")
        target.write(head)
    try:
        while True:
            chunk = stream.readline(1 << 20)
            if not chunk:
                break
            if target is not None:
                target.write(chunk)
            if chunk.endswith(b"\n"):
                break
    finally:
        if target is not None:
            target.close()
    return str(spool_path) if spool_path else None


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

    def map_record(self, record: Any) -> list[dict[str, Any]]:
        """Map one parsed JSON record to canonical rows, or raise RecordError."""
        raise NotImplementedError

    def read(self, path: Path) -> Iterator[ReadBatch]:
        source = str(path)
        collector = _BatchCollector(self.kind, self.options.batch_rows)
        try:
            for number, line, spooled in iter_lines(path, self.options):
                if line is None:
                    collector.reject(
                        Quarantined(
                            source,
                            number,
                            "record_too_large",
                            f"record is over {self.options.max_record_bytes} bytes",
                            raw_path=spooled,
                        )
                    )
                else:
                    self._read_line(source, number, line, collector)
                if collector.full():
                    yield collector.flush()
        except TruncatedInput as exc:
            collector.reject(Quarantined(source, collector.last_record + 1, "truncated_file", str(exc)))
        yield collector.flush()

    def _read_line(self, source: str, number: int, line: bytes, collector: _BatchCollector) -> None:
        try:
            record = parse_json_line(line)
            rows = self.map_record(record)
        except RecordError as exc:
            collector.reject(Quarantined(source, number, exc.reason, exc.message, raw=line))
            return
        collector.add_mapped(source, number, line, rows)


def parse_json_line(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise RecordError("not_utf8", f"bytes are not UTF-8 ({decode_error.reason} at byte {decode_error.start})") from None
        if not line.endswith(b"\n"):
            raise RecordError("truncated_record", f"last line is cut off ({exc})") from None
        raise RecordError("invalid_json", str(exc)) from None


class _BatchCollector:
    """Accumulates coerced rows and rejects; turns them into ReadBatches."""

    def __init__(self, kind: str, batch_rows: int):
        self.kind = kind
        self.schema = EXCHANGE_SCHEMA if kind == "exchanges" else ACCOUNT_SCHEMA
        self.coerce = coerce_exchange if kind == "exchanges" else coerce_account
        self.batch_rows = batch_rows
        self.rows: list[dict[str, Any]] = []
        self.tables: list[pa.Table] = []
        self.table_rows = 0
        self.quarantined: list[Quarantined] = []
        self.records = 0
        self.last_record = 0

    def full(self) -> bool:
        return len(self.rows) + self.table_rows >= self.batch_rows

    def reject(self, item: Quarantined) -> None:
        self.quarantined.append(item)
        self.records += 1
        self.last_record = item.record

    def add_mapped(self, source: str, number: int, raw: bytes, rows: list[dict[str, Any]]) -> None:
        """Coerce the rows one input record mapped to; the record fails whole if any row fails.

        One input record counts once, however many rows it maps to (an OTLP export line
        holds many spans).
        """
        try:
            coerced = [self.coerce(row) for row in rows]
        except RecordError as exc:
            self.reject(Quarantined(source, number, exc.reason, exc.message, raw=raw))
            return
        if self.kind == "exchanges":
            for index, row in enumerate(coerced):
                if row["exchange_id"] is None:
                    suffix = b"" if len(coerced) == 1 else b"#%d" % index
                    row["exchange_id"] = exchange_id_for(raw + suffix)
        self.rows.extend(coerced)
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
        if self.rows:
            tables.append(pa.Table.from_pylist(self.rows, self.schema))
        table = pa.concat_tables(tables) if tables else self.schema.empty_table()
        batch = ReadBatch(table, self.quarantined, self.records)
        self.rows, self.tables, self.table_rows, self.quarantined, self.records = [], [], 0, [], 0
        return batch


def reason_counts(batches: Iterable[ReadBatch]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for batch in batches:
        counts.update(item.reason for item in batch.quarantined)
    return counts


__all__ = [
    "ReadBatch",
    "ReadOptions",
    "Reader",
    "Quarantined",
    "exchange_id_for",
    "iter_lines",
    "open_binary",
    "parse_json_line",
    "quarantine_table",
    "read_head",
    "validate_exchanges",
]
