"""Log readers by name, format detection, and expansion of files, folders and globs."""

from __future__ import annotations

import glob
import importlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
# Compressions seen in log folders that are not read (decompress them first).
_UNSUPPORTED_COMPRESSION = (".bz2", ".xz", ".lz4", ".lzma", ".z", ".zip", ".7z", ".br", ".tar", ".tgz")
# What marks a folder as a distillguard workspace (see distillguard.workspace).
WORKSPACE_MARKER = "workspace.json"


@dataclass(frozen=True)
class SkippedFile:
    """A path found among the inputs that is not read, and why (``reason`` is a short code)."""

    path: str
    reason: str
    detail: str


@dataclass
class Inputs:
    """The files to read, in order, and every path found but not read."""

    files: list[Path] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def find_inputs(inputs: Iterable[str | Path]) -> Inputs:
    """Files, folders (searched recursively for log files) and globs, as a sorted file list,
    with what was found but is not read: files of other suffixes, compressions that are not
    read, FIFOs, sockets and devices, broken links, linked folders (not followed) and
    workspace folders (a workspace inside a logs folder is not read as logs)."""
    found = Inputs()
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            before = len(found.files)
            _walk(path, found)
            if len(found.files) == before:
                skipped = sum(1 for s in found.skipped if _inside(Path(s.path), path))
                raise InputError(
                    "folder holds no log files" + (f" ({skipped} paths skipped)" if skipped else ""),
                    where=text,
                    hint=f"expected files ending in {', '.join(_SUFFIXES)}, optionally .gz or .zst",
                )
        elif path.exists() or path.is_symlink():
            _add_file(path, found, explicit=True)
        elif glob.has_magic(text):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            if not matches:
                raise InputError("pattern matches no file", where=text)
            for match in matches:
                if match.is_dir():
                    _walk(match, found)
                else:
                    _add_file(match, found, explicit=True)
        else:
            raise InputError("no such file or folder", where=text)
    seen: set[Path] = set()
    unique = []
    for path in found.files:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    found.files = unique
    found.skipped.sort(key=lambda skipped: skipped.path)
    return found


def expand_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """The files :func:`find_inputs` would read."""
    return find_inputs(inputs).files


def is_workspace(folder: Path) -> bool:
    return (folder / WORKSPACE_MARKER).is_file() and (folder / "catalog.duckdb").exists()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _walk(folder: Path, found: Inputs) -> None:
    if is_workspace(folder):
        found.skipped.append(SkippedFile(str(folder), "workspace", "a distillguard workspace, not logs"))
        return
    files = Inputs(skipped=found.skipped)
    for root, folders, names in os.walk(folder):
        base = Path(root)
        for name in sorted(folders):  # a copy: links and workspaces are taken out of the walk
            inner = base / name
            if inner.is_symlink():
                found.skipped.append(SkippedFile(str(inner), "linked_folder", "a link to a folder (not followed)"))
                folders.remove(name)
            elif is_workspace(inner):
                found.skipped.append(SkippedFile(str(inner), "workspace", "a distillguard workspace, not logs"))
                folders.remove(name)
        for name in names:
            _add_file(base / name, files, explicit=False)
    found.files.extend(sorted(files.files))  # in path order


def _add_file(path: Path, found: Inputs, *, explicit: bool) -> None:
    """Add ``path`` to the files to read, or say why it is skipped."""
    try:
        mode = path.stat().st_mode
    except OSError:
        found.skipped.append(SkippedFile(str(path), "broken_link", "a link to nothing"))
        return
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        found.skipped.append(SkippedFile(str(path), "not_a_file", f"{kind}, not a regular file"))
        return
    if explicit:
        found.files.append(path)  # a file named on the command line is read whatever its name
        return
    name = path.name.lower()
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    if name.endswith(_SUFFIXES):
        found.files.append(path)
    elif name.endswith(_UNSUPPORTED_COMPRESSION):
        detail = f"compressed as {Path(name).suffix}, which is not read (decompress it, or use gzip or zstd)"
        found.skipped.append(SkippedFile(str(path), "unsupported_compression", detail))
    else:
        detail = f"not a log file name (expected {', '.join(_SUFFIXES)}, optionally .gz or .zst)"
        found.skipped.append(SkippedFile(str(path), "unknown_suffix", detail))


class UnknownFormat(InputError):
    """No reader understands a file (judged from its first lines)."""


class EmptyInput(UnknownFormat):
    """A file holds nothing but blank space: no records, and no format to tell."""


# Lines looked at, at most, to tell a file's format: a line of garbage (a banner, a cut first
# record) before the records does not hide them.
_SNIFF_LINES = 20


def detect_format(path: Path, kind: str = "exchanges") -> type[Reader]:
    """The reader that understands ``path``, judged from its first bytes and first records.

    The first lines are tried in turn, so a file whose first line is garbage is still
    recognised by the next one (the reader then quarantines the garbage line).
    """
    head = read_head(path)
    if not head.strip():
        raise EmptyInput(f"the {kind} file is empty", where=str(path))
    candidates: list[tuple[bytes, Any]] = []
    if head.startswith(PARQUET_MAGIC):
        candidates.append((head, None))
    else:
        start = 0
        while len(candidates) < _SNIFF_LINES and start < len(head):
            end = head.find(b"\n", start)
            end = len(head) if end < 0 else end + 1
            line = head[start:end]
            if line.strip():
                try:
                    first = orjson.loads(line)
                except orjson.JSONDecodeError:
                    first = None
                candidates.append((head[start:], first))
            start = end
    for sniffed_head, first in candidates:
        for reader in READERS.values():
            if reader.kind == kind and reader.sniff(path, sniffed_head, first):
                return reader
    if kind == "accounts":
        hint = "an accounts table is CSV with a header row naming account_id, or JSON lines or Parquet with account_id"
    else:
        names = ", ".join(name for name, reader in READERS.items() if reader.kind == kind)
        hint = f"pass --format with one of: {names}"
    raise UnknownFormat(f"cannot tell the format of this {kind} file from its first lines", where=str(path), hint=hint)


def reader_for(path: Path, format_name: str | None, options: ReadOptions, kind: str = "exchanges") -> Reader:
    if format_name is None:
        return detect_format(path, kind)(options)
    reader = READERS.get(format_name)
    if reader is None or reader.kind != kind:
        names = ", ".join(name for name, r in READERS.items() if r.kind == kind)
        raise InputError(f"unknown {kind} format {format_name!r}", hint=f"use one of: {names}")
    return reader(options)


__all__ = [
    "READERS",
    "EmptyInput",
    "Inputs",
    "ReadBatch",
    "ReadOptions",
    "Reader",
    "SkippedFile",
    "UnknownFormat",
    "detect_format",
    "expand_inputs",
    "find_inputs",
    "reader_for",
    "register",
]
