"""The fast paths of the request signals give exactly what the plain RE2 passes would give.

Each test checks one equivalence the speed rests on: the Hyperscan prefilter never misses a
chunk of cues that RE2 matches, the ASCII forms of the patterns and the byte slices read ASCII
text as the Unicode ones do, one DFA pass stands for a count, the window mark's stand-in is read
like the mark, and a batch read on two threads gives what it gives on one.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial

import hyperscan
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from distillguard.schema import TIMESTAMP
from distillguard.signals import language as lang
from distillguard.signals import lexicon, request_signals
from distillguard.signals import request as req
from distillguard.signals import template as tpl
from distillguard.signals.multiscan import FOLD_GAPS
from distillguard.signals.text import ascii_form, ascii_rows, slice_chars

from .conftest import corpus_or_skip


def corpus_rows() -> tuple[list[str | None], list[str]]:
    systems, prompts = [], []
    for path in sorted(corpus_or_skip().glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            item = json.loads(line)
            system_prompt = item.get("role") == "system"
            systems.append(item["text"] if system_prompt else item.get("system"))
            prompts.append("" if system_prompt else item["text"])
    return systems, prompts


def mutated(texts: list[str], seed: int) -> list[str]:
    """Case, script and spacing variants that the prefilter must not lose."""
    rng = random.Random(seed)
    changes = [
        str.upper,
        str.title,
        lambda t: t.replace("s", "\u017f").replace("k", "\u212a"),  # RE2 folds these onto s and k
        lambda t: t.replace("в", "\u1c80").replace("о", "\u1c82"),  # and these onto Cyrillic letters
        lambda t: t.replace(" ", "\n"),
        lambda t: "“" + t + "” " + t,
    ]
    return [rng.choice(changes)(text) if text else text for text in texts]


def family_text(systems: list[str | None], prompts: list[str], mark: str) -> pa.Array:
    """The text the families read, as request._family_scores builds it, with ``mark``."""
    system = pc.dictionary_encode(pc.fill_null(pa.array(systems, pa.string()), ""))
    distinct = req._Distinct(system.dictionary, np.asarray(system.indices))
    prompt = req._Texts(pa.array(prompts, pa.string()))
    system_window = distinct.per_row(req._window(distinct, req.SYSTEM_HEAD, req.SYSTEM_TAIL, mark))
    return pc.binary_join_element_wise(
        system_window, req._window(prompt, req.PROMPT_HEAD, req.PROMPT_TAIL, mark), "\n\n"
    )


@pytest.fixture(scope="module")
def texts() -> pa.Array:
    systems, prompts = corpus_rows()
    return pa.concat_arrays(
        [
            family_text(systems, prompts, req._STAND_IN),
            family_text(mutated(systems, 1), mutated(prompts, 2), req._STAND_IN),
        ]
    )


def test_prefilter_never_misses_a_chunk_that_re2_matches(texts):
    maybe = req._CHUNK_SCAN.scan(texts)
    matched = 0
    for chunk, pattern in enumerate(req._CHUNK_PATTERNS):
        truth = np.asarray(pc.match_substring_regex(texts, pattern, ignore_case=True))
        missed = np.flatnonzero(truth & ~maybe[chunk])
        assert missed.size == 0, (chunk, texts[int(missed[0])].as_py()[:200])
        matched += int(truth.sum())
    assert matched > 500  # the corpus does exercise the cues
    assert maybe.any(axis=0).mean() < 0.5  # and the prefilter does skip rows


def test_fold_gaps_cover_every_letter_hyperscan_folds_unlike_re2():
    letters = {
        char
        for family in lexicon.FAMILIES.values()
        for pattern in (*family.strong_cues, family.weak_pattern, family.negated_pattern)
        for char in pattern
        if char.isalpha()
    }
    # Candidates: every code point whose case mapping meets a lexicon letter, or an ASCII letter.
    targets = {c.lower() for c in letters} | {c.upper() for c in letters} | set("abcdefghijklmnopqrstuvwxyz")
    candidates = [
        chr(code)
        for code in range(0x80, 0x30000)
        if not 0xD800 <= code <= 0xDFFF and (chr(code).lower() in targets or chr(code).upper() in targets)
    ]
    flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH
    gaps = set()
    for letter in [*sorted(letters), r"\w", "[a-z]"]:
        re2 = np.asarray(pc.match_substring_regex(pa.array(candidates), letter, ignore_case=True))
        database = hyperscan.Database()
        database.compile(expressions=[letter.encode()], ids=[0], flags=[flags])
        for i in np.flatnonzero(re2):
            found = []
            database.scan(candidates[i].encode(), lambda *match, found=found: found.append(match))
            if not found:
                gaps.add(candidates[i])
    assert gaps, "the check found none of the known gaps: is it still testing anything?"
    in_gaps = np.asarray(pc.match_substring_regex(pa.array(sorted(gaps)), FOLD_GAPS))
    assert in_gaps.all(), [c for c, ok in zip(sorted(gaps), in_gaps, strict=True) if not ok]


def test_the_window_mark_and_its_stand_in_are_read_alike():
    patterns = [
        *req._CHUNK_PATTERNS,
        req._TRIGGERS_ASCII,
        req._TRIGGERS_OTHER,
        *(f.weak_pattern for f in lexicon.FAMILIES.values() if f.weak),
        *(f.negated_pattern for f in lexicon.FAMILIES.values() if f.negated),
    ]
    assert not any(req._WINDOW_MARK in p or req._STAND_IN in p for p in patterns)
    pair = pa.array([req._WINDOW_MARK, req._STAND_IN])
    for cls in (r"\w", r"\W", r"\s", r"\S", r"\d", r"\pL", r"\pN", ".", "[^.!?\n]", r"\b", "(?i)[a-z]"):
        found = pc.match_substring_regex(pair, f"^{cls}").to_pylist()
        assert found[0] == found[1], cls
    systems, prompts = corpus_rows()
    marked = family_text(systems, prompts, req._WINDOW_MARK)
    stand_in = family_text(systems, prompts, req._STAND_IN)
    long_rows = pa.array(np.asarray(pc.not_equal(marked, stand_in)))
    marked, stand_in = marked.filter(long_rows), stand_in.filter(long_rows)
    assert len(marked) > 100
    for pattern in patterns:
        a = pc.count_substring_regex(marked, pattern, ignore_case=True)
        b = pc.count_substring_regex(stand_in, pattern, ignore_case=True)
        assert a.equals(b), pattern[:80]


def test_ascii_forms_read_ascii_text_as_the_patterns_do(texts):
    ascii_texts = texts.filter(pa.array(ascii_rows(texts)))
    assert len(ascii_texts) > 5000
    calls = {
        tpl.MASK: partial(pc.replace_substring_regex, replacement=tpl._MASK_REWRITE),
        tpl.META: partial(pc.count_substring_regex, ignore_case=True),
        req._CAPABILITY_PATTERN: pc.extract_regex,
        req._WRITING_PATTERN: partial(pc.match_substring_regex, ignore_case=True),
        lang._word(lang._LATIN_WORDS["en"]): partial(pc.count_substring_regex, ignore_case=True),
        **{p: partial(pc.count_substring_regex, ignore_case=True) for p in req._CHUNK_PATTERNS},
    }
    for pattern, call in calls.items():
        assert call(ascii_texts, ascii_form(pattern)).equals(call(ascii_texts, pattern)), pattern[:80]


def test_slice_chars_cuts_as_utf8_slicing_does():
    rng = random.Random(5)
    alphabet = ["a", "b", " ", "\n", "é", "…", "日", "😀"]
    values = [
        None if rng.random() < 0.05 else "".join(rng.choices(alphabet, k=rng.randint(0, 40))) for _ in range(3000)
    ]
    text = pa.array(values).slice(3)
    for start, stop in [(0, 5), (-4, None), (3, 10), (-10, -2), (0, 1000), (-1000, None), (7, None)]:
        assert slice_chars(text, start, stop).to_pylist() == pc.utf8_slice_codeunits(text, start, stop).to_pylist()


def test_one_dfa_pass_tells_three_english_words_as_counting_does():
    rng = random.Random(3)
    words = [*lang._LATIN_WORDS["en"].split("|"), "cat", "xyz", "lets", "dont", "s", "t", "m", "é"]
    gaps = [" ", "  ", "'", "’", ",", ".", "\n", "", "-", "é", "1"]
    values = ["".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(0, 8))) for _ in range(20_000)]
    text = pa.array(values)
    counted = lang._count(text, lang._LATIN_WORDS["en"], words=True) >= lang._CLEAR_ENGLISH
    assert counted.any() and not counted.all()
    assert (lang._at_least(text, lang._LATIN_WORDS["en"], lang._CLEAR_ENGLISH) == counted).all()
    plain = np.flatnonzero(ascii_rows(text))
    fast = lang._at_least(text.take(pa.array(plain)), lang._LATIN_WORDS["en"], lang._CLEAR_ENGLISH, ascii=True)
    assert (fast == counted[plain]).all()


def test_letter_counts_in_one_pass_equal_counting_letter_by_letter():
    rng = random.Random(4)
    alphabet = "aZé\u212aK\u212bÅåµμΩωſsЖжі日本ひらカタ한국 .,!?\nαβΣσςअ"
    text = pa.array(["".join(rng.choices(alphabet, k=rng.randint(0, 60))) for _ in range(3000)])
    for letter_class in (r"\p{Latin}", lang._UKRAINIAN, *(pattern for _, pattern in lang._SCRIPTS)):
        assert (lang._letters(text, letter_class) == lang._count(text, letter_class)).all(), letter_class


def test_the_last_line_is_read_as_reversing_the_tail_would():
    rng = random.Random(6)
    alphabet = ["a", "b", " ", "\t", "\n", "\r\n", "\u3000", "é", ":", "日"]
    prompt = pa.array(["".join(rng.choices(alphabet, k=rng.randint(0, 900))) for _ in range(3000)])
    tail = pc.utf8_ltrim_whitespace(pc.utf8_reverse(pc.utf8_slice_codeunits(prompt, -tpl.LINE_WINDOW)))
    reversed_way = pc.utf8_reverse(pc.utf8_slice_codeunits(tpl._first_line(tail), 0, tpl.LINE_CHARS))
    tail = pc.utf8_rtrim_whitespace(slice_chars(prompt, -tpl.LINE_WINDOW))
    assert slice_chars(tpl._last_line(tail), -tpl.LINE_CHARS).equals(reversed_way)


def test_two_threads_give_what_one_gives():
    systems, prompts = corpus_rows()
    n = len(prompts)
    table = pa.table(
        {
            "exchange_id": [f"e{i}" for i in range(n)],
            "account_id": ["a"] * n,
            "ts": pa.array([datetime(2026, 2, 1, tzinfo=UTC)] * n, TIMESTAMP),
            "system": pa.array(mutated(systems, 7), pa.string()),
            "prompt": pa.array(mutated(prompts, 8), pa.string()),
            "tools": pa.array([[]] * n, pa.list_(pa.string())),
            "n_images": pa.array([0] * n, pa.int16()),
        }
    )
    halves = [table.slice(0, n // 2), table.slice(n // 2)]
    with ThreadPoolExecutor(2) as pool:
        together = pa.concat_tables(pool.map(request_signals, halves))
    assert together.equals(request_signals(table))


def test_a_missing_hyperscan_is_named_in_the_error():
    code = "import sys; sys.modules['hyperscan'] = None; import distillguard.signals"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "pip install hyperscan" in done.stderr
