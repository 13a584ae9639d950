"""Per-exchange request signals over Arrow batches: what each prompt asks the model to do.

Every signal is computed for a whole batch by Arrow (RE2), Hyperscan and numpy passes; no
Python runs per exchange except one Hyperscan call per row and hashing each *distinct*
template text once. The columns are named once, in :data:`SIGNAL_COLUMNS`; profiles and the
report derive their names from it.

How the family scores are made (``cot_elicitation`` ... ``censorship_rewrite``, and the text
part of ``agentic``): each family's strong cues are counted and its weak cues matched, on rows
that also hold a trigger word (of any family). A family scores 0 without a strong cue,
``SCORE_STRONG`` with one, plus ``SCORE_SUPPORT`` for a supporting weak cue and plus
``SCORE_SUPPORT`` for a second strong cue (capped at 1). A signal is "on" at the settings'
``signal_threshold`` (0.5 by default) or more, i.e. as soon as one strong cue is present.

How it stays fast, with the scores still RE2's own (tests/test_signals_fast_paths.py): one
Hyperscan pass per row finds the few rows where a chunk of strong cues may match
(:mod:`.multiscan`), and only those are counted by RE2; whatever depends on the system prompt
alone (its window, persona, capability opening, template part) is computed once per distinct
system prompt, as pipelines send one system prompt thousands of times; pure-ASCII strings are
cut by bytes (:mod:`.text`) and read by ASCII forms of the patterns, which compile faster (RE2
compiles a pattern on every Arrow call, several milliseconds for the large ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import InputError
from distillguard.schema import TIMESTAMP
from distillguard.signals import lexicon
from distillguard.signals.language import WINDOW as LANGUAGE_WINDOW
from distillguard.signals.language import detect_language
from distillguard.signals.multiscan import MultiScan
from distillguard.signals.template import template_keys
from distillguard.signals.text import ascii_form, per_form, slice_chars

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
CHUNK_ROWS = 65_536  # the scan reads batches of this size: one batch, one set of RE2 compiles
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
# The strong cues of each family in chunks (see lexicon.Family.strong_chunk_cues): (family
# index, the chunk's cues, whether the chunk is read on rows without non-ASCII text).
_CHUNKS = tuple(
    (index, cues, ascii)
    for index, name in enumerate(_TEXT_FAMILIES)
    for ascii in (True, False)
    for cues in lexicon.FAMILIES[name].strong_chunk_cues(ascii=ascii)
)
_CHUNK_PATTERNS = tuple("|".join(f"(?:{cue})" for cue in cues) for _, cues, _ in _CHUNKS)
# One Hyperscan pass per row says which chunks may match there (a superset of RE2's matches).
_CHUNK_SCAN = MultiScan([cues for _, cues, _ in _CHUNKS])
# The mark _window puts between the head and the tail of a long text, and the character that
# stands for it in the text the families read: no pattern of the lexicon names either, in a
# literal or a class, and both are caseless characters outside \w, \s, \d and \pL, so every
# pattern matches the same spans with either (tests/test_signals_fast_paths.py checks it). DEL
# keeps long rows pure ASCII, the fast path of Hyperscan and of the patterns.
_WINDOW_MARK, _STAND_IN = "…", "\x7f"
_CAPABILITY_DOMAINS = tuple(name for name in lexicon.CAPABILITY_CUES if name != "writing")


def _without_word_tails(pattern: str) -> str:
    """The pattern with ``\\w*`` cut from the end of each top-level alternative.

    Which group of the capability pattern matches first depends only on where each cue
    starts, never on how far a trailing ``\\w*`` runs on ("translat\\w*"); without it the
    pattern has no Unicode word class left, which is most of RE2's time compiling it.
    """
    branches, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 2 if pattern[i + 1 : i + 2] == "]" or pattern[i + 1 : i + 3] == "^]" else 1
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    branches.append(pattern[start:])
    return "|".join(b[:-3] if b.endswith(r"\w*") and len(b) > 3 else b for b in branches)


_CAPABILITY_PATTERN = "(?i)" + "|".join(
    f"(?P<{name}>{lexicon.unicode_words(_without_word_tails(lexicon.CAPABILITY_CUES[name]))})"
    for name in _CAPABILITY_DOMAINS
)
_WRITING_PATTERN = lexicon.unicode_words(lexicon.CAPABILITY_CUES["writing"])


@cache
def default_threshold() -> float:
    """The default settings' ``signal_threshold``: where a 0..1 signal is on."""
    from distillguard.settings import load_settings

    return load_settings().signal_threshold


