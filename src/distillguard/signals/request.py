"""Per-exchange request signals over Arrow batches: what each prompt asks the model to do.

Every signal is computed for a whole batch by a few Arrow (RE2) and numpy passes; no Python
runs per exchange except hashing each *distinct* template text once. The columns are named
once, in :data:`SIGNAL_COLUMNS`; profiles, the streaming scorer and the report derive their
names from it.

How the family scores are made (``cot_elicitation`` ... ``censorship_rewrite``, and the text
part of ``agentic``): one pass of every family's trigger words marks the rows worth reading;
on those rows each family's strong patterns are counted and its weak patterns matched. A
family scores 0 without a strong cue, ``SCORE_STRONG`` with one, plus ``SCORE_SUPPORT`` for a
supporting weak cue and plus ``SCORE_SUPPORT`` for a second strong cue (capped at 1). A
signal is "on" at ``ON`` (0.5) or more, i.e. as soon as one strong cue is present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import InputError
from distillguard.schema import TIMESTAMP
from distillguard.signals import lexicon
from distillguard.signals.language import detect_language
from distillguard.signals.template import template_keys

ON = 0.5
SCORE_STRONG = 0.7
SCORE_SUPPORT = 0.15
SCORE_PERSONA_SYSTEM = 0.8  # a persona opening the system prompt
SCORE_PERSONA_PROMPT = 0.5  # a persona opening the user prompt ("act as a ...")
SCORE_TOOLS = 0.7  # tools declared in the request
SCORE_MANY_TOOLS = 0.85  # three or more
CAPABILITIES = (
    "agentic",
    "vision",
    "coding",
    "math",
    "translation",
    "data_analysis",
    "reasoning",
    "writing",
    "chit_chat",
    "other",
)

# The text the family patterns read: instructions sit at the ends of long prompts, and a
# bounded window keeps one huge prompt from costing as much as a thousand ordinary ones.
SYSTEM_HEAD, SYSTEM_TAIL = 768, 256
PROMPT_HEAD, PROMPT_TAIL = 512, 256
PERSONA_CHARS = 200  # persona cues are read at the opening of the system prompt and prompt
CAPABILITY_SYSTEM, CAPABILITY_PROMPT = 160, 320
CHIT_CHAT_CHARS = 80
CHUNK_ROWS = 32_768
REQUIRED_COLUMNS = ("exchange_id", "account_id", "ts", "system", "prompt", "tools", "n_images")


@dataclass(frozen=True)
class SignalColumn:
    """One output column of :func:`request_signals`: name, Arrow type, meaning and range.

    >>> SIGNAL_COLUMNS[0].name, str(SIGNAL_COLUMNS[0].type)
    ('cot_elicitation', 'float')
    """

    name: str
    type: pa.DataType
    description: str


SIGNAL_COLUMNS: tuple[SignalColumn, ...] = (
    SignalColumn(
        "cot_elicitation",
        pa.float32(),
        "0..1, on >= 0.5: asks for step-by-step reasoning, a chain of thought, shown work or a rationale",
    ),
    SignalColumn(
        "reasoning_extraction",
        pa.float32(),
        "0..1, on >= 0.5: asks the model to repeat, reveal, translate, encode or continue its hidden reasoning",
    ),
    SignalColumn(
        "rubric_grading",
        pa.float32(),
        "0..1, on >= 0.5: uses the model as a judge or reward model (scores, rubrics, response A vs B)",
    ),
    SignalColumn(
        "synthetic_data",
        pa.float32(),
        "0..1, on >= 0.5: asks for N new diverse examples, question-answer pairs or a dataset",
    ),
    SignalColumn(
        "censorship_rewrite",
        pa.float32(),
        "0..1, on >= 0.5: asks to rewrite text so that it passes censorship, filters or refusals",
    ),
    SignalColumn(
        "persona_system",
        pa.float32(),
        "0..1, on >= 0.5: opens with a persona ('You are an expert ...'): 0.8+ in the system prompt, 0.5+ in prompt",
    ),
    SignalColumn(
        "agentic",
        pa.float32(),
        "0..1, on >= 0.5: declares tools, or its text carries tool schemas, ReAct steps or computer-use actions",
    ),
    SignalColumn(
        "capability",
        pa.string(),
        "the capability asked for, one of CAPABILITIES",
    ),
    SignalColumn(
        "language",
        pa.string(),
        "ISO 639-1 code of the prompt (of the system prompt when the prompt is empty), or 'und'",
    ),
    SignalColumn(
        "template_key",
        pa.string(),
        "16 hex digits; variants of one prompt template (other slot fillers) share it",
    ),
    SignalColumn(
        "template_generic",
        pa.bool_(),
        "true when the key's text is too short to tell templates apart ('hi', 'Solution:'): not a shared template",
    ),
    SignalColumn("prompt_chars", pa.int32(), "characters in the prompt"),
    SignalColumn("system_chars", pa.int32(), "characters in the system prompt (0 when there is none)"),
)
SCORE_COLUMNS = tuple(c.name for c in SIGNAL_COLUMNS if c.type == pa.float32())
SIGNALS_SCHEMA = pa.schema(
    [
        pa.field("exchange_id", pa.string(), nullable=False),
        pa.field("account_id", pa.string(), nullable=False),
        pa.field("ts", TIMESTAMP, nullable=False),
        *(pa.field(c.name, c.type) for c in SIGNAL_COLUMNS),
    ]
)

# Families read on the scan text; persona is read on openings only.
_TEXT_FAMILIES = tuple(name for name in lexicon.FAMILIES if name != "persona_system")
_ALL_TRIGGERS = [t for name in _TEXT_FAMILIES for t in lexicon.FAMILIES[name].triggers]
_TRIGGERS_ASCII = lexicon.trigger_pattern([t for t in _ALL_TRIGGERS if t.isascii()])
_TRIGGERS_OTHER = lexicon.trigger_pattern([t for t in _ALL_TRIGGERS if not t.isascii()])
_CHUNKS = {
    name: (lexicon.FAMILIES[name].strong_chunks(ascii=True), lexicon.FAMILIES[name].strong_chunks(ascii=False))
    for name in _TEXT_FAMILIES
}
_CAPABILITY_DOMAINS = tuple(name for name in lexicon.CAPABILITY_CUES if name != "writing")
_CAPABILITY_PATTERN = "(?i)" + "|".join(
    f"(?P<{name}>{lexicon.unicode_words(lexicon.CAPABILITY_CUES[name])})" for name in _CAPABILITY_DOMAINS
)
_WRITING_PATTERN = lexicon.unicode_words(lexicon.CAPABILITY_CUES["writing"])


def request_signals(table: pa.Table | pa.RecordBatch) -> pa.Table:
    """Signals of each exchange: one row per input row, in order, with ``SIGNALS_SCHEMA``.

    ``table`` has canonical exchange columns (:data:`distillguard.schema.EXCHANGE_SCHEMA`);
    only ``REQUIRED_COLUMNS`` are read.

    >>> from datetime import datetime, UTC
    >>> rows = pa.table({"exchange_id": ["e1", "e2"], "account_id": ["a", "b"],
    ...     "ts": pa.array([datetime(2026, 2, 1, tzinfo=UTC)] * 2, TIMESTAMP),
    ...     "system": [None, "You are an impartial judge."],
    ...     "prompt": ["Solve 3x + 1 = 10. Let's think step by step.", "Rate response A and response B from 1 to 10."],
    ...     "tools": [[], []], "n_images": pa.array([0, 0], pa.int16())})
    >>> out = request_signals(rows)
    >>> [[round(v, 2) for v in out.column(c).to_pylist()] for c in ("cot_elicitation", "rubric_grading")]
    [[0.85, 0.0], [0.0, 1.0]]
    >>> out.column("capability").to_pylist(), out.column("language").to_pylist()
    (['math', 'other'], ['en', 'en'])
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in table.schema.names]
    if missing:
        raise InputError(
            f"exchanges lack column(s) {', '.join(missing)}",
            hint="pass canonical exchanges (distillguard.schema.EXCHANGE_SCHEMA)",
        )
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    table = table.select(list(REQUIRED_COLUMNS))
    if table.num_rows == 0:
        return SIGNALS_SCHEMA.empty_table()
    parts = [_signals_of_batch(batch) for batch in table.to_batches(max_chunksize=CHUNK_ROWS) if batch.num_rows]
    return pa.Table.from_batches(parts, schema=SIGNALS_SCHEMA)


