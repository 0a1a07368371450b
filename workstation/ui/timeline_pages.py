"""The history's listed rows in pages, of which only the pages near the viewport keep their rows."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from workstation.domain.timeline import TimelineEntry

#: An event row is kept as a plain tuple of the entry's fields, a day header as a date.
Row = tuple[Any, ...] | date
#: Where the id and the time are in a plain row (TimelineEntry's field order).
ID = TimelineEntry._fields.index("id")
AT = TimelineEntry._fields.index("at")


def key(row: tuple[Any, ...]) -> tuple[datetime, str]:
    """A plain row's place in time order, newest first being the greatest."""
    return row[AT], row[ID]


class Page:
    """One page of listed rows: its first row, how many rows (with day headers) and events it has,
    the keyset cursor it was read after (the last event above it, None for the first page) and its
    own last event. `held`: whether its rows are in the window or dropped (re-read on demand)."""

    __slots__ = ("count", "cursor", "events", "held", "last", "start")

    def __init__(
        self, start: int, count: int, events: int, cursor: tuple[Any, ...] | None, last: tuple[Any, ...]
    ) -> None:
        self.start, self.count, self.events = start, count, events
        self.cursor, self.last = cursor, last
        self.held = True


_start = attrgetter("start")


class PageWindow:
    """Every listed row's place, the rows of the held pages only (Qt-free bookkeeping for
    `TimelineModel`, which reads dropped pages again and sends the change notifications).

    `rows` has one item per listed row, None where its page is dropped; `ids` maps the held events'
    ids to their rows; `count` is the number of events listed, held or not; `listed` the hashes of
    every listed event's id, held or not (`is_listed`)."""

    def __init__(self) -> None:
        self.rows: list[Row | None] = []
        self.pages: list[Page] = []
        self.ids: dict[str, tuple[Any, ...]] = {}
        #: A dropped page forgets its ids with its rows, but a live event or a page read later must
        #: still not list one of them again. Hashes, not the ids: about 75 bytes an event listed
        #: (a set of ints) instead of the id strings' ~130; two ids of one history sharing a 64-bit
        #: hash (odds about 1 in 10^9 at 100,000 events) would hide the second.
        self.listed: set[int] = set()
        self.count = 0
        self.dropped = 0
        #: the first and last rows the view shows
        self.focus = (0, 0)

    def clear(self) -> None:
        self.rows, self.pages, self.ids, self.count, self.dropped = [], [], {}, 0, 0
        self.listed = set()
        self.focus = (0, 0)

    def is_listed(self, event_id: str) -> bool:
        """Whether the event is listed, in a held page or a dropped one."""
        return event_id in self.ids or hash(event_id) in self.listed

    @property
    def last(self) -> tuple[Any, ...] | None:
        """The last listed event (the keyset cursor of the next page)."""
        return self.pages[-1].last if self.pages else None

    def add(self, rows: list[Row], events: int) -> None:
        """Append a page (read after the last listed event)."""
        last = rows[-1]
        assert isinstance(last, tuple)
        self.pages.append(Page(len(self.rows), len(rows), events, self.last, last))
        self.rows.extend(rows)
        self.ids.update((row[ID], row) for row in rows if isinstance(row, tuple))
        self.listed.update(hash(row[ID]) for row in rows if isinstance(row, tuple))
        self.count += events

    def insert(self, page: Page | None, at: int, rows: list[Row]) -> None:
        """Insert rows at row `at`, into `page` (None: as the first page of an empty list)."""
        self.rows[at:at] = rows
        events = [r for r in rows if isinstance(r, tuple)]
        self.ids.update((r[ID], r) for r in events)
        self.listed.update(hash(r[ID]) for r in events)
        self.count += len(events)
        if page is None:
            self.pages.insert(0, Page(0, len(rows), len(events), None, events[-1]))
            return
        page.count += len(rows)
        page.events += len(events)
        for later in self.pages[self.pages.index(page) + 1 :]:
            later.start += len(rows)

    def held_rows(self) -> int:
        return len(self.rows) - self.dropped

    def page_index(self, row: int) -> int:
        return max(0, bisect_right(self.pages, row, key=_start) - 1)

    def pages_of_rows(self, first: int, last: int) -> list[Page]:
        """The pages rows `first` to `last` are in."""
        if not self.pages or last < first:
            return []
        return self.pages[self.page_index(first) : self.page_index(last) + 1]

    def page_of_key(self, event_key: tuple[datetime, str]) -> Page | None:
        """The page an event with this time order key belongs in: the last whose cursor is newer."""
        found = None
        for page in self.pages:
            if page.cursor is not None and key(page.cursor) <= event_key:
                break
            found = page
        return found

    def put(self, page: Page, rows: list[Row]) -> None:
        """A dropped page's rows, read again."""
        self.rows[page.start : page.start + page.count] = rows
        self.ids.update((row[ID], row) for row in rows if isinstance(row, tuple))
        page.held = True
        self.dropped -= page.count

    def trim(self, hold: int) -> None:
        """Drop the rows of the pages more than `hold` pages away from the focus (not the first
        page's: live events arrive there)."""
        held = sum(1 for page in self.pages if page.held)
        if held <= 2 * hold + 2:
            return
        last_row = len(self.rows) - 1
        low = self.page_index(min(self.focus[0], last_row)) - hold
        high = self.page_index(min(self.focus[1], last_row)) + hold
        for i, page in enumerate(self.pages):
            if page.held and i and not low <= i <= high:
                self._drop(page)

    def _drop(self, page: Page) -> None:
        end = page.start + page.count
        for row in self.rows[page.start : end]:
            if isinstance(row, tuple):
                del self.ids[row[ID]]
        self.rows[page.start : end] = [None] * page.count
        page.held = False
        self.dropped += page.count
