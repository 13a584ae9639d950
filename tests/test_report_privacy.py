"""The report's privacy patterns: each one on what it must mask and what it must leave alone."""

from __future__ import annotations

import pytest

from distillguard.report.privacy import CARD, EMAIL, IPV4, IPV6, PHONE, keyed_name, mask


@pytest.mark.parametrize(
    "text",
    [
        "jane.roe@example.com",
        "j.o+tag@mail.example.co.uk",
        "first_last-99@sub.domain.org",
        "josé@exämple.de",
        "UPPER@EXAMPLE.COM",
    ],
)
def test_email_addresses_are_masked(text: str) -> None:
    assert EMAIL.fullmatch(text)
    assert mask(f"write to {text}, please.") == "write to [email], please."


@pytest.mark.parametrize("text", ["@handle", "user@localhost", "a@b.c", "name at example dot com", "x@-bad.com"])
def test_what_only_resembles_an_email_address_is_left(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "+1 415 555 0134",
        "+14155550134",
        "+44 20 7946 0958",
        "+49 30 1234-5678",
        "(415) 555-0134",
        "415-555-0134",
        "415.555.0134",
        "01 23 45 67 89",
        "0171 1234567",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    assert PHONE.search(text)
    assert mask(f"call {text} today") == "call [phone] today"


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01",
        "2026-03-01 12:30:45",
        "01/03/2026",
        "12:30:45",
        "version 1.82.0",
        "10 20 30 40 50",
        "1 000 000",
        "Question 42: 7 + 8 = 15",
        "1709251200",  # an epoch timestamp: a bare run of digits is not taken for a phone number
        "+7",
    ],
)
def test_numbers_that_are_not_phone_numbers_are_left(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(
    "text",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "378282246310005", "5555 5555 5555 4444"],
)
def test_card_numbers_that_pass_luhn_are_masked(text: str) -> None:
    assert CARD.fullmatch(text)
    assert mask(f"card {text} exp 12/29") == "card [card] exp 12/29"


@pytest.mark.parametrize("text", ["4111 1111 1111 1112", "1234567812345678", "123456789012"])
def test_card_like_numbers_that_fail_luhn_or_are_short_are_not_cards(text: str) -> None:
    assert "[card]" not in mask(text)


@pytest.mark.parametrize(
    "text",
    ["203.0.113.9", "10.0.0.1", "255.255.255.255", "2001:db8::1", "fe80::1ff:fe23:4567:890a", "2001:0db8:0:0:0:0:2:1"],
)
def test_ip_addresses_are_masked(text: str) -> None:
    assert IPV4.fullmatch(text) or IPV6.fullmatch(text)
    assert mask(f"from {text}.") == "from [ip]."


@pytest.mark.parametrize(
    "text", ["999.1.1.1", "1.2.3", "1.2.3.4.5", "12:30:45", "std::vector", "a::b", "::", "v1.2.3.4", "dead::beef"]
)
def test_what_only_resembles_an_ip_address_is_left(text: str) -> None:
    assert mask(text) == text


def test_mask_keeps_the_text_around_what_it_masks() -> None:
    text = "Hi, I'm Jane (jane.roe@example.com, +1 415 555 0134). Solve step by step: 12 * 13."
    assert mask(text) == "Hi, I'm Jane ([email], [phone]). Solve step by step: 12 * 13."


def test_keyed_names_are_stable_short_and_depend_on_the_key() -> None:
    key, other = b"k" * 32, b"o" * 32
    name = keyed_name(key, "payment", "fp_8c1e77")
    assert name == keyed_name(key, "payment", "fp_8c1e77")
    assert name.startswith("pay:") and len(name) == len("pay:") + 8
    assert name != keyed_name(other, "payment", "fp_8c1e77")
    assert name != keyed_name(key, "payment", "fp_8c1e78")
    assert keyed_name(key, "email_domain", "example.com").startswith("domain:")
    assert "fp_8c1e77" not in name
