"""Take secrets and customer identifiers out of text (log lines, diagnostics) before it leaves us.

Three nets: secrets the process has seen (session tokens, exactly), the shapes secrets take in
protocol text (`Bearer …`, `token=…`, `"password": "…"`), and the identifiers of customers this
desktop knows (names, e-mail addresses, phone numbers), plus any e-mail address or card-like
number. Redaction errs on the side of removing too much: diagnostics are read by people who must
not see customer data.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

SECRET = "‹redacted›"
CUSTOMER = "‹customer›"
EMAIL = "‹email›"
NUMBER = "‹number›"

_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}")
_KEYED = re.compile(
    r"(?i)(\b[a-z_]*(?:token|password|passwd|secret|api[_-]?key)[a-z_]*)"  # the key
    r"(\"?'?\s*[:=]\s*\"?'?)"  # separator, quotes
    r"(?!‹)([^\"'\s,&;}\]]{4,})"  # the value
)
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
#: Shorter name parts than this are not redacted on their own ("Li", "Ek" would eat ordinary words).
MIN_TERM = 4


class Redactor:
    """Thread-safe: log records arrive from the GUI thread and the embedded backend's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._secret_pattern: re.Pattern[str] | None = None

    def add_secret(self, secret: str) -> None:
        """Redact this exact string from now on (a token the process has seen)."""
        if len(secret) < MIN_TERM:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            self._secret_pattern = _alternation(self._secrets)

    def secrets(self, text: str) -> str:
        """`text` without any known secret or anything shaped like one."""
        pattern = self._secret_pattern
        if pattern is not None:
            text = pattern.sub(SECRET, text)
        text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{SECRET}", text)
        return _KEYED.sub(lambda m: f"{m.group(1)}{m.group(2)}{SECRET}", text)

    def everything(self, text: str, customer_terms: re.Pattern[str] | None) -> str:
        """Secrets, then the given customer identifiers, e-mail addresses and card-like numbers."""
        text = self.secrets(text)
        if customer_terms is not None:
            text = customer_terms.sub(CUSTOMER, text)
        text = _EMAIL.sub(EMAIL, text)
        return _CARD.sub(NUMBER, text)


def customer_pattern(identifiers: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for names (whole, and each part of at least MIN_TERM letters),
    e-mail addresses and phone numbers (also without their spaces and dashes)."""
    terms: set[str] = set()
    for raw in identifiers:
        value = raw.strip()
        if len(value) < MIN_TERM:
            continue
        terms.add(value)
        if any(ch.isdigit() for ch in value):
            compact = re.sub(r"[\s()/.-]", "", value)
            if len(compact) >= MIN_TERM:
                terms.add(compact)
        else:
            terms.update(part for part in re.split(r"[\s,]+", value) if len(part) >= MIN_TERM)
    return _alternation(terms, ignore_case=True) if terms else None


def _alternation(terms: Iterable[str], *, ignore_case: bool = False) -> re.Pattern[str]:
    # Longest first, so "Anna Maria Schmidt" is replaced whole before "Anna" could be.
    ordered = sorted(set(terms), key=len, reverse=True)
    body = "|".join(re.escape(t) for t in ordered)
    return re.compile(f"(?:{body})", re.IGNORECASE if ignore_case else 0)
