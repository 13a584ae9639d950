"""Character slices of Arrow string arrays that take the byte path for pure-ASCII strings.

``utf8_slice_codeunits`` decodes every string it cuts (a cut from the end, ``-256``, walks the
whole string); in a pure-ASCII string a character is a byte, and ``binary_slice`` only moves
offsets. Most prompts are pure ASCII, so the signals cut them by bytes and the others by
characters, with the same result as cutting all of them by characters.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def ascii_rows(text: pa.Array) -> np.ndarray:
    """True where a string is pure ASCII (as many bytes as characters); null counts as ASCII.

    >>> ascii_rows(pa.array(["plain", "naïve", None])).tolist()
    [True, False, True]
    """
    return np.asarray(pc.fill_null(pc.equal(pc.utf8_length(text), pc.binary_length(text)), True))


def slice_chars(text: pa.Array, start: int, stop: int | None = None, *, ascii: np.ndarray | None = None) -> pa.Array:
    """``utf8_slice_codeunits(text, start, stop)``; ``ascii`` (see :func:`ascii_rows`) if known.

    >>> slice_chars(pa.array(["abcdef", "äbcdéf"]), -3).to_pylist()
    ['def', 'déf']
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if ascii is None:
        ascii = ascii_rows(text)
    others = np.flatnonzero(~ascii)
    if others.size == len(text):
        return pc.utf8_slice_codeunits(text, start, stop)
    cut = pc.binary_slice(text.view(pa.binary()), start, stop).view(pa.string())
    if others.size == 0:
        return cut
    by_character = pc.utf8_slice_codeunits(text.take(pa.array(others)), start, stop)
    return pc.replace_with_mask(cut, pa.array(~ascii), by_character)


def per_form(text: pa.Array, ascii: np.ndarray, pattern: str, apply: Callable[[pa.Array, str], pa.Array]) -> pa.Array:
    """``apply(text, pattern)``, with the pattern's :func:`ascii_form` on the pure-ASCII rows."""
    if ascii.all():
        return apply(text, ascii_form(pattern))
    if not ascii.any():
        return apply(text, pattern)
    plain, other = np.flatnonzero(ascii), np.flatnonzero(~ascii)
    parts = [apply(text.take(pa.array(plain)), ascii_form(pattern)), apply(text.take(pa.array(other)), pattern)]
    back = np.empty(len(text), dtype=np.int64)
    back[np.concatenate([plain, other])] = np.arange(len(text))
    return pa.concat_arrays(parts).take(pa.array(back))


_ASCII_CLASSES = {r"\p{Ll}": "a-z", r"\p{Lu}": "A-Z", r"\pL": "A-Za-z", r"\pN": "0-9"}


@cache
def ascii_form(pattern: str) -> str:
    """The RE2 pattern as it reads pure-ASCII text, with its Unicode classes cut to ASCII.

    On a pure-ASCII string it matches exactly what ``pattern`` matches (case folding included:
    RE2 folds no ASCII letter onto a non-ASCII one), and it compiles several times faster:
    RE2 compiles a pattern on every Arrow call, and ``\\pL`` alone is hundreds of byte ranges.
    A pattern with other Unicode classes (``\\p{Han}``) is returned as it is.

    >>> ascii_form(r"(?:^|[^\\pL])the|[\\p{Ll}\\pN,;] \\p{Lu}")
    '(?:^|[^A-Za-z])the|[a-z0-9,;] [A-Z]'
    """
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            name = next((k for k in _ASCII_CLASSES if pattern.startswith(k, i)), None)
            if name is not None:
                ranges = _ASCII_CLASSES[name]
                out.append(ranges if in_class else f"[{ranges}]")
                i += len(name)
                continue
            if pattern[i + 1] in "pP":
                return pattern  # another Unicode class: the pattern itself is exact, if slower
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            if pattern.startswith("[^", i):
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a leading ] is a member, not the end
                out.append("]")
                i += 1
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)
