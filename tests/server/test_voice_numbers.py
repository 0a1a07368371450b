"""Matching callers to customers by number, and the call timer's text."""

from __future__ import annotations

import pytest

from workstation.domain.voice import call_duration_text
from workstation.server.voice import e164_digits


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("+49 30 123456", "4930123456"),
        ("0049 30 123456", "4930123456"),
        ("030 123456", "4930123456"),
        ("(030) 12-34-56", "4930123456"),
        ("+1 555 0001", "15550001"),
        ("anonymous", ""),
        ("", ""),
    ],
)
def test_numbers_are_compared_as_international_digits(number: str, digits: str) -> None:
    assert e164_digits(number, "49") == digits


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (7.9, "0:07"), (754, "12:34"), (3723, "1:02:03")])
def test_call_timer_text(seconds: float, text: str) -> None:
    assert call_duration_text(seconds) == text
