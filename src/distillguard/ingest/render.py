"""Render canonical exchanges as the log formats distillguard reads, for round-trip tests and benchmarks.

Each renderer turns one canonical exchange (a dict keyed by EXCHANGE_SCHEMA columns) into the
record a real gateway, LiteLLM or an OpenTelemetry collector would have written for that
call. Conversation history that the canonical row only summarises (``turn`` prior user
messages, ``context_chars`` characters of context) is made up as filler messages of the right
number and length, so reading the rendering back gives the same columns. ``CARRIED`` lists,
per format, the columns a round trip preserves; the rest have no place in that format. (An
exchange whose ``context_chars`` is below its system prompt's length cannot be rendered
faithfully; its history is left empty.)

Everything is deterministic: the same exchange always renders to the same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import xxhash

from distillguard.schema import parse_timestamp

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_FILLER = "Earlier in this conversation we went over the details step by step. " * 4

_COMMON = (
    "ts",
    "account_id",
    "model",
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
    "stream",
    "reasoning",
    "response",
    "finish_reason",
    "input_tokens",
    "output_tokens",
    "status",
    "latency_ms",
)
_ENVELOPE = ("exchange_id", "api_key_id", "end_user_id", "surface", "client_ip", "asn", "user_agent")
# Columns each format carries through render → read; the others have no place in it.
CARRIED: dict[str, tuple[str, ...]] = {
    "openai": (*_COMMON, *_ENVELOPE, "n", "logprobs", "reasoning_text", "reasoning_tokens"),
    "anthropic": (*_COMMON, *_ENVELOPE, "reasoning_text"),
    "litellm": (
        *_COMMON,
        "exchange_id",
        "api_key_id",
        "end_user_id",
        "client_ip",
        "user_agent",
        "n",
        "logprobs",
        "reasoning_text",
        "reasoning_tokens",
    ),
    "otel": (*_COMMON, "end_user_id", "client_ip", "user_agent", "n", "logprobs", "reasoning_text", "reasoning_tokens"),
    "otel_old_events": (*_COMMON, "end_user_id", "client_ip", "user_agent", "n", "logprobs", "reasoning_tokens"),
    "otel_old_attributes": (*_COMMON, "end_user_id", "client_ip", "user_agent", "n", "logprobs", "reasoning_tokens"),
}


def _time(exchange: dict[str, Any]) -> datetime:
    return parse_timestamp(exchange["ts"])


def _epoch_micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _history(exchange: dict[str, Any]) -> list[tuple[str, str]]:
    """``(role, text)`` of made-up earlier messages: ``turn`` user/assistant pairs whose text,
    with the system prompt, adds up to ``context_chars``."""
    turn = int(exchange.get("turn") or 0)
    budget = max(0, int(exchange.get("context_chars") or 0) - len(exchange.get("system") or ""))
    roles = ["user", "assistant"] * turn
    if not roles and budget:
        roles = ["assistant"]  # context without earlier user turns, e.g. a prefilled exchange
    if not roles:
        return []
    share, rest = divmod(budget, len(roles))
    history = []
    for index, role in enumerate(roles):
        size = share + (rest if index == len(roles) - 1 else 0)
        text = (_FILLER * (size // len(_FILLER) + 1))[:size]
        history.append((role, text))
    return history


def _hash(value: Any) -> str:
    return xxhash.xxh3_64_hexdigest(str(value).encode())


def _image_url(index: int) -> str:
    return f"https://images.example.com/upload/{index}.png"


# --- OpenAI Chat Completions --------------------------------------------------------------


def _openai_messages(exchange: dict[str, Any]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if exchange.get("system"):
        messages.append({"role": "system", "content": exchange["system"]})
    messages.extend({"role": role, "content": text} for role, text in _history(exchange))
    images = int(exchange.get("n_images") or 0)
    if images:
        parts: list[dict[str, Any]] = [{"type": "text", "text": exchange["prompt"]}]
        parts.extend(
            {"type": "image_url", "image_url": {"url": _image_url(i), "detail": "auto"}} for i in range(images)
        )
        messages.append({"role": "user", "content": parts})
    else:
        messages.append({"role": "user", "content": exchange["prompt"]})
    return messages


def _openai_request(exchange: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"model": exchange["model"], "messages": _openai_messages(exchange)}
    for key in ("temperature", "top_p"):
        if exchange.get(key) is not None:
            request[key] = exchange[key]
    if exchange.get("max_tokens") is not None:
        request["max_completion_tokens"] = exchange["max_tokens"]
    if (exchange.get("n") or 1) != 1:
        request["n"] = exchange["n"]
    if exchange.get("stream"):
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    if exchange.get("logprobs"):
        request["logprobs"] = True
        request["top_logprobs"] = 5
    if exchange.get("reasoning"):
        request["reasoning_effort"] = "medium"
    if exchange.get("tools"):
        request["tools"] = [
            {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}
            for name in exchange["tools"]
        ]
    return request


def _openai_response(exchange: dict[str, Any], moment: datetime) -> dict[str, Any]:
    status = int(exchange.get("status") or 200)
    if status >= 400:
        return {"error": {"message": "The request failed.", "type": "server_error", "code": None}}
    message: dict[str, Any] = {"role": "assistant", "content": exchange.get("response")}
    if exchange.get("reasoning_text") is not None:
        message["reasoning_content"] = exchange["reasoning_text"]
    choices = [
        {"index": index, "message": message, "finish_reason": exchange.get("finish_reason"), "logprobs": None}
        for index in range(int(exchange.get("n") or 1))
    ]
    return {
        "id": "chatcmpl-" + _hash(exchange.get("exchange_id")),
        "object": "chat.completion",
        "created": int(moment.timestamp()),
        "model": exchange["model"],
        "choices": choices,
        "usage": {
            "prompt_tokens": exchange.get("input_tokens") or 0,
            "completion_tokens": exchange.get("output_tokens") or 0,
            "total_tokens": (exchange.get("input_tokens") or 0) + (exchange.get("output_tokens") or 0),
            "completion_tokens_details": {"reasoning_tokens": exchange.get("reasoning_tokens") or 0},
        },
    }


def _envelope(exchange: dict[str, Any], moment: datetime) -> dict[str, Any]:
    return {
        "timestamp": _iso(moment),
        "request_id": exchange.get("exchange_id"),
        "organization_id": exchange["account_id"],
        "api_key_id": exchange.get("api_key_id"),
        "end_user_id": exchange.get("end_user_id"),
        "surface": exchange.get("surface"),
        "client_ip": exchange.get("client_ip"),
        "asn": exchange.get("asn"),
        "user_agent": exchange.get("user_agent"),
        "conversation_id": exchange.get("conversation_id"),
        "status": int(exchange.get("status") or 200),
        "latency_ms": exchange.get("latency_ms"),
    }


def render_openai(exchange: dict[str, Any]) -> dict[str, Any]:
    """One gateway log record with an OpenAI Chat Completions request and response.

    >>> record = render_openai({"ts": "2026-02-01T10:00:00Z", "account_id": "org-1", "model": "m",
    ...                         "prompt": "Hi", "turn": 1, "context_chars": 10})
    >>> [m["role"] for m in record["request"]["messages"]], record["timestamp"]
    (['user', 'assistant', 'user'], '2026-02-01T10:00:00Z')
    """
    moment = _time(exchange)
    return {
        **_envelope(exchange, moment),
        "request": _openai_request(exchange),
        "response": _openai_response(exchange, moment),
    }


# --- Anthropic Messages -------------------------------------------------------------------


def render_anthropic(exchange: dict[str, Any], *, system_as_blocks: bool = False) -> dict[str, Any]:
    """One gateway log record with an Anthropic Messages request and response.

    ``system_as_blocks`` writes the system prompt as text blocks instead of a string.
    """
    moment = _time(exchange)
    messages: list[dict[str, Any]] = [
        {"role": role, "content": [{"type": "text", "text": text}]} for role, text in _history(exchange)
    ]
    content: list[dict[str, Any]] = [{"type": "text", "text": exchange["prompt"]}]
    content.extend(
        {"type": "image", "source": {"type": "url", "url": _image_url(i)}}
        for i in range(int(exchange.get("n_images") or 0))
    )
    messages.append({"role": "user", "content": content})
    request: dict[str, Any] = {"model": exchange["model"]}
    if exchange.get("max_tokens") is not None:  # the API requires it; logs of a gateway that fills it in may not
        request["max_tokens"] = exchange["max_tokens"]
    if exchange.get("system"):
        system = exchange["system"]
        request["system"] = (
            [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}] if system_as_blocks else system
        )
    request["messages"] = messages
    for key in ("temperature", "top_p"):
        if exchange.get(key) is not None:
            request[key] = exchange[key]
    if exchange.get("stream"):
        request["stream"] = True
    if exchange.get("reasoning"):
        request["thinking"] = {"type": "enabled", "budget_tokens": 2048}
    if exchange.get("tools"):
        request["tools"] = [
            {"name": name, "description": f"The {name} tool.", "input_schema": {"type": "object", "properties": {}}}
            for name in exchange["tools"]
        ]
    status = int(exchange.get("status") or 200)
    response: dict[str, Any]
    if status >= 400:
        response = {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}
    else:
        blocks: list[dict[str, Any]] = []
        if exchange.get("reasoning_text") is not None:
            blocks.append({"type": "thinking", "thinking": exchange["reasoning_text"], "signature": "c2lnbmF0dXJl"})
        if exchange.get("response") is not None:
            blocks.append({"type": "text", "text": exchange["response"]})
        response = {
            "id": "msg_" + _hash(exchange.get("exchange_id")),
            "type": "message",
            "role": "assistant",
            "model": exchange["model"],
            "content": blocks,
            "stop_reason": exchange.get("finish_reason"),
            "stop_sequence": None,
            "usage": {
                "input_tokens": exchange.get("input_tokens") or 0,
                "output_tokens": exchange.get("output_tokens") or 0,
            },
        }
    return {**_envelope(exchange, moment), "request": request, "response": response}


# --- LiteLLM ------------------------------------------------------------------------------


def render_litellm(exchange: dict[str, Any]) -> dict[str, Any]:
    """One LiteLLM StandardLoggingPayload, as LiteLLM's logging callbacks write it."""
    moment = _time(exchange)
    start = _epoch_micros(moment) / 1e6
    end = start + (exchange.get("latency_ms") or 0) / 1000
    request = _openai_request(exchange)
    status = int(exchange.get("status") or 200)
    failed = status >= 400
    parameters = {key: value for key, value in request.items() if key not in ("model", "messages", "stream_options")}
    parameters.pop("stream", None)
    metadata = {
        "user_api_key_hash": exchange.get("api_key_id"),
        "user_api_key_alias": None,
        "user_api_key_org_id": exchange["account_id"],
        "user_api_key_team_id": "team-" + str(exchange["account_id"]),
        "user_api_key_user_id": None,
        "user_api_key_end_user_id": exchange.get("end_user_id"),
        "requester_ip_address": exchange.get("client_ip"),
        "user_agent": exchange.get("user_agent"),
        "spend_logs_metadata": None,
        "requester_metadata": {},
    }
    return {
        "id": exchange.get("exchange_id"),
        "trace_id": _hash(exchange.get("exchange_id")),
        "session_id": exchange.get("conversation_id"),
        "call_type": "acompletion",
        "stream": bool(exchange.get("stream")),
        "response_cost": 0.0,
        "status": "failure" if failed else "success",
        "custom_llm_provider": "openai",
        "total_tokens": (exchange.get("input_tokens") or 0) + (exchange.get("output_tokens") or 0),
        "prompt_tokens": exchange.get("input_tokens") or 0,
        "completion_tokens": exchange.get("output_tokens") or 0,
        "startTime": start,
        "endTime": end,
        "completionStartTime": end,
        "response_time": end - start,
        "model": exchange["model"],
        "model_id": "deployment-1",
        "model_group": exchange["model"],
        "api_base": "https://api.example.com/v1",
        "metadata": metadata,
        "cache_hit": False,
        "cache_key": None,
        "saved_cache_cost": 0.0,
        "request_tags": [],
        "end_user": exchange.get("end_user_id"),
        "requester_ip_address": exchange.get("client_ip"),
        "user_agent": exchange.get("user_agent"),
        "messages": request["messages"],
        "response": {} if failed else _openai_response(exchange, moment),
        "error_str": "litellm.InternalServerError: upstream failed" if failed else None,
        "error_information": {"error_code": str(status), "error_class": "InternalServerError"} if failed else None,
        "model_parameters": parameters,
        "hidden_params": {"model_id": "deployment-1", "api_base": "https://api.example.com/v1"},
    }


