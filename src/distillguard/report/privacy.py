"""Personal data kept out of what the report shows: masked text, keyed names for identifiers.

:func:`mask` replaces what looks like an e-mail address, an IP address, a payment card number
or a phone number with a bracketed word. The patterns, and what they leave alone:

- ``[email]``: ``local@domain.tld``; the local part letters, digits and ``. _ % + -``, the
  domain dotted labels ending in a top-level label of two or more letters (any script).
  Not ``@handle``, ``user@localhost``, ``a@b.c``.
- ``[ip]``: IPv4 dotted quads and IPv6 addresses (full or with ``::``) that
  :mod:`ipaddress` accepts (an IPv6 one with a digit and two groups or more). Not
  ``999.1.1.1``, ``1.2.3``, times such as ``12:30:45``, ``std::vector`` or ``a::b``. A
  four-part version number (``1.2.3.4``) is masked too.
- ``[card]``: 13 to 19 digits, optionally in groups separated by single spaces or dashes,
  that pass the Luhn check. Not the same digits with a wrong check digit.
- ``[phone]``: a ``+`` and a country code with 8 to 15 digits in all (grouped or not), or 10 to
  15 digits in two or more groups (separated by spaces, dots or dashes, an area code possibly
  in parentheses) where the first group starts with 0, the area code is in parentheses or a
  group has three or more digits. Not ISO dates, times, versions, short number lists
  (``10 20 30 40 50``), nor a run of digits without a ``+`` or separators (an epoch timestamp
  looks the same): a phone number written as ``4155550134`` is not masked, while a long list of
  three-digit numbers, or an ISBN, is masked.

Names and postal addresses are not detected: the report therefore shows prompts only from
accounts at verdict ``distillation`` unless asked otherwise.

:func:`keyed_name` names a payment instrument or an e-mail domain by a short HMAC-SHA256 under
the workspace's key: equal values get equal names within and across reports of a workspace,
and the value cannot be read back or guessed from the name without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?![\w-])")
IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\.?\d)(?!\w)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
CARD = re.compile(r"(?<![\d+-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+.-])(?:\+\d{7,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]\d{1,8}){1,5})"
    r"(?![\w.:-]?\d)(?!\w)"
)
_DATE_OR_TIME = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")

# how a kind of indicator is named in the report when its value is hashed
KEYED_KINDS = {"payment": "pay", "email_domain": "domain"}


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _ip(found: re.Match[str]) -> str:
    text = found.group()
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    if ":" in text and (len(re.findall(r"[0-9A-Fa-f]+", text)) < 2 or not any(c.isdigit() for c in text)):
        return text  # "::", "a::b", "dead::beef": code far more often than an address
    return "[ip]"


def _card(found: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", found.group())
    return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else found.group()


def _phone(found: re.Match[str]) -> str:
    text = found.group()
    digits = sum(c.isdigit() for c in text)
    if text.startswith("+"):
        return "[phone]" if 8 <= digits <= 15 else text
    if _DATE_OR_TIME.fullmatch(text) or not 10 <= digits <= 15:
        return text
    groups = re.findall(r"\d+", text)
    if text.startswith("(") or groups[0].startswith("0") or any(len(group) >= 3 for group in groups):
        return "[phone]"
    return text  # "10 20 30 40 50": a list of numbers


def mask(text: str) -> str:
    """``text`` with e-mail addresses, IP addresses, card numbers and phone numbers masked.

    >>> mask("Mail jane.roe@example.com or call +1 415 555 0134 from 203.0.113.9")
    'Mail [email] or call [phone] from [ip]'
    >>> mask("Card 4111 1111 1111 1111, order 2026-03-01, v1.82.0")
    'Card [card], order 2026-03-01, v1.82.0'
    """
    text = EMAIL.sub("[email]", text)
    text = IPV4.sub(_ip, text)
    text = IPV6.sub(_ip, text)
    text = CARD.sub(_card, text)
    return PHONE.sub(_phone, text)


def keyed_name(key: bytes, kind: str, value: str) -> str:
    """``value`` of indicator ``kind`` as a short keyed hash, e.g. ``pay:3f9a1c2b``.

    >>> keyed_name(b"k" * 32, "payment", "fp_8c1e") == keyed_name(b"k" * 32, "payment", "fp_8c1e")
    True
    >>> keyed_name(b"k" * 32, "payment", "fp_8c1e").startswith("pay:")
    True
    """
    digest = hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return f"{KEYED_KINDS.get(kind, kind)}:{digest[:8]}"


__all__ = ["KEYED_KINDS", "keyed_name", "mask"]
