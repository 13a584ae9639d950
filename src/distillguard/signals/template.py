"""Template keys: one hash per exchange that variants of one prompt template share.

A distillation pipeline sends one scaffold (system prompt, instruction lines, output format)
with varying slot fillers (the problem, the topic, a number, a name, a quoted document). The
key is a hash of the *scaffold*, found by three cheap, per-row steps:

1. **Which text.** A system prompt of ``SYSTEM_ALONE_CHARS`` or more is the template by itself
   (pipelines put their instructions there and the item in the prompt). Otherwise the key
   reads the system prompt (if any) plus *one line of the prompt*: the first or the last
   non-empty line, whichever has more instruction words (``META``) or ends with a colon.
   Slot fillers are whole blocks far more often than they are the first *and* the last line,
   so this skips a problem statement put before ("{problem}\\nReason step by step.") or
   after ("Translate into French:\\n{text}") the instruction.
2. **Masking.** In that text, quoted spans, code, URLs, e-mail addresses, numbers,
   capitalised words inside a sentence (names) and the content after a short ``Label:`` are
   replaced by ``#``; case is folded.
3. **Hashing.** The masked text is hashed (xxh3, 64 bits) and written as 16 hex digits.

Two distinct human prompts collide only when their chosen line is the same after masking,
which mostly happens for short, generic prompts: ``template_generic`` flags keys whose
masked text has fewer than ``GENERIC_CHARS`` letters ("hi", "Solution:", "# + # = ?"), and
later stages should not treat such keys as rare. A light paraphrase of the scaffold gives
a different key; the collision rates measured on the corpus are in the signals tests.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from distillguard.signals.text import ascii_rows, per_form, slice_chars

SYSTEM_ALONE_CHARS = 80
SYSTEM_CHARS = 400  # how much of a system prompt the key reads
LINE_WINDOW = 400  # how far into the prompt (from either end) lines are looked for
LINE_CHARS = 240  # how much of the chosen line the key reads
GENERIC_CHARS = 12

# Words by which an instruction line addresses the model (several languages); the line with
# more of them is taken as the scaffold.
META = (
    r"(?:^|[^\pL])(?:you|your|please|following|below|above|given|provide|answer|respond|response|output|"
    r"format|return|generate|write|list|step|reason|solve|explain|translate|summari[sz]e|classify|evaluate|rate|"
    r"score|json|must|should|only|do not|don't|task|instruction|question|problem|text|passage|example|assistant|"
    r"model|criteria|make sure|put|boxed|final|describe|create|rewrite|use|ensure|include|read|consider|based on|"
    r"por favor|responde|escribe|siguiente|tarea|réponds|écris|suivant|tâche|bitte|antworte|schreibe|folgende|"
    r"aufgabe|responda|escreva|seguinte|tarefa|ответь|напиши|следующ|задач)(?:$|[^\pL])"
    r"|请|回答|以下|下面|任务|格式|答案|してください|次の|以下の|回答|形式|다음|답변|작성|형식"
)
CODE_LINE = (
    r"^\s*(?:from \S+ import |import |#include|def |class |function |public |private |const |let |var |package |"
    r"using |<\?php|select |create table|@|//|/\*|#!)|[;{}]\s*$|^\s*(?:\"\"\"|'''|```)"
)
# Slot fillers, replaced by "#". The rewrite keeps group 1 (a short label before its colon)
# and group 2 (the lower-case letter or comma and blank before a name inside a sentence:
# Title Case headings are scaffold, not names).
MASK = (
    r"```[\s\S]*?(?:```|$)|`[^`\n]+`"
    r"|https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+"
    r"|\"[^\"\n]+\"|“[^”\n]+”|«[^»\n]+»|「[^」\n]+」|『[^』\n]+』|‘[^’\n]+’"
    r"|\{\{?[^{}\n]+\}?\}|<[A-Z][A-Z_]{2,}>|\[[A-Z_]{2,}\]"
    r"|\d[\d.,:/-]*"
    r"|^([^:\n]{1,40}:)[ \t]+\S[^\n]*"
    r"|([\p{Ll}\pN,;][ \t]+)\p{Lu}[\pL'’-]+(?:[ \t]+\p{Lu}[\pL'’-]+)*"
)
_MASK_REWRITE = r"\1\2#"


def template_keys(
    system: pa.Array, prompt: pa.Array, *, prompt_ascii: np.ndarray | None = None
) -> tuple[pa.Array, pa.Array]:
    """(template_key, template_generic) per exchange; see the module docstring.

    ``system`` may be dictionary-encoded (as :func:`request_signals` passes it): the system
    prompt's part of the key is then computed once per distinct system prompt. ``prompt_ascii``
    (:func:`distillguard.signals.text.ascii_rows` of the prompts) saves a pass when known.

    >>> system = pa.array([None, None, None])
    >>> prompt = pa.array(["Solve for x.\\nPlease reason step by step, and put your answer in a box.",
    ...                    "What is 12*7?\\nPlease reason step by step, and put your answer in a box.",
    ...                    "hi"])
    >>> keys, generic = template_keys(system, prompt)
    >>> keys = keys.to_pylist()
    >>> keys[0] == keys[1], keys[0] == keys[2], generic.to_pylist()
    (True, False, [False, False, True])
    """
    if isinstance(system, pa.ChunkedArray):
        system = system.combine_chunks()
    if not pa.types.is_dictionary(system.type) or system.null_count or system.dictionary.null_count:
        if pa.types.is_dictionary(system.type):
            system = system.dictionary_decode()
        system = pc.dictionary_encode(pc.fill_null(pc.cast(system, pa.string()), ""))
    system_rows = np.asarray(system.indices)
    distinct_text = _mask(slice_chars(pc.cast(system.dictionary, pa.string()), 0, SYSTEM_CHARS))
    distinct_alone = np.asarray(pc.greater_equal(pc.utf8_length(distinct_text), SYSTEM_ALONE_CHARS))
    # A long system prompt is the key by itself: key and flag once per distinct system prompt.
    texts = [pc.utf8_lower(distinct_text)]
    key_rows = system_rows.astype(np.int64)

    with_line = np.flatnonzero(~distinct_alone[system_rows])
    if with_line.size:
        prompt = pc.fill_null(pc.cast(prompt, pa.string()), "").take(pa.array(with_line))
        ascii = ascii_rows(prompt) if prompt_ascii is None else prompt_ascii[with_line]
        # Pipelines repeat their instruction line: mask, join and hash once per distinct pair
        # of system prompt and line.
        lines = pc.dictionary_encode(_scaffold_line(prompt, ascii))
        line_rows = np.asarray(lines.indices, dtype=np.int64)
        pairs, pair_rows = np.unique(system_rows[with_line] * len(lines.dictionary) + line_rows, return_inverse=True)
        masked_lines = _mask(lines.dictionary)
        text = pc.binary_join_element_wise(
            distinct_text.take(pa.array(pairs // len(lines.dictionary))),
            masked_lines.take(pa.array(pairs % len(lines.dictionary))),
            "\x1f",
        )
        texts.append(pc.utf8_lower(text))
        key_rows[with_line] = len(distinct_text) + pair_rows.reshape(-1)
    text = pa.concat_arrays(texts)
    keys = _hash_hex(text).take(pa.array(key_rows))
    generic = _few_letters(text)[key_rows]
    return keys, pa.array(generic, pa.bool_())


def _scaffold_line(prompt: pa.Array, ascii: np.ndarray) -> pa.Array:
    """The line of each prompt that the key reads (trimmed): see step 1 of the module docstring."""
    head = pc.utf8_ltrim_whitespace(slice_chars(prompt, 0, LINE_WINDOW, ascii=ascii))
    first = slice_chars(_first_line(head), 0, LINE_CHARS, ascii=ascii)
    # The last line of the last LINE_WINDOW characters, trailing blanks dropped, at most LINE_CHARS.
    tail = pc.utf8_rtrim_whitespace(slice_chars(prompt, -LINE_WINDOW, ascii=ascii))
    last = slice_chars(_last_line(tail), -LINE_CHARS, ascii=ascii)
    first_trimmed = pc.utf8_trim_whitespace(first)
    one_line = np.asarray(pc.equal(first_trimmed, pc.utf8_trim_whitespace(last)))
    line = first_trimmed
    # Where the first and the last line differ, the one with more instruction words wins.
    two = np.flatnonzero(~one_line)
    if two.size:
        two_rows = pa.array(two)
        first_two, last_two = first.take(two_rows), last.take(two_rows)
        first_score = _meta_score(first_two, ascii[two])
        last_score = _meta_score(last_two, ascii[two])
        chosen = pc.if_else(pa.array(last_score > first_score), last_two, first_two)
        # Neither end reads like an instruction: no scaffold to find, key the whole opening so
        # that distinct prompts keep distinct keys.
        no_scaffold = (first_score == 0) & (last_score == 0)
        chosen = pc.if_else(pa.array(no_scaffold), head.take(two_rows), chosen)
        mask = np.zeros(len(prompt), dtype=bool)
        mask[two] = True
        line = pc.replace_with_mask(line, pa.array(mask), pc.utf8_trim_whitespace(chosen))
    return line


def _first_line(text: pa.Array) -> pa.Array:
    return pc.list_element(pc.split_pattern(text, "\n", max_splits=1), 0)


def _last_line(text: pa.Array) -> pa.Array:
    parts = pc.split_pattern(text, "\n", max_splits=1, reverse=True)
    ends = np.asarray(parts.offsets)[1:] - 1
    return parts.values.take(pa.array(ends))


def _meta_score(line: pa.Array, ascii: np.ndarray) -> np.ndarray:
    """Instruction words, plus 2 for a closing colon; 0 for a line of code."""
    score = np.zeros(len(line), dtype=np.int64)
    # A line of code is content, whatever words ("list", "return", "input") it uses.
    prose = np.flatnonzero(~np.asarray(pc.fill_null(pc.match_substring_regex(line, CODE_LINE), False)))
    if prose.size:
        text = line.take(pa.array(prose))
        count = partial(pc.count_substring_regex, ignore_case=True)
        words = np.asarray(pc.fill_null(per_form(text, ascii[prose], META, count), 0), dtype=np.int64)
        colon = np.asarray(pc.fill_null(pc.ends_with(pc.utf8_rtrim_whitespace(text), ":"), False))
        score[prose] = words + 2 * colon
    return score


def _mask(text: pa.Array, ascii: np.ndarray | None = None) -> pa.Array:
    replace = partial(pc.replace_substring_regex, replacement=_MASK_REWRITE)
    return per_form(text, ascii_rows(text) if ascii is None else ascii, MASK, replace)


def _few_letters(text: pa.Array) -> np.ndarray:
    """Fewer than ``GENERIC_CHARS`` letters in the first ``4 * GENERIC_CHARS`` characters."""
    opening = slice_chars(text, 0, 4 * GENERIC_CHARS)
    n = len(opening)
    letters = np.zeros(n, dtype=np.int64)
    if n == 0:
        return letters < GENERIC_CHARS
    offsets = np.frombuffer(opening.buffers()[1], dtype=np.int32)[opening.offset : opening.offset + n + 1]
    offsets = offsets.astype(np.int64)
    data = opening.buffers()[2]
    if data is not None and offsets[-1] > offsets[0]:
        raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
        folded = raw | 0x20
        ascii_letter = (folded >= ord("a")) & (folded <= ord("z"))
        running = np.concatenate(([0], np.cumsum(ascii_letter, dtype=np.int64)))
        letters = running[offsets[1:] - offsets[0]] - running[offsets[:-1] - offsets[0]]
    # Other scripts: what is left once every non-letter is gone (one pass, few matches).
    other = np.flatnonzero(np.asarray(pc.not_equal(pc.utf8_length(opening), pc.binary_length(opening))))
    if other.size:
        only_letters = pc.replace_substring_regex(opening.take(pa.array(other)), r"\PL+", "")
        letters[other] = np.asarray(pc.utf8_length(only_letters), dtype=np.int64)
    return letters < GENERIC_CHARS


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hash_hex(text: pa.Array) -> pa.Array:
    """xxh3-64 of each string as 16 lowercase hex digits (hashed once per distinct string)."""
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    uniques = encoded.dictionary.to_pylist()
    digests = np.fromiter((xxhash.xxh3_64_intdigest(u.encode()) for u in uniques), dtype=np.uint64, count=len(uniques))
    # Big-endian bytes -> two hex digits per byte, in one vectorised pass.
    raw = digests.astype(">u8").view(np.uint8).reshape(-1, 8)
    chars = np.empty((len(uniques), 16), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 0x0F]
    offsets = np.arange(0, 16 * len(uniques) + 1, 16, dtype=np.int32)
    hexes = pa.StringArray.from_buffers(len(uniques), pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))
    return hexes.take(encoded.indices)
