"""Every reader survives records of shapes nobody planned for: each one is ingested or
quarantined with its bytes, and nothing ends the file early."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pytest

from distillguard.ingest import ReadOptions, reader_for

DATA = Path(__file__).parent / "data"
ODD_VALUES = [[], ["x"], {}, {"a": {"b": 1}}, None, 2**70, -1, 1.5e300, "", "\u202e", True, "<deep>", "<deeper>"]
# Nesting that JSON parsers accept (900 levels) or refuse (3,000), spliced in as text
DEEP = {'"<deep>"': "[" * 900 + "]" * 900, '"<deeper>"': '{"a":' * 3000 + "1" + "}" * 3000}


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    yield path


def _replaced(record, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(record))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


def _deepened(text: str) -> str:
    for placeholder, nested in DEEP.items():
        text = text.replace(placeholder, nested)
    return text


@pytest.mark.parametrize("sample", ["openai_style.jsonl", "litellm.jsonl", "otel_genai.jsonl"])
def test_odd_values_anywhere_are_read_or_quarantined(tmp_path: Path, sample: str) -> None:
    rng = random.Random(7)
    originals = [json.loads(line) for line in (DATA / sample).read_text(encoding="utf-8").splitlines() if line]
    lines = []
    for _ in range(400):
        record = rng.choice(originals)
        path = rng.choice(list(_leaves(record)))
        lines.append(_replaced(record, path, rng.choice(ODD_VALUES)))
    path = tmp_path / sample
    path.write_text("".join(_deepened(json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    reader = reader_for(path, {"otel_genai.jsonl": "otel"}.get(sample), ReadOptions(batch_rows=64))
    batches = list(reader.read(path))
    records = sum(batch.records for batch in batches)
    quarantined = [item for batch in batches for item in batch.quarantined]
    rows = sum(batch.table.num_rows for batch in batches)
    assert records == len(lines)
    assert all(item.raw for item in quarantined)
    assert rows > 0 and quarantined  # some odd values are harmless, some are not
    pa.concat_tables([batch.table for batch in batches])  # every batch has the canonical schema
