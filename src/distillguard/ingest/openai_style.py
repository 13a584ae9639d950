"""Reader for gateway logs that keep each call's request and response body (OpenAI or Anthropic shape).

One JSON object per line: an *envelope* of metadata around the request body and the response
body as the API received and returned them. Both body shapes are understood, and told apart by
their content rather than by a flag:

- OpenAI Chat Completions: ``messages`` with roles system/developer/user/assistant/tool,
  content as text or content parts (``text``, ``image_url``, ...), ``tools``/``functions``,
  assistant ``tool_calls``, ``n``, ``logprobs``/``top_logprobs``, ``stream``, ``temperature``,
  ``top_p``, ``max_tokens``/``max_completion_tokens``, ``reasoning_effort``; the response's
  ``choices[].message`` (``content``, ``reasoning_content``), ``finish_reason`` and ``usage``.
  Legacy completions (``prompt``) and the Responses API (``input``, ``instructions``,
  ``output``) are read too.
- Anthropic Messages: top-level ``system`` (text or blocks), content blocks ``text``,
  ``image``, ``tool_use``, ``tool_result``, ``thinking``, ``thinking: {type: enabled}``,
  ``tools``, ``stop_sequences``; the response's ``content`` blocks (``text``, ``thinking``,
  ``redacted_thinking``, ``tool_use``), ``stop_reason`` and ``usage``.

The envelope (first key present wins; keys not listed here are kept in ``extra``):

==================  ===========================================================================
column              envelope keys
==================  ===========================================================================
``ts``              ``timestamp``, ``ts``, ``time``, ``created_at``, ``start_time``,
                    ``@timestamp``; else the response's ``created`` (epoch seconds)
``exchange_id``     ``request_id``, ``exchange_id``, ``id``; else the response's ``id``
``account_id``      ``account_id``, ``organization_id``, ``org_id``, ``organization``
                    (also inside an envelope ``metadata`` object)
``api_key_id``      ``api_key_id``, ``key_id``, ``api_key_hash``
``end_user_id``     ``end_user_id``, ``end_user``, ``user``; else the request's ``user``,
                    ``safety_identifier`` or ``metadata.user_id``
``client_ip``       ``client_ip``, ``ip``, ``remote_addr``, ``source_ip``
``user_agent``      ``user_agent``, ``ua``
``status``          ``status``, ``status_code``, ``http_status`` (a number, or ``success``/``ok``/
                    ``error``/``failure``); else from an error body
``latency_ms``      ``latency_ms``, ``duration_ms``
``surface``         ``surface``, ``channel``
``conversation_id`` ``conversation_id``, ``session_id``, ``thread_id``; else the request's
                    ``metadata.conversation_id``
``asn``             ``asn``
``model``           the request's ``model``; else the envelope's, else the response's
bodies              ``request`` / ``request_body`` / ``body``; ``response`` / ``response_body``
                    (objects, or the JSON text of one)
==================  ===========================================================================

How the conversation maps (see :func:`summarize_messages`): ``prompt`` is the text of the
last *human* user message, one with text or images: an Anthropic user message holding only
``tool_result`` blocks is tool output, not a turn, like an OpenAI ``tool`` message.
``turn`` counts the human user messages before it; ``context_chars`` counts the characters
of every other message (text, tool-call arguments, tool results, thinking) plus the system
text. Input tokens include cached input tokens (Anthropic reports them apart; the split is
kept in ``extra``). A missing response maps what the request says; an error body sets
``status`` (from the envelope, else the error's code or type) and ``extra.error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from distillguard.errors import RecordError
from distillguard.ingest.base import Reader

_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
_IMAGE_PARTS = frozenset({"image_url", "image", "input_image"})
_MEDIA_PARTS = frozenset({"blob", "uri", "file"})  # OpenTelemetry parts; images by modality
_SYSTEM_ROLES = frozenset({"system", "developer"})

_TS_KEYS = ("timestamp", "ts", "time", "created_at", "start_time", "@timestamp")
_ID_KEYS = ("request_id", "exchange_id", "id")
_ACCOUNT_KEYS = ("account_id", "organization_id", "org_id", "organization")
_API_KEY_KEYS = ("api_key_id", "key_id", "api_key_hash")
_END_USER_KEYS = ("end_user_id", "end_user", "user")
_IP_KEYS = ("client_ip", "ip", "remote_addr", "source_ip")
_UA_KEYS = ("user_agent", "ua")
_STATUS_KEYS = ("status", "status_code", "http_status")
_LATENCY_KEYS = ("latency_ms", "duration_ms")
_SURFACE_KEYS = ("surface", "channel")
_CONVERSATION_KEYS = ("conversation_id", "session_id", "thread_id")
_REQUEST_KEYS = ("request", "request_body", "body")
_RESPONSE_KEYS = ("response", "response_body")
# Envelope key → (column, rank): the first key of each tuple above wins when several are present.
_ENVELOPE: dict[str, tuple[str, int]] = {
    key: (column, rank)
    for column, keys in (
        ("ts", _TS_KEYS),
        ("exchange_id", _ID_KEYS),
        ("account_id", _ACCOUNT_KEYS),
        ("api_key_id", _API_KEY_KEYS),
        ("end_user_id", _END_USER_KEYS),
        ("client_ip", _IP_KEYS),
        ("user_agent", _UA_KEYS),
        ("status", _STATUS_KEYS),
        ("latency_ms", _LATENCY_KEYS),
        ("surface", _SURFACE_KEYS),
        ("conversation_id", _CONVERSATION_KEYS),
        ("asn", ("asn",)),
        ("model", ("model",)),
        ("request", _REQUEST_KEYS),
        ("response", _RESPONSE_KEYS),
    )
    for rank, key in enumerate(keys)
}

_STRUCTURED = (dict, list)
_BODIES = ("request", "response")
# Error types of both APIs as HTTP statuses, for logs that keep the error body but no status.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "insufficient_quota": 429,
    "api_error": 500,
    "server_error": 500,
    "overloaded_error": 529,
}
_WORD_STATUS = {"success": 200, "ok": 200, "error": 500, "failure": 500, "failed": 500}
# Request fields worth keeping that have no column.
_REQUEST_EXTRA = (
    "reasoning_effort",
    "top_logprobs",
    "tool_choice",
    "response_format",
    "seed",
    "top_k",
    "service_tier",
    "stop_sequences",
    "stop",
)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value is not None:
            return value
    return None


def _json_chars(value: Any) -> int:
    """Characters a structured value (tool arguments, tool results) adds to the context."""
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    return len(orjson.dumps(value, default=str).decode())


def _part_text(part: dict[str, Any]) -> Any:
    """A text part's text (``content`` in the OpenTelemetry and Responses shapes)."""
    text = part.get("text")
    return part.get("content") if text is None else text