# --- OpenTelemetry ------------------------------------------------------------------------


def _any(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_any(item) for item in value]}}
    return {"stringValue": value}


def _attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": _any(value)} for key, value in values.items() if value is not None]


def otel_ids(exchange: dict[str, Any]) -> tuple[str, str]:
    """The trace and span id a rendering gives an exchange (the reader's id is ``trace-span``)."""
    trace_id = xxhash.xxh3_128_hexdigest(str(exchange.get("conversation_id") or exchange.get("exchange_id")).encode())
    return trace_id, _hash(exchange.get("exchange_id"))


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _current_content(exchange: dict[str, Any], attributes: dict[str, Any]) -> None:
    messages: list[dict[str, Any]] = [
        {"role": role, "parts": [{"type": "text", "content": text}]} for role, text in _history(exchange)
    ]
    parts: list[dict[str, Any]] = [{"type": "text", "content": exchange["prompt"]}]
    parts.extend(
        {"type": "uri", "modality": "image", "mime_type": "image/png", "uri": _image_url(i)}
        for i in range(int(exchange.get("n_images") or 0))
    )
    messages.append({"role": "user", "parts": parts})
    if exchange.get("system"):
        attributes["gen_ai.system_instructions"] = _json_text([{"type": "text", "content": exchange["system"]}])
    attributes["gen_ai.input.messages"] = _json_text(messages)
    if exchange.get("tools"):
        attributes["gen_ai.tool.definitions"] = _json_text(
            [{"type": "function", "name": name, "parameters": {"type": "object"}} for name in exchange["tools"]]
        )
    if int(exchange.get("status") or 200) < 400:
        output: list[dict[str, Any]] = []
        if exchange.get("reasoning_text") is not None:
            output.append({"type": "reasoning", "content": exchange["reasoning_text"]})
        if exchange.get("response") is not None:
            output.append({"type": "text", "content": exchange["response"]})
        outputs = [{"role": "assistant", "parts": output, "finish_reason": exchange.get("finish_reason")}]
        attributes["gen_ai.output.messages"] = _json_text(outputs)


