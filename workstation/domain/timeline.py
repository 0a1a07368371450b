"""The customer timeline's vocabulary: journey phases, stories (linked events) and duplicates.

Both sides use these functions: the backend when it stores an event (so it can page and filter in
SQL), the desktop when a pushed event arrives (so its cache agrees without asking). What makes two
records one event and what is still open live in `workstation.domain.events`, shared with the
relevance engine and the simulator; they are re-exported here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from workstation.domain.events import (
    BUSINESS_WINDOW_S,
    CONTACT_WINDOW_S,
    CONTENT_WINDOW_S,
    Fingerprint,
    fingerprint,
    story_key,
    story_open,
)
from workstation.domain.relevance import journey_phase

__all__ = [
    "BUSINESS_WINDOW_S",
    "CHANNELS",
    "CONTACT_WINDOW_S",
    "CONTENT_WINDOW_S",
    "PHASES",
    "Fingerprint",
    "TimelineEntry",
    "TimelineFilter",
    "fingerprint",
    "fold",
    "fts_query",
    "journey_phase",
    "like_pattern",
    "matches",
    "search_words",
    "story_key",
    "story_label",
    "story_open",
    "text_matches",
]

#: The journey phases in the order a customer goes through them.
PHASES: Final = ("awareness", "interest", "purchase", "service")

#: The channels the desktop offers as filters (events may carry others; they still show).
CHANNELS: Final = (
    "web",
    "app",
    "phone",
    "chat",
    "email",
    "branch",
    "social",
    "device",
    "shop",
    "billing",
    "logistics",
)


def story_label(key: str) -> str:
    """A short English title for a story key: 'Order 51234', 'Topic delivery', 'Payments'."""
    prefix, _, rest = key.partition(":")
    names = {
        "order": "Order",
        "invoice": "Invoice",
        "topic": "Topic",
        "device": "Device",
        "contract": "Contract",
    }
    if prefix == "payments":
        return "Payments"
    return f"{names.get(prefix, prefix.capitalize())} {rest.replace('-', ' ')}".strip()


#: A word of the history's full-text search: letters and digits (SQLite FTS5's unicode61 tokenizer
#: splits on everything else, '_' and '#' included).
_WORD = re.compile(r"[^\W_]+")
#: Words of a search beyond these are ignored (each is one more index lookup).
MAX_SEARCH_WORDS: Final = 8


def fold(text: str) -> str:
    """Lower case without diacritics ('Verzögerung' -> 'verzogerung'), as the FTS5 tokenizer
    (unicode61 remove_diacritics 2) indexes words, so 'Verzogerung' finds 'Verzögerung' and back."""
    # lower(), not casefold(): casefold turns 'ß' into 'ss', which the index does not.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_words(text: str) -> list[str]:
    """The words of a history search, folded; each must begin a word of the event (prefix match)."""
    return _WORD.findall(fold(text))[:MAX_SEARCH_WORDS]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for a search typed by the agent: every word as a quoted prefix
    (no FTS syntax of the agent's is interpreted); None when it has no words (search by LIKE)."""
    words = search_words(text)
    return " ".join(f'"{w}"*' for w in words) or None


def tsquery(text: str) -> str | None:
    """The same search for PostgreSQL's to_tsquery: every word as a prefix, all required; None when
    it has no words (search by LIKE). Words are letters and digits only, so no tsquery syntax of the
    agent's is interpreted."""
    words = search_words(text)
    return " & ".join(f"{w}:*" for w in words) or None


def text_matches(text: str, haystack: str) -> bool:
    """The full-text test in Python (for an event pushed while a search is on): every word of
    `text` begins a word of `haystack`, case and diacritics folded."""
    words = search_words(text)
    if not words:
        return fold(text.strip()) in fold(haystack)
    present = _WORD.findall(fold(haystack))
    return all(any(p.startswith(w) for p in present) for w in words)


def like_pattern(text: str) -> str:
    """A SQL LIKE pattern (escape character backslash) matching `text` anywhere, literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TimelineEntry(NamedTuple):
    """One row of the history as the desktop lists it: what a row shows, not the event's data.

    A customer with 100,000 events scrolls through these; the full event is read when opened. A named
    tuple of strings and datetimes, not a dataclass: Python's garbage collector stops tracking such
    tuples, so a long list of them does not make each full collection (a GUI-thread stall of 80-140 ms
    at 100,000 rows) longer."""

    id: str
    at: datetime
    channel: str
    kind: str
    summary: str
    phase: str
    story: str | None

    @classmethod
    def of(
        cls, event_id: str, at: datetime, channel: str, kind: str, summary: str, data: Mapping[str, Any]
    ) -> TimelineEntry:
        return cls(event_id, at, channel, kind, summary, journey_phase(kind, data), story_key(kind, data))


def matches(
    entry: TimelineEntry,
    where: TimelineFilter,
    open_stories: set[str] | frozenset[str],
    data_text: str = "",
) -> bool:
    """The same test the stores run in SQL, for an event pushed while a filter is on; `data_text` is
    the event's data as JSON text (the stores search it too)."""
    if where.channels and entry.channel not in where.channels:
        return False
    if where.phases and entry.phase not in where.phases:
        return False
    if where.kinds and entry.kind not in where.kinds:
        return False
    if where.only_open and entry.story not in open_stories:
        return False
    needle = where.text.strip()
    return not needle or text_matches(needle, f"{entry.summary} {data_text}")


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """What the agent narrowed the history to; empty sets mean "all"."""

    channels: frozenset[str] = frozenset()
    phases: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    text: str = ""
    only_open: bool = False
    #: best matches of the text first (FTS5 bm25 / PostgreSQL ts_rank) instead of newest first
    ranked: bool = False

    @property
    def active(self) -> bool:
        return bool(self.channels or self.phases or self.kinds or self.text.strip() or self.only_open)

    @property
    def by_relevance(self) -> bool:
        """Whether the list is in order of relevance: asked for, and the text has words to rank by
        (without words there is no full-text match, and the history stays in time order)."""
        return self.ranked and bool(search_words(self.text))