def _signals_of_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    n = batch.num_rows
    system = pc.fill_null(pc.cast(batch.column("system"), pa.string()), "")
    prompt = pc.fill_null(pc.cast(batch.column("prompt"), pa.string()), "")
    prompt_chars = pc.cast(pc.utf8_length(prompt), pa.int32())
    system_chars = pc.cast(pc.utf8_length(system), pa.int32())

    scan = pc.binary_join_element_wise(
        _window(system, SYSTEM_HEAD, SYSTEM_TAIL), _window(prompt, PROMPT_HEAD, PROMPT_TAIL), "\n\n"
    )
    scores = _family_scores(scan)

    persona = _persona_score(system, prompt)
    tools = np.asarray(pc.fill_null(pc.list_value_length(batch.column("tools")), 0), dtype=np.int64)
    tool_score = np.where(tools >= 3, SCORE_MANY_TOOLS, np.where(tools > 0, SCORE_TOOLS, 0.0))
    text_score = scores["agentic"]
    agentic = np.maximum(tool_score, text_score) + np.where((tool_score > 0) & (text_score > 0), SCORE_SUPPORT, 0.0)
    scores["agentic"] = np.minimum(agentic, 1.0)
    scores["persona_system"] = persona

    n_images = np.asarray(pc.fill_null(batch.column("n_images"), 0), dtype=np.int64)
    capability = _capability(system, prompt, np.asarray(prompt_chars), scores, n_images)
    language = detect_language(pc.if_else(pc.equal(prompt_chars, 0), system, prompt))
    template_key, template_generic = template_keys(system, prompt)

    columns: dict[str, pa.Array] = {
        "exchange_id": batch.column("exchange_id"),
        "account_id": batch.column("account_id"),
        "ts": batch.column("ts"),
    }
    for name in SCORE_COLUMNS:
        columns[name] = pa.array(np.round(scores[name], 3).astype(np.float32), pa.float32())
    columns["capability"] = capability
    columns["language"] = language
    columns["template_key"] = template_key
    columns["template_generic"] = template_generic
    columns["prompt_chars"] = prompt_chars
    columns["system_chars"] = system_chars
    assert all(len(column) == n for column in columns.values())
    return pa.RecordBatch.from_arrays([pc.cast(columns[f.name], f.type) for f in SIGNALS_SCHEMA], schema=SIGNALS_SCHEMA)