def _old_prompt_content(exchange: dict[str, Any]) -> Any:
    images = int(exchange.get("n_images") or 0)
    if not images:
        return exchange["prompt"]
    parts: list[dict[str, Any]] = [{"type": "text", "text": exchange["prompt"]}]
    parts.extend({"type": "image_url", "image_url": {"url": _image_url(i)}} for i in range(images))
    return parts


def _old_messages(exchange: dict[str, Any]) -> list[tuple[str, Any]]:
    messages: list[tuple[str, Any]] = []
    if exchange.get("system"):
        messages.append(("system", exchange["system"]))
    messages.extend(_history(exchange))
    messages.append(("user", _old_prompt_content(exchange)))
    return messages


def _old_events(exchange: dict[str, Any], start: int) -> list[dict[str, Any]]:
    events = [
        {
            "timeUnixNano": str(start),
            "name": f"gen_ai.{role}.message",
            "attributes": _attributes({"gen_ai.event.content": _json_text({"role": role, "content": content})}),
        }
        for role, content in _old_messages(exchange)
    ]
    if int(exchange.get("status") or 200) < 400:
        choice = {
            "index": 0,
            "finish_reason": exchange.get("finish_reason"),
            "message": {"role": "assistant", "content": exchange.get("response")},
        }
        events.append(
            {
                "timeUnixNano": str(start),
                "name": "gen_ai.choice",
                "attributes": _attributes({"gen_ai.event.content": _json_text(choice)}),
            }
        )
    return events


