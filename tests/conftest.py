"""Shared test helpers: canonical records and small log files written on the fly."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pytest
import zstandard

from distillguard.engines import ENGINES, create_engine
from distillguard.ingest import ReadOptions, reader_for
from distillguard.profiles import Catalogue

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_or_skip(corpus: Path = CORPUS) -> Path:
    """The shared prompt corpus, for a test that needs it: where it is missing the test is
    skipped, except under CI (``CI`` set), where it fails, so that the quality floors measured
    on the corpus cannot vanish from a run unnoticed."""
    if corpus.is_dir():
        return corpus
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"the shared prompt corpus is missing at {corpus}; CI needs ../shared beside the repository")
    pytest.skip(f"the shared prompt corpus is not at {corpus}")


def exchange(index: int, **overrides: object) -> dict:
    """One realistic canonical exchange; ``overrides`` replace or add fields."""
    record = {
        "exchange_id": f"ex-{index:06d}",
        "ts": f"2026-03-{1 + index % 3:02d}T{index % 24:02d}:{index % 60:02d}:07.250Z",
        "account_id": f"acct-{index % 7}",
        "api_key_id": f"key-{index % 11}",
        "model": "atlas-2" if index % 2 else "atlas-2-reasoning",
        "client_ip": f"198.51.100.{index % 250}",
        "asn": 64500 + index % 5,
        "user_agent": "openai-python/1.82.0",
        "turn": index % 3,
        "system": "You are a careful assistant.",
        "prompt": f"Question {index}: explain the difference between a list and a tuple in Python. ¿Por qué? 为什么？",
        "context_chars": 120,
        "n_images": 0,
        "tools": ["search"] if index % 4 == 0 else [],
        "temperature": 0.7,
        "max_tokens": 1024,
        "n": 1,
        "stream": bool(index % 2),
        "reasoning": index % 5 == 0,
        "logprobs": False,
        "response": "A list is mutable; a tuple is not. " * 3,
        "finish_reason": "stop",
        "input_tokens": 40,
        "output_tokens": 120,
        "reasoning_tokens": 0,
        "status": 200,
        "latency_ms": 900,
        "extra": "{}",
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, records: list[dict | bytes | str]) -> Path:
    with path.open("wb") as stream:
        for record in records:
            if isinstance(record, bytes):
                stream.write(record)
            elif isinstance(record, str):
                stream.write(record.encode())
            else:
                stream.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
    return path


def copy_as(source: Path, folder: Path, compression: str | None) -> Path:
    """``source`` copied into ``folder`` as it is, gzip-compressed or zstd-compressed."""
    data = source.read_bytes()
    if compression == "gzip":
        target, data = folder / f"{source.name}.gz", gzip.compress(data)
    elif compression == "zstd":
        target, data = folder / f"{source.name}.zst", zstandard.ZstdCompressor().compress(data)
    else:
        target = folder / source.name
    target.write_bytes(data)
    return target


@pytest.fixture
def sample_records() -> list[dict]:
    return [exchange(i) for i in range(50)]


def read_all(path: Path, options: ReadOptions | None = None):
    """Every batch of a file, read the way `ingest` reads it (small batches, so several):
    (reader, table, quarantined items, records)."""
    reader = reader_for(path, None, options or ReadOptions(batch_rows=4))
    batches = list(reader.read(path))
    table = pa.concat_tables([batch.table for batch in batches])
    quarantined = [item for batch in batches for item in batch.quarantined]
    return reader, table, quarantined, sum(batch.records for batch in batches)


def rows_by_id(path: Path) -> dict[str, dict]:
    """The rows of a sample that reads without quarantine, by exchange_id."""
    _, table, quarantined, _ = read_all(path)
    assert quarantined == []
    return {row["exchange_id"]: row for row in table.to_pylist()}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest):
    """Every engine in turn: a test that takes this fixture runs its SQL on each of them."""
    with create_engine(request.param) as instance:
        yield instance


def profiles_table(columns: dict[str, list]) -> pa.Table:
    """Account profiles with the given feature columns; every other numeric feature of the
    catalogue is unknown (null), as for an account whose traffic says nothing about it."""
    rows = len(next(iter(columns.values())))
    names = ["account_id", "exchanges", *Catalogue.build(0.5).numeric_names()]
    table = {name: columns.get(name, [None] * rows) for name in dict.fromkeys(names)}
    if "exchanges" not in columns:
        table["exchanges"] = [1000] * rows  # enough traffic for evidence to count in full
    return pa.table({**table, **columns})
