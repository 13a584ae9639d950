"""LiteLLM StandardLoggingPayload logs: field mapping, account fallbacks, failures, quarantine, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from distillguard.ingest import ReadOptions
from distillguard.ingest.render import CARRIED, render_lines, synthetic_exchanges
from distillguard.schema import EXCHANGE_SCHEMA, coerce_exchange

from .conftest import copy_as, exchange, read_all, rows_by_id, write_jsonl

SAMPLE = Path(__file__).parent / "data" / "litellm.jsonl"
KEY_HASH = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"


def sample_rows() -> dict[str, dict]:
    return rows_by_id(SAMPLE)


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_sample_is_detected_and_every_payload_becomes_a_row(tmp_path: Path, compression: str | None) -> None:
    path = copy_as(SAMPLE, tmp_path, compression)
    reader, table, quarantined, records = read_all(path)
    assert reader.name == "litellm"
    assert (records, table.num_rows, quarantined) == (6, 6, [])
    assert table.schema == EXCHANGE_SCHEMA


def test_org_key_payload_maps_metadata_conversation_and_tools() -> None:
    row = sample_rows()["chatcmpl-llm-001"]
    assert (row["account_id"], row["api_key_id"], row["end_user_id"]) == ("org-globex", KEY_HASH, "customer-981")
    assert (row["client_ip"], row["user_agent"], row["conversation_id"]) == ("203.0.113.9", "litellm/1.74.0", "sess-42")
    assert row["ts"].isoformat() == "2026-02-03T09:13:20.125000+00:00"
    assert row["latency_ms"] == 2500
    assert (row["system"], row["prompt"], row["turn"]) == ("You are a SQL expert.", "Count rows in orders", 1)
    assert row["context_chars"] == 21 + 11 + 13
    assert row["tools"] == ["run_sql"]
    assert (row["temperature"], row["max_tokens"]) == (0.0, 256)
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (300, 30, 12)
    assert (row["response"], row["finish_reason"]) == (None, "tool_calls")
    extra = json.loads(row["extra"])
    assert extra["account_source"] == "org"
    assert extra["response_tool_calls"] == ["run_sql"]
    assert (extra["model_group"], extra["request_tags"], extra["trace_id"]) == ("gpt-4o", ["prod", "batch-7"], "tr-001")


def test_team_key_streaming_with_reasoning_in_japanese() -> None:
    row = sample_rows()["chatcmpl-llm-002"]
    assert row["account_id"] == "team-tokyo"  # no org: the team stands in
    assert (row["end_user_id"], row["client_ip"], row["user_agent"]) == ("end-5", "198.51.100.23", "OpenAI/JS 4.0")
    assert row["prompt"] == "東京の天気を教えてください。理由も詳しく。"
    assert (row["stream"], row["reasoning"], row["max_tokens"]) == (True, True, 8000)
    assert (row["response"], row["reasoning_text"]) == ("晴れです。", "まず気圧配置を考える。")
    extra = json.loads(row["extra"])
    assert (extra["account_source"], extra["ttft_ms"], extra["custom_llm_provider"]) == ("team", 750, "anthropic")


def test_user_key_with_image_choices_logprobs_and_arabic() -> None:
    row = sample_rows()["chatcmpl-llm-003"]
    assert row["account_id"] == "u-solo"
    assert json.loads(row["extra"])["account_source"] == "user"
    assert (row["prompt"], row["n_images"]) == ("صف هذه الصورة 🖼️", 1)
    assert (row["n"], row["logprobs"], row["response"]) == (2, True, "قطة 🐈")
    assert row["top_p"] == pytest.approx(0.8)


def test_failures_text_completions_and_wrapped_payloads() -> None:
    rows = sample_rows()
    failure = rows["chatcmpl-llm-004"]
    assert (failure["status"], failure["response"], failure["latency_ms"]) == (429, None, 200)
    extra = json.loads(failure["extra"])
    assert extra["error_class"] == "RateLimitError" and "Rate limit reached" in extra["error"]
    completion = rows["cmpl-llm-005"]  # messages logged as JSON text
    assert (completion["prompt"], completion["response"]) == ("Once upon a time", ", there was a dragon.")
    assert completion["finish_reason"] == "length"
    wrapped = rows["chatcmpl-llm-006"]
    assert (wrapped["account_id"], wrapped["prompt"], wrapped["response"]) == ("org-globex", "hello", "hi")


def test_bad_payloads_are_quarantined_with_their_reason(tmp_path: Path) -> None:
    good = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])

    def variant(change) -> dict:
        record = json.loads(json.dumps(good))
        change(record)
        return record

    lines: list = [
        good,
        variant(lambda r: r.update(metadata={"user_api_key_hash": KEY_HASH})),  # no org, team or user
        variant(lambda r: r.update(startTime=None)),
        variant(lambda r: r.update(messages=42)),
        variant(lambda r: r.update(messages={"input": "not messages"})),
        variant(lambda r: r.update(messages=None)),
        variant(lambda r: r.update(status="failure", error_information={"error_code": "500"}, response=None)),
    ]
    path = write_jsonl(tmp_path / "litellm.jsonl", lines)
    _, table, quarantined, records = read_all(path)
    assert {item.record: item.reason for item in quarantined} == {
        2: "missing_account_id",
        3: "missing_ts",
        4: "bad_messages",
        5: "bad_messages",
        6: "missing_messages",
    }
    assert records == table.num_rows + len(quarantined) == len(lines)
    assert table.column("status").to_pylist() == [200, 500]


def test_rendered_payloads_read_back_to_the_same_columns(tmp_path: Path) -> None:
    exchanges = [exchange(i, n_images=i % 2, logprobs=i % 3 == 0, conversation_id=f"c{i}") for i in range(30)]
    exchanges += list(synthetic_exchanges(200, seed=7))
    exchanges.append(exchange(99, status=429, response=None, finish_reason=None, input_tokens=0, output_tokens=0))
    path = tmp_path / "rendered.jsonl"
    path.write_bytes(b"".join(render_lines(exchanges, "litellm")))
    _, table, quarantined, _ = read_all(path, ReadOptions())
    assert quarantined == []
    expected = pa.Table.from_pylist([coerce_exchange(e) for e in exchanges], EXCHANGE_SCHEMA)
    for column in CARRIED["litellm"]:
        assert table.column(column).equals(expected.column(column)), column
