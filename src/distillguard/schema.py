"""Canonical Arrow schemas: the only place where exchange and account columns are named.

Every reader maps its format to plain records (dicts keyed by these column names) or to an
Arrow table with these columns; :func:`coerce_exchange` and :func:`validate_exchanges` are
the one validation step they all go through (:func:`coerce_exchange_rows` is the batch form
of the first: it takes what is already clean column by column and hands back the rest).
"""

from __future__ import annotations

import math
import operator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.arrow_pool import READ_POOL
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

# The findings of a scan (DESIGN.md, "the output contract").
REASON_TYPE = pa.struct(
    [
        pa.field("signal", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("weight", pa.float64()),
        pa.field("detail", pa.string()),
    ]
)
FINDINGS_ACCOUNTS_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("risk", pa.float64(), nullable=False),
        pa.field("verdict", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string()),
        pa.field("reasons", pa.list_(REASON_TYPE), nullable=False),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("first_seen", TIMESTAMP),
        pa.field("last_seen", TIMESTAMP),
        pa.field("own_risk", pa.float64(), nullable=False),
        pa.field("attachment", pa.float64(), nullable=False),
    ]
)
FINDINGS_CAMPAIGNS_SCHEMA = pa.schema(
    [
        pa.field("campaign_id", pa.string(), nullable=False),
        pa.field("risk", pa.float64(), nullable=False),
        pa.field("accounts", pa.list_(pa.string()), nullable=False),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("first_seen", TIMESTAMP),
        pa.field("last_seen", TIMESTAMP),
        pa.field("capabilities", pa.list_(pa.struct([("capability", pa.string()), ("share", pa.float64())]))),
        pa.field(
            "indicators", pa.list_(pa.struct([("kind", pa.string()), ("value", pa.string()), ("accounts", pa.int64())]))
        ),
        pa.field("example_exchange_ids", pa.list_(pa.string())),
        pa.field("summary", pa.string(), nullable=False),
    ]
)
# per campaign member, API key and end user: its exchanges and those in conversations opened
# with its campaign's templates (a proxy account carries honest customers' traffic too)
FINDINGS_ATTRIBUTION_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("campaign_id", pa.string(), nullable=False),
        pa.field("api_key_id", pa.string()),
        pa.field("end_user_id", pa.string()),
        pa.field("exchanges", pa.int64(), nullable=False),
        pa.field("campaign_exchanges", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
    ]
)
# each campaign member and the indicators that linked it: (account_id, kind, indicator)
FINDINGS_EDGES_SCHEMA = pa.schema([("account_id", pa.string()), ("kind", pa.string()), ("indicator", pa.string())])
# The instants Python's datetime holds in UTC, and so what `info` and a scan can read back.
FIRST_MICROS = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
LAST_MICROS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z
# The smallest magnitude a float32 column rounds to infinity.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103
_EMPTY_OBJECT = pa.scalar("{}", pa.string())

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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise RecordError("bad_timestamp", f"timestamp {value!r:.80} is out of range") from None


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
        # not a number is no number, nor one that a float32 column turns into infinity
        return number if math.isfinite(number) and abs(number) < FLOAT32_OVERFLOW else None
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
    extra = _extra_object(record.get("extra"))
    if unknown or truncated:
        extra = {**extra, **unknown}
        if truncated:
            extra["_truncated"] = truncated
    row["extra"] = orjson.dumps(extra, default=str).decode() if extra else "{}"
    return row


def _extra_object(extra: Any) -> dict[str, Any]:
    """A record's ``extra`` as an object: JSON text is parsed, anything else wrapped."""
    if isinstance(extra, str):
        try:
            extra = orjson.loads(extra) if extra else {}
        except orjson.JSONDecodeError:
            extra = {"extra": extra}
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        return {"extra": extra}
    return extra


