# ruff: noqa: E501  (word lists read best one per line)
"""Cheap language identification of prompts: Unicode script counts, then function-word counts.

No model is loaded. Non-Latin scripts decide by themselves (kana means Japanese even among
Chinese characters, Hangul Korean, Cyrillic Russian or Ukrainian, ...); Latin text is scored by
how many of each language's commonest short words it contains, with a few letters that only
one language uses (ñ, ã, ß, ...) as tie-breakers. Only the first ``WINDOW`` characters are read.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.signals.text import ascii_form, ascii_rows, slice_chars

WINDOW = 256
UNDETERMINED = "und"
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "zh", "ja", "ko", "ru", "uk", "ar", "hi", "el", "he", "th")

# Function words (and greetings, so that one-word openers are placed), chosen as the most
# frequent words of each language that are short enough to appear in any prompt.
_LATIN_WORDS: dict[str, str] = {
    "en": "the|and|is|are|you|what|how|with|that|this|it|can|please|which|why|would|should|have|from|your|my|of|to|for|on|do|does|an|i|me|hi|hello|thanks|thank|by|let|let's|think|write|give|tell|explain|make|find|be|if|not|all|at|or|we|will|use|get|about|they|their|who|when|where|some|any|each|just|only|there|than|was|were|has|been|but|also|should|could|can't|don't|i'm",
    "es": "el|los|las|que|y|por|para|con|una|está|cómo|qué|del|pero|muy|puedes|sobre|cuál|dónde|también|es|mi|tu|lo|se|al|hola|gracias|un|en|como|más",
    "fr": "le|les|des|du|une|et|est|qui|dans|pour|avec|pas|sur|ce|cette|je|vous|nous|il|elle|comment|pourquoi|ne|au|aux|où|être|mon|très|bonjour|merci|salut|un|en|que",
    "de": "der|die|das|und|ist|nicht|ich|du|wir|ein|eine|einen|mit|für|auf|von|zu|den|dem|wie|was|warum|kannst|bitte|auch|oder|sind|wird|über|im|hallo|danke|es",
    "pt": "os|as|não|é|um|uma|você|eu|meu|minha|do|da|dos|das|em|na|no|ao|qual|onde|porque|pode|também|como|para|com|que|mais|olá|obrigado|obrigada|oi|se",
    "it": "il|gli|che|di|è|sono|perché|questo|questa|della|nel|alla|puoi|cosa|anche|un|una|per|con|non|come|mi|ti|ciao|grazie|sei",
    "nl": "het|een|en|van|niet|ik|je|jij|wij|dat|met|voor|op|zijn|wat|hoe|waarom|kun|kunt|ook|maar|naar|de|is|bedankt|alsjeblieft",
}
# Letters that (nearly) only one of these languages writes: each occurrence counts as a word.
_LATIN_LETTERS: dict[str, str] = {
    "es": "[ñ¿¡]",
    "fr": "[œèùû]|ç[aou]",
    "de": "[ßäöü]",
    "pt": "[ãõ]",
    "it": "[ìò]",
}
# (code, RE2 class) in the order ties are broken.
_SCRIPTS: tuple[tuple[str, str], ...] = (
    ("ja", r"[\p{Hiragana}\p{Katakana}]"),
    ("zh", r"\p{Han}"),
    ("ko", r"\p{Hangul}"),
    ("ru", r"\p{Cyrillic}"),
    ("ar", r"\p{Arabic}"),
    ("hi", r"\p{Devanagari}"),
    ("el", r"\p{Greek}"),
    ("he", r"\p{Hebrew}"),
    ("th", r"\p{Thai}"),
)
_UKRAINIAN = "[іїєґ]"
# English text of this many function words in the window is English without further checks.
_CLEAR_ENGLISH = 3


def detect_language(text: pa.Array, *, ascii: np.ndarray | None = None) -> pa.Array:
    """ISO 639-1 code per text (see ``LANGUAGES``), or ``"und"`` when there is no evidence.

    ``ascii`` (:func:`distillguard.signals.text.ascii_rows` of ``text``) saves a pass when known.

    >>> detect_language(pa.array(["What is the capital of France?", "¿Cuál es la capital de España?",
    ...                           "東京は日本の首都です。", "42", None])).to_pylist()
    ['en', 'es', 'ja', 'und', 'und']
    """
    text = pc.fill_null(pc.cast(text, pa.string()), "")
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    result = np.full(n, UNDETERMINED, dtype=object)
    if n == 0:
        return pa.array(result, pa.string())
    whole_ascii = ascii_rows(text) if ascii is None else ascii
    window = slice_chars(text, 0, WINDOW, ascii=whole_ascii)
    # The window of a text with non-ASCII letters further on may still be pure ASCII.
    is_ascii = whole_ascii.copy()
    others = np.flatnonzero(~whole_ascii)
    if others.size:
        is_ascii[others] = ascii_rows(window.take(pa.array(others)))
    # Most prompts are plain English: one DFA pass settles them (see _at_least).
    clear = np.zeros(n, dtype=bool)
    plain = np.flatnonzero(is_ascii)
    if plain.size:
        clear[plain] = _at_least(window.take(pa.array(plain)), _LATIN_WORDS["en"], _CLEAR_ENGLISH, ascii=True)
    result[clear] = "en"

    rest = np.flatnonzero(~clear)
    if rest.size:
        sub = window.take(pa.array(rest))
        sub_ascii = is_ascii[rest]
        scripts = np.zeros((len(_SCRIPTS), rest.size), dtype=np.int64)
        non_ascii = np.flatnonzero(~sub_ascii)
        if non_ascii.size:
            picked = sub.take(pa.array(non_ascii))
            for row, (_, pattern) in enumerate(_SCRIPTS):
                scripts[row, non_ascii] = _letters(picked, pattern)
        latin_letters = _letters(sub, r"\p{Latin}")
        best_script = scripts.argmax(axis=0)
        script_chars = scripts.max(axis=0)
        # Kana only occur in Japanese; Chinese characters inside Japanese text must not win.
        kana = scripts[0]
        han = scripts[1]
        best_script = np.where((kana > 0) & (kana * 10 >= han), 0, best_script)
        script_chars = np.where(best_script == 0, kana + han, script_chars)
        # A script wins when it holds a fair share of the letters (one CJK character ~ 3 Latin).
        by_script = (script_chars > 0) & (script_chars * 3 >= latin_letters)
        codes = np.array([code for code, _ in _SCRIPTS], dtype=object)
        chosen = codes[best_script]
        if by_script.any():
            cyrillic = by_script & (chosen == "ru")
            if cyrillic.any():
                cyr_rows = np.flatnonzero(cyrillic)
                ukrainian = _count(sub.take(pa.array(cyr_rows)), _UKRAINIAN) > 0
                chosen[cyr_rows[ukrainian]] = "uk"
            result[rest[by_script]] = chosen[by_script]

        latin = np.flatnonzero(~by_script & (latin_letters > 0))
        if latin.size:
            picked = sub.take(pa.array(latin))
            names = list(_LATIN_WORDS)
            scores = np.zeros((len(names), latin.size), dtype=np.float64)
            for row, name in enumerate(names):
                scores[row] = _count(picked, _LATIN_WORDS[name], words=True)
                if name in _LATIN_LETTERS:
                    scores[row] += _count(picked, _LATIN_LETTERS[name])
            # Ties between languages that share words go to the one listed first (English).
            best = scores.argmax(axis=0)
            found = scores.max(axis=0) > 0
            result[rest[latin[found]]] = np.array(names, dtype=object)[best[found]]
    return pa.array(result, pa.string())


def _count(text: pa.Array, pattern: str, *, words: bool = False) -> np.ndarray:
    if words:
        pattern = _word(pattern)
    counts = pc.count_substring_regex(text, pattern, ignore_case=True)
    return np.asarray(pc.fill_null(counts, 0), dtype=np.int64)


def _letters(text: pa.Array, letter_class: str) -> np.ndarray:
    """``_count(text, letter_class)`` for a one-character class such as ``\\p{Han}``, in one pass.

    Counting such a pattern match by match costs a search per letter; deleting every run of
    the class (same case folding) and measuring what went gives the same number.
    """
    kept = pc.replace_substring_regex(text, f"(?i)(?:{letter_class})+", "")
    gone = pc.subtract(pc.utf8_length(text), pc.utf8_length(kept))
    return np.asarray(pc.fill_null(gone, 0), dtype=np.int64)


def _word(words: str) -> str:
    # \b is ASCII-only in RE2: bound words by anything that is not a letter instead.
    return rf"(?:^|[^\pL])(?:{words})(?:$|[^\pL])"


def _at_least(text: pa.Array, words: str, times: int, *, ascii: bool = False) -> np.ndarray:
    """``_count(text, words, words=True) >= times`` in one DFA pass, not one search per word.

    What the count counts: Arrow searches again from the end of each match, where ``^`` holds
    once more, so a word whose leading blank the previous match consumed still counts. The
    count is therefore the number of places where a listed word starts, bounded by non-letters
    on both sides (two such words cannot overlap: the only non-letter inside a listed word is
    an apostrophe, and no listed word is what follows one, "s" in "let's" or "t" in "don't").
    The pattern asks for ``times`` such places: after the first word and its blank, either the
    next word at once or anything ending in a non-letter, then the next word. ``ascii`` reads
    pure-ASCII text with the pattern's ASCII form. tests/test_signals_fast_paths.py checks the
    equivalence on random text.
    """
    word = rf"(?:{words})(?:$|[^\pL])"
    pattern = r"(?:^|[^\pL])" + word + (r"(?:[\s\S]*[^\pL])?" + word) * (times - 1)
    if ascii:
        pattern = ascii_form(pattern)
    return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern, ignore_case=True), False))