def _window(text: pa.Array, head: int, tail: int) -> pa.Array:
    """The first ``head`` and last ``tail`` characters of long texts, the whole of short ones."""
    long_rows = pc.greater(pc.utf8_length(text), head + tail)
    if not pc.any(long_rows).as_py():
        return text
    picked = pc.filter(text, long_rows)
    cut = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(picked, 0, head), pc.utf8_slice_codeunits(picked, -tail), "\n…\n"
    )
    return pc.replace_with_mask(text, long_rows, cut)


def _family_scores(scan: pa.Array) -> dict[str, np.ndarray]:
    n = len(scan)
    scores = {name: np.zeros(n, dtype=np.float64) for name in _TEXT_FAMILIES}
    non_ascii = np.asarray(pc.not_equal(pc.utf8_length(scan), pc.binary_length(scan)))
    hot = _matches(scan, _TRIGGERS_ASCII)
    other_rows = np.flatnonzero(non_ascii & ~hot)
    if other_rows.size:
        hot[other_rows] = _matches(scan.take(pa.array(other_rows)), _TRIGGERS_OTHER)
    hot_rows = np.flatnonzero(hot)
    if hot_rows.size == 0:
        return scores
    hot_text = scan.take(pa.array(hot_rows))
    hot_non_ascii = np.flatnonzero(non_ascii[hot_rows])
    hot_non_ascii_text = hot_text.take(pa.array(hot_non_ascii)) if hot_non_ascii.size else None
    for name in _TEXT_FAMILIES:
        family = lexicon.FAMILIES[name]
        ascii_chunks, other_chunks = _CHUNKS[name]
        strong = np.zeros(hot_rows.size, dtype=np.int64)
        for chunk in ascii_chunks:
            strong += _count(hot_text, chunk)
        if hot_non_ascii_text is not None:
            for chunk in other_chunks:
                strong[hot_non_ascii] += _count(hot_non_ascii_text, chunk)
        if family.negated and strong.any():
            strong -= _count(hot_text, family.negated_pattern)
        found = np.flatnonzero(strong > 0)
        if found.size == 0:
            continue
        score = SCORE_STRONG + np.where(strong[found] >= 2, SCORE_SUPPORT, 0.0)
        if family.weak:
            weak = _matches(hot_text.take(pa.array(found)), family.weak_pattern)
            score += np.where(weak, SCORE_SUPPORT, 0.0)
        scores[name][hot_rows[found]] = np.minimum(score, 1.0)
    return scores


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern, ignore_case=True), False))