def _measure(content: Any) -> tuple[int, int, bool]:
    """``(characters, images, is_human)`` of a message's content.

    ``is_human`` says whether the content carries text or images of its own rather than only
    tool results.
    """
    if content is None:
        return 0, 0, False
    if isinstance(content, str):
        return len(content), 0, True
    if isinstance(content, dict):
        content = [content]
    elif not isinstance(content, list):
        raise RecordError("bad_messages", f"message content is {type(content).__name__}, not text or parts")
    chars = images = 0
    human = False
    for part in content:
        if isinstance(part, str):
            chars += len(part)
            human = True
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in _TEXT_PARTS:
            text = _part_text(part)
            chars += len(text) if isinstance(text, str) else 0
            human = True
        elif kind in _IMAGE_PARTS:
            images += 1
            human = True
        elif kind in _MEDIA_PARTS:
            mime = part.get("mime_type")
            if part.get("modality") == "image" or (isinstance(mime, str) and mime.startswith("image/")):
                images += 1
            human = True
        elif kind == "tool_result":
            inner_chars, inner_images, _ = _measure(part.get("content"))
            chars += inner_chars
            images += inner_images
        elif kind == "tool_call_response":
            chars += _json_chars(part["response"] if "response" in part else part.get("result"))
        elif kind in ("tool_use", "tool_call", "server_tool_call"):
            name = part.get("name")
            chars += (len(name) if isinstance(name, str) else 0) + _json_chars(
                part["input"] if "input" in part else part.get("arguments")
            )
        elif kind == "thinking":
            chars += _json_chars(part.get("thinking"))
        elif kind == "reasoning":
            chars += _json_chars(part.get("content"))
    return chars, images, human


