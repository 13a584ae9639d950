"""OpenTelemetry GenAI spans in OTLP JSON: both conventions, skipped spans, per-span quarantine, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from distillguard.ingest import ReadOptions, reader_for
from distillguard.ingest.render import CARRIED, otel_ids, render_lines, render_otel, render_span, synthetic_exchanges
from distillguard.schema import EXCHANGE_SCHEMA, coerce_exchange

from .conftest import copy_as, exchange, write_jsonl

SAMPLE = Path(__file__).parent / "data" / "otel_genai.jsonl"


def read_all(path: Path, options: ReadOptions | None = None):
    reader = reader_for(path, None, options or ReadOptions(batch_rows=3))
    batches = list(reader.read(path))
    table = pa.concat_tables([batch.table for batch in batches])
    quarantined = [item for batch in batches for item in batch.quarantined]
    records = sum(batch.records for batch in batches)
    return reader, table, quarantined, records, sum(batch.skipped for batch in batches)


def count_spans(path: Path) -> int:
    return sum(
        len(scope["spans"])
        for line in path.read_text(encoding="utf-8").splitlines()
        for resource in json.loads(line)["resourceSpans"]
        for scope in resource["scopeSpans"]
    )


def sample_rows() -> dict[str, dict]:
    _, table, _, _, _ = read_all(SAMPLE)
    return {row["exchange_id"].split("-")[1]: row for row in table.to_pylist()}


def attribute(key: str, value: object) -> dict:
    kind = {str: "stringValue", bool: "boolValue", float: "doubleValue"}.get(type(value), "intValue")
    return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}


def chat_span(span_id: str, **attributes: object) -> dict:
    return {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": span_id,
        "name": "chat m",
        "startTimeUnixNano": "1770110000000000000",
        "endTimeUnixNano": "1770110000500000000",
        "attributes": [
            attribute("gen_ai.operation.name", "chat"),
            attribute("gen_ai.request.model", "m"),
            *(attribute(key, value) for key, value in attributes.items()),
        ],
    }


def export_line(spans: list[dict], **resource: object) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [attribute(k, v) for k, v in resource.items()]},
                "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
            }
        ]
    }


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_every_span_is_a_row_a_quarantine_entry_or_counted_as_skipped(tmp_path: Path, compression: str | None) -> None:
    path = copy_as(SAMPLE, tmp_path, compression)
    reader, table, quarantined, records, skipped = read_all(path)
    assert reader.name == "otel"
    assert table.schema == EXCHANGE_SCHEMA
    assert records == 5  # OTLP lines
    # HTTP, invoke_agent, execute_tool, database and embeddings spans are not exchanges
    assert (table.num_rows, len(quarantined), skipped) == (7, 1, 5)
    assert table.num_rows + len(quarantined) + skipped == count_spans(SAMPLE) == 13


def test_a_span_without_an_account_is_quarantined_alone() -> None:
    _, table, quarantined, _, _ = read_all(SAMPLE)
    [item] = quarantined
    assert (item.record, item.reason) == (2, "missing_account_id")
    assert "b000000000000002" in item.detail and "user.id" in item.detail
    assert orjson.loads(item.raw)["spanId"] == "b000000000000002"  # the span itself, not the whole line
    # the line's other model-call span is kept
    assert "5ce0e9a56015fec5aadfa328ae398115-b000000000000001" in table.column("exchange_id").to_pylist()


def test_current_conventions_tool_call_span() -> None:
    row = sample_rows()["00f067aa0ba902b7"]
    assert row["exchange_id"] == "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
    assert (row["account_id"], row["end_user_id"]) == ("acct-initech", "alice")
    assert (row["client_ip"], row["user_agent"]) == ("203.0.113.40", "support-agent/2.3 (python-httpx)")
    assert (row["model"], row["conversation_id"]) == ("atlas-2", "conv_5j66UpCpwteGg4YSxUnt7lPY")
    assert (row["system"], row["prompt"], row["context_chars"]) == (
        "You are a weather assistant.",
        "Weather in Paris?",
        28,
    )
    assert row["tools"] == ["get_weather"]
    assert (row["max_tokens"], row["top_p"], row["temperature"]) == (1024, 1.0, pytest.approx(0.3))
    assert (row["input_tokens"], row["output_tokens"], row["finish_reason"]) == (47, 17, "tool_calls")
    assert row["ts"].isoformat() == "2026-02-03T09:13:20.020000+00:00"
    assert (row["latency_ms"], row["status"]) == (1500, 200)
    extra = json.loads(row["extra"])
    assert (extra["provider"], extra["service_name"], extra["response_model"]) == (
        "openai",
        "support-agent",
        "atlas-2-0613",
    )
    assert extra["response_tool_calls"] == ["get_weather"]


def test_current_conventions_tool_result_and_reasoning() -> None:
    row = sample_rows()["a000000000000005"]
    assert (row["prompt"], row["turn"]) == ("Weather in Paris?", 0)
    assert row["context_chars"] == 11 + 20 + 11  # tool call name and arguments, tool response
    assert (row["reasoning"], row["reasoning_tokens"]) == (True, 20)
    assert row["reasoning_text"] == "The tool says rainy; convert to Celsius."
    assert row["response"] == "It's rainy in Paris, about 14 °C."


def test_older_conventions_with_message_events() -> None:
    row = sample_rows()["b000000000000001"]
    assert (row["account_id"], row["conversation_id"]) == ("acct-umbrella", "sess-77")  # enduser.id, session.id
    assert (row["system"], row["prompt"], row["turn"]) == ("You are a shopping assistant.", "Only size 44, please.", 1)
    assert row["context_chars"] == 29 + 21 + 15 + 21 + 16  # system, user, tool call, tool message
    assert (row["response"], row["finish_reason"]) == ("RS-1 is available in size 44.", "stop")
    assert (row["input_tokens"], row["output_tokens"]) == (210, 40)  # gen_ai.usage.prompt/completion_tokens


def test_older_conventions_with_indexed_attributes_and_a_resource_account() -> None:
    row = sample_rows()["c000000000000001"]
    assert row["account_id"] == "acct-resource-level"
    assert (row["system"], row["prompt"], row["n_images"]) == (
        "Describe images for blind users.",
        "Что на этой фотографии? 📷",
        1,
    )
    assert (row["response"], row["finish_reason"], row["stream"]) == ("Песчаный пляж на закате.", "end_turn", True)
    assert row["tools"] == ["crop_image", "ocr"]


def test_errors_structured_messages_and_content_events() -> None:
    rows = sample_rows()
    failed = rows["d000000000000001"]
    assert (failed["status"], failed["prompt"]) == (429, "")
    assert json.loads(failed["extra"])["content_captured"] is False
    gemini = rows["d000000000000003"]  # messages as OTLP maps and lists instead of JSON text
    assert (gemini["prompt"], gemini["n_images"], gemini["n"], gemini["response"]) == (
        "Write a haiku about autumn",
        1,
        2,
        "Red leaves drift",
    )
    translated = rows["e000000000000001"]  # gen_ai.content.prompt / gen_ai.content.completion events
    assert translated["prompt"] == "Good morning 🌅"
    assert translated["response"] == "おはようございます / صباح الخير / בוקר טוב"


def test_account_attribute_option_names_the_account(tmp_path: Path) -> None:
    line = export_line([chat_span("01", **{"user.id": "u-9"})], **{"tenant.id": "tenant-1"})
    path = write_jsonl(tmp_path / "traces.jsonl", [line])
    assert read_all(path)[1].column("account_id").to_pylist() == ["u-9"]
    _, table, _, _, _ = read_all(path, ReadOptions(account_attribute="tenant.id"))
    assert table.column("account_id").to_pylist() == ["tenant-1"]
    # a configured attribute that is missing does not fall back to user.id
    _, table, quarantined, _, _ = read_all(path, ReadOptions(account_attribute="billing.account"))
    assert table.num_rows == 0 and [q.reason for q in quarantined] == ["missing_account_id"]
    assert "billing.account" in quarantined[0].detail


def test_bad_spans_and_bad_lines(tmp_path: Path) -> None:
    account = {"user.id": "acct-1"}
    spans = [
        chat_span("01", **account),
        chat_span("02", **account, **{"gen_ai.request.temperature": "hot"}),  # fails coercion
        chat_span("03", **account, **{"gen_ai.input.messages": "[{not json"}),
        {**chat_span("04", **account), "startTimeUnixNano": None},
        chat_span("05", **account),
    ]
    lines: list = [
        export_line(spans),
        {"resourceSpans": "nope"},
        b'{"resourceSpans": [\n',
        export_line([]),  # an empty export is a record with nothing in it
    ]
    path = write_jsonl(tmp_path / "traces.jsonl", lines)
    _, table, quarantined, records, skipped = read_all(path)
    assert table.column("exchange_id").to_pylist() == [
        "0af7651916cd43dd8448eb211c80319c-01",
        "0af7651916cd43dd8448eb211c80319c-05",
    ]
    assert [(item.record, item.reason) for item in quarantined] == [
        (1, "bad_messages"),
        (1, "bad_type"),
        (1, "missing_ts"),
        (2, "bad_otlp"),
        (3, "invalid_json"),
    ]
    assert [orjson.loads(item.raw)["spanId"] for item in quarantined[:3]] == ["03", "02", "04"]
    assert (records, skipped) == (4, 0)


def test_a_span_of_the_wrong_shape_is_quarantined_alone_with_its_own_bytes(tmp_path: Path) -> None:
    account = {"user.id": "acct-1"}
    odd = [
        {**chat_span("02", **account), "attributes": {"user.id": "acct-1"}, "kind": 3},  # a map, not a list
        {**chat_span("03", **account), "startTimeUnixNano": True},
        "not a span",
    ]
    spans = [chat_span("01", **account), *odd, chat_span("04", **account)]
    # the spans exactly as they are written in the line: each quarantined span keeps those bytes
    path = write_jsonl(tmp_path / "traces.jsonl", [orjson.dumps(export_line(spans)) + b"\n"])
    _, table, quarantined, records, skipped = read_all(path)
    assert [row.split("-")[1] for row in table.column("exchange_id").to_pylist()] == ["01", "04"]
    assert [(item.record, item.reason) for item in quarantined] == [(1, "bad_otlp")] * 3
    assert [item.raw for item in quarantined] == [orjson.dumps(span) for span in odd]
    assert "$.attributes" in quarantined[0].detail and "$.startTimeUnixNano" in quarantined[1].detail
    assert (records, skipped) == (1, 0)
    # a span that maps but fails coercion, in a line that decodes whole, also keeps its own bytes
    hot = {**chat_span("06", **account, **{"gen_ai.request.temperature": "hot"}), "kind": 3}
    path.write_bytes(orjson.dumps(export_line([chat_span("05", **account), hot])) + b"\n")
    _, table, quarantined, _, _ = read_all(path)
    assert [(item.reason, item.raw) for item in quarantined] == [("bad_type", orjson.dumps(hot))]


@pytest.mark.parametrize("convention", ["current", "old_events", "old_attributes"])
def test_rendered_spans_read_back_to_the_same_columns(tmp_path: Path, convention: str) -> None:
    exchanges = [
        exchange(i, n_images=i % 3, conversation_id=f"conv-{i // 4}", end_user_id=f"eu-{i}") for i in range(30)
    ]
    exchanges += list(synthetic_exchanges(200, seed=8))
    exchanges.append(exchange(99, status=500, response=None, finish_reason=None, reasoning_text=None))
    name = "otel" if convention == "current" else f"otel_{convention}"
    path = tmp_path / "rendered.jsonl"
    path.write_bytes(b"".join(render_lines(exchanges, name, spans_per_line=7)))
    _, table, quarantined, records, skipped = read_all(path, ReadOptions())
    assert (quarantined, skipped, records) == ([], 0, -(-len(exchanges) // 7))
    expected = pa.Table.from_pylist([coerce_exchange(e) for e in exchanges], EXCHANGE_SCHEMA)
    for column in CARRIED[name]:
        assert table.column(column).equals(expected.column(column)), column
    ids = ["-".join(otel_ids(e)) for e in exchanges]
    assert table.column("exchange_id").to_pylist() == ids


def test_spans_of_other_services_in_the_same_export_are_skipped(tmp_path: Path) -> None:
    span = render_span(exchange(1))
    http = {"traceId": span["traceId"], "spanId": "ff", "name": "GET /health", "attributes": []}
    path = write_jsonl(tmp_path / "traces.jsonl", [render_otel([http, span, http])])
    _, table, quarantined, records, skipped = read_all(path)
    assert (table.num_rows, quarantined, records, skipped) == (1, [], 1, 2)