def _count(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.count_substring_regex(text, pattern, ignore_case=True), 0), dtype=np.int64)


def _persona_score(system: pa.Array, prompt: pa.Array) -> np.ndarray:
    family = lexicon.PERSONA_SYSTEM
    system_head = pc.utf8_slice_codeunits(system, 0, PERSONA_CHARS)
    prompt_head = pc.utf8_slice_codeunits(prompt, 0, PERSONA_CHARS)

    def matches(text: pa.Array, pattern: str) -> np.ndarray:
        return np.asarray(pc.match_substring_regex(text, pattern, ignore_case=True))

    in_system = matches(system_head, family.strong_pattern)
    in_prompt = matches(prompt_head, family.strong_pattern)
    expert = matches(system_head, family.weak_pattern) | matches(prompt_head, family.weak_pattern)
    score = np.where(in_system, SCORE_PERSONA_SYSTEM, np.where(in_prompt, SCORE_PERSONA_PROMPT, 0.0))
    score += np.where((score > 0) & expert, 0.2, 0.0)
    return np.minimum(score, 1.0)


def _capability(
    system: pa.Array,
    prompt: pa.Array,
    prompt_chars: np.ndarray,
    scores: dict[str, np.ndarray],
    n_images: np.ndarray,
) -> pa.Array:
    text = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(system, 0, CAPABILITY_SYSTEM),
        pc.utf8_slice_codeunits(prompt, 0, CAPABILITY_PROMPT),
        "\n",
    )
    n = len(text)
    result = np.full(n, "other", dtype=object)
    found = pc.extract_regex(text, _CAPABILITY_PATTERN)
    decided = np.zeros(n, dtype=bool)
    valid = np.asarray(pc.is_valid(found))
    for name in _CAPABILITY_DOMAINS:
        group = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(pc.struct_field(found, name)), 0), False))
        hit = valid & group & ~decided
        result[hit] = name
        decided |= hit
    reasoning = ~decided & (scores["cot_elicitation"] >= ON)
    result[reasoning] = "reasoning"
    decided |= reasoning
    writing = ~decided & np.asarray(pc.match_substring_regex(text, _WRITING_PATTERN, ignore_case=True))
    result[writing] = "writing"
    decided |= writing
    greeting = np.asarray(pc.match_substring_regex(prompt, lexicon.CHIT_CHAT, ignore_case=True))
    chit_chat = ~decided & greeting & (prompt_chars <= CHIT_CHAT_CHARS)
    result[chit_chat] = "chit_chat"
    # What the request is built for overrides what its text talks about.
    result[n_images > 0] = "vision"
    result[scores["agentic"] >= ON] = "agentic"
    return pa.array(result, pa.string())
