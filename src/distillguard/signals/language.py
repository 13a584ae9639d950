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


def detect_language(text: pa.Array) -> pa.Array:
    """ISO 639-1 code per text (see ``LANGUAGES``), or ``"und"`` when there is no evidence.

    >>> detect_language(pa.array(["What is the capital of France?", "¿Cuál es la capital de España?",
    ...                           "東京は日本の首都です。", "42", None])).to_pylist()
    ['en', 'es', 'ja', 'und', 'und']
    """
    window = pc.utf8_slice_codeunits(pc.fill_null(pc.cast(text, pa.string()), ""), 0, WINDOW)
    n = len(window)
    result = np.full(n, UNDETERMINED, dtype=object)
    if n == 0:
        return pa.array(result, pa.string())
    is_ascii = np.asarray(pc.equal(pc.utf8_length(window), pc.binary_length(window)))
    english = _count(window, _LATIN_WORDS["en"], words=True)
    clear = is_ascii & (english >= _CLEAR_ENGLISH)
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
                scripts[row, non_ascii] = _count(picked, pattern)
        latin_letters = _count(sub, r"\p{Latin}")
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
                scores[row] = english[rest[latin]] if name == "en" else _count(picked, _LATIN_WORDS[name], words=True)
                if name in _LATIN_LETTERS:
                    scores[row] += _count(picked, _LATIN_LETTERS[name])
            # Ties between languages that share words go to the one listed first (English).
            best = scores.argmax(axis=0)
            found = scores.max(axis=0) > 0
            result[rest[latin[found]]] = np.array(names, dtype=object)[best[found]]
    return pa.array(result, pa.string())


def _count(text: pa.Array, pattern: str, *, words: bool = False) -> np.ndarray:
    if words:
        # \b is ASCII-only in RE2: bound words by anything that is not a letter instead.
        pattern = rf"(?:^|[^\pL])(?:{pattern})(?:$|[^\pL])"
    counts = pc.count_substring_regex(text, pattern, ignore_case=True)
    return np.asarray(pc.fill_null(counts, 0), dtype=np.int64)