def _old_attributes(exchange: dict[str, Any], attributes: dict[str, Any]) -> None:
    for index, (role, content) in enumerate(_old_messages(exchange)):
        attributes[f"gen_ai.prompt.{index}.role"] = role
        attributes[f"gen_ai.prompt.{index}.content"] = content if isinstance(content, str) else _json_text(content)
    if int(exchange.get("status") or 200) < 400:
        attributes["gen_ai.completion.0.role"] = "assistant"
        attributes["gen_ai.completion.0.content"] = exchange.get("response")
        attributes["gen_ai.completion.0.finish_reason"] = exchange.get("finish_reason")


_CURRENT_NAMES = {
    "provider": "gen_ai.provider.name",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "reasoning_tokens": "gen_ai.usage.reasoning.output_tokens",
    "conversation": "gen_ai.conversation.id",
}
_OLD_NAMES = {
    "provider": "gen_ai.system",
    "input_tokens": "gen_ai.usage.prompt_tokens",
    "output_tokens": "gen_ai.usage.completion_tokens",
    "reasoning_tokens": "gen_ai.usage.reasoning_tokens",
    "conversation": "session.id",
}


def render_span(exchange: dict[str, Any], convention: str = "current") -> dict[str, Any]:
    """One GenAI client span in OTLP JSON; ``convention`` is ``current``, ``old_events`` or
    ``old_attributes`` (content as span events or as indexed attributes, GenAI conventions up
    to v1.36)."""
    if convention not in ("current", "old_events", "old_attributes"):
        raise ValueError(f"unknown convention {convention!r}")
    start = _epoch_micros(_time(exchange)) * 1000
    end = start + int(exchange.get("latency_ms") or 0) * 1_000_000
    current = convention == "current"
    status = int(exchange.get("status") or 200)
    names = _CURRENT_NAMES if current else _OLD_NAMES
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        names["provider"]: "openai",
        "gen_ai.request.model": exchange["model"],
        "gen_ai.request.temperature": _float(exchange.get("temperature")),
        "gen_ai.request.top_p": _float(exchange.get("top_p")),
        "gen_ai.request.max_tokens": exchange.get("max_tokens"),
        "gen_ai.request.choice.count": exchange["n"] if (exchange.get("n") or 1) != 1 else None,
        "gen_ai.request.stream": True if exchange.get("stream") else None,
        "gen_ai.request.top_logprobs": 5 if exchange.get("logprobs") else None,
        "gen_ai.request.reasoning_effort": "medium" if exchange.get("reasoning") else None,
        "gen_ai.response.model": exchange["model"],
        "gen_ai.response.finish_reasons": [exchange["finish_reason"]] if exchange.get("finish_reason") else None,
        names["input_tokens"]: exchange.get("input_tokens") or 0,
        names["output_tokens"]: exchange.get("output_tokens") or 0,
        names["reasoning_tokens"]: exchange.get("reasoning_tokens"),
        names["conversation"]: exchange.get("conversation_id"),
        "user.id": exchange["account_id"],
        "enduser.id": exchange.get("end_user_id"),
        "client.address": exchange.get("client_ip"),
        "user_agent.original": exchange.get("user_agent"),
        "server.address": "api.example.com",
        "error.type": str(status) if status >= 400 else None,
    }
    events: list[dict[str, Any]] = []
    if current:
        _current_content(exchange, attributes)
    elif convention == "old_events":
        events = _old_events(exchange, start)
    else:
        _old_attributes(exchange, attributes)
    if not current:
        for index, name in enumerate(exchange.get("tools") or []):
            attributes[f"llm.request.functions.{index}.name"] = name
    trace_id, span_id = otel_ids(exchange)
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": f"chat {exchange['model']}",
        "kind": 3,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        "attributes": _attributes(attributes),
        "status": {"code": 2, "message": "upstream error"} if status >= 400 else {},
    }
    if events:
        span["events"] = events
    return span


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def render_otel(spans: Iterable[dict[str, Any]], service: str = "chat-gateway") -> dict[str, Any]:
    """An ``ExportTraceServiceRequest`` holding the given spans (one line of a file export)."""
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes({"service.name": service, "telemetry.sdk.language": "python"})},
                "scopeSpans": [
                    {
                        "scope": {"name": "opentelemetry.instrumentation.openai_v2", "version": "2.1b0"},
                        "spans": list(spans),
                    }
                ],
            }
        ]
    }


