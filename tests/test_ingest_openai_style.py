"""OpenAI-style gateway logs (Chat Completions and Anthropic Messages bodies): mapping, detection, quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from distillguard.ingest import ReadOptions, base, detect_format, reader_for
from distillguard.ingest.render import CARRIED, render_anthropic, render_lines, render_openai, synthetic_exchanges
from distillguard.schema import EXCHANGE_SCHEMA, coerce_exchange

from .conftest import copy_as, exchange, read_all, rows_by_id, write_jsonl

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "openai_style.jsonl"


def sample_rows() -> dict[str, dict]:
    return rows_by_id(SAMPLE)


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_sample_is_detected_and_every_record_becomes_a_row(tmp_path: Path, compression: str | None) -> None:
    path = copy_as(SAMPLE, tmp_path, compression)
    reader, table, quarantined, records = read_all(path)
    assert reader.name == "openai"
    assert (records, table.num_rows, quarantined) == (9, 9, [])
    assert table.schema == EXCHANGE_SCHEMA
    assert table.column("exchange_id").to_pylist() == [f"req_7f3a9c0{i}" for i in range(1, 10)]


def test_openai_multi_turn_with_a_tool_round_trip() -> None:
    row = sample_rows()["req_7f3a9c01"]
    assert row["prompt"] == "And should I pack an umbrella for the weekend?"
    assert row["system"] == "You are a concise travel assistant."
    assert row["turn"] == 2  # two earlier user messages; the tool message is not a turn
    # system 35 + user 31 + assistant 42 + user 35 + tool call name 11 and arguments 17 + tool result 27
    assert row["context_chars"] == 35 + 31 + 42 + 35 + 11 + 17 + 27
    assert row["tools"] == ["get_weather", "get_forecast"]
    assert (row["account_id"], row["api_key_id"], row["end_user_id"]) == ("org-acme", "key_prod_01", "eu-4411")
    assert (row["client_ip"], row["user_agent"], row["surface"]) == ("203.0.113.17", "OpenAI/Python 1.82.0", "api")
    assert row["conversation_id"] == "conv-weather-1"
    assert row["ts"].isoformat() == "2026-02-03T09:14:07.532000+00:00"
    assert row["max_tokens"] == 800 and row["temperature"] == pytest.approx(0.2)
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (211, 14, 0)
    assert row["response"] == "No umbrella needed: clear skies all weekend."
    assert (row["finish_reason"], row["status"], row["latency_ms"]) == ("stop", 200, 2150)
    extra = json.loads(row["extra"])
    assert extra == {"region": "eu-west-1", "response_model": "atlas-2-0125", "tool_choice": "auto"}


def test_openai_images_stream_choices_logprobs_and_reasoning_in_cjk() -> None:
    row = sample_rows()["req_7f3a9c02"]
    assert row["prompt"] == "这两张图表有什么不同？"
    assert row["system"] == "请用中文回答。"  # a developer message is the system prompt
    assert (row["n_images"], row["n"], row["stream"], row["logprobs"], row["reasoning"]) == (2, 3, True, True, True)
    assert row["response"] == "第一张图呈上升趋势，第二张图保持平稳。"  # the first of three choices
    assert row["reasoning_text"] == "先比较两条曲线的斜率……"
    assert row["reasoning_tokens"] == 256
    assert (row["account_id"], row["api_key_id"], row["end_user_id"]) == ("org-shenzhen-lab", "key_lab_9", "analyst-3")
    assert row["ts"].isoformat() == "2026-02-03T09:15:00.250000+00:00"  # epoch seconds in `ts`
    assert (row["status"], row["latency_ms"]) == (200, 8422)  # "200" as text, 8421.6 ms rounded
    assert json.loads(row["extra"])["choices"] == 3


def test_anthropic_tool_loop_prompt_is_the_last_human_message() -> None:
    row = sample_rows()["req_7f3a9c03"]
    # the last user message holds only a tool_result: it is tool output, not a new prompt
    assert row["prompt"] == "Fix the failing test in tests/test_parser.py"
    assert row["turn"] == 0
    # system 46 + thinking 20 + tool_use name 4 and input 23 + tool result 26
    assert row["context_chars"] == 46 + 20 + 4 + 23 + 26
    assert row["tools"] == ["bash", "str_replace_editor", "web_search"]
    assert row["reasoning"] is True
    assert row["reasoning_text"] == "The parser does not handle empty input."
    assert row["response"] == "The parser crashes on empty input; I'll patch it."
    assert row["finish_reason"] == "tool_use"
    assert row["input_tokens"] == 120 + 2000 + 500  # cached input counts as input
    assert row["end_user_id"] == "dev-77"  # from the request's metadata.user_id
    assert (row["client_ip"], row["surface"], row["max_tokens"]) == ("2001:db8::42", "console", 16000)
    extra = json.loads(row["extra"])
    assert extra["thinking_budget_tokens"] == 8000
    assert extra["response_tool_calls"] == ["str_replace_editor"]
    assert (extra["cache_read_input_tokens"], extra["cache_creation_input_tokens"]) == (2000, 500)


def test_anthropic_system_blocks_image_rtl_emoji_and_redacted_thinking() -> None:
    row = sample_rows()["req_7f3a9c04"]
    assert row["system"] == "Answer in the user's language.\nBe kind. 🙂"
    assert row["prompt"] == "מה רואים בתמונה? 👀 وما رأيك؟"
    assert (row["n_images"], row["stream"], row["reasoning"]) == (1, True, True)
    assert row["response"] == "בתמונה רואים חתול 🐱"
    assert row["reasoning_text"] is None
    assert row["ts"].isoformat() == "2026-02-03T08:21:30+00:00"
    assert json.loads(row["extra"])["redacted_thinking_blocks"] == 1


def test_error_bodies_and_missing_responses_set_the_status() -> None:
    rows = sample_rows()
    openai_error, no_response, anthropic_error = rows["req_7f3a9c05"], rows["req_7f3a9c06"], rows["req_7f3a9c08"]
    assert (openai_error["status"], openai_error["response"]) == (429, None)
    assert json.loads(openai_error["extra"])["error"]["code"] == "rate_limit_exceeded"
    assert (no_response["status"], no_response["prompt"]) == (499, "Write a 5000-word essay on tides.")
    assert json.loads(no_response["extra"]) == {"response_missing": True}
    assert anthropic_error["status"] == 529


def test_long_prompt_legacy_functions_and_responses_api() -> None:
    rows = sample_rows()
    long = rows["req_7f3a9c07"]
    assert len(long["prompt"]) == 25050 and long["prompt"].startswith("Below is the full text")
    assert long["tools"] == ["file_ticket"]
    responses = rows["req_7f3a9c09"]
    assert (responses["system"], responses["prompt"]) == ("Think step by step.", "Is 221 prime?")
    assert (responses["reasoning"], responses["max_tokens"], responses["reasoning_tokens"]) == (True, 500, 64)
    assert responses["response"] == "No: 221 = 13 × 17."
    assert responses["reasoning_text"] == "221 = 13 × 17."


def test_bad_records_are_quarantined_with_their_reason_and_the_rest_kept(tmp_path: Path) -> None:
    good = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])

    def variant(change) -> dict:
        record = json.loads(json.dumps(good))
        change(record)
        return record

    no_time = variant(lambda r: (r.pop("timestamp"), r["response"].pop("created")))
    time_from_response = variant(lambda r: r.pop("timestamp"))
    lines: list = [
        good,
        variant(lambda r: r.pop("organization_id")),
        no_time,
        variant(lambda r: r["request"].update(messages="What's the weather?")),
        variant(lambda r: r["request"].update(messages=["What's the weather?"])),
        variant(lambda r: r.pop("request")),
        b'{"timestamp": "2026-02-03T09:14:07Z", "request": {"messages": [\n',
        b"[1, 2, 3]\n",
        variant(lambda r: r["request"].update(temperature="hot")),
        time_from_response,
    ]
    path = write_jsonl(tmp_path / "gateway.jsonl", lines)
    _, table, quarantined, records = read_all(path)
    assert {item.record: item.reason for item in quarantined} == {
        2: "missing_account_id",
        3: "missing_ts",
        4: "bad_messages",
        5: "bad_messages",
        6: "missing_request",
        7: "invalid_json",
        8: "not_an_object",
        9: "bad_type",
    }
    assert records == len(lines) == table.num_rows + len(quarantined)
    assert table.num_rows == 2
    # without an envelope timestamp the response's `created` is the time of the exchange
    assert table.column("ts").to_pylist()[1].isoformat() == "2026-02-03T09:14:07+00:00"
    assert all(item.raw for item in quarantined)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [("openai_style.jsonl", "openai"), ("litellm.jsonl", "litellm"), ("otel_genai.jsonl", "otel")],
)
def test_detection_tells_the_formats_apart(sample: str, expected: str) -> None:
    assert detect_format(DATA / sample).name == expected


def test_canonical_logs_are_not_taken_for_gateway_logs(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "canonical.jsonl", [exchange(i) for i in range(3)])
    assert detect_format(path).name == "canonical"


def _round_trip(tmp_path: Path, exchanges: list[dict], lines: list[bytes], columns: tuple[str, ...]) -> None:
    path = tmp_path / "rendered.jsonl"
    path.write_bytes(b"".join(lines))
    _, table, quarantined, _ = read_all(path, ReadOptions())
    assert quarantined == []
    expected = pa.Table.from_pylist([coerce_exchange(e) for e in exchanges], EXCHANGE_SCHEMA)
    for column in columns:
        assert table.column(column).equals(expected.column(column)), column


def test_openai_rendering_reads_back_to_the_same_columns(tmp_path: Path) -> None:
    exchanges = [exchange(i, n_images=i % 3, logprobs=i % 4 == 0, n=1 + i % 2) for i in range(40)]
    exchanges += list(synthetic_exchanges(200, seed=5))
    lines = list(render_lines(exchanges, "openai"))
    _round_trip(tmp_path, exchanges, lines, CARRIED["openai"])


@pytest.mark.parametrize("system_as_blocks", [False, True])
def test_anthropic_rendering_reads_back_to_the_same_columns(tmp_path: Path, system_as_blocks: bool) -> None:
    exchanges = [
        exchange(i, n=1, logprobs=False, reasoning_text="Let me think." if i % 5 == 0 else None) for i in range(40)
    ]
    exchanges += list(synthetic_exchanges(200, seed=6))
    lines = [
        json.dumps(render_anthropic(e, system_as_blocks=system_as_blocks), default=str).encode() + b"\n"
        for e in exchanges
    ]
    _round_trip(tmp_path, exchanges, lines, CARRIED["anthropic"])


def test_rendered_errors_read_back_as_errors(tmp_path: Path) -> None:
    failed = exchange(1, status=503, response=None, finish_reason=None, input_tokens=0, output_tokens=0)
    for render in (render_openai, render_anthropic):
        path = write_jsonl(tmp_path / "errors.jsonl", [json.loads(json.dumps(render(failed), default=str))])
        _, table, quarantined, _ = read_all(path)
        assert quarantined == []
        assert table.column("status").to_pylist() == [503]
        assert table.column("response").to_pylist() == [None]


def test_bodies_logged_as_json_text_are_read_like_objects(tmp_path: Path) -> None:
    good = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    as_text = {**good, "request": json.dumps(good["request"]), "response": json.dumps(good["response"])}
    broken = {**good, "request": '{"model": "atlas-2", "messages": ['}
    path = write_jsonl(tmp_path / "gateway.jsonl", [good, as_text, broken])
    _, table, quarantined, _ = read_all(path)
    first, second = table.to_pylist()
    assert first == second
    assert [(item.record, item.reason) for item in quarantined] == [(3, "bad_request")]


def test_records_of_an_unexpected_shape_are_quarantined_not_fatal(tmp_path: Path) -> None:
    """A list where a string belongs, or an integer too large for JSON tools, is one bad
    record: it goes to the quarantine with its bytes and the rest of the file is read."""
    good = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])

    def variant(change) -> dict:
        record = json.loads(json.dumps(good))
        change(record)
        return record

    lines = [
        variant(lambda r: r["request"]["messages"][0].update(role=["system"])),
        good,
        variant(lambda r: r["request"]["messages"][1].update(content=[{"type": {"nested": 1}, "text": "hi"}])),
        variant(lambda r: r.update(region=2**70)),
    ]
    path = write_jsonl(tmp_path / "odd.jsonl", lines)
    _, table, quarantined, records = read_all(path)
    assert records == len(lines) == table.num_rows + len(quarantined)
    assert table.num_rows >= 1 and all(item.raw for item in quarantined)
    assert {item.record for item in quarantined} >= {1}
    assert all(item.reason in {"unexpected_shape", "bad_type", "bad_messages"} for item in quarantined)


@pytest.mark.parametrize("compression", [None, "gzip"])
def test_blocks_mapped_in_worker_processes_give_the_same_batches(
    tmp_path: Path, compression: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers read the blocks of a plain file from the file itself, and get those of a
    compressed one from the parent: both give the batches one process gives."""
    monkeypatch.setattr(base, "READ_BYTES", 64 << 10)  # small reads, so the long line below is spooled
    originals = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]
    lines: list = []
    for index in range(6_000):  # about 22 MB: three blocks
        record = json.loads(json.dumps(originals[index % len(originals)]))
        record["request_id"] = f"req-{index}"
        if index % 997 == 5:
            record["request"]["messages"] = [{"role": ["user"], "content": "hi"}]  # quarantined
        if index == 2_500:
            record["request"]["messages"][0]["content"] = "x" * 300_000  # over the limit below: spooled
        lines.append(b'{"cut": \n' if index % 1999 == 7 else record)
    (tmp_path / "input").mkdir()
    path = copy_as(write_jsonl(tmp_path / "big.jsonl", lines), tmp_path / "input", compression)

    def read(processes: int):
        options = ReadOptions(batch_rows=4_096, processes=processes, run_id="r", max_record_bytes=200_000)
        reader = reader_for(path, "openai", options)
        batches = list(reader.read(path))
        table = pa.concat_tables([batch.table for batch in batches])
        quarantined = [(q.record, q.reason, q.detail, q.raw) for batch in batches for q in batch.quarantined]
        return table, quarantined, sum(batch.records for batch in batches), len(batches)

    alone, together = read(1), read(2)
    assert alone[3] >= 3  # several blocks, so the workers really shared the file
    assert together[0].equals(alone[0]) and together[1] == alone[1] and together[2] == alone[2] == len(lines)
    assert {reason for _, reason, _, _ in alone[1]} == {"invalid_json", "unexpected_shape", "record_too_large"}
    assert [record for record, reason, _, _ in alone[1] if reason == "record_too_large"] == [2_501]
