"""Readers for data already in the canonical schema: JSONL (fast Arrow path) and Parquet."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from distillguard.arrow_pool import READ_POOL
from distillguard.errors import RecordError
from distillguard.ingest.base import (
    PARQUET_MAGIC,
    Block,
    Quarantined,
    ReadBatch,
    Reader,
    ReadOptions,
    TruncatedInput,
    _BatchCollector,
    exchange_id_for,
    iter_blocks,
)
from distillguard.schema import (
    EXCHANGE_DEFAULTS,
    EXCHANGE_SCHEMA,
    MAX_TEXT_CHARS,
    first_unlike_coercion,
    normalise_extra,
    validate_exchanges,
)

_PARSE_SCHEMA = pa.schema([field.with_nullable(True) for field in EXCHANGE_SCHEMA])
_TEXT_COLUMNS = [f.name for f in EXCHANGE_SCHEMA if pa.types.is_string(f.type)]


class _FastPathMiss(Exception):
    """The block needs the record-by-record path (a type quirk, an unknown key, bad JSON)."""


class CanonicalJsonl(Reader):
    """Canonical exchanges as JSON lines, one exchange per line.

    Blocks of lines are parsed by Arrow's JSON reader in one call; a block that Arrow
    rejects (bad JSON, an unknown key, epoch timestamps, ...) is re-read line by line so the
    good lines are kept and each bad one is quarantined with its own reason.
    """

    map_in_processes = False  # Arrow's JSON reader parses a block on its own threads

    name = "canonical"
    description = "distillguard's canonical exchange schema as JSON lines"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        return isinstance(first, dict) and {"account_id", "ts", "prompt"} <= first.keys()

    def map_record(self, record: Any) -> list[dict[str, Any]]:
        if not isinstance(record, dict):
            raise RecordError("not_an_object", f"line is JSON {type(record).__name__}, not an object")
        return [record]

    def read_block(self, source: str, block: Block) -> ReadBatch:
        if block.data is None:
            return super().read_block(source, block)
        collector = _BatchCollector(self.kind, self.options.batch_rows)
        self._read_block(source, block, collector)
        return collector.flush()

    def _read_block(self, source: str, block: Block, collector: _BatchCollector) -> None:
        data = block.data or b""
        last_line = block.first_line + block.lines - 1
        if not data.endswith(b"\n"):
            # the file's last line lacks its newline: it may be cut, so it is judged on its own
            cut = data.rfind(b"\n") + 1
            data, tail = data[:cut], data[cut:]
            if data:
                self._read_block(source, Block(block.first_line, block.lines - 1, data), collector)
            if tail.strip():
                self._read_line(source, last_line, tail, collector)
            return
        try:
            table, rejects, lines = _parse_block(data)
        except _FastPathMiss:
            for offset, line in enumerate(data.split(b"\n")):
                if line.strip():
                    self._read_line(source, block.first_line + offset, line + b"\n", collector)
            return
        for index, reason, detail in rejects:
            offset, line = lines[index]
            collector.reject(Quarantined(source, block.first_line + offset, reason, detail, raw=line))
        collector.add_table(table, table.num_rows, last_line)  # the rejects were counted by reject()


def _parse_block(data: bytes) -> tuple[pa.Table, list[tuple[int, str, str]], list[tuple[int, bytes]]]:
    """Parse whole lines of canonical JSON with Arrow; return the valid rows, the rejects
    (row index, reason, detail) and, where rows needed their lines, ``(line offset, line)``
    per row."""
    try:
        table = pa_json.read_json(
            pa.BufferReader(data),  # no copy
            read_options=pa_json.ReadOptions(use_threads=True, block_size=1 << 20),  # blocks parse in parallel
            parse_options=pa_json.ParseOptions(explicit_schema=_PARSE_SCHEMA, unexpected_field_behavior="error"),
            memory_pool=READ_POOL,
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _FastPathMiss from exc
    if first_unlike_coercion(table, ascii_only=data.isascii()):
        # Arrow's reader keeps what orjson and coerce_exchange refuse or convert (bytes that
        # are not UTF-8, year 0, NaN): the record path judges the block, one reason per line
        raise _FastPathMiss
    table = _with_defaults(table)
    ids = table.column("exchange_id")
    lines: list[tuple[int, bytes]] = []
    needs_lines = ids.null_count or pc.any(pc.equal(ids, "")).as_py()
    table, rejects = validate_exchanges(table)
    if needs_lines or rejects:
        lines = [(offset, line + b"\n") for offset, line in enumerate(data.split(b"\n")) if line.strip()]
        if len(lines) != table.num_rows + len(rejects):
            raise _FastPathMiss
    if needs_lines:
        rejected = {index for index, _, _ in rejects}
        kept = [line for index, line in enumerate(lines) if index not in rejected]
        filled = [
            value if value else exchange_id_for(line)
            for value, (_, line) in zip(table.column("exchange_id").to_pylist(), kept, strict=True)
        ]
        table = table.set_column(0, "exchange_id", pa.array(filled, pa.string(), memory_pool=READ_POOL))
    return table.cast(EXCHANGE_SCHEMA), rejects, lines


def _with_defaults(table: pa.Table) -> pa.Table:
    """Canonical columns in order with defaults filled; raises _FastPathMiss for text that
    must be cut (the record-by-record path keeps its original length)."""
    for name in _TEXT_COLUMNS:
        column = table.column(name)
        longest = pc.max(pc.binary_length(column)).as_py()  # bytes >= characters: a cheap first look
        if longest is not None and longest > MAX_TEXT_CHARS and pc.max(pc.utf8_length(column)).as_py() > MAX_TEXT_CHARS:
            raise _FastPathMiss
    columns = []
    for field in EXCHANGE_SCHEMA:
        column = table.column(field.name)
        default = EXCHANGE_DEFAULTS.get(field.name)
        if field.name == "extra":
            column = normalise_extra(column)  # as coerce_exchange writes it
        elif default is not None and column.null_count:
            # fill_null, which takes no pool
            column = pc.coalesce(column, pa.scalar(default, field.type), memory_pool=READ_POOL)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=_PARSE_SCHEMA)


def _castable(source: pa.DataType, target: pa.DataType) -> bool:
    """Whether a Parquet column of type ``source`` is cast to ``target`` as the record path
    would convert its values; any other type (text for numbers or times, ints for flags)
    takes the record path."""
    if pa.types.is_null(source):
        return True
    if pa.types.is_string(target):
        return pa.types.is_string(source) or pa.types.is_large_string(source)
    if pa.types.is_timestamp(target):
        return pa.types.is_timestamp(source)
    if pa.types.is_integer(target):
        return pa.types.is_integer(source)
    if pa.types.is_floating(target):
        return pa.types.is_floating(source) or pa.types.is_integer(source)
    if pa.types.is_boolean(target):
        return pa.types.is_boolean(source)
    if pa.types.is_list(target):
        return (pa.types.is_list(source) or pa.types.is_large_list(source)) and (
            pa.types.is_string(source.value_type) or pa.types.is_large_string(source.value_type)
        )
    return False


def _cast_parquet_batch(batch: pa.RecordBatch) -> pa.Table:
    """A Parquet batch whose columns are canonical (by name, castable type) as a canonical
    table, or _FastPathMiss when it needs the record-by-record path (unknown columns go to
    ``extra``, text timestamps are parsed, missing ids are derived from the row)."""
    names = set(batch.schema.names)
    if names - set(EXCHANGE_SCHEMA.names) or "exchange_id" not in names:
        raise _FastPathMiss
    columns = []
    for field in _PARSE_SCHEMA:
        if field.name not in names:
            columns.append(pa.nulls(batch.num_rows, field.type, memory_pool=READ_POOL))
            continue
        column = batch.column(field.name)
        if not _castable(column.type, field.type):
            raise _FastPathMiss
        # timestamps may be stored in ns: truncating to µs is intended (and ns cannot
        # overflow µs); seconds or ms that overflow µs are refused
        truncating = pa.types.is_timestamp(column.type) and column.type.unit == "ns"
        try:
            column = column.cast(field.type, safe=not truncating, memory_pool=READ_POOL)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise _FastPathMiss from exc
        if pa.types.is_floating(field.type):
            # not a number (or beyond float32) is no number: null, as coerce_exchange says
            column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, field.type))
        columns.append(column)
    table = pa.Table.from_arrays(columns, schema=_PARSE_SCHEMA)
    if first_unlike_coercion(table):
        raise _FastPathMiss
    table = _with_defaults(table)
    ids = table.column("exchange_id")
    if ids.null_count or pc.any(pc.equal(ids, "")).as_py():
        raise _FastPathMiss
    return table


class ParquetExchanges(Reader):
    """Canonical exchanges in Parquet: read a row group at a time, validated like any input."""

    name = "parquet"
    description = "canonical exchanges in Parquet"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        if not head.startswith(PARQUET_MAGIC):
            return False
        try:
            names = set(pq.read_schema(path).names)
        except _PARQUET_ERRORS:
            return True  # Parquet that cannot be read: reading it quarantines it, with why
        return {"account_id", "ts", "prompt"} <= names

    def read(self, path: Path) -> Iterator[ReadBatch]:
        yield from _read_parquet(path, self.options.batch_rows, self.kind)


# What pyarrow raises for a Parquet file it cannot read (a cut footer, a damaged page).
_PARQUET_ERRORS = (pa.ArrowException, OSError, ValueError, EOFError)


def _read_parquet(path: Path, batch_rows: int, kind: str) -> Iterator[ReadBatch]:
    """Parquet batches of canonical exchanges are cast and validated column by column; any
    other batch goes through the same per-row coercion as JSON. Record = 1-based row.

    A file whose footer cannot be read is one ``bad_parquet`` record; so is the rest of a row
    group that cannot be read (its detail names the rows), and the next row group is read.
    """
    source = str(path)
    collector = _BatchCollector(kind, batch_rows)
    try:
        parquet = pq.ParquetFile(path)
        groups = [parquet.metadata.row_group(index).num_rows for index in range(parquet.num_row_groups)]
    except _PARQUET_ERRORS as exc:
        detail = f"the Parquet footer cannot be read, so nothing of the file was ({exc})"
        collector.reject(Quarantined(source, 1, "bad_parquet", detail[:500]))
        yield collector.flush()
        return
    number = 0
    with parquet:
        for group, rows in enumerate(groups):
            group_end = number + rows
            batches = parquet.iter_batches(batch_size=batch_rows, row_groups=[group])
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except _PARQUET_ERRORS as exc:
                    detail = f"rows {number + 1:,} to {group_end:,} (row group {group + 1}) cannot be read ({exc})"
                    collector.reject(Quarantined(source, number + 1, "bad_parquet", detail[:500]))
                    number = group_end
                    break
                number = _read_parquet_batch(source, batch, number, kind, collector)
                yield collector.flush()
    yield collector.flush()


def _read_parquet_batch(source: str, batch: pa.RecordBatch, number: int, kind: str, collector: _BatchCollector) -> int:
    """Add one Parquet batch whose first row follows row ``number``; return its last row's."""
    try:
        if kind != "exchanges":
            raise _FastPathMiss
        table, rejects = validate_exchanges(_cast_parquet_batch(batch))
    except _FastPathMiss:
        for row, error in _parquet_rows(batch):
            number += 1
            raw = repr(row).encode()
            if error is not None:
                collector.reject(Quarantined(source, number, error.reason, error.message, raw=raw))
            else:
                collector.add_mapped(source, number, raw, [row])
        return number
    for index, reason, detail in rejects:
        raw = repr(batch.slice(index, 1).to_pylist()[0]).encode()
        collector.reject(Quarantined(source, number + index + 1, reason, detail, raw=raw))
    number += batch.num_rows
    collector.add_table(table.cast(EXCHANGE_SCHEMA), table.num_rows, number)  # rejects counted above
    return number