FORMATS = ("openai", "anthropic", "litellm", "otel", "otel_old_events", "otel_old_attributes")


def render_lines(exchanges: Iterable[dict[str, Any]], format_name: str, spans_per_line: int = 8) -> Iterator[bytes]:
    """JSON lines of a log in ``format_name`` (one of :data:`FORMATS`) holding the exchanges.

    >>> lines = list(render_lines(synthetic_exchanges(10), "otel", spans_per_line=4))
    >>> len(lines), lines[0][:17]
    (3, b'{"resourceSpans":')
    """
    if format_name.startswith("otel"):
        convention = format_name.removeprefix("otel_") if format_name != "otel" else "current"
        batch: list[dict[str, Any]] = []
        for exchange in exchanges:
            batch.append(render_span(exchange, convention))
            if len(batch) == spans_per_line:
                yield orjson.dumps(render_otel(batch)) + b"\n"
                batch = []
        if batch:
            yield orjson.dumps(render_otel(batch)) + b"\n"
        return
    render = {"openai": render_openai, "anthropic": render_anthropic, "litellm": render_litellm}.get(format_name)
    if render is None:
        raise ValueError(f"unknown format {format_name!r}; use one of {', '.join(FORMATS)}")
    for exchange in exchanges:
        yield orjson.dumps(render(exchange)) + b"\n"