def _texts(content: Any) -> list[str]:
    if content.__class__ is str:
        return [content]
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    texts = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type") in _TEXT_PARTS:
            text = _part_text(part)
            if isinstance(text, str):
                texts.append(text)
    return texts


def content_text(content: Any) -> str:
    """The text of a message's content: the string itself, or its text parts joined by newlines.

    >>> content_text([{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}])
    'a\\nb'
    """
    if content.__class__ is str:
        return content
    return "\n".join(_texts(content))


def _message_extra_chars(message: dict[str, Any]) -> int:
    """Characters outside the content: OpenAI tool calls, legacy function calls, reasoning."""
    chars = 0
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                chars += _json_chars(function.get("name")) + _json_chars(function.get("arguments"))
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        chars += _json_chars(function_call.get("name")) + _json_chars(function_call.get("arguments"))
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str):
        chars += len(reasoning)
    return chars


def summarize_messages(messages: Any, system: Any = None) -> dict[str, Any]:
    """The canonical conversation columns of a request's messages (any of the shapes above).

    ``system`` is a system prompt given beside the messages (Anthropic ``system``, Responses
    ``instructions``, OpenTelemetry ``gen_ai.system_instructions``): text or text parts.

    >>> summary = summarize_messages(
    ...     [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
    ...      {"role": "user", "content": [{"type": "text", "text": "Describe"}, {"type": "image_url"}]}],
    ...     system="Be brief.")
    >>> summary["prompt"], summary["turn"], summary["context_chars"], summary["n_images"]
    ('Describe', 1, 17, 1)
    """
    if not isinstance(messages, list):
        raise RecordError("bad_messages", f"messages is {type(messages).__name__}, not a list")
    system_texts = []
    context_chars = 0
    if system is not None:
        text = content_text(system)
        if text:
            system_texts.append(text)
        context_chars = len(text)
    n_images = humans = 0
    prompt_content: Any = None
    for index, message in enumerate(messages):
        if message.__class__ is not dict:
            raise RecordError("bad_messages", f"message {index} is {type(message).__name__}, not an object")
        content = message.get("content")
        if content is None:
            content = message.get("parts")  # the OpenTelemetry message shape
        if content.__class__ is str:
            chars, images, human = len(content), 0, True
        else:
            chars, images, human = _measure(content)
        if "tool_calls" in message or "function_call" in message or "reasoning_content" in message:
            chars += _message_extra_chars(message)
        context_chars += chars
        n_images += images
        role = message.get("role")
        if role == "user":
            if human:
                humans += 1
                prompt_content = content
        elif role in _SYSTEM_ROLES:
            text = content_text(content)
            if text:
                system_texts.append(text)
    # The prompt is the last human user message; its text is not context, whatever else it holds is.
    prompt = ""
    if humans:
        texts = _texts(prompt_content)
        prompt = "\n".join(texts)
        context_chars -= sum(map(len, texts))
    return {
        "system": "\n".join(system_texts) if system_texts else None,
        "prompt": prompt,
        "turn": max(humans - 1, 0),
        "context_chars": context_chars,
        "n_images": n_images,
    }