def _parquet_rows(batch: pa.RecordBatch) -> list[tuple[dict[str, Any], RecordError | None]]:
    """The rows of a Parquet batch as Python values, for the record path. A value Python
    cannot hold (text that is not UTF-8, a time outside the years 1 to 9999) is kept as its
    bytes or its number, and its row comes with the error that quarantines it (the first
    such value in column order)."""
    errors: list[RecordError | None] = [None] * batch.num_rows
    columns: dict[str, list[Any]] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        try:
            columns[name] = column.to_pylist()
            continue
        except (UnicodeDecodeError, OverflowError, ValueError):
            pass
        values = columns[name] = []
        for index in range(batch.num_rows):
            value, error = _parquet_value(name, column.slice(index, 1))
            values.append(value)
            if errors[index] is None:
                errors[index] = error
    names = list(columns)
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    return list(zip(rows, errors, strict=True))


def _parquet_value(name: str, cell: pa.Array) -> tuple[Any, RecordError | None]:
    """One Parquet value as Python, or its bytes (or number) and why it cannot be kept."""
    try:
        return cell.to_pylist()[0], None
    except UnicodeDecodeError as exc:
        error = RecordError("not_utf8", f"{name} is not UTF-8 ({exc.reason})")
        return _text_as_bytes(cell).to_pylist()[0], error
    except (OverflowError, ValueError):
        if pa.types.is_timestamp(cell.type):
            value = cell.cast(pa.int64()).to_pylist()[0]
            return value, RecordError(
                "bad_timestamp", f"{name} {value} {cell.type.unit} from 1970 is outside the years 1 to 9999"
            )
        return repr(cell), RecordError("unexpected_shape", f"{name} cannot be read as a Python value")


