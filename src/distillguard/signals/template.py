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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

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


def template_keys(system: pa.Array, prompt: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(template_key, template_generic) per exchange; see the module docstring.

    >>> system = pa.array([None, None, None])
    >>> prompt = pa.array(["Solve for x.\\nPlease reason step by step, and put your answer in a box.",
    ...                    "What is 12*7?\\nPlease reason step by step, and put your answer in a box.",
    ...                    "hi"])
    >>> keys, generic = template_keys(system, prompt)
    >>> keys = keys.to_pylist()
    >>> keys[0] == keys[1], keys[0] == keys[2], generic.to_pylist()
    (True, False, [False, False, True])
    """
    system = pc.fill_null(pc.cast(system, pa.string()), "")
    prompt = pc.fill_null(pc.cast(prompt, pa.string()), "")
    system_text = _mask(pc.utf8_slice_codeunits(system, 0, SYSTEM_CHARS))
    alone = pc.greater_equal(pc.utf8_length(system_text), SYSTEM_ALONE_CHARS)

    head = pc.utf8_ltrim_whitespace(pc.utf8_slice_codeunits(prompt, 0, LINE_WINDOW))
    first = pc.utf8_slice_codeunits(_first_line(head), 0, LINE_CHARS)
    tail = pc.utf8_ltrim_whitespace(pc.utf8_reverse(pc.utf8_slice_codeunits(prompt, -LINE_WINDOW)))
    last = pc.utf8_reverse(pc.utf8_slice_codeunits(_first_line(tail), 0, LINE_CHARS))
    one_line = pc.equal(pc.utf8_trim_whitespace(first), pc.utf8_trim_whitespace(last))
    first_score = _meta_score(first)
    last_score = _meta_score(last)
    line = pc.if_else(pc.greater(last_score, first_score), last, first)
    # Neither end reads like an instruction: no scaffold to find, key the whole opening so
    # that distinct prompts keep distinct keys.
    no_scaffold = pc.and_(pc.invert(one_line), pc.and_(pc.equal(first_score, 0), pc.equal(last_score, 0)))
    line = pc.if_else(no_scaffold, head, line)
    line_text = _mask(pc.utf8_trim_whitespace(line))

    text = pc.if_else(alone, system_text, pc.binary_join_element_wise(system_text, line_text, "\x1f"))
    text = pc.utf8_lower(text)
    letters = pc.count_substring_regex(pc.utf8_slice_codeunits(text, 0, 4 * GENERIC_CHARS), r"\pL")
    generic = pc.less(pc.fill_null(letters, 0), GENERIC_CHARS)
    return _hash_hex(text), generic


def _first_line(text: pa.Array) -> pa.Array:
    return pc.list_element(pc.split_pattern(text, "\n", max_splits=1), 0)


def _meta_score(line: pa.Array) -> pa.Array:
    words = pc.count_substring_regex(line, META, ignore_case=True)
    colon = pc.cast(pc.ends_with(pc.utf8_rtrim_whitespace(line), ":"), pa.int32())
    score = pc.add(pc.fill_null(words, 0), pc.multiply(colon, 2))
    # A line of code is content, whatever words ("list", "return", "input") it uses.
    return pc.if_else(pc.match_substring_regex(line, CODE_LINE), 0, score)


def _mask(text: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(text, MASK, _MASK_REWRITE)


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