# --- Synthetic exchanges ------------------------------------------------------------------

_TASKS = (
    "Explain how {topic} works to a new engineer, with one worked example.",
    "Write a Python function that {action}. Include type hints and tests.",
    "Summarise the following notes about {topic} in five bullet points.",
    "Translate into Japanese and keep the tone formal: 我们明天讨论{topic}的计划。",
    "Solve step by step and show every intermediate result: {action}.",
    "¿Puedes comparar {topic} con sus alternativas? Responde en español 🙂",
    "ما هي أفضل طريقة لتعلم {topic}؟",
)
_TOPICS = ("B-trees", "TLS handshakes", "gradient descent", "Raft consensus", "CRDTs", "bloom filters", "JIT compilers")
_ACTIONS = ("parses ISO 8601 durations", "merges overlapping intervals", "finds the k largest values in a stream")
_SYSTEMS = (
    None,
    "You are a helpful assistant.",
    "You are an expert software engineer. Answer precisely and concisely.",
)


def synthetic_exchanges(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` varied, self-consistent canonical exchanges (the same seed gives the same ones).

    >>> [e["exchange_id"] for e in synthetic_exchanges(2)]
    ['syn-0-00000000', 'syn-0-00000001']
    """
    rng = random.Random(seed)
    start = datetime(2026, 2, 1, tzinfo=UTC)
    for index in range(count):
        system = rng.choice(_SYSTEMS)
        turn = rng.choice((0, 0, 0, 1, 2, 5))
        reasoning = rng.random() < 0.3
        stream = rng.random() < 0.4
        prompt = rng.choice(_TASKS).format(topic=rng.choice(_TOPICS), action=rng.choice(_ACTIONS))
        prompt += " Context: " + "lorem ipsum dolor sit amet " * rng.randint(0, 40)
        response = "Here is a careful answer. " * rng.randint(5, 80)
        moment = start + timedelta(seconds=index * 0.37, microseconds=rng.randint(0, 999_999))
        yield {
            "exchange_id": f"syn-{seed}-{index:08d}",
            "ts": moment,
            "account_id": f"org-{rng.randint(0, 499):04d}",
            "api_key_id": f"key-{rng.randint(0, 1999):05d}",
            "end_user_id": f"user-{rng.randint(0, 9999)}" if rng.random() < 0.5 else None,
            "surface": "api",
            "model": rng.choice(("atlas-2", "atlas-2-mini", "atlas-2-reasoning")),
            "client_ip": f"203.0.113.{rng.randint(1, 254)}",
            "asn": rng.choice((64500, 64501, 64502)),
            "user_agent": rng.choice(("openai-python/1.82.0", "anthropic-sdk-python/0.52.0", "curl/8.5.0")),
            "conversation_id": f"conv-{index // 3}" if turn else None,
            "turn": turn,
            "system": system,
            "prompt": prompt,
            "context_chars": len(system or "") + turn * rng.randint(50, 600),
            "n_images": rng.choice((0, 0, 0, 0, 1, 2)),
            "tools": rng.choice(([], [], ["web_search"], ["bash", "str_replace_editor"])),
            "temperature": rng.choice((None, 0.0, 0.7, 1.0)),
            "top_p": rng.choice((None, 0.9)),
            "max_tokens": rng.choice((None, 1024, 4096)),
            "n": 1,
            "stream": stream,
            "reasoning": reasoning,
            "logprobs": rng.random() < 0.05,
            "response": response,
            "reasoning_text": "First, consider the question carefully. " * rng.randint(3, 30) if reasoning else None,
            "finish_reason": rng.choice(("stop", "stop", "stop", "length")),
            "input_tokens": rng.randint(20, 4000),
            "output_tokens": rng.randint(50, 3000),
            "reasoning_tokens": rng.randint(100, 2000) if reasoning else 0,
            "status": 200,
            "latency_ms": rng.randint(150, 30_000),
            "extra": "{}",
        }
