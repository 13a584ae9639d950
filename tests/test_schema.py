"""The canonical schema's one validation step: coercion, defaults, limits, timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from distillguard.errors import RecordError
from distillguard.schema import (
    EXCHANGE_SCHEMA,
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    coerce_account,
    coerce_exchange,
    parse_timestamp,
    validate_exchanges,
)

from .conftest import exchange


def test_schema_names_every_design_column() -> None:
    design = [
        "exchange_id",
        "ts",
        "account_id",
        "api_key_id",
        "end_user_id",
        "surface",
        "model",
        "client_ip",
        "asn",
        "user_agent",
        "conversation_id",
        "turn",
        "system",
        "prompt",
        "context_chars",
        "n_images",
        "tools",
        "temperature",
        "top_p",
        "max_tokens",
        "n",
        "stream",
        "reasoning",
        "logprobs",
        "response",
        "reasoning_text",
        "finish_reason",
        "input_tokens",
        "output_tokens",
        "reasoning_tokens",
        "status",
        "latency_ms",
        "extra",
    ]
    assert EXCHANGE_SCHEMA.names == design
    assert EXCHANGE_SCHEMA.field("ts").type == pa.timestamp("us", tz="UTC")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-01T10:00:00Z", datetime(2026, 2, 1, 10, tzinfo=UTC)),
        ("2026-02-01T12:00:00+02:00", datetime(2026, 2, 1, 10, tzinfo=UTC)),
        ("2026-02-01 10:00:00", datetime(2026, 2, 1, 10, tzinfo=UTC)),
        (1769940000, datetime(2026, 2, 1, 10, tzinfo=UTC)),
        (1769940000.5, datetime(2026, 2, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        (1769940000000, datetime(2026, 2, 1, 10, tzinfo=UTC)),
        (1769940000000000, datetime(2026, 2, 1, 10, tzinfo=UTC)),
        (1769940000000000000, datetime(2026, 2, 1, 10, tzinfo=UTC)),
        ("1769940000", datetime(2026, 2, 1, 10, tzinfo=UTC)),
    ],
)
def test_timestamps_normalise_to_utc(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize("value", ["yesterday", True, [1], float("nan"), 1e30])
def test_bad_timestamps_are_record_errors(value: object) -> None:
    with pytest.raises(RecordError) as error:
        parse_timestamp(value)
    assert error.value.reason == "bad_timestamp"


def test_coerce_fills_defaults_and_keeps_unknown_keys_in_extra() -> None:
    row = coerce_exchange(
        {
            "ts": "2026-02-01T10:00:00Z",
            "account_id": "a",
            "model": "m",
            "prompt": "p",
            "gateway_region": "eu-west",
            "extra": {"trace": "t1"},
        }
    )
    assert row["n"] == 1 and row["tools"] == [] and row["status"] == 200 and row["stream"] is False
    assert json.loads(row["extra"]) == {"trace": "t1", "gateway_region": "eu-west"}


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"account_id": None}, "missing_account_id"),
        ({"account_id": ""}, "missing_account_id"),
        ({"ts": None}, "missing_ts"),
        ({"model": None}, "missing_model"),
        ({"prompt": None}, "missing_prompt"),
        ({"n": "many"}, "bad_type"),
        ({"turn": 70000}, "out_of_range"),
        ({"stream": "perhaps"}, "bad_type"),
        ({"tools": "search"}, "bad_type"),
        ({"prompt": {"text": "hi"}}, "bad_type"),
        ({"account_id": "a" * (MAX_ID_CHARS + 1)}, "id_too_long"),
        ({"ts": "not a time"}, "bad_timestamp"),
    ],
)
def test_coerce_rejects_with_a_reason(override: dict, reason: str) -> None:
    with pytest.raises(RecordError) as error:
        coerce_exchange(exchange(1, **override))
    assert error.value.reason == reason


def test_over_long_text_is_cut_and_its_length_kept() -> None:
    row = coerce_exchange(exchange(1, prompt="x" * (MAX_TEXT_CHARS + 10)))
    assert len(row["prompt"]) == MAX_TEXT_CHARS
    assert json.loads(row["extra"])["_truncated"] == {"prompt": MAX_TEXT_CHARS + 10}


def test_accounts_normalise_their_enumerations() -> None:
    row = coerce_account({"account_id": "a", "account_type": " Research ", "verification": "CARD"})
    assert (row["account_type"], row["verification"]) == ("research", "card")
    with pytest.raises(RecordError) as error:
        coerce_account({"account_id": "a", "account_type": "pirate"})
    assert error.value.reason == "bad_account_type"


def test_validate_exchanges_rejects_rows_without_required_values() -> None:
    rows = [coerce_exchange(exchange(i)) for i in range(3)]
    table = pa.Table.from_pylist(rows, EXCHANGE_SCHEMA).set_column(2, "account_id", pa.array(["a", None, ""]))
    valid, rejects = validate_exchanges(table)
    assert valid.num_rows == 1
    assert sorted(index for index, _, _ in rejects) == [1, 2]
    assert {reason for _, reason, _ in rejects} == {"missing_account_id"}
