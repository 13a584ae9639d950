"""Log readers by name, format detection, and expansion of files, folders and globs."""

from __future__ import annotations

import glob
import importlib
from collections.abc import Iterable
from pathlib import Path

import orjson

from distillguard.errors import InputError
from distillguard.ingest.base import PARQUET_MAGIC, ReadBatch, Reader, ReadOptions, read_head

READERS: dict[str, type[Reader]] = {}

# Modules whose readers register themselves on import, most specific format first: detection
# asks each reader in this order whether it understands a file.
_BUILTIN_MODULES = ("otel", "litellm", "openai_style", "canonical")


def register(reader: type[Reader]) -> type[Reader]:
    """Add a reader to the registry under its ``name`` (usable as a class decorator)."""
    if reader.name in READERS and READERS[reader.name] is not reader:
        raise ValueError(f"two readers are named {reader.name!r}")
    READERS[reader.name] = reader
    return reader


def _load_builtins() -> None:
    for module_name in _BUILTIN_MODULES:
        module = importlib.import_module(f"distillguard.ingest.{module_name}")
        for value in vars(module).values():
            defined_here = isinstance(value, type) and value.__module__ == module.__name__
            if defined_here and issubclass(value, Reader) and hasattr(value, "name"):
                register(value)


_load_builtins()

_SUFFIXES = (".jsonl", ".json", ".ndjson", ".parquet", ".csv", ".log")
_COMPRESSED = (".gz", ".zst", ".zstd")


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files, folders (searched recursively for log files) and globs, as a sorted file list."""
    paths: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and _looks_like_log(p)]
            if not found:
                raise InputError(
                    "folder holds no log files", where=text, hint=f"expected files ending in {', '.join(_SUFFIXES)}"
                )
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not matches:
                raise InputError("pattern matches no file", where=text)
            paths.extend(matches)
        else:
            raise InputError("no such file or folder", where=text)
    seen: set[Path] = set()
    unique = []
    for path in paths:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


def _looks_like_log(path: Path) -> bool:
    name = path.name.lower()
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    return name.endswith(_SUFFIXES)


def detect_format(path: Path, kind: str = "exchanges") -> type[Reader]:
    """The reader that understands ``path``, judged from its first bytes and first record."""
    head = read_head(path)
    first = None
    if not head.startswith(PARQUET_MAGIC):
        for line in head.splitlines():
            if line.strip():
                try:
                    first = orjson.loads(line)
                except orjson.JSONDecodeError:
                    first = None
                break
    for reader in READERS.values():
        if reader.kind == kind and reader.sniff(path, head, first):
            return reader
    names = ", ".join(name for name, reader in READERS.items() if reader.kind == kind)
    raise InputError(
        f"cannot tell the format of this {kind} file",
        where=str(path),
        hint=f"pass --format with one of: {names}",
    )


def reader_for(path: Path, format_name: str | None, options: ReadOptions, kind: str = "exchanges") -> Reader:
    if format_name is None:
        return detect_format(path, kind)(options)
    reader = READERS.get(format_name)
    if reader is None or reader.kind != kind:
        names = ", ".join(name for name, r in READERS.items() if r.kind == kind)
        raise InputError(f"unknown {kind} format {format_name!r}", hint=f"use one of: {names}")
    return reader(options)


__all__ = ["READERS", "ReadBatch", "ReadOptions", "Reader", "detect_format", "expand_inputs", "reader_for", "register"]