def request_signals(table: pa.Table | pa.RecordBatch, *, on: float | None = None) -> pa.Table:
    """Signals of each exchange: one row per input row, in order, with ``SIGNALS_SCHEMA``.

    ``table`` has canonical exchange columns (:data:`distillguard.schema.EXCHANGE_SCHEMA`);
    only ``REQUIRED_COLUMNS`` are read. ``on`` is the settings' ``signal_threshold`` (the
    default settings' when not given): a request whose chain-of-thought signal is on is about
    reasoning, one whose agentic signal is on is agentic.

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
    threshold = default_threshold() if on is None else on
    parts = [
        _signals_of_batch(batch, threshold) for batch in table.to_batches(max_chunksize=CHUNK_ROWS) if batch.num_rows
    ]
    return pa.Table.from_batches(parts, schema=SIGNALS_SCHEMA)


def _signals_of_batch(batch: pa.RecordBatch, on: float) -> pa.RecordBatch:
    n = batch.num_rows
    # System prompts repeat massively (one per pipeline or product): everything read from
    # the system prompt alone is computed once per distinct system prompt.
    system = pc.dictionary_encode(pc.fill_null(pc.cast(batch.column("system"), pa.string()), ""))
    systems = _Distinct(system.dictionary, np.asarray(system.indices))
    prompt = _Texts(pc.fill_null(pc.cast(batch.column("prompt"), pa.string()), ""))
    system_chars = pa.array(systems.chars[systems.rows], pa.int32())

    scores = _family_scores(systems, prompt)
    scores["persona_system"] = _persona_score(systems, prompt)
    tools = np.asarray(pc.fill_null(pc.list_value_length(batch.column("tools")), 0), dtype=np.int64)
    tool_score = np.where(tools >= 3, SCORE_MANY_TOOLS, np.where(tools > 0, SCORE_TOOLS, 0.0))
    text_score = scores["agentic"]
    agentic = np.maximum(tool_score, text_score) + np.where((tool_score > 0) & (text_score > 0), SCORE_SUPPORT, 0.0)
    scores["agentic"] = np.minimum(agentic, 1.0)

    n_images = np.asarray(pc.fill_null(batch.column("n_images"), 0), dtype=np.int64)
    capability = _capability(systems, prompt, scores, n_images, on)
    language = detect_language(_prompt_or_system(systems, prompt), ascii=_prompt_or_system_ascii(systems, prompt))
    template_key, template_generic = template_keys(system, prompt.text, prompt_ascii=prompt.ascii)

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
    columns["prompt_chars"] = pa.array(prompt.chars, pa.int32())
    columns["system_chars"] = system_chars
    assert all(len(column) == n for column in columns.values())
    return pa.RecordBatch.from_arrays([pc.cast(columns[f.name], f.type) for f in SIGNALS_SCHEMA], schema=SIGNALS_SCHEMA)


class _Texts:
    """A string column (nulls filled) with, per row, its length in characters and whether it is pure ASCII."""

    def __init__(self, text: pa.Array):
        self.text = text
        self.chars = np.asarray(pc.utf8_length(text), dtype=np.int64)
        self.ascii = self.chars == np.asarray(pc.binary_length(text), dtype=np.int64)

    def head(self, chars: int) -> pa.Array:
        return slice_chars(self.text, 0, chars, ascii=self.ascii)


class _Distinct(_Texts):
    """The distinct system prompts of a batch, and which one each row holds (``rows``)."""

    def __init__(self, text: pa.Array, rows: np.ndarray):
        super().__init__(text)
        self.rows = rows
        self.row_indices = pa.array(rows)

    def per_row(self, values: pa.Array) -> pa.Array:
        return values.take(self.row_indices)


def _prompt_or_system(systems: _Distinct, prompt: _Texts) -> pa.Array:
    """The prompt, or the opening of the system prompt where the prompt is empty (for the language)."""
    empty = prompt.chars == 0
    if not empty.any():
        return prompt.text
    system_head = systems.head(LANGUAGE_WINDOW)
    return pc.replace_with_mask(prompt.text, pa.array(empty), system_head.take(pa.array(systems.rows[empty])))


def _prompt_or_system_ascii(systems: _Distinct, prompt: _Texts) -> np.ndarray:
    return np.where(prompt.chars == 0, systems.ascii[systems.rows], prompt.ascii)


def _window(texts: _Texts, head: int, tail: int, mark: str) -> pa.Array:
    """The first ``head`` and last ``tail`` characters of long texts, joined by ``mark`` on its
    own line; the whole of short ones."""
    long_rows = texts.chars > head + tail
    if not long_rows.any():
        return texts.text
    rows = np.flatnonzero(long_rows)
    picked = texts.text.take(pa.array(rows))
    ascii = texts.ascii[rows]
    cut = pc.binary_join_element_wise(
        slice_chars(picked, 0, head, ascii=ascii), slice_chars(picked, -tail, ascii=ascii), f"\n{mark}\n"
    )
    return pc.replace_with_mask(texts.text, pa.array(long_rows), cut)


def _family_scores(systems: _Distinct, prompt: _Texts) -> dict[str, np.ndarray]:
    """Family scores: exact RE2 counts, read only where the one-pass prefilter saw a strong cue.

    The text read is the window of the system prompt, a blank line and the window of the
    prompt, with DEL for the window mark (see ``_STAND_IN``). A row scores 0 for a family
    without a strong cue, and a chunk of cues counts 0 on a row where none of its cues
    matches, so the prefilter (a superset of RE2's matches, see :mod:`.multiscan`) only skips
    counts that would be 0. RE2 compiles a pattern on every call, so a chunk is only counted
    in batches where it may match, and on ASCII rows in its :func:`.text.ascii_form`.
    """
    n = len(prompt.text)
    scores = {name: np.zeros(n, dtype=np.float64) for name in _TEXT_FAMILIES}
    system_window = systems.per_row(_window(systems, SYSTEM_HEAD, SYSTEM_TAIL, _STAND_IN))
    prompt_window = _window(prompt, PROMPT_HEAD, PROMPT_TAIL, _STAND_IN)
    text = pc.binary_join_element_wise(system_window, prompt_window, "\n\n")
    # With DEL for the mark, the text is pure ASCII where the system prompt and prompt are.
    all_ascii = systems.ascii[systems.rows] & prompt.ascii
    maybe = _CHUNK_SCAN.scan(text, ascii=all_ascii)
    candidates = np.flatnonzero(maybe.any(axis=0))
    if candidates.size == 0:
        return scores
    text = text.take(pa.array(candidates))
    maybe = maybe[:, candidates]
    system_rows = systems.rows[candidates]
    ascii = all_ascii[candidates]
    # "Non-ASCII" as the text with the window mark is: the rows the other scripts' chunks
    # and trigger words are read on, as they always were.
    marked = (systems.chars[system_rows] > SYSTEM_HEAD + SYSTEM_TAIL) | (
        prompt.chars[candidates] > PROMPT_HEAD + PROMPT_TAIL
    )
    non_ascii = ~ascii | marked
    # The trigger words stay the gate they were: a strong cue without one does not count.
    hot = _matches(text, _TRIGGERS_ASCII)
    other_rows = np.flatnonzero(non_ascii & ~hot)
    if other_rows.size:
        hot[other_rows] = _matches(text.take(pa.array(other_rows)), _TRIGGERS_OTHER)
    strong = np.zeros((len(_TEXT_FAMILIES), candidates.size), dtype=np.int64)
    for chunk, (family_index, _, on_ascii_rows) in enumerate(_CHUNKS):
        rows = maybe[chunk] & hot if on_ascii_rows else maybe[chunk] & hot & non_ascii
        strong[family_index] += _count_rows(text, rows, ascii, _CHUNK_PATTERNS[chunk])
    for index, name in enumerate(_TEXT_FAMILIES):
        family = lexicon.FAMILIES[name]
        counts = strong[index]
        if family.negated and counts.any():
            counts = counts - _count_rows(text, counts > 0, ascii, family.negated_pattern)
        found = np.flatnonzero(counts > 0)
        if found.size == 0:
            continue
        score = SCORE_STRONG + np.where(counts[found] >= 2, SCORE_SUPPORT, 0.0)
        if family.weak:
            weak = _count_rows(text, counts > 0, ascii, family.weak_pattern, exists=True)[found] > 0
            score += np.where(weak, SCORE_SUPPORT, 0.0)
        scores[name][candidates[found]] = np.minimum(score, 1.0)
    return scores


def _count_rows(
    text: pa.Array, rows: np.ndarray, ascii: np.ndarray, pattern: str, *, exists: bool = False
) -> np.ndarray:
    """Matches of ``pattern`` (1/0 with ``exists``) in the ``rows`` (a mask) of ``text``; 0 elsewhere."""
    counts = np.zeros(len(text), dtype=np.int64)
    for on_ascii in (True, False):
        picked = np.flatnonzero(rows & (ascii == on_ascii))
        if picked.size == 0:
            continue
        part = text.take(pa.array(picked))
        form = ascii_form(pattern) if on_ascii else pattern
        counts[picked] = _matches(part, form) if exists else _count(part, form)
    return counts


def _matches(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern, ignore_case=True), False))


def _count(text: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.count_substring_regex(text, pattern, ignore_case=True), 0), dtype=np.int64)


def _persona_score(systems: _Distinct, prompt: _Texts) -> np.ndarray:
    """Persona cues at the opening of the system prompt (read once per distinct one) and of the prompt."""
    family = lexicon.PERSONA_SYSTEM
    system_head = systems.head(PERSONA_CHARS)
    in_system = _matches(system_head, family.strong_pattern)[systems.rows]
    expert = _matches(system_head, family.weak_pattern)[systems.rows]
    prompt_head = prompt.head(PERSONA_CHARS)
    in_prompt = _matches(prompt_head, family.strong_pattern)
    score = np.where(in_system, SCORE_PERSONA_SYSTEM, np.where(in_prompt, SCORE_PERSONA_PROMPT, 0.0))
    # The prompt's expert words only matter where a persona was found and the system had none.
    unknown = np.flatnonzero((score > 0) & ~expert)
    if unknown.size:
        expert[unknown] = _matches(prompt_head.take(pa.array(unknown)), family.weak_pattern)
    score += np.where((score > 0) & expert, 0.2, 0.0)
    return np.minimum(score, 1.0)


def _capability(
    systems: _Distinct, prompt: _Texts, scores: dict[str, np.ndarray], n_images: np.ndarray, on: float
) -> pa.Array:
    text = pc.binary_join_element_wise(
        systems.per_row(systems.head(CAPABILITY_SYSTEM)), prompt.head(CAPABILITY_PROMPT), "\n"
    )
    n = len(text)
    result = np.full(n, "other", dtype=object)
    ascii = systems.ascii[systems.rows] & prompt.ascii
    found = per_form(text, ascii, _CAPABILITY_PATTERN, pc.extract_regex)
    decided = np.zeros(n, dtype=bool)
    valid = np.asarray(pc.is_valid(found))
    for name in _CAPABILITY_DOMAINS:
        group = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(pc.struct_field(found, name)), 0), False))
        hit = valid & group & ~decided
        result[hit] = name
        decided |= hit
    reasoning = ~decided & (scores["cot_elicitation"] >= on)
    result[reasoning] = "reasoning"
    decided |= reasoning
    # Writing verbs and greetings only decide what no domain cue did: read them there only.
    undecided = np.flatnonzero(~decided)
    if undecided.size:
        writing = _count_rows(text, ~decided, ascii, _WRITING_PATTERN, exists=True)[undecided] > 0
        result[undecided[writing]] = "writing"
        decided[undecided[writing]] = True
    short = np.flatnonzero(~decided & (prompt.chars <= CHIT_CHAT_CHARS))
    if short.size:
        greeting = _matches(prompt.text.take(pa.array(short)), lexicon.CHIT_CHAT)
        result[short[greeting]] = "chit_chat"
    # What the request is built for overrides what its text talks about.
    result[n_images > 0] = "vision"
    result[scores["agentic"] >= on] = "agentic"
    return pa.array(result, pa.string())