def _text_as_bytes(cell: pa.Array) -> pa.Array:
    """``cell`` with its text (also inside lists and structs) as binary, which any bytes are."""

    def binary(arrow_type: pa.DataType) -> pa.DataType:
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            return pa.binary()
        if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
            return pa.list_(binary(arrow_type.value_type))
        if pa.types.is_struct(arrow_type):
            return pa.struct([field.with_type(binary(field.type)) for field in arrow_type])
        if pa.types.is_timestamp(arrow_type):
            return pa.int64()
        return arrow_type

    return cell.cast(binary(cell.type))


class AccountsTable(Reader):
    """Accounts tables as JSONL, CSV or Parquet (one account per row)."""

    name = "accounts"
    kind = "accounts"
    description = "accounts table (CSV, JSONL or Parquet)"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        if head.startswith(PARQUET_MAGIC):
            try:
                names = set(pq.read_schema(path).names)
            except _PARQUET_ERRORS:
                return True  # Parquet that cannot be read: reading it quarantines it, with why
            return "account_id" in names and "prompt" not in names
        if isinstance(first, dict):
            return "account_id" in first and "prompt" not in first and "ts" not in first
        header = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        return "account_id" in [name.strip().strip('"') for name in header.split(",")]

    def map_record(self, record: Any) -> list[dict[str, Any]]:
        if not isinstance(record, dict):
            raise RecordError("not_an_object", f"line is JSON {type(record).__name__}, not an object")
        return [record]

    def read(self, path: Path) -> Iterator[ReadBatch]:
        from distillguard.ingest.base import read_head

        head = read_head(path)
        if head.startswith(PARQUET_MAGIC):
            yield from _read_parquet(path, self.options.batch_rows, self.kind)
        elif any(line.lstrip().startswith(b"{") for line in head.splitlines()[:20]):
            yield from super().read(path)
        else:
            yield from _read_csv(path, self.options)