def tool_names(tools: Any) -> list[str]:
    """Names of the tools a request offers, in any of the OpenAI, Anthropic or OTel shapes.

    >>> tool_names([{"type": "function", "function": {"name": "get_weather"}},
    ...             {"name": "bash", "input_schema": {}}, {"type": "code_interpreter"}])
    ['get_weather', 'bash', 'code_interpreter']
    """
    if not isinstance(tools, list):
        return []
    names = []
    for tool in tools:
        if not isinstance(tool, dict):
            continue
        function = tool.get("function")
        name = function.get("name") if isinstance(function, dict) else None
        if name is None:
            name = tool.get("name") or tool.get("type")
        if isinstance(name, str):
            names.append(name)
    return names


def _reasoning_requested(request: dict[str, Any]) -> bool:
    effort = request.get("reasoning_effort")
    if effort is not None:
        return effort != "none"
    reasoning = request.get("reasoning")  # Responses API: {"effort": ...}
    if isinstance(reasoning, dict):
        return reasoning.get("effort") not in (None, "none")
    thinking = request.get("thinking")  # Anthropic: {"type": "enabled", "budget_tokens": ...}
    if isinstance(thinking, dict):
        return thinking.get("type") not in (None, "disabled")
    return False


def map_request(request: Any, row: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fill ``row`` with what a request body says: conversation, tools and sampling settings."""
    if not isinstance(request, dict):
        raise RecordError("bad_request", f"request is {type(request).__name__}, not an object")
    messages = request.get("messages")
    system = request.get("system")
    if messages is None:
        messages = request.get("input")  # Responses API
        system = request.get("instructions")
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
    if messages is None:
        prompt = request.get("prompt")  # legacy completions
        if isinstance(prompt, list) and all(isinstance(item, str) for item in prompt):
            prompt = "\n".join(prompt)
        if not isinstance(prompt, str):
            raise RecordError("missing_messages", "request has no messages, input or prompt")
        messages = [{"role": "user", "content": prompt}]
    row.update(summarize_messages(messages, system))
    if request.get("model") is not None:  # what the caller asked for wins over a gateway's label
        row["model"] = request["model"]
    row["temperature"] = request.get("temperature")
    row["top_p"] = request.get("top_p")
    max_tokens = request.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = request.get("max_tokens")
        if max_tokens is None:
            max_tokens = request.get("max_output_tokens")
    row["max_tokens"] = max_tokens
    row["n"] = request.get("n")
    row["stream"] = bool(request.get("stream"))
    logprobs = request.get("logprobs")
    row["logprobs"] = logprobs is True or (type(logprobs) is int and logprobs > 0) or bool(request.get("top_logprobs"))
    row["reasoning"] = _reasoning_requested(request)
    tools = tool_names(request.get("tools"))
    functions = request.get("functions")
    if functions is not None:
        tools.extend(tool_names(functions))
    row["tools"] = tools
    for key in _REQUEST_EXTRA:
        value = request.get(key)
        if value is not None:
            extra[key] = value
    thinking = request.get("thinking")
    if isinstance(thinking, dict) and "budget_tokens" in thinking:
        extra["thinking_budget_tokens"] = thinking["budget_tokens"]
    if row.get("end_user_id") is None:
        user = request.get("user")
        if user is None:
            user = request.get("safety_identifier")
        metadata = request.get("metadata")
        if user is None and isinstance(metadata, dict):
            user = metadata.get("user_id")
        row["end_user_id"] = user
    if row.get("conversation_id") is None:
        metadata = request.get("metadata")
        if isinstance(metadata, dict):
            row["conversation_id"] = metadata.get("conversation_id")


def _error_status(error: Any) -> int:
    if isinstance(error, dict):
        code = error.get("code")
        if isinstance(code, int) and 100 <= code <= 599:
            return code
        if isinstance(code, str) and code.isdigit():
            return int(code)
        for key in ("type", "code"):
            name = error.get(key)
            status = _ERROR_STATUS.get(name) if isinstance(name, str) else None
            if status is not None:
                return status
    return 500


def _error_summary(error: Any) -> Any:
    if isinstance(error, dict):
        return {key: error[key] for key in ("type", "code", "message") if error.get(key) is not None}
    return error


def _join(texts: list[str]) -> str | None:
    return "\n".join(texts) if texts else None


def map_output_blocks(blocks: list[Any], row: dict[str, Any], extra: dict[str, Any]) -> None:
    """Anthropic content blocks, Responses output items or OTel parts of one response."""
    texts: list[str] = []
    thoughts: list[str] = []
    calls: list[str] = []
    redacted = 0
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind in _TEXT_PARTS:
            text = _part_text(block)
            if isinstance(text, str):
                texts.append(text)
        elif kind == "thinking":
            if isinstance(block.get("thinking"), str):
                thoughts.append(block["thinking"])
        elif kind == "redacted_thinking":
            redacted += 1
        elif kind == "reasoning":
            content = block.get("content")  # OTel reasoning part
            if isinstance(content, str):
                thoughts.append(content)
            elif isinstance(block.get("summary"), list):  # Responses API reasoning item
                summary = [part for part in block["summary"] if isinstance(part, dict)]
                thoughts.extend(part["text"] for part in summary if isinstance(part.get("text"), str))
        elif kind in ("tool_use", "tool_call", "function_call", "server_tool_use"):
            if isinstance(block.get("name"), str):
                calls.append(block["name"])
        elif kind == "message":  # Responses API output item
            texts.append(content_text(block.get("content")))
    row["response"] = _join(texts)
    row["reasoning_text"] = _join(thoughts)
    if calls:
        extra["response_tool_calls"] = calls
    if redacted:
        extra["redacted_thinking_blocks"] = redacted


def map_choices(choices: list[Any], row: dict[str, Any], extra: dict[str, Any]) -> None:
    """OpenAI choices: the first is the response; the others are counted."""
    if len(choices) > 1:
        extra["choices"] = len(choices)
    if not choices or not isinstance(choices[0], dict):
        return
    choice = choices[0]
    row["finish_reason"] = choice.get("finish_reason")
    message = choice.get("message")
    if not isinstance(message, dict):
        text = choice.get("text")  # legacy completions
        row["response"] = text if isinstance(text, str) else None
        return
    content = message.get("content")
    row["response"] = content_text(content) if content is not None else None
    reasoning = message.get("reasoning_content")
    if reasoning is None:
        reasoning = message.get("reasoning")
    if reasoning is None and isinstance(message.get("thinking_blocks"), list):
        reasoning = _join([b.get("thinking", "") for b in message["thinking_blocks"] if isinstance(b, dict)])
    row["reasoning_text"] = reasoning if isinstance(reasoning, str) else None
    calls = message.get("tool_calls")
    if isinstance(calls, list) and calls:
        extra["response_tool_calls"] = [
            call["function"].get("name")
            for call in calls
            if isinstance(call, dict) and isinstance(call.get("function"), dict)
        ]


def map_usage(usage: Any, row: dict[str, Any], extra: dict[str, Any]) -> None:
    """Token counts of an OpenAI or Anthropic ``usage`` object."""
    if not isinstance(usage, dict):
        return
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        row["input_tokens"] = usage.get("prompt_tokens")
        row["output_tokens"] = usage.get("completion_tokens")
        details = usage.get("completion_tokens_details")
    else:
        input_tokens = usage.get("input_tokens")
        cache_read = usage.get("cache_read_input_tokens")
        cache_write = usage.get("cache_creation_input_tokens")
        if cache_read or cache_write:
            extra["cache_read_input_tokens"] = cache_read
            extra["cache_creation_input_tokens"] = cache_write
            if isinstance(input_tokens, int):
                input_tokens += (cache_read or 0) + (cache_write or 0)
        row["input_tokens"] = input_tokens
        row["output_tokens"] = usage.get("output_tokens")
        details = usage.get("output_tokens_details")
    if isinstance(details, dict):
        row["reasoning_tokens"] = details.get("reasoning_tokens")


def map_response(response: Any, row: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fill ``row`` with what a response body says; an error body sets ``status``."""
    if response is None:
        return
    if isinstance(response, str):
        row["response"] = response
        return
    if not isinstance(response, dict):
        raise RecordError("bad_response", f"response is {type(response).__name__}, not an object")
    error = response.get("error")
    if error is not None or response.get("type") == "error":
        extra["error"] = _error_summary(error)
        if row.get("status") is None:
            row["status"] = _error_status(error)
        return
    choices = response.get("choices")
    if isinstance(choices, list):
        map_choices(choices, row, extra)
    elif isinstance(response.get("content"), list):
        map_output_blocks(response["content"], row, extra)
        row["finish_reason"] = response.get("stop_reason")
    elif isinstance(response.get("output"), list):
        map_output_blocks(response["output"], row, extra)
        row["finish_reason"] = response.get("status")
    map_usage(response.get("usage"), row, extra)
    model = response.get("model")
    if model is not None and model != row.get("model"):
        if row.get("model") is None:
            row["model"] = model
        else:
            extra["response_model"] = model


def _body(value: Any, what: str) -> Any:
    """A body as logged: an object, or the JSON text of one (gateways that keep raw bodies)."""
    if isinstance(value, str | bytes) and value[:1] in ("{", b"{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RecordError(f"bad_{what}", f"{what} body is text that is not valid JSON") from None
    return value


def map_exchange(record: dict[str, Any]) -> dict[str, Any]:
    """Map one envelope (metadata + request + response) to a canonical record."""
    row: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    ranks: dict[str, int] = {}
    # One pass over the envelope's keys: each known key fills its column, the rest are extra.
    for key, value in record.items():
        target = _ENVELOPE.get(key)
        if target is None:
            extra[key] = value
        elif value is not None:
            column, rank = target
            if value.__class__ in _STRUCTURED and column not in _BODIES:
                extra[key] = value  # structured where a column wants one value (a `user` object)
            elif column not in row or rank < ranks[column]:
                row[column] = value
                ranks[column] = rank
    request = _body(row.pop("request", None), "request")
    response = _body(row.pop("response", None), "response")
    metadata = record.get("metadata")
    if row.get("account_id") is None and isinstance(metadata, dict):
        row["account_id"] = _first(metadata, _ACCOUNT_KEYS)
    if request is None:
        raise RecordError("missing_request", "record has no request body (request, request_body or body)")
    map_request(request, row, extra)
    if response is None:
        extra["response_missing"] = True
    else:
        map_response(response, row, extra)
        if isinstance(response, dict):
            if row.get("ts") is None:
                row["ts"] = response.get("created")
            if row.get("exchange_id") is None:
                row["exchange_id"] = response.get("id")
    status = row.get("status")
    if isinstance(status, str) and not status.isdigit():
        row["status"] = _WORD_STATUS.get(status.lower(), status)
    latency = row.get("latency_ms")
    if isinstance(latency, float):
        row["latency_ms"] = round(latency)
    row["extra"] = extra
    return row


class OpenAIStyle(Reader):
    """Gateway logs holding each call's request and response body, OpenAI or Anthropic shaped.

    >>> reader = OpenAIStyle()
    >>> [row] = reader.map_record({
    ...     "ts": "2026-02-01T10:00:00Z", "account_id": "org_1",
    ...     "request": {"model": "m", "messages": [{"role": "user", "content": "Hi"}]},
    ...     "response": {"choices": [{"message": {"content": "Hello"}, "finish_reason": "stop"}]}})
    >>> row["prompt"], row["response"], row["finish_reason"]
    ('Hi', 'Hello', 'stop')
    """

    name = "openai"
    description = "OpenAI-style gateway logs: request and response bodies (Chat Completions or Anthropic Messages)"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        if not isinstance(first, dict):
            return False
        request = _first(first, _REQUEST_KEYS)
        return isinstance(request, dict) and ("messages" in request or "input" in request or "prompt" in request)

    def map_record(self, record: Any) -> list[dict[str, Any]]:
        if not isinstance(record, dict):
            raise RecordError("not_an_object", f"line is JSON {type(record).__name__}, not an object")
        return [map_exchange(record)]
