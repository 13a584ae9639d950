"""Reader for LiteLLM's StandardLoggingPayload records, one per line, as its logging callbacks write them.

LiteLLM (the proxy and the SDK) hands every success and failure callback a
``StandardLoggingPayload``; the file, S3, GCS and custom JSON loggers write it as one JSON
object per line (a line may also wrap it as ``{"standard_logging_object": {...}}``). The
columns come from:

==================  ===========================================================================
column              payload field
==================  ===========================================================================
``exchange_id``     ``id`` (the LiteLLM call id)
``ts``              ``startTime`` (epoch seconds)
``account_id``      ``metadata.user_api_key_org_id``, else ``metadata.user_api_key_team_id``
                    (or ``metadata.team_id``), else ``metadata.user_api_key_user_id``: the
                    organisation is the billing unit when the proxy has one; a team, then an
                    internal user, stand in for it. ``extra.account_source`` says which
                    (``org``, ``team`` or ``user``).
``api_key_id``      ``metadata.user_api_key_hash`` (the hash of the virtual key)
``end_user_id``     ``end_user``, else ``metadata.user_api_key_end_user_id``
``client_ip``       ``requester_ip_address``, else ``metadata.requester_ip_address``
``user_agent``      ``user_agent``, else ``metadata.user_agent``
``conversation_id`` ``session_id``
``model``           ``model`` (as the caller named it; ``model_group``, ``model_id`` and
                    ``custom_llm_provider`` go to ``extra``)
conversation,       ``messages`` and ``model_parameters`` read as one OpenAI request, and
settings, output    ``response`` as its response, by :mod:`distillguard.ingest.openai_style`
``stream``          ``stream``, else ``model_parameters.stream``
tokens              ``prompt_tokens``, ``completion_tokens``; reasoning tokens from the
                    response's ``usage.completion_tokens_details``
``status``          200 for ``success``; for ``failure`` the numeric
                    ``error_information.error_code``, else 500 (``error_str`` goes to ``extra``)
``latency_ms``      ``endTime - startTime``; time to first token goes to ``extra.ttft_ms``
==================  ===========================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from distillguard.errors import RecordError
from distillguard.ingest.base import Reader
from distillguard.ingest.openai_style import map_request, map_response

# Payload fields kept in `extra` as they are.
_EXTRA_FIELDS = (
    "call_type",
    "trace_id",
    "model_group",
    "model_id",
    "custom_llm_provider",
    "api_base",
    "request_tags",
    "response_cost",
    "cache_hit",
)
_METADATA_EXTRA = ("user_api_key_alias", "user_api_key_team_alias", "user_api_key_org_alias")


def _messages(value: Any) -> Any:
    """LiteLLM logs ``messages`` as a list, a dict, a plain prompt, or JSON text of either."""
    if isinstance(value, str):
        stripped = value.lstrip()
        if stripped[:1] in ("[", "{"):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                return [{"role": "user", "content": value}]
        else:
            return [{"role": "user", "content": value}]
    if isinstance(value, dict):
        if "messages" in value:
            return value["messages"]
        raise RecordError("bad_messages", "messages is an object without a messages list")
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return [{"role": "user", "content": "\n".join(value)}]  # text completion or embedding input
    return value


def _account(metadata: dict[str, Any]) -> tuple[Any, str | None]:
    for key, source in (
        ("user_api_key_org_id", "org"),
        ("user_api_key_team_id", "team"),
        ("team_id", "team"),
        ("user_api_key_user_id", "user"),
    ):
        value = metadata.get(key)
        if value not in (None, ""):
            return value, source
    return None, None


def _seconds(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _error_status(code: Any) -> int:
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code if isinstance(code, int) and 100 <= code <= 599 else 500


def map_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Map one StandardLoggingPayload to a canonical record."""
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    account, account_source = _account(metadata)
    extra: dict[str, Any] = {key: payload[key] for key in _EXTRA_FIELDS if payload.get(key) is not None}
    for key in _METADATA_EXTRA:
        if metadata.get(key) is not None:
            extra[key] = metadata[key]
    if account_source is not None:
        extra["account_source"] = account_source
    row: dict[str, Any] = {
        "exchange_id": payload.get("id"),
        "ts": payload.get("startTime"),
        "account_id": account,
        "api_key_id": metadata.get("user_api_key_hash"),
        "end_user_id": payload.get("end_user") or metadata.get("user_api_key_end_user_id"),
        "model": payload.get("model"),
        "client_ip": payload.get("requester_ip_address") or metadata.get("requester_ip_address"),
        "user_agent": payload.get("user_agent") or metadata.get("user_agent"),
        "conversation_id": payload.get("session_id") or None,
    }
    parameters = payload.get("model_parameters")
    request = dict(parameters) if isinstance(parameters, dict) else {}
    request["messages"] = _messages(payload.get("messages"))
    if request["messages"] is None:
        raise RecordError("missing_messages", "payload has no messages")
    if payload.get("stream") is not None:
        request["stream"] = payload["stream"]
    map_request(request, row, extra)
    if payload.get("status") == "failure":
        information = payload.get("error_information")
        if not isinstance(information, dict):
            information = {}
        row["status"] = _error_status(information.get("error_code"))
        extra["error"] = payload.get("error_str")
        if information.get("error_class"):
            extra["error_class"] = information["error_class"]
    else:
        map_response(payload.get("response"), row, extra)
    if payload.get("prompt_tokens") is not None:
        row["input_tokens"] = payload["prompt_tokens"]
    if payload.get("completion_tokens") is not None:
        row["output_tokens"] = payload["completion_tokens"]
    start, end = _seconds(payload.get("startTime")), _seconds(payload.get("endTime"))
    if start is not None and end is not None:
        row["latency_ms"] = round((end - start) * 1000)
        first_token = _seconds(payload.get("completionStartTime"))
        if row.get("stream") and first_token is not None and first_token != end:
            extra["ttft_ms"] = round((first_token - start) * 1000)
    row["extra"] = extra
    return row


class LiteLLMPayload(Reader):
    """LiteLLM StandardLoggingPayload records (the proxy's and SDK's logging callbacks).

    >>> [row] = LiteLLMPayload().map_record({
    ...     "id": "c1", "call_type": "acompletion", "startTime": 1769940000.0, "endTime": 1769940001.5,
    ...     "model": "gpt-x", "status": "success", "metadata": {"user_api_key_team_id": "team-9"},
    ...     "messages": [{"role": "user", "content": "Hi"}], "model_parameters": {"temperature": 0.2},
    ...     "response": {"choices": [{"message": {"content": "Hello"}, "finish_reason": "stop"}]},
    ...     "prompt_tokens": 3, "completion_tokens": 2})
    >>> row["account_id"], row["latency_ms"], row["extra"]["account_source"]
    ('team-9', 1500, 'team')
    """

    name = "litellm"
    description = "LiteLLM StandardLoggingPayload records (logging callbacks)"

    @classmethod
    def sniff(cls, path: Path, head: bytes, first: Any) -> bool:
        if isinstance(first, dict) and isinstance(first.get("standard_logging_object"), dict):
            first = first["standard_logging_object"]
        if not isinstance(first, dict):
            return False
        return "call_type" in first and ("startTime" in first or "model_parameters" in first)

    def map_record(self, record: Any) -> list[dict[str, Any]]:
        if not isinstance(record, dict):
            raise RecordError("not_an_object", f"line is JSON {type(record).__name__}, not an object")
        wrapped = record.get("standard_logging_object")
        return [map_payload(wrapped if isinstance(wrapped, dict) else record)]
