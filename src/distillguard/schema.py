"""Canonical Arrow schemas: the only place where exchange and account columns are named.

Every reader maps its format to plain records (dicts keyed by these column names) or to an
Arrow table with these columns; :func:`coerce_exchange` and :func:`validate_exchanges` are
the one validation step they all go through.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import RecordError

TIMESTAMP = pa.timestamp("us", tz="UTC")

# Text longer than this is cut (the original length is kept in `extra._truncated`): one
# exchange of more than a million characters carries no more signal, and unbounded strings
# would overflow Arrow's 2 GiB per-array offsets in a batch.
MAX_TEXT_CHARS = 1_000_000
# Identifiers and short labels longer than this are garbage, not data: the record is
# quarantined rather than cut, so that two different ids never collapse into one.
MAX_ID_CHARS = 1024

EXCHANGE_SCHEMA = pa.schema(
    [
        pa.field("exchange_id", pa.string(), nullable=False),
        pa.field("ts", TIMESTAMP, nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("api_key_id", pa.string()),
        pa.field("end_user_id", pa.string()),
        pa.field("surface", pa.string()),
        pa.field("model", pa.string(), nullable=False),
        pa.field("client_ip", pa.string()),
        pa.field("asn", pa.int32()),
        pa.field("user_agent", pa.string()),
        pa.field("conversation_id", pa.string()),
        pa.field("turn", pa.int16(), nullable=False),
        pa.field("system", pa.string()),
        pa.field("prompt", pa.string(), nullable=False),
        pa.field("context_chars", pa.int32(), nullable=False),
        pa.field("n_images", pa.int16(), nullable=False),
        pa.field("tools", pa.list_(pa.string()), nullable=False),
        pa.field("temperature", pa.float32()),
        pa.field("top_p", pa.float32()),
        pa.field("max_tokens", pa.int32()),
        pa.field("n", pa.int16(), nullable=False),
        pa.field("stream", pa.bool_(), nullable=False),
        pa.field("reasoning", pa.bool_(), nullable=False),
        pa.field("logprobs", pa.bool_(), nullable=False),
        pa.field("response", pa.string()),
        pa.field("reasoning_text", pa.string()),
        pa.field("finish_reason", pa.string()),
        pa.field("input_tokens", pa.int32(), nullable=False),
        pa.field("output_tokens", pa.int32(), nullable=False),
        pa.field("reasoning_tokens", pa.int32(), nullable=False),
        pa.field("status", pa.int16(), nullable=False),
        pa.field("latency_ms", pa.int32()),
        pa.field("extra", pa.string(), nullable=False),
    ]
)

ACCOUNT_TYPES = ("individual", "startup", "education", "research", "enterprise", "reseller", "partner")
VERIFICATION_LEVELS = ("none", "email", "card", "id", "contract")

ACCOUNT_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("created_at", TIMESTAMP),
        pa.field("account_type", pa.string()),
        pa.field("verification", pa.string()),
        pa.field("email_domain", pa.string()),
        pa.field("payment_fingerprint", pa.string()),
        pa.field("signup_ip", pa.string()),
        pa.field("signup_asn", pa.int32()),
        pa.field("country", pa.string()),
        pa.field("org_name", pa.string()),
        pa.field("extra", pa.string(), nullable=False),
    ]
)

# Quarantine: every record that could not be mapped, with where it came from and why.
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("record", pa.int64(), nullable=False),  # 1-based line or record number
        pa.field("reason", pa.string(), nullable=False),  # short stable code
        pa.field("detail", pa.string(), nullable=False),  # one sentence for a human
        pa.field("raw", pa.binary()),  # the record's bytes as read
        pa.field("raw_path", pa.string()),  # set instead of raw when the bytes were spooled
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

_INT_RANGES = {
    pa.int16(): (-(2**15), 2**15 - 1),
    pa.int32(): (-(2**31), 2**31 - 1),
}
# Columns that must be present; the rest default (see EXCHANGE_DEFAULTS) or are null.
REQUIRED_EXCHANGE = ("ts", "account_id", "model", "prompt")
EXCHANGE_DEFAULTS: dict[str, Any] = {
    "turn": 0,
    "context_chars": 0,
    "n_images": 0,
    "tools": [],
    "n": 1,
    "stream": False,
    "reasoning": False,
    "logprobs": False,
    "input_tokens": 0,
    "output_tokens": 0,
    "reasoning_tokens": 0,
    "status": 200,
    "extra": "{}",
}
ACCOUNT_DEFAULTS: dict[str, Any] = {"extra": "{}"}
_ID_COLUMNS = ("exchange_id", "account_id", "api_key_id", "end_user_id", "conversation_id")


def parse_timestamp(value: Any) -> datetime:
    """Read a timestamp as UTC: ISO 8601 text (naive text is taken as UTC) or epoch numbers.

    Epoch numbers are read in seconds, milliseconds, microseconds or nanoseconds by their
    magnitude, which is unambiguous for any date between 1973 and 2200.

    >>> parse_timestamp("2026-02-01T10:00:00+02:00").isoformat()
    '2026-02-01T08:00:00+00:00'
    >>> parse_timestamp(1769940000000).isoformat()
    '2026-02-01T10:00:00+00:00'
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, bool):
        raise RecordError("bad_timestamp", f"timestamp is a boolean ({value!r})")
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise RecordError("bad_timestamp", f"timestamp is not finite ({value!r})")
        magnitude = abs(value)
        if magnitude < 1e11:
            seconds = value
        elif magnitude < 1e14:
            seconds = value / 1e3
        elif magnitude < 1e17:
            seconds = value / 1e6
        else:
            seconds = value / 1e9
        try:
            parsed = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise RecordError("bad_timestamp", f"timestamp {value!r} is out of range") from exc
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                return parse_timestamp(float(text))
            except (ValueError, RecordError):
                raise RecordError("bad_timestamp", f"cannot read timestamp {value[:80]!r}") from None
    else:
        raise RecordError("bad_timestamp", f"timestamp has type {type(value).__name__}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _kind_of(field_type: pa.DataType) -> str:
    if field_type == TIMESTAMP:
        return "timestamp"
    if pa.types.is_string(field_type):
        return "string"
    if pa.types.is_integer(field_type):
        return "integer"
    if pa.types.is_floating(field_type):
        return "float"
    if pa.types.is_boolean(field_type):
        return "boolean"
    if pa.types.is_list(field_type):
        return "list"
    raise AssertionError(f"no coercion for {field_type}")  # a schema change without this function's


# Per schema, each field's name, type and coercion kind and the set of names, worked out once:
# asking pyarrow about types for every value of every record costs more than the coercion.
# The entry holds the schema itself, so its id cannot be reused by another object.
_PLANS: dict[int, tuple[pa.Schema, tuple[tuple[str, pa.DataType, str], ...], frozenset[str]]] = {}


_KINDS: dict[int, tuple[pa.Schema, dict[str, tuple[pa.DataType, str]]]] = {}


def _plan(schema: pa.Schema) -> tuple[tuple[tuple[str, pa.DataType, str], ...], frozenset[str]]:
    entry = _PLANS.get(id(schema))
    if entry is None:
        plan = tuple((field.name, field.type, _kind_of(field.type)) for field in schema)
        entry = _PLANS[id(schema)] = (schema, plan, frozenset(schema.names))
    return entry[1], entry[2]


def _coerce_value(
    name: str, field_type: pa.DataType, value: Any, truncated: dict[str, int], kind: str | None = None
) -> Any:
    if value is None:
        return None
    if kind is None:
        kind = _kind_of(field_type)
    if kind == "string":
        if value.__class__ is not str:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise RecordError("bad_type", f"{name} should be text, got {type(value).__name__}")
            value = value if isinstance(value, str) else str(value)
        if name in _ID_COLUMNS and len(value) > MAX_ID_CHARS:
            raise RecordError("id_too_long", f"{name} is {len(value)} characters (limit {MAX_ID_CHARS})")
        if len(value) > MAX_TEXT_CHARS:
            truncated[name] = len(value)
            value = value[:MAX_TEXT_CHARS]
        return value
    if kind == "timestamp":
        return parse_timestamp(value)
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and value.strip().lstrip("-").isdigit()
        ):
            value = int(value)
        if not isinstance(value, int):
            raise RecordError("bad_type", f"{name} should be a whole number, got {value!r:.80}")
        low, high = _INT_RANGES[field_type]
        if not low <= value <= high:
            raise RecordError("out_of_range", f"{name}={value} is outside {low}..{high}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RecordError("bad_type", f"{name} should be a number, got {type(value).__name__}")
        try:
            number = float(value)
        except ValueError:
            raise RecordError("bad_type", f"{name} should be a number, got {value!r:.80}") from None
        return number if math.isfinite(number) else None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise RecordError("bad_type", f"{name} should be true or false, got {value!r:.80}")
    if not isinstance(value, list):
        raise RecordError("bad_type", f"{name} should be a list, got {type(value).__name__}")
    return [str(item)[:MAX_ID_CHARS] for item in value if item is not None]


def _coerce(record: dict[str, Any], schema: pa.Schema, defaults: dict[str, Any]) -> dict[str, Any]:
    plan, _ = _plan(schema)
    kinds = _KINDS.get(id(schema))
    if kinds is None:
        kinds = _KINDS[id(schema)] = (schema, {name: (field_type, kind) for name, field_type, kind in plan})
    kinds_by_name = kinds[1]
    # start from the defaults and visit only the keys the record has (fewer than the columns)
    row: dict[str, Any] = {name: defaults.get(name) for name, _, _ in plan}
    unknown: dict[str, Any] = {}
    truncated: dict[str, int] = {}
    for name, value in record.items():
        spec = kinds_by_name.get(name)
        if spec is None:
            unknown[name] = value
            continue
        if value is None or name == "extra":
            continue
        field_type, kind = spec
        # Values that already have the right type skip the general path (most of them).
        cls = value.__class__
        if (
            (cls is str and kind == "string" and len(value) <= MAX_ID_CHARS)
            or (cls is bool and kind == "boolean")
            or (cls is int and kind == "integer" and -32768 <= value <= 32767)
        ):
            row[name] = value
        else:
            value = _coerce_value(name, field_type, value, truncated, kind)
            if value is not None:
                row[name] = value
    extra = record.get("extra")
    if isinstance(extra, str):
        try:
            extra = orjson.loads(extra) if extra else {}
        except orjson.JSONDecodeError:
            extra = {"extra": extra}
    if extra is None:
        extra = {}
    elif not isinstance(extra, dict):
        extra = {"extra": extra}
    if unknown or truncated:
        extra = {**extra, **unknown}
        if truncated:
            extra["_truncated"] = truncated
    row["extra"] = orjson.dumps(extra, default=str).decode() if extra else "{}"
    return row


def coerce_exchange(record: dict[str, Any]) -> dict[str, Any]:
    """Coerce one mapped record to canonical Python values, or raise :class:`RecordError`.

    Unknown keys are kept in ``extra``; missing optional columns take their defaults.

    >>> row = coerce_exchange({"ts": "2026-02-01T10:00:00Z", "account_id": "a1",
    ...                        "model": "m", "prompt": "hi", "n": "2", "colour": "blue"})
    >>> row["n"], row["turn"], row["extra"]
    (2, 0, '{"colour":"blue"}')
    """
    for name in REQUIRED_EXCHANGE:
        if record.get(name) in (None, "") and name != "prompt":
            raise RecordError(f"missing_{name}", f"record has no {name}")
        if name == "prompt" and record.get(name) is None:
            raise RecordError("missing_prompt", "record has no prompt")
    row = _coerce(record, EXCHANGE_SCHEMA, EXCHANGE_DEFAULTS)
    if not row["exchange_id"]:
        row["exchange_id"] = None  # filled from the raw record's hash by the reader
    return row


def coerce_account(record: dict[str, Any]) -> dict[str, Any]:
    """Coerce one accounts-table record, or raise :class:`RecordError`.

    >>> coerce_account({"account_id": 7, "account_type": "Education"})["account_type"]
    'education'
    """
    if record.get("account_id") in (None, ""):
        raise RecordError("missing_account_id", "account row has no account_id")
    row = _coerce(record, ACCOUNT_SCHEMA, ACCOUNT_DEFAULTS)
    for column, allowed in (("account_type", ACCOUNT_TYPES), ("verification", VERIFICATION_LEVELS)):
        value = row[column]
        if value is not None:
            value = value.strip().lower()
            if value not in allowed:
                raise RecordError(f"bad_{column}", f"{column} {value!r:.40} is not one of {', '.join(allowed)}")
            row[column] = value
    return row


def validate_exchanges(table: pa.Table) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """Check a canonical table column by column; return the valid rows and the rejects.

    Rejects are ``(row_index, reason, detail)`` for rows missing a required value or with an
    over-long identifier. This is the vectorised twin of :func:`coerce_exchange`, used by
    readers that build Arrow tables directly.
    """
    rejects: list[tuple[int, str, str]] = []
    bad = pa.array([False] * table.num_rows, pa.bool_())
    for name in REQUIRED_EXCHANGE:
        column = table.column(name)
        missing = pc.is_null(column)
        if name != "prompt" and pa.types.is_string(column.type):
            missing = pc.or_(missing, pc.equal(column, ""))  # an empty prompt is a prompt
        missing = pc.and_not(pc.fill_null(missing, True), bad)
        for index in pc.indices_nonzero(missing).to_pylist():
            rejects.append((index, f"missing_{name}", f"record has no {name}"))
        bad = pc.or_(bad, missing)
    for name in _ID_COLUMNS:
        lengths = pc.fill_null(pc.utf8_length(table.column(name)), 0)
        too_long = pc.and_not(pc.greater(lengths, MAX_ID_CHARS), bad)
        for index in pc.indices_nonzero(too_long).to_pylist():
            rejects.append((index, "id_too_long", f"{name} is over {MAX_ID_CHARS} characters"))
        bad = pc.or_(bad, too_long)
    if rejects:
        table = table.filter(pc.invert(bad))
    return table, rejects


def empty_exchanges() -> pa.Table:
    return EXCHANGE_SCHEMA.empty_table()
