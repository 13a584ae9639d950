"""Reader for OpenTelemetry GenAI spans exported as OTLP JSON, one export request per line.

Each line is an ``ExportTraceServiceRequest`` as the collector's file exporter writes it:
``resourceSpans`` → ``scopeSpans`` → ``spans``, attributes as ``[{key, value: AnyValue}]``.
One line holds many spans, and each span is judged on its own:

- a span that is a model call (``gen_ai.operation.name`` ``chat``, ``text_completion``,
  ``generate_content``, or, without an operation name, a span with ``gen_ai.request.model``,
  ``gen_ai.system`` or ``gen_ai.provider.name`` and no ``gen_ai.tool.name``) becomes one
  exchange;
- every other span (HTTP and database spans, ``execute_tool``, ``embeddings``,
  ``invoke_agent``, ``create_agent``) is *skipped*: counted in ``ReadBatch.skipped``, never
  quarantined, because it is not an exchange (agent spans wrap the model calls that are);
- a span that is not shaped as OTLP JSON says (attributes that are not a list, an attribute
  without a key, a time that is not a number) and a model-call span that cannot be mapped (no
  account, no start time, unreadable messages) are quarantined alone, with the line number,
  the reason and the span's own bytes exactly as they are in the line; the line's other spans
  are kept.

So for a file, spans = rows + quarantined + skipped (plus lines quarantined whole when they
are not JSON or not an export request).

Both generations of the GenAI semantic conventions are read:

- current: ``gen_ai.provider.name``, ``gen_ai.usage.input_tokens``/``output_tokens``,
  ``gen_ai.input.messages``, ``gen_ai.output.messages`` and ``gen_ai.system_instructions``
  (JSON with ``parts``), ``gen_ai.tool.definitions``, ``gen_ai.conversation.id``;
- older: ``gen_ai.system``, ``gen_ai.usage.prompt_tokens``/``completion_tokens``, content as
  span events (``gen_ai.system.message``, ``gen_ai.user.message``,
  ``gen_ai.assistant.message``, ``gen_ai.tool.message``, ``gen_ai.choice``, with the body in
  ``gen_ai.event.content`` or flattened; ``gen_ai.content.prompt``/``gen_ai.content.completion``)
  or as attributes ``gen_ai.prompt.N.role``/``content`` and ``gen_ai.completion.N.*``.

The account is the span's (else the resource's) attribute named by
``ReadOptions.account_attribute`` when that is set, else ``user.id``, else ``enduser.id``;
``exchange_id`` is ``{trace id}-{span id}``. Request settings outside the conventions that
instrumentations commonly emit are read too: ``gen_ai.request.stream`` (or
``llm.is_streaming``), ``gen_ai.request.reasoning_effort``, ``gen_ai.request.top_logprobs``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, TypeVar

import msgspec
import orjson

from distillguard.errors import RecordError
from distillguard.ingest.base import ItemReject, Mapped, Reader, parse_json_line
from distillguard.ingest.openai_style import map_choices, map_output_blocks, summarize_messages, tool_names

_MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content", "completion"})
_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_ERROR_CODES = (2, "STATUS_CODE_ERROR")


# OTLP JSON as typed structs: msgspec decodes a line straight into them, reading only the fields
# below (a span's name, kind, links, ... are skipped unread), several times faster than building
# every dict of the line and walking it in Python. Every field but an attribute's key may be
# missing or null.


class AnyValue(msgspec.Struct):
    stringValue: str | None = None
    intValue: int | str | None = None  # int64 is text in OTLP JSON
    doubleValue: float | str | None = None  # "NaN", "Infinity"
    boolValue: bool | None = None
    bytesValue: str | None = None
    arrayValue: ArrayValue | None = None
    kvlistValue: KeyValueList | None = None


class KeyValue(msgspec.Struct):
    key: str
    value: AnyValue | None = None


class ArrayValue(msgspec.Struct):
    values: list[AnyValue] | None = None


class KeyValueList(msgspec.Struct):
    values: list[KeyValue] | None = None


class Event(msgspec.Struct):
    name: str | None = None
    attributes: list[KeyValue] | None = None


class Status(msgspec.Struct):
    code: int | str | None = None
    message: str | None = None


class Span(msgspec.Struct):
    traceId: str | None = None
    spanId: str | None = None
    startTimeUnixNano: int | str | None = None
    endTimeUnixNano: int | str | None = None
    attributes: list[KeyValue] | None = None
    events: list[Event] | None = None
    status: Status | None = None


class Resource(msgspec.Struct):
    attributes: list[KeyValue] | None = None


SpanT = TypeVar("SpanT", Span, msgspec.Raw)


class ScopeSpans(msgspec.Struct, Generic[SpanT]):
    spans: list[SpanT] | None = None


class ResourceSpans(msgspec.Struct, Generic[SpanT]):
    resource: Resource | None = None
    scopeSpans: list[ScopeSpans[SpanT]] | None = None
    instrumentationLibrarySpans: list[ScopeSpans[SpanT]] | None = None  # OTLP before 0.15


class ExportRequest(msgspec.Struct, Generic[SpanT]):
    resourceSpans: list[ResourceSpans[SpanT]]


# A line is decoded whole, spans and all; when that fails, or a span cannot be mapped, it is
# decoded again with each span kept as its own bytes, so that a bad span is quarantined with
# exactly those bytes while the line's other spans are read.
_EXPORT_DECODER = msgspec.json.Decoder(ExportRequest[Span])
_EXPORT_RAW_DECODER = msgspec.json.Decoder(ExportRequest[msgspec.Raw])
_SPAN_DECODER = msgspec.json.Decoder(Span)


def any_value(value: AnyValue | None) -> Any:
    """An OTLP ``AnyValue`` as a Python value (int64 arrives as text in OTLP JSON).

    >>> any_value(AnyValue(intValue="52")), any_value(AnyValue(arrayValue=ArrayValue([AnyValue("stop")])))
    (52, ['stop'])
    """
    if value is None:
        return None
    if value.stringValue is not None:
        return value.stringValue
    if value.intValue is not None:
        try:
            return int(value.intValue)
        except ValueError:
            return None
    if value.doubleValue is not None:
        return value.doubleValue
    if value.boolValue is not None:
        return value.boolValue
    if value.arrayValue is not None:
        return [any_value(item) for item in value.arrayValue.values or ()]
    if value.kvlistValue is not None:
        return attributes(value.kvlistValue.values)
    return value.bytesValue


def attributes(items: list[KeyValue] | None) -> dict[str, Any]:
    """OTLP ``[{key, value}]`` attributes as a dict."""
    if items is None:
        return {}
    return {
        item.key: text if (text := value.stringValue) is not None else any_value(value)
        for item in items
        if (value := item.value) is not None
    }


def _json(value: Any, what: str) -> Any:
    """Structured attributes arrive as JSON text or, from some exporters, as OTLP lists/maps."""
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RecordError("bad_messages", f"{what} is not valid JSON") from None
    return value


def is_model_call(attrs: dict[str, Any]) -> bool:
    """Whether a span's attributes describe a call to a model (the spans that are exchanges)."""
    operation = attrs.get("gen_ai.operation.name")
    if operation is not None:
        return operation in _MODEL_OPERATIONS
    if "gen_ai.tool.name" in attrs:
        return False
    return "gen_ai.request.model" in attrs or "gen_ai.system" in attrs or "gen_ai.provider.name" in attrs