def normalise_extra(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """An ``extra`` column of JSON text as :func:`coerce_exchange` writes it: ``{}`` or an
    object in orjson's form. Only values other than ``{}`` are looked at one by one."""
    column = pc.fill_null(column, _EMPTY_OBJECT)
    odd = pc.not_equal(column, _EMPTY_OBJECT)
    if not pc.any(odd).as_py():
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = column.to_pylist()
    for index in pc.indices_nonzero(odd).to_pylist():
        extra = _extra_object(values[index])
        values[index] = orjson.dumps(extra, default=str).decode() if extra else "{}"
    return pa.array(values, pa.string())


def first_unlike_coercion(table: pa.Table, *, ascii_only: bool = False) -> str | None:
    """Why a table built by Arrow alone (its JSON reader, a Parquet cast) holds a value the
    record path would judge otherwise, or None: text that is not UTF-8, a time outside the
    years 1 to 9999 that Python and DuckDB read back, a float that is not finite, a list of
    names with a null or an over-long name. Vectorised; a table that has one goes the
    record path, which quarantines or converts each such value. ``ascii_only``: the table
    was parsed from ASCII bytes, so its text needs no UTF-8 check (a fast first look).

    >>> table = pa.table({"prompt": pa.array([b"caf" + bytes([0xE9])]).view(pa.string()), "temperature": [0.5]})
    >>> first_unlike_coercion(table)
    'text that is not UTF-8'
    """
    for field in [] if ascii_only else table.schema:
        if pa.types.is_string(field.type) or pa.types.is_list(field.type):
            try:
                table.column(field.name).validate(full=True)
            except pa.ArrowInvalid:
                return "text that is not UTF-8"
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            bounds = pc.min_max(column.cast(pa.int64()))
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if low is not None and (low < FIRST_MICROS or high > LAST_MICROS):
                return f"{field.name} outside the years 1 to 9999"
        elif pa.types.is_floating(field.type):
            if pc.any(pc.invert(pc.is_finite(column))).as_py():
                return f"{field.name} not finite"
        elif pa.types.is_list(field.type):
            items = pc.list_flatten(column)
            if items.null_count or (len(items) and pc.max(pc.utf8_length(items)).as_py() > MAX_ID_CHARS):
                return f"{field.name} with a null or over-long item"
    return None


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
            length = lengths[index].as_py()
            rejects.append((index, "id_too_long", f"{name} is {length} characters (limit {MAX_ID_CHARS})"))
        bad = pc.or_(bad, too_long)
    if rejects:
        table = pc.filter(table, pc.invert(bad), memory_pool=READ_POOL)
    return table, rejects


# --- many records at once ----------------------------------------------------------------
# The batch twin of coerce_exchange: a value that already has its column's type is taken
# as it is, column by column in Arrow; a row with anything else (a value to convert or cut,
# an unknown key, a missing required value) goes through coerce_exchange, which is the
# reference. Both give the same values for the same record.

_NONE = type(None)
# Python classes taken as they are, per coercion kind (bool is not an int here: it is converted)
_EXACT = {
    "string": frozenset({str}),
    "integer": frozenset({int}),
    "float": frozenset({float, int}),
    "boolean": frozenset({bool}),
    "list": frozenset({list}),
}
_EXCHANGE_ORDER = tuple(EXCHANGE_SCHEMA.names)
_EXCHANGE_NAMES = frozenset(_EXCHANGE_ORDER)
_ALL_VALUES = operator.itemgetter(*_EXCHANGE_ORDER)
# Arrow scalars made once: compute functions given a Python value infer its type, and that
# tries an import that fails each time when python-dateutil is not installed.
_EMPTY_TEXT = pa.scalar("", pa.string())
_NULL = {arrow_type: pa.scalar(None, arrow_type) for arrow_type in (pa.string(), pa.int64(), pa.float64())}
_EXCHANGE_DEFAULT_SCALARS = {
    field.name: pa.scalar(EXCHANGE_DEFAULTS[field.name], field.type)
    for field in EXCHANGE_SCHEMA
    if EXCHANGE_DEFAULTS.get(field.name) is not None
}
_INT_RANGE_SCALARS = {
    field_type: (pa.scalar(low, pa.int64()), pa.scalar(high, pa.int64()))
    for field_type, (low, high) in _INT_RANGES.items()
}
_ID_LIMIT = pa.scalar(MAX_ID_CHARS, pa.int32())
_TEXT_LIMIT = pa.scalar(MAX_TEXT_CHARS, pa.int32())
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Timestamps Arrow parses exactly as parse_timestamp does; any other text is parsed by it.
_ISO_WITH_ZONE = r"^[12]\d{3}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
# Epoch seconds well inside what datetime holds (years 1 to 9999); parse_timestamp judges the rest.
_EPOCH_SECONDS_MIN = -6.2e10
_EPOCH_SECONDS_MAX = 2.5e11


def exchange_values(record: dict[str, Any]) -> tuple[Any, ...] | None:
    """A mapped record's values in schema order (None where it has none), or None when it
    has a key outside the schema (that record needs :func:`coerce_exchange`).

    Taken while the record is fresh: reading thousands of dicts column by column later
    costs more than the coercion itself.
    """
    if len(record) == len(_EXCHANGE_ORDER):  # mappers that fill every column: one C call
        try:
            return _ALL_VALUES(record)
        except KeyError:
            return None  # as many keys as columns, yet one is missing: another is unknown
    if not record.keys() <= _EXCHANGE_NAMES:
        return None
    return tuple(map(record.get, _EXCHANGE_ORDER))


def coerce_exchange_rows(rows: list[dict[str, Any]]) -> tuple[pa.Table, list[int]]:
    """Coerce many mapped records column by column; return the table of the rows that are
    ready and the positions of the others, for :func:`coerce_exchange` one by one.

    A row is ready when every value has its column's type, is in range and needs no cut,
    the required values are there and no key is unknown; for such rows both paths give the
    same values. A missing or empty ``exchange_id`` is null (the one column that may be):
    the reader derives it from the raw record.

    >>> table, others = coerce_exchange_rows([
    ...     {"ts": 1769940000, "account_id": "a1", "model": "m", "prompt": "hi", "extra": {"k": 1}},
    ...     {"ts": "2026-02-01T10:00:00Z", "account_id": "a1", "model": "m", "prompt": "hi", "n": "2"}])
    >>> table.column("extra").to_pylist(), table.column("turn").to_pylist(), others
    (['{"k":1}'], [0], [1])
    """
    return coerce_exchange_values([exchange_values(row) for row in rows])


def coerce_exchange_values(rows: list[tuple[Any, ...] | None]) -> tuple[pa.Table, list[int]]:
    """:func:`coerce_exchange_rows` for records already taken apart by :func:`exchange_values`."""
    plan, _ = _plan(EXCHANGE_SCHEMA)
    slow = np.array([row is None for row in rows], dtype=bool)
    if slow.any():
        blank = (None,) * len(plan)
        rows = [blank if row is None else row for row in rows]
    columns = []
    for (name, field_type, kind), values in zip(
        plan, zip(*rows, strict=True) if rows else [()] * len(plan), strict=True
    ):
        values = list(values)
        if name == "extra":
            column = _extra_column(values, slow)
        elif kind == "timestamp":
            column = _timestamp_column(values, slow)
        else:
            column = _value_column(name, field_type, kind, values, slow)
        default = _EXCHANGE_DEFAULT_SCALARS.get(name)
        if default is not None and column.null_count:
            column = pc.coalesce(column, default, memory_pool=READ_POOL)  # fill_null, which takes no pool
        columns.append(column)
    table = pa.Table.from_arrays(columns, schema=_NULLABLE_EXCHANGE_SCHEMA)
    for name in ("account_id", "model"):  # required; a missing ts is slow already, an empty prompt is one
        _mark(pc.or_kleene(pc.is_null(table.column(name)), pc.equal(table.column(name), _EMPTY_TEXT)), slow)
    _mark(pc.is_null(table.column("prompt")), slow)
    ids = table.column("exchange_id")
    empty_ids = pc.equal(ids, _EMPTY_TEXT)
    if pc.any(empty_ids).as_py():
        table = table.set_column(
            0, "exchange_id", pc.if_else(empty_ids, _NULL[pa.string()], ids, memory_pool=READ_POOL)
        )
    if slow.any():
        table = pc.filter(table, pa.array(~slow), memory_pool=READ_POOL)
    return table.cast(_ROWS_SCHEMA), np.flatnonzero(slow).tolist()


_NULLABLE_EXCHANGE_SCHEMA = pa.schema([field.with_nullable(True) for field in EXCHANGE_SCHEMA])
# the schema of coerce_exchange_rows' table: the exchange_id is null where the reader derives it
_ROWS_SCHEMA = EXCHANGE_SCHEMA.set(0, EXCHANGE_SCHEMA.field(0).with_nullable(True))


def _mark_inexact(kind: str, values: list[Any], slow: np.ndarray) -> None:
    """Send rows whose value is not of the column's exact type to the record path (and
    take their value out of the column)."""
    exact = _EXACT[kind]
    if set(map(type, values)) - {_NONE} <= exact:
        return
    for index, value in enumerate(values):
        if value is not None and type(value) not in exact:
            slow[index] = True
            values[index] = None


def _array(values: list[Any], arrow_type: pa.DataType, slow: np.ndarray) -> pa.Array:
    """``values`` as Arrow; a value Arrow refuses sends its row to the record path."""
    try:
        return pa.array(values, arrow_type, memory_pool=READ_POOL)
    except _ARROW_ERRORS:
        for index, value in enumerate(values):
            try:
                pa.array([value], arrow_type)
            except _ARROW_ERRORS:
                slow[index] = True
                values[index] = None
        return pa.array(values, arrow_type, memory_pool=READ_POOL)


def _mark(mask: pa.Array, slow: np.ndarray) -> None:
    slow |= pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _value_column(name: str, field_type: pa.DataType, kind: str, values: list[Any], slow: np.ndarray) -> pa.Array:
    _mark_inexact(kind, values, slow)
    if kind == "string":
        column = _array(values, pa.string(), slow)
        limit = _ID_LIMIT if name in _ID_COLUMNS else _TEXT_LIMIT
        longest = pc.max(pc.binary_length(column)).as_py()  # bytes >= characters: a cheap first look
        if longest is not None and longest > limit.as_py():
            _mark(pc.greater(pc.utf8_length(column), limit), slow)  # ids are refused, text is cut
        return column
    if kind == "integer":
        column = _array(values, pa.int64(), slow)
        low, high = _INT_RANGE_SCALARS[field_type]
        outside = pc.or_kleene(pc.less(column, low), pc.greater(column, high))
        if pc.any(outside).as_py():
            _mark(outside, slow)
            column = pc.if_else(outside, _NULL[pa.int64()], column, memory_pool=READ_POOL)
        return column.cast(field_type, memory_pool=READ_POOL)
    if kind == "float":
        column = _array(values, pa.float64(), slow).cast(field_type)
        infinite = pc.invert(pc.is_finite(column))
        if pc.any(infinite).as_py():  # not a number (or beyond float32) is no number, as coerce_exchange says
            column = pc.if_else(infinite, pa.scalar(None, field_type), column, memory_pool=READ_POOL)
        return column
    if kind == "boolean":
        return _array(values, pa.bool_(), slow)
    column = _array(values, field_type, slow)  # a list of names, cut and without nulls by coerce_exchange
    items = pc.list_flatten(column)
    bad_items = pc.or_kleene(pc.is_null(items), pc.greater(pc.utf8_length(items), _ID_LIMIT))
    if pc.any(bad_items).as_py():
        parents = pc.filter(pc.list_parent_indices(column), bad_items).to_numpy()
        slow[parents] = True
    return column


def _extra_column(values: list[Any], slow: np.ndarray) -> pa.Array:
    """``extra`` as JSON text: a mapper's dict is serialised; JSON text other than ``{}``,
    or a dict JSON cannot hold, is left to the record path, which merges, normalises or fails."""
    if set(map(type, values)) == {dict}:  # what mappers give
        with suppress(TypeError):
            dumped = [orjson.dumps(extra, default=str) if extra else b"{}" for extra in values]
            return pa.array(dumped, pa.string(), memory_pool=READ_POOL)
    texts: list[bytes | None] = []
    for index, extra in enumerate(values):
        text = None
        if extra.__class__ is dict:
            with suppress(TypeError):  # an int beyond 64 bits
                text = orjson.dumps(extra, default=str) if extra else b"{}"
        elif extra is None or extra == "{}" or extra == "":
            text = b"{}"
        if text is None:
            slow[index] = True
        texts.append(text)
    return pa.array(texts, pa.string(), memory_pool=READ_POOL)


def _timestamp_column(values: list[Any], slow: np.ndarray) -> pa.Array:
    """Timestamps as UTC microseconds: ISO text with a zone by Arrow, epoch numbers by numpy
    (rounding as datetime.fromtimestamp does), anything else by parse_timestamp."""
    micros = np.zeros(len(values), dtype=np.int64)
    done = np.zeros(len(values), dtype=bool)
    classes = set(map(type, values))
    if classes == {str}:
        _text_micros(values, np.arange(len(values)), micros, done)
    elif classes <= {int, float}:
        _number_micros(values, np.arange(len(values)), micros, done)
    else:
        texts = [index for index, value in enumerate(values) if value.__class__ is str]
        numbers = [index for index, value in enumerate(values) if value.__class__ in (int, float)]
        _text_micros([values[i] for i in texts], np.array(texts, dtype=np.int64), micros, done)
        _number_micros([values[i] for i in numbers], np.array(numbers, dtype=np.int64), micros, done)
    for index in np.flatnonzero(~done).tolist():
        if values[index] is not None:  # a missing ts: coerce_exchange says so
            with suppress(RecordError):
                micros[index] = (parse_timestamp(values[index]) - _EPOCH) // _MICROSECOND
                done[index] = True
    slow |= ~done
    return pa.array(micros, TIMESTAMP, mask=~done, memory_pool=READ_POOL)


def _text_micros(texts: list[str], positions: np.ndarray, micros: np.ndarray, done: np.ndarray) -> None:
    if not texts:
        return
    column = pa.array(texts, pa.string(), memory_pool=READ_POOL)
    matched = pc.match_substring_regex(column, _ISO_WITH_ZONE)
    try:
        parsed = pc.filter(column, matched).cast(TIMESTAMP)
    except pa.ArrowInvalid:
        return  # a date that does not exist (February 30th): parse_timestamp says which
    chosen = positions[matched.to_numpy(zero_copy_only=False)]
    micros[chosen] = parsed.cast(pa.int64()).to_numpy()
    done[chosen] = True


def _number_micros(numbers: list[int | float], positions: np.ndarray, micros: np.ndarray, done: np.ndarray) -> None:
    """Epoch numbers read by their magnitude, in parse_timestamp's own arithmetic: an int is
    compared exactly and divided as its nearest float; the seconds then become whole seconds
    and microseconds rounded half to even, as datetime.fromtimestamp does."""
    if not numbers:
        return
    whole = np.array([number.__class__ is int for number in numbers], dtype=bool)
    try:
        integers = np.array([number if number.__class__ is int else 0 for number in numbers], dtype=np.int64)
    except OverflowError:
        return  # beyond 64 bits: parse_timestamp judges them
    floats = np.array(numbers, dtype=np.float64)
    whole &= integers != np.iinfo(np.int64).min  # no int64 magnitude; as a float it compares the same
    magnitude = np.abs(floats)
    int_magnitude = np.abs(np.where(whole, integers, 0))
    scale = np.where(
        whole,
        np.select([int_magnitude < 10**11, int_magnitude < 10**14, int_magnitude < 10**17], [1.0, 1e3, 1e6], 1e9),
        np.select([magnitude < 1e11, magnitude < 1e14, magnitude < 1e17], [1.0, 1e3, 1e6], 1e9),
    )
    with np.errstate(invalid="ignore", over="ignore"):
        seconds = floats / scale
        fraction, integral = np.modf(seconds)
        fraction = np.rint(fraction * 1e6)
        integral = np.where(fraction >= 1e6, integral + 1, np.where(fraction < 0, integral - 1, integral))
        fraction = np.where(fraction >= 1e6, fraction - 1e6, np.where(fraction < 0, fraction + 1e6, fraction))
        # inside years 1..9999 with a margin; parse_timestamp judges what is near or beyond the ends
        usable = (seconds > _EPOCH_SECONDS_MIN) & (seconds < _EPOCH_SECONDS_MAX)
        result = np.where(usable, integral, 0).astype(np.int64) * 1_000_000 + np.where(usable, fraction, 0).astype(
            np.int64
        )
    exact = whole & (scale == 1.0)  # whole seconds given as an int: no float on the way
    result = np.where(exact, np.where(usable, integers, 0) * 1_000_000, result)
    micros[positions[usable]] = result[usable]
    done[positions[usable]] = True