def _read_csv(path: Path, options: ReadOptions) -> Iterator[ReadBatch]:
    """An accounts table as CSV with a header row; record = line number, raw = the line's bytes.

    Each line is one row: a quote that is not closed on its line makes that line a bad_csv
    record, never a field that swallows the rows after it (a value cannot hold a line break).
    """
    source = str(path)
    collector = _BatchCollector("accounts", options.batch_rows)
    header: list[str] | None = None
    next_line = 1
    try:
        for block in iter_blocks(path, options):
            next_line = block.first_line + block.lines
            if block.data is None:
                collector.reject(block.too_large(source, options))
                continue
            lines = block.data.split(b"\n")
            last = len(lines) - 1
            for offset, line in enumerate(lines):
                if not line.strip():
                    continue  # blank lines are not rows
                number = block.first_line + offset
                raw = line if offset == last else line + b"\n"
                try:
                    fields = _csv_fields(line)
                except RecordError as exc:
                    collector.reject(Quarantined(source, number, exc.reason, exc.message, raw=raw))
                    continue
                if header is None:
                    names = [name.strip() for name in fields]
                    if "account_id" in names:
                        header = names
                    else:  # a banner or garbage before the header row
                        detail = "a line before the header row (the header names account_id)"
                        collector.reject(Quarantined(source, number, "bad_csv", detail, raw=raw))
                    continue
                if len(fields) != len(header):
                    detail = f"row has {len(fields)} fields, the header {len(header)}"
                    collector.reject(Quarantined(source, number, "bad_csv", detail, raw=raw))
                    continue
                row = {name: (value if value != "" else None) for name, value in zip(header, fields, strict=True)}
                collector.add_mapped(source, number, raw, [row])
            if collector.full():
                yield collector.flush()
    except TruncatedInput as exc:
        collector.reject(Quarantined(source, next_line, "truncated_file", str(exc)))
    yield collector.flush()


def _csv_fields(line: bytes) -> list[str]:
    """The fields of one CSV line (quotes as Python's csv reads them), or RecordError."""
    try:
        text = line.decode("utf-8").removesuffix("\r")
    except UnicodeDecodeError as exc:
        raise RecordError("not_utf8", f"bytes are not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return next(csv.reader([text], strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise RecordError("bad_csv", "a quoted value is not closed on its line") from None
    return next(csv.reader([text]))  # a quote inside a value (a,"b"c): read leniently, as csv does
