"""Vectorised text for simulated exchanges: prompts from compiled grammars, responses from text blobs.

Arrow's ``take`` is fast for short strings, so prompts are assembled from short pieces and slot
values with dictionary decodes and one ``binary_join_element_wise``. Long texts (responses,
reasoning) are one slice each of a pre-generated blob, cut at sentence boundaries, gathered with
a single ``bytes.join`` over memoryview slices: one copy, no per-character Python work.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.simulate import vocab as V

_SLOT = re.compile(r"\{([a-z0-9_]+)\}")
_ALTERNATIVES = re.compile(r"\[([^\[\]]*\|[^\[\]]*)\]")
HEX_DIGITS = np.frombuffer(b"0123456789abcdef", np.uint8)


def take_strings(strings: pa.Array, indices: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``strings[indices]`` as a plain string array (a dictionary decode: fast for short strings)."""
    mask = None if valid is None else ~valid
    codes = pa.array(indices.astype(np.int32, copy=False), pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(codes, strings).cast(pa.string())


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def hex_ids(prefix: str, values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Opaque ids ``prefix + 16 hex digits`` for uint64 values, built without a Python loop.

    >>> hex_ids("acct_", np.array([255], np.uint64)).to_pylist()
    ['acct_00000000000000ff']
    """
    head = prefix.encode()
    count = len(values)
    width = len(head) + 16
    out = np.empty((count, width), np.uint8)
    out[:, : len(head)] = np.frombuffer(head, np.uint8)
    values = values.astype(np.uint64, copy=False)
    for digit in range(16):
        out[:, len(head) + digit] = HEX_DIGITS[((values >> np.uint64(60 - 4 * digit)) & np.uint64(15)).astype(np.intp)]
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), count, [_validity(valid), pa.py_buffer(offsets), pa.py_buffer(out)])


def mix64(values: np.ndarray, salt: int) -> np.ndarray:
    """A keyed bijection on uint64 (splitmix64's finaliser): distinct inputs give distinct ids."""
    with np.errstate(over="ignore"):
        x = values.astype(np.uint64) + np.uint64(salt & 0xFFFFFFFFFFFFFFFF)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def gather_slices(blob: memoryview, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """One string per row: ``blob[start:end]`` (rows that are not valid are null and copy nothing)."""
    count = len(starts)
    lengths = (ends - starts).astype(np.int64)
    if valid is not None:
        lengths = np.where(valid, lengths, 0)
    offsets = np.zeros(count + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    keep = lengths > 0
    data = b"".join(map(blob.__getitem__, map(slice, starts[keep].tolist(), ends[keep].tolist())))
    kind = pa.string() if offsets[-1] < 2**31 - 1 else pa.large_string()
    offsets = offsets.astype(np.int32) if kind == pa.string() else offsets
    return pa.Array.from_buffers(kind, count, [_validity(valid), pa.py_buffer(offsets), pa.py_buffer(data)])


def _expand(template: str) -> list[str]:
    """Every combination of the ``[a|b|c]`` alternatives in a template."""
    parts = _ALTERNATIVES.split(template)
    fixed, options = parts[0::2], [group.split("|") for group in parts[1::2]]
    out = []
    for choice in itertools.product(*options):
        text = fixed[0]
        for option, tail in zip(choice, fixed[1:], strict=True):
            text += option + tail
        out.append(re.sub(r"  +", " ", text).strip())
    return out


@dataclass(frozen=True)
class Template:
    area: str
    lang: str
    style: str
    median_chars: int
    pieces: tuple[str, ...]
    slots: tuple[str, ...]


class Grammar:
    """Templates over capability areas with slot vocabularies, rendered for many rows at once.

    >>> grammar = Grammar(np.random.default_rng(0))
    >>> ids = grammar.templates_for("coding", "en")
    >>> texts = grammar.render(ids[:3], np.random.default_rng(1)).to_pylist()
    >>> len(texts), all(texts)
    (3, True)
    """

    LANGS = ("en", "es", "de", "fr", "zh", "ja")

    def __init__(self, rng: np.random.Generator):
        vocab = {**V.VOCAB, **V.generated_vocab(rng)}
        self._vocab_strings: list[str] = [""]
        self._vocab_span: dict[str, tuple[int, int]] = {}
        for name, values in vocab.items():
            self._vocab_span[name] = (len(self._vocab_strings), len(values))
            self._vocab_strings.extend(values)
        self.vocab = vocab
        self._pieces: dict[str, int] = {"": 0}
        self.templates: list[Template] = []
        self._area_lang: dict[tuple[str, str], list[int]] = {}
        for area, lang, style, median, text in V.TEMPLATES:
            for variant in _expand(text):
                self.add(area, lang, style, median, variant)
        self._frozen: tuple | None = None

    def add_vocabulary(self, name: str, values: list[str]) -> None:
        """Register a new slot vocabulary (before any template that uses it)."""
        if name in self._vocab_span or not values:
            raise KeyError(f"vocabulary {name!r} exists already or is empty")
        self._vocab_span[name] = (len(self._vocab_strings), len(values))
        self._vocab_strings.extend(values)
        self._frozen = None

    def add(self, area: str, lang: str, style: str, median_chars: int, text: str) -> int:
        """Register one template (``{slot}`` references only) and return its id."""
        parts = _SLOT.split(text)
        pieces, slots = tuple(parts[0::2]), tuple(parts[1::2])
        for slot in slots:
            if slot not in self._vocab_span:
                raise KeyError(f"template {text[:60]!r} uses unknown vocabulary {slot!r}")
        template_id = len(self.templates)
        self.templates.append(Template(area, lang, style, median_chars, pieces, slots))
        for piece in pieces:
            self._pieces.setdefault(piece, len(self._pieces))
        self._area_lang.setdefault((area, lang), []).append(template_id)
        self._frozen = None
        return template_id

    def variants(self, text: str, count: int, rng: np.random.Generator) -> list[str]:
        """Up to ``count`` distinct expansions of a template's alternatives, in random order."""
        expanded = _expand(text)
        order = rng.permutation(len(expanded))[:count]
        return [expanded[i] for i in order]

    def templates_for(self, area: str, lang: str = "en") -> np.ndarray:
        return np.asarray(self._area_lang.get((area, lang), []), np.int64)

    def areas(self) -> set[str]:
        return {area for area, _ in self._area_lang}

    def _arrays(self) -> tuple:
        if self._frozen is None:
            width = max(len(t.slots) for t in self.templates)
            count = len(self.templates)
            piece_ids = np.zeros((count, width + 1), np.int32)
            slot_start = np.zeros((count, width), np.int64)
            slot_size = np.ones((count, width), np.int64)
            n_slots = np.zeros(count, np.int64)
            for tid, template in enumerate(self.templates):
                n_slots[tid] = len(template.slots)
                for j, piece in enumerate(template.pieces):
                    piece_ids[tid, j] = self._pieces[piece]
                for j, slot in enumerate(template.slots):
                    slot_start[tid, j], slot_size[tid, j] = self._vocab_span[slot]
            pieces = pa.array(list(self._pieces), pa.string())
            values = pa.array(self._vocab_strings, pa.string())
            styles = np.array([t.style for t in self.templates])
            medians = np.array([t.median_chars for t in self.templates], np.float64)
            self._frozen = (piece_ids, slot_start, slot_size, n_slots, pieces, values, styles, medians)
        return self._frozen

    def template_styles(self) -> np.ndarray:
        return self._arrays()[6]

    def template_medians(self) -> np.ndarray:
        return self._arrays()[7]

    def render(self, template_ids: np.ndarray, rng: np.random.Generator, keys: np.ndarray | None = None) -> pa.Array:
        """One prompt per template id; rows with a non-zero ``key`` always fill their slots the same way."""
        piece_ids, slot_start, slot_size, n_slots, pieces, values, *_ = self._arrays()
        count = len(template_ids)
        if count == 0:
            return pa.array([], pa.string())
        width = int(n_slots[template_ids].max())
        columns = [take_strings(pieces, piece_ids[template_ids, 0])]
        for j in range(width):
            draw = (rng.random(count) * slot_size[template_ids, j]).astype(np.int64)
            if keys is not None:
                fixed = keys != 0
                keyed = (mix64(keys[fixed], j + 1) % slot_size[template_ids[fixed], j].astype(np.uint64)).astype(
                    np.int64
                )
                draw[fixed] = keyed
            columns.append(take_strings(values, slot_start[template_ids, j] + draw))
            columns.append(take_strings(pieces, piece_ids[template_ids, j + 1]))
        if len(columns) == 1:
            return columns[0]
        return pc.binary_join_element_wise(*columns, "")


# --- response and reasoning text -------------------------------------------------------------

_PROSE = {
    "en": (
        V._w(
            "In short,|Generally speaking,|The key point is that|One useful way to think about it is that|"
            "In practice,|For most people,|It depends, but usually|A common approach is that|Importantly,|"
            "As a rule of thumb,|To be precise,|On the other hand,|That said,|Here is the idea:"
        ),
        V._w(
            "the main factor is consistency over time|small changes add up faster than expected|"
            "the simplest option tends to work best|you should start with the basics and build from there|"
            "the costs and benefits need to be weighed carefully|context matters more than any single rule|"
            "the evidence points in a fairly clear direction|it helps to break the problem into smaller steps|"
            "timing and preparation make a big difference|there are trade-offs between speed and quality|"
            "the answer changes with your specific goals|a quick check can save a lot of trouble later|"
            "people often overlook the second-order effects|the underlying mechanism is simpler than it looks"
        ),
        V._w(
            ".|, which is why it is worth planning ahead.|, so keep that in mind.|, especially at the start.|"
            " in most everyday situations.|, and that is usually enough.|, as the examples below show."
        ),
    ),
    "es": (
        V._w("En resumen,|Por lo general,|Lo más importante es que|En la práctica,|Sin embargo,|Además,"),
        V._w(
            "la constancia es clave|conviene empezar por lo básico|hay que comparar costes y beneficios|"
            "el contexto importa mucho|los pequeños cambios suman|es útil dividir el problema en pasos"
        ),
        V._w(".|, sobre todo al principio.|, así que tenlo en cuenta.| en la mayoría de los casos."),
    ),
    "de": (
        V._w("Kurz gesagt|Im Allgemeinen|Wichtig ist, dass|In der Praxis|Allerdings|Außerdem"),
        V._w(
            "ist Beständigkeit entscheidend|sollte man mit den Grundlagen beginnen|muss man Kosten und Nutzen abwägen|"
            "spielt der Kontext eine große Rolle|summieren sich kleine Änderungen|hilft es, das Problem aufzuteilen"
        ),
        V._w(".|, besonders am Anfang.|, das sollte man beachten.| in den meisten Fällen."),
    ),
    "fr": (
        V._w("En bref,|En général,|L'essentiel est que|En pratique,|Cependant,|De plus,"),
        V._w(
            "la régularité est essentielle|il vaut mieux commencer par les bases|il faut peser le pour et le contre|"
            "le contexte compte beaucoup|les petits changements s'additionnent|il est utile de découper le problème"
        ),
        V._w(".|, surtout au début.|, gardez-le en tête.| dans la plupart des cas."),
    ),
    "zh": (
        V._w("简单来说，|一般来说，|关键在于|实际上，|不过，|此外，|需要注意的是，"),
        V._w("坚持最重要|应该从基础开始|要权衡成本和收益|具体情况很重要|小的改变会积累起来|可以把问题拆成几个步骤"),
        V._w("。|，尤其是在开始的时候。|，这一点要记住。|，大多数情况下都适用。"),
    ),
    "ja": (
        V._w("簡単に言うと、|一般的に、|大切なのは、|実際には、|ただし、|また、"),
        V._w(
            "継続することが重要です|基本から始めるのがよいです|コストと効果を比べる必要があります|状況によって答えは変わります|小さな変化が積み重なります"
        ),
        V._w("。|。特に最初が大切です。|。覚えておいてください。"),
    ),
}
_CODE_LINES = [
    line
    for line in (
        "def main():|    result = process(items)|    return result|for item in items:|    if item is None:|"
        "        continue|const data = await fetch(url);|if (!response.ok) throw new Error(response.statusText);|"
        "return data.map(x => x.id);|"
        "import os|import json|from pathlib import Path|    with open(path) as f:|        lines = f.readlines()|"
        "func handle(w http.ResponseWriter, r *http.Request) {|	if err != nil {|		return err|	}|}|"
        "SELECT customer_id, SUM(amount) AS total|FROM orders|GROUP BY customer_id|ORDER BY total DESC|LIMIT 5;|"
        '    cache[key] = value|    logger.info("done in %.2fs", elapsed)|assert result == expected|'
        'df = pd.read_csv("data.csv")|df.groupby("region")["sales"].mean()|let mut total = 0;|total += x;'
    ).split("|")
    if line.strip()
]  # keep indentation
_CODE_PROSE = V._w(
    "Here is a straightforward implementation.|This version handles the edge cases explicitly.|"
    "The loop runs in linear time.|You can test it with a few sample inputs.|"
    "Note that the function returns early when the input is empty.|A dictionary keeps lookups constant time.|"
    "If performance matters, consider caching the result.|The error comes from calling the method on a missing value."
)
_MATH = V._w(
    "First, write down what we know.|Let x be the unknown quantity.|Substituting the values gives|"
    "Multiply both sides by 2.|Subtract the constant from both sides.|So the total is the sum of the parts.|"
    "Check: plugging the answer back in works.|Step 1: identify the rate.|Step 2: apply it to the time.|"
    "Step 3: simplify the expression.|Therefore the answer is|This means we divide by the number of groups.|"
    "We can factor the quadratic.|Using the formula for compound interest,|"
    "The probability is favorable over total outcomes."
)
_REASONING = V._w(
    "Okay, let me think about what is being asked.|The user wants a clear answer, so I should be careful.|"
    "Let me re-read the problem.|Hmm, wait, that doesn't look right.|Let me check this step again.|"
    "So the first thing to figure out is the constraint.|If I try a small example, it works.|"
    "Actually, I made an arithmetic slip; correcting it.|Another approach would be to work backwards.|"
    "I should consider the edge case where the input is empty.|That gives the same result, good.|"
    "Now let me structure the final answer.|The tools returned enough information to continue.|"
    "I need to verify this before responding.|Let me compare the two options."
)
_LABELS = V._w(
    "positive|negative|neutral|Positive|NEGATIVE|A|B|C|D|The answer is B.|Answer: C|YES - the comment contains spam.|"
    "NO - the comment is a normal opinion.|allow|review|remove|billing, account|shipping|tech, business|MIXED|42|"
    "Answer: 17|high|low|medium"
)


def _sentences_for(style: str, rng: np.random.Generator, count: int) -> list[str]:
    pick = rng.integers
    if style.startswith("prose"):
        lang = style.split("_")[1] if "_" in style else "en"
        openers, middles, endings = _PROSE[lang]
        space = "" if lang in ("zh", "ja") else " "
        out = []
        for o, m, e, brk in zip(
            pick(0, len(openers), count),
            pick(0, len(middles), count),
            pick(0, len(endings), count),
            rng.random(count),
            strict=True,
        ):
            sentence = f"{openers[o]}{space}{middles[m]}{endings[e]}{space}"
            if brk < 0.12:
                sentence += "\n\n"
            elif brk < 0.2:
                sentence = "- " + sentence.rstrip() + "\n"
            out.append(sentence)
        return out
    if style == "code":
        out = []
        for size, prose in zip(pick(2, 9, count), pick(0, len(_CODE_PROSE), count), strict=True):
            lines = [_CODE_LINES[i] for i in pick(0, len(_CODE_LINES), size)]
            out.append(f"{_CODE_PROSE[prose]}\n\n```\n" + "\n".join(lines) + "\n```\n\n")
        return out
    if style.startswith("math"):
        out = []
        for line, a, b in zip(pick(0, len(_MATH), count), pick(2, 999, count), pick(2, 99, count), strict=True):
            text = _MATH[line]
            out.append(f"{text} {a} / {b} = {a / b:.3f}.\n" if text.endswith(("gives", "is", ",")) else text + "\n")
        return out
    if style == "reasoning":
        return [
            _REASONING[i] + (" " if r > 0.2 else "\n\n")
            for i, r in zip(pick(0, len(_REASONING), count), rng.random(count), strict=True)
        ]
    if style == "json":
        keys = V.VOCAB["column_name"]
        return [
            f'{{"{keys[a]}": "{keys[b]}-{n}", "{keys[c]}": {n % 997}, "confidence": 0.{n % 100:02d}}}\n'
            for a, b, c, n in zip(
                pick(0, len(keys), count),
                pick(0, len(keys), count),
                pick(0, len(keys), count),
                pick(0, 10**6, count),
                strict=True,
            )
        ]
    if style == "tool_call":
        tools = V._w(
            "web_search|read_file|run_shell|python|sql_query|click|type_text|screenshot|send_email|create_ticket"
        )
        out = []
        for t, n, r in zip(pick(0, len(tools), count), pick(0, 10**5, count), rng.random(count), strict=True):
            if r < 0.6:
                out.append(f'{{"type": "tool_use", "name": "{tools[t]}", "input": {{"query": "item {n}"}}}}\n')
            else:
                out.append(f"I'll use {tools[t]} to check step {n % 9 + 1} before continuing. ")
        return out
    if style == "label":
        return [_LABELS[i] + "\n" for i in pick(0, len(_LABELS), count)]
    raise KeyError(style)


class ResponseText:
    """Blobs of synthetic text per style; a response is one slice of whole sentences.

    >>> text = ResponseText(np.random.default_rng(0), sentences=200)
    >>> out = text.sample(np.array([0, 0]), np.array([300, 50]), np.random.default_rng(1))
    >>> [len(s) > 0 for s in out.to_pylist()]
    [True, True]
    """

    STYLES = (
        "prose",
        "prose_es",
        "prose_de",
        "prose_fr",
        "prose_zh",
        "prose_ja",
        "code",
        "math",
        "math_long",
        "reasoning",
        "json",
        "tool_call",
        "label",
    )

    def __init__(self, rng: np.random.Generator, sentences: int = 20000):
        chunks: list[bytes] = []
        starts: list[np.ndarray] = []
        self.region: list[tuple[int, int]] = []  # (first sentence, sentence count) per style
        position = 0
        sentence_index = 0
        for style in self.STYLES:
            encoded = [s.encode() for s in _sentences_for(style, rng, sentences)]
            lengths = np.fromiter((len(s) for s in encoded), np.int64, len(encoded))
            starts.append(position + np.concatenate([[0], np.cumsum(lengths)[:-1]]))
            chunks.extend(encoded)
            self.region.append((sentence_index, len(encoded)))
            position += int(lengths.sum())
            sentence_index += len(encoded)
        self.blob = memoryview(b"".join(chunks))
        self.starts = np.concatenate([*starts, [position]])  # a sentinel closes the last style

    def sample(
        self, style_ids: np.ndarray, lengths: np.ndarray, rng: np.random.Generator, valid: np.ndarray | None = None
    ) -> pa.Array:
        """A text of about ``lengths`` bytes per row, in the row's style (whole sentences)."""
        count = len(style_ids)
        begin = np.zeros(count, np.int64)
        end = np.zeros(count, np.int64)
        for style in np.unique(style_ids):
            rows = np.flatnonzero(style_ids == style)
            first, size = self.region[int(style)]
            region_starts = self.starts[first : first + size + 1]
            span = region_starts[-1] - region_starts[0]
            want = np.minimum(lengths[rows], span // 2).astype(np.int64)
            # choose a start far enough from the region's end to fit the wanted length
            limit = np.searchsorted(region_starts, region_starts[-1] - want, side="right") - 1
            pick = (rng.random(len(rows)) * np.maximum(limit, 1)).astype(np.int64)
            lo = region_starts[pick]
            stop = np.searchsorted(region_starts, lo + want, side="left")
            stop = np.clip(np.maximum(stop, pick + 1), 1, size)
            begin[rows] = lo
            end[rows] = region_starts[stop]
        return gather_slices(self.blob, begin, end, valid)
