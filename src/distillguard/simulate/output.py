"""Writing a simulation's output: exchange parts (Parquet or canonical JSON lines) streamed from a writer thread."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.schema import TIMESTAMP

PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}


def _quoted(column: pa.Array) -> pa.Array:
    text = column
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        if pc.any(pc.match_substring(text, raw)).as_py():  # a scan is cheaper than a copy
            text = pc.replace_substring(text, raw, escaped)
    return pc.binary_join_element_wise('"', text, '"', "")


def jsonl_bytes(table: pa.Table) -> pa.Buffer:
    """The table as JSON lines (one object per row, keys in schema order), built column-wise.

    The simulator's texts hold no control characters other than newline, carriage return
    and tab, which are the ones escaped here.

    >>> t = pa.table({"a": ["x\\"y", None], "b": [1, 2]})
    >>> jsonl_bytes(t).to_pybytes().decode().splitlines()
    ['{"a":"x\\\\"y","b":1}', '{"a":null,"b":2}']
    """
    fragments = []
    for field, column in zip(table.schema, table.columns, strict=True):
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        kind = field.type
        if kind == TIMESTAMP:
            value = _quoted(pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ"))
        elif pa.types.is_string(kind):
            value = _quoted(column)
        elif pa.types.is_boolean(kind):
            value = pc.if_else(column, "true", "false")
        elif pa.types.is_list(kind):
            joined = pc.binary_join(pc.list_slice(column, 0), '","')
            value = pc.if_else(
                pc.equal(pc.list_value_length(column), 0), "[]", pc.binary_join_element_wise('["', joined, '"]', "")
            )
        else:
            value = pc.cast(column, pa.string())
        value = pc.fill_null(value, "null")
        fragments.append(pc.binary_join_element_wise(f'"{field.name}":', value, ""))
    lines = pc.binary_join_element_wise("{", pc.binary_join_element_wise(*fragments, ","), "}\n", "")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = lines.buffers()[1]
    positions = np.frombuffer(offsets, np.int32, len(lines) + 1, lines.offset * 4)
    return lines.buffers()[2][positions[0] : positions[-1]]


class ExchangeSink:
    """Exchanges and their labels, written in a background thread while the next window is generated.

    Parts roll over every ``part_rows`` rows: ``exchanges/part-00000.parquet`` (or ``.jsonl``).

    >>> import tempfile
    >>> schema = pa.schema([("x", pa.int64())])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sink = ExchangeSink(Path(folder), "parquet", schema, schema, part_rows=2)
    ...     sink.write(pa.table({"x": [1, 2, 3]}), pa.table({"x": [1, 2, 3]}))
    ...     [p.name for p in sink.close()]
    ['part-00000.parquet', 'part-00001.parquet']
    """

    def __init__(self, folder: Path, fmt: str, exchange_schema: pa.Schema, label_schema: pa.Schema, part_rows: int):
        self.folder = folder
        self.fmt = fmt
        self.schema = exchange_schema
        self.part_rows = part_rows
        (folder / "exchanges").mkdir(parents=True, exist_ok=True)
        (folder / "labels").mkdir(parents=True, exist_ok=True)
        self.paths: list[Path] = []
        self._part: Any = None  # the part being written: a pq.ParquetWriter, or the JSONL file
        self._part_rows = 0
        self._labels = pq.ParquetWriter(folder / "labels" / "exchanges.parquet", label_schema, **PARQUET_OPTIONS)
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="distillguard-simulate-writer", daemon=True)
        self._thread.start()

    def write(self, exchanges: pa.Table, labels: pa.Table) -> None:
        self._raise()
        self._queue.put((exchanges, labels))

    def close(self) -> list[Path]:
        self._queue.put(None)
        self._thread.join()
        self._raise()
        return self.paths

    def abort(self) -> None:
        """Stop the writer after an error elsewhere, leaving whatever was written."""
        self._queue.put(None)
        self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    break
                if self._error is None:
                    self._write(*item)
        except BaseException as exc:  # surfaced to the generating thread on its next call
            self._error = exc
            while self._queue.get() is not None:
                pass
        finally:
            self._close_part()
            self._labels.close()

    def _write(self, exchanges: pa.Table, labels: pa.Table) -> None:
        self._labels.write_table(labels)
        offset = 0
        while offset < exchanges.num_rows:
            if self._part is None:
                self._open_part()
            room = self.part_rows - self._part_rows
            piece = exchanges.slice(offset, room)
            if self.fmt == "parquet":
                self._part.write_table(piece)
            else:
                self._part.write(jsonl_bytes(piece))
            self._part_rows += piece.num_rows
            offset += piece.num_rows
            if self._part_rows >= self.part_rows:
                self._close_part()

    def _open_part(self) -> None:
        path = self.folder / "exchanges" / f"part-{len(self.paths):05d}.{self.fmt}"
        self.paths.append(path)
        if self.fmt == "parquet":
            self._part = pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS)
        else:
            self._part = path.open("wb")
        self._part_rows = 0

    def _close_part(self) -> None:
        if self._part is not None:
            self._part.close()
            self._part = None


def write_table(table: pa.Table, path: Path, fmt: str) -> Path:
    """A small whole table (accounts, labels) as Parquet or JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path, **PARQUET_OPTIONS)
    else:
        with path.open("wb") as stream:
            for batch in table.to_batches(max_chunksize=65536):
                stream.write(jsonl_bytes(pa.Table.from_batches([batch])))
    return path
