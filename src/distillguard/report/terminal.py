"""Text for a terminal: values read from logs shown as they are, never as terminal commands."""

from __future__ import annotations

import re

# C0 controls (ESC among them), DEL, C1 controls (CSI 0x9b, OSC 0x9d, ...), and the Unicode
# formatting characters that reorder or split what is shown (bidirectional overrides and
# isolates, line and paragraph separators)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(found: re.Match[str]) -> str:
    character = found.group()
    if character in _NAMED:
        return _NAMED[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object, *, lines: bool = False) -> str:
    """``value`` as text in which every control character is a visible escape (``\\x1b``), so
    an account id, model name or prompt from the logs cannot retitle the terminal, clear it,
    plant a link or forge an output line. With ``lines``, newlines are kept (text that is
    several lines, each of them already printable).

    >>> printable("acct\\x1b]0;owned\\x07-1")
    'acct\\\\x1b]0;owned\\\\x07-1'
    >>> printable("two\\nlines"), printable("two\\nlines", lines=True)
    ('two\\\\nlines', 'two\\nlines')
    """
    text = "" if value is None else str(value)
    if lines:
        return "\n".join(_CONTROL.sub(_visible, line) for line in text.split("\n"))
    return _CONTROL.sub(_visible, text)


__all__ = ["printable"]