def _first(attrs: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = attrs.get(key)
        if value is not None:
            return value
    return None


def _maybe_parts(content: Any) -> Any:
    """Older instrumentations write list content as JSON text; keep real text as text."""
    if isinstance(content, str) and content.startswith("[{"):
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError:
            return content
        if isinstance(parsed, list) and all(isinstance(part, dict) and "type" in part for part in parsed):
            return parsed
    return content


def _indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """``gen_ai.prompt.0.role``, ``gen_ai.prompt.0.content``, ... as a list of dicts."""
    items: list[dict[str, Any]] = []
    index = 0
    while True:
        base = f"{prefix}.{index}."
        role, content = attrs.get(base + "role"), attrs.get(base + "content")
        if role is None and content is None:
            return items
        finish_reason = attrs.get(base + "finish_reason")
        items.append({"role": role, "content": _maybe_parts(content), "finish_reason": finish_reason})
        index += 1


def _event_body(event: Event) -> dict[str, Any]:
    """An event's body: the JSON in its ``gen_ai.event.content``, else its attributes themselves."""
    items = event.attributes
    # Most events hold the body alone, as JSON text: read it without building a dict first.
    if items is not None and len(items) == 1 and items[0].key == "gen_ai.event.content":
        body = any_value(items[0].value)
    else:
        event_attrs = attributes(items)
        body = event_attrs.get("gen_ai.event.content")
        if body is None:
            return event_attrs
    body = _json(body, "gen_ai.event.content")
    return body if body.__class__ is dict else {"content": body}


def _old_events(events: list[Event] | None) -> tuple[list[Any] | None, list[Any] | None]:
    """Input messages and output choices recorded as span events (conventions up to v1.36)."""
    if not events:
        return None, None
    messages: list[Any] = []
    choices: list[Any] = []
    for event in events:
        name = event.name
        role = _EVENT_ROLES.get(name) if name is not None else None
        if role is not None:
            body = _event_body(event)
            message = {"role": body.get("role") or role, "content": _maybe_parts(body.get("content"))}
            if body.get("tool_calls") is not None:
                message["tool_calls"] = _json(body["tool_calls"], "tool_calls")
            messages.append(message)
        elif name == "gen_ai.choice":
            body = _event_body(event)
            message = _json(body.get("message"), "gen_ai.choice message")
            choices.append({"message": message, "finish_reason": body.get("finish_reason")})
        elif name == "gen_ai.content.prompt":
            prompt = _json(attributes(event.attributes).get("gen_ai.prompt"), "gen_ai.prompt")
            if isinstance(prompt, list):
                messages.extend(prompt)
        elif name == "gen_ai.content.completion":
            completion = _json(attributes(event.attributes).get("gen_ai.completion"), "gen_ai.completion")
            if isinstance(completion, list):
                choices.extend({"message": message, "finish_reason": None} for message in completion)
    return messages or None, choices or None


def _status(span: Span, attrs: dict[str, Any], extra: dict[str, Any]) -> int | None:
    http_status = attrs.get("http.response.status_code")
    if isinstance(http_status, int):
        return http_status
    error_type = attrs.get("error.type")
    if error_type is not None:
        extra["error_type"] = error_type
        text = str(error_type)
        return int(text) if text.isdigit() and 100 <= int(text) <= 599 else 500
    status = span.status
    if status is not None and status.code in _ERROR_CODES:
        if status.message:
            extra["error"] = status.message
        return 500
    return None


def _nanos(value: int | str | None) -> int | None:
    if isinstance(value, str):
        return int(value) if value.isdigit() else None
    return value


def map_span(span: Span, attrs: dict[str, Any], resource: dict[str, Any], account_key: str | None) -> dict[str, Any]:
    """Map one model-call span to a canonical record (``attrs`` are its decoded attributes)."""

    def lookup(key: str) -> Any:
        value = attrs.get(key)
        return resource.get(key) if value is None else value

    if account_key is not None:
        account = lookup(account_key)
    else:
        account = lookup("user.id")
        if account is None:
            account = lookup("enduser.id")
    trace_id, span_id = span.traceId, span.spanId
    start, end = _nanos(span.startTimeUnixNano), _nanos(span.endTimeUnixNano)
    extra: dict[str, Any] = {"trace_id": trace_id, "span_id": span_id}
    for key, name in (
        ("gen_ai.provider.name", "provider"),
        ("gen_ai.system", "provider"),
        ("gen_ai.operation.name", "operation"),
        ("gen_ai.response.id", "response_id"),
        ("server.address", "server_address"),
    ):
        if attrs.get(key) is not None:
            extra.setdefault(name, attrs[key])
    if resource.get("service.name") is not None:
        extra["service_name"] = resource["service.name"]
    row: dict[str, Any] = {  # every column, so that the row is taken apart in one step
        "exchange_id": f"{trace_id}-{span_id}" if trace_id and span_id else span_id,
        "ts": start,
        "account_id": account,
        "api_key_id": None,
        "surface": None,
        "asn": None,
        "end_user_id": lookup("enduser.id"),
        "model": _first(attrs, "gen_ai.request.model", "gen_ai.response.model"),
        "client_ip": lookup("client.address"),
        "user_agent": lookup("user_agent.original"),
        "conversation_id": _first(attrs, "gen_ai.conversation.id", "session.id"),
        "temperature": attrs.get("gen_ai.request.temperature"),
        "top_p": attrs.get("gen_ai.request.top_p"),
        "max_tokens": attrs.get("gen_ai.request.max_tokens"),
        "n": attrs.get("gen_ai.request.choice.count"),
        "stream": bool(_first(attrs, "gen_ai.request.stream", "llm.is_streaming")),
        "logprobs": bool(attrs.get("gen_ai.request.logprobs") or attrs.get("gen_ai.request.top_logprobs")),
        "input_tokens": _first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
        "output_tokens": _first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
        "reasoning_tokens": _first(attrs, "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
        "latency_ms": round((end - start) / 1e6) if start is not None and end is not None else None,
    }
    effort = _first(attrs, "gen_ai.request.reasoning_effort", "gen_ai.request.reasoning.level")
    budget = attrs.get("gen_ai.request.thinking_budget")
    row["reasoning"] = (effort is not None and effort != "none") or (isinstance(budget, int) and budget > 0)
    if effort is not None:
        extra["reasoning_effort"] = effort
    response_model = attrs.get("gen_ai.response.model")
    if response_model is not None and response_model != row["model"]:
        extra["response_model"] = response_model
    row["status"] = _status(span, attrs, extra)
    _map_content(span, attrs, row, extra)
    finish_reasons = attrs.get("gen_ai.response.finish_reasons")
    if isinstance(finish_reasons, list) and finish_reasons:
        row["finish_reason"] = finish_reasons[0]
    row["extra"] = extra
    return row


def _map_content(span: Span, attrs: dict[str, Any], row: dict[str, Any], extra: dict[str, Any]) -> None:
    """The conversation, tools and output, from whichever convention the span uses."""
    system = attrs.get("gen_ai.system_instructions")
    if system is not None:
        system = _json(system, "gen_ai.system_instructions")
    messages = attrs.get("gen_ai.input.messages")
    outputs = attrs.get("gen_ai.output.messages")
    choices = None
    if messages is not None or outputs is not None:
        messages = _json(messages, "gen_ai.input.messages") if messages is not None else []
        outputs = _json(outputs, "gen_ai.output.messages") if outputs is not None else None
    elif "gen_ai.prompt.0.role" in attrs or "gen_ai.prompt.0.content" in attrs:
        messages = _indexed(attrs, "gen_ai.prompt")
        completions = _indexed(attrs, "gen_ai.completion")
        choices = [{"message": item, "finish_reason": item.pop("finish_reason")} for item in completions]
    else:
        messages, choices = _old_events(span.events)
    if messages is None:
        messages = []  # content capture off: the span still says who called which model when
        extra["content_captured"] = False
    row.update(summarize_messages(messages, system))
    tools = attrs.get("gen_ai.tool.definitions")
    if tools is not None:
        row["tools"] = tool_names(_json(tools, "gen_ai.tool.definitions"))
    else:
        row["tools"] = _indexed_names(attrs, "llm.request.functions")  # OpenLLMetry
    if isinstance(outputs, list) and outputs:
        if len(outputs) > 1:
            extra["choices"] = len(outputs)
        first = outputs[0]
        if isinstance(first, dict):
            map_output_blocks(first.get("parts") or [], row, extra)
            row["finish_reason"] = first.get("finish_reason")
    elif choices:
        map_choices(choices, row, extra)


def _indexed_names(attrs: dict[str, Any], prefix: str) -> list[str]:
    names = []
    index = 0
    while (name := attrs.get(f"{prefix}.{index}.name")) is not None:
        names.append(str(name))
        index += 1
    return names


def _spans(record: ExportRequest[Any]) -> Any:
    """``(resource attributes, span)`` for every span of an export request."""
    for resource_span in record.resourceSpans:
        resource = resource_span.resource
        resource_attrs = attributes(resource.attributes) if resource is not None else {}
        scope_spans = resource_span.scopeSpans
        if scope_spans is None:
            scope_spans = resource_span.instrumentationLibrarySpans
        for scope_span in scope_spans or ():
            for span in scope_span.spans or ():
                yield resource_attrs, span


def _where(span: Span) -> str:
    return f"span {span.spanId} of trace {span.traceId}"


class OtelGenAI(Reader):
    """OpenTelemetry GenAI spans in OTLP JSON (the collector's file exporter), both conventions.

    >>> line = {"resourceSpans": [{"resource": {"attributes": [
    ...     {"key": "user.id", "value": {"stringValue": "acct-7"}}]}, "scopeSpans": [{"spans": [
    ...     {"traceId": "ab", "spanId": "01", "startTimeUnixNano": "1769940000000000000",
    ...      "endTimeUnixNano": "1769940001000000000", "attributes": [
    ...        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
    ...        {"key": "gen_ai.request.model", "value": {"stringValue": "m"}}]},
    ...     {"traceId": "ab", "spanId": "02", "attributes": [
    ...        {"key": "http.request.method", "value": {"stringValue": "POST"}}]}]}]}]}
    >>> reader = OtelGenAI()
    >>> mapped = reader.map_record(reader.parse(orjson.dumps(line)))
    >>> [row["exchange_id"] for row in mapped.rows], mapped.skipped, mapped.rows[0]["latency_ms"]
    (['ab-01'], 1, 1000)
    """

    name = "otel"
    description = "OpenTelemetry GenAI spans as OTLP JSON lines (collector file exporter)"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        return isinstance(first, dict) and "resourceSpans" in first

    def parse(self, line: bytes) -> tuple[ExportRequest[Any], bytes]:
        """A line as an export request (and its bytes, for the spans that fail), or RecordError."""
        try:
            return _EXPORT_DECODER.decode(line), line
        except (msgspec.ValidationError, RecursionError):
            pass  # some span is not as OTLP says, or nests too deep: decoded alone below, quarantined alone
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            parse_json_line(line)  # says why: invalid JSON, not UTF-8, cut off
            raise RecordError("invalid_json", str(exc)) from None
        try:
            return _EXPORT_RAW_DECODER.decode(line), line
        except (msgspec.ValidationError, RecursionError) as exc:
            record = parse_json_line(line)
            if not isinstance(record, dict):
                raise RecordError("not_an_object", f"line is JSON {type(record).__name__}, not an object") from None
            raise RecordError("bad_otlp", f"line is not an OTLP export request: {exc}") from None

    def map_record(self, record: tuple[ExportRequest[Any], bytes]) -> Mapped:
        request, line = record
        mapped = self._map(request)
        if mapped.rejects and mapped.rejects[0].item is None:
            # the line was decoded whole, so no span has its own bytes: decode it span by span
            mapped = self._map(_EXPORT_RAW_DECODER.decode(line))
        return mapped

    def _items_of(self, line: bytes) -> list[Any]:
        return self._map(_EXPORT_RAW_DECODER.decode(line)).items

    def _map(self, request: ExportRequest[Any]) -> Mapped:
        account_key = self.options.account_attribute
        mapped = Mapped()
        for resource_attrs, item in _spans(request):
            span, raw = item, None
            if item.__class__ is msgspec.Raw:
                raw = bytes(item)
                try:
                    span = _SPAN_DECODER.decode(item)
                except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
                    mapped.rejects.append(ItemReject("bad_otlp", f"a span is not an OTLP span: {exc}", raw))
                    continue
            attrs = attributes(span.attributes)
            if not is_model_call(attrs):
                mapped.skipped += 1
                continue
            try:
                row = map_span(span, attrs, resource_attrs, account_key)
            except RecordError as exc:
                mapped.rejects.append(ItemReject(exc.reason, f"{_where(span)}: {exc.message}", raw))
                continue
            if row["account_id"] in (None, ""):
                names = account_key or "user.id or enduser.id"
                detail = f"{_where(span)} has no account ({names} on the span or its resource)"
                mapped.rejects.append(ItemReject("missing_account_id", detail, raw))
                continue
            mapped.rows.append(row)
            mapped.items.append(raw)
        return mapped
