"""A customer's history as a list model: newest first, grouped by day, fetched page by page.

Rows are day headers (a `date`) and events (a `TimelineEntry`, the few fields a row shows); a
search in order of relevance (`TimelineFilter.ranked`) lists events only, best match first. The
model asks its source for the next page only when the view scrolls near the end (`canFetchMore` /
`fetchMore`), so a customer with 100,000 events costs what the agent has looked at. Live events are
inserted in batches; a filter change resets the model from the source (the cache filters in SQL).

Rows are kept in pages, and only the pages near what the view shows (`set_focus`) keep their rows:
the others keep their place, their row count and their keyset cursor, and are read again from the
source when a view asks for one of their rows. The row count stays that of everything listed (the
scroll bar is honest), while the rows held stay a few pages, however far the agent has scrolled.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QIcon

from workstation.domain.models import TimelineEvent
from workstation.domain.timeline import TimelineEntry, TimelineFilter, matches
from workstation.ui.icons import channel_icon
from workstation.ui.labels import PHASES, channel_name, term
from workstation.ui.language import datetime_text, day_text, time_text
from workstation.ui.text import tooltip
from workstation.ui.theme import colour
from workstation.ui.timeline_pages import AT, ID, Page, PageWindow, Row
from workstation.ui.timeline_pages import key as _key

_Index = QModelIndex | QPersistentModelIndex


def _plain(entry: TimelineEntry) -> tuple[Any, ...]:
    """The entry as an exact tuple. Python's collector stops tracking an exact tuple of strings and
    datetimes at its first look, but never a named tuple (a subclass): 100,000 listed TimelineEntry
    objects made every full collection walk them (a 50 ms GUI-thread stall during a fast scroll,
    tests/benchmarks/bench_timeline.py).

    Channel, kind, phase and story repeat from row to row, but the cache hands out a new string for
    each row's column: interned, all rows share one copy (about 17 MB less with 100,000 rows listed,
    bench_desk_core.py --only memory). Interned strings are freed with their last row."""
    story = entry.story
    return (
        entry.id,
        entry.at,
        sys.intern(entry.channel),
        sys.intern(entry.kind),
        entry.summary,
        sys.intern(entry.phase),
        None if story is None else sys.intern(story),
    )


_ID, _AT = ID, AT  # where the id and the time are in a plain row


def _entry(row: tuple[Any, ...]) -> TimelineEntry:
    return tuple.__new__(TimelineEntry, row)


_EVENT_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

PHASE_COLOURS = {"awareness": "#7c3aed", "interest": "#2563eb", "purchase": "#15803d", "service": "#b45309"}
HEADER_BACKGROUND = "#eef1f5"
STORY_BACKGROUND = "#fff7d6"


class TimelineSource(Protocol):
    """Where the model reads pages from (the customer context service, over the cache)."""

    def page(
        self, customer_id: str, where: TimelineFilter | None, before: TimelineEntry | None, limit: int
    ) -> list[TimelineEntry]: ...

    def history_complete(self, customer_id: str) -> bool: ...

    def open_stories(self, customer_id: str) -> set[str]: ...

    def event_by_id(self, event_id: str) -> TimelineEvent | None: ...

    def story(self, customer_id: str, key: str) -> list[TimelineEntry]: ...


def entry_of(event: TimelineEvent) -> TimelineEntry:
    return TimelineEntry.of(event.id, event.at, event.channel, event.kind, event.summary, event.data)


def day_label(day: date, today: date | None = None) -> str:
    today = today or date.today()
    if day == today:
        return QCoreApplication.translate("TimelineModel", "Today")
    if day == today - timedelta(days=1):
        return QCoreApplication.translate("TimelineModel", "Yesterday")
    return day_text(day)


class TimelineModel(QAbstractListModel):
    """Signals: `older_needed()` when the source has no more cached pages but the history is not
    complete (the view asks the backend); `filled()` after a page or a reset was added."""

    EntryRole = Qt.ItemDataRole.UserRole + 1
    HeaderRole = Qt.ItemDataRole.UserRole + 2
    PhaseRole = Qt.ItemDataRole.UserRole + 3
    OpenRole = Qt.ItemDataRole.UserRole + 4
    PAGE = 200
    FLUSH_MS = 50
    #: Pages held on each side of the pages the view shows (besides the first page, always held:
    #: live events arrive there, and the relevance cards mostly name recent events).
    HOLD = 2

    older_needed = Signal()
    filled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: every listed row's place, the rows of the pages near the viewport
        self._w = PageWindow()
        self._resync_queued = False
        self._trim_queued = False
        self._incoming: list[TimelineEvent] = []
        #: ids of live events handed to `add` and not inserted yet (already in the source, maybe)
        self._unlisted: set[str] = set()
        self._source: TimelineSource | None = None
        self._customer_id = ""
        self._where = TimelineFilter()
        self._open: set[str] = set()
        self._cache_exhausted = True
        #: whether the history is complete, as read with a first page off the GUI thread (start());
        #: None once that may have changed (then the source is asked)
        self._known_complete: bool | None = None
        self._fetching = False
        self._fetch_queued = False
        self._highlight: str | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(self.FLUSH_MS)
        self._flush_timer.timeout.connect(self.flush)

    # --- Qt model interface -------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._w.rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._w.rows):
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._row(index.row()), tuple):
            return _EVENT_FLAGS  # a view asks on every paint of a row: no flag arithmetic (Python enums)
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._w.rows):
            return None
        plain = self._row(index.row())
        if plain is None:
            return None  # its page changed in the source: the model is about to be read again
        if not isinstance(plain, tuple):
            return self._header_data(plain, role)
        row = _entry(plain)
        if role == Qt.ItemDataRole.DisplayRole:
            # Best matches first has no day headers (the days are out of order): each row its date.
            return _row_text(row.at, row.summary or row.kind, self._where.by_relevance, QLocale().name())
        if role == Qt.ItemDataRole.DecorationRole:
            return channel_icon(row.channel)
        if role == Qt.ItemDataRole.ToolTipRole:
            phase = term(PHASES, row.phase)
            when = datetime_text(row.at)
            kind = row.kind.replace("_", " ")
            return tooltip(f"{when} · {channel_name(row.channel)} · {kind} · {phase}\n{row.summary}")
        if role == Qt.ItemDataRole.BackgroundRole and self._highlight and row.story == self._highlight:
            return QBrush(colour(STORY_BACKGROUND))
        if role == self.EntryRole:
            return row
        if role == self.PhaseRole:
            return row.phase
        if role == self.OpenRole:
            return row.story is not None and row.story in self._open
        if role == self.HeaderRole:
            return False
        return None

    def painted(self, row: int) -> tuple[str, QIcon, QBrush | None, str, bool] | None:
        """An event row as the history's row delegate paints it, in one call: its text, icon,
        background (None: the view's), phase and whether its story is open; None for a day header.

        A view asks data() once per role and row, and Qt's delegate for seven roles: ten calls
        from C++ into Python for each row on each paint, a third of a fast scroll's GUI time."""
        if not 0 <= row < len(self._w.rows):
            return None
        plain = self._row(row)
        if not isinstance(plain, tuple):
            return None
        entry = _entry(plain)
        text = _row_text(entry.at, entry.summary or entry.kind, self._where.by_relevance, QLocale().name())
        text = text.replace("\n", "\u2028")  # as Qt's delegate shows a line break in a row
        story = entry.story
        highlighted = self._highlight is not None and story == self._highlight
        background = QBrush(colour(STORY_BACKGROUND)) if highlighted else None
        is_open = story is not None and story in self._open
        return text, channel_icon(entry.channel), background, entry.phase, is_open

    def _header_data(self, day: date, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return day_label(day)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(colour(HEADER_BACKGROUND))
        if role == self.HeaderRole:
            return True
        return None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._source is None or self._fetching:
            return False
        return not self._cache_exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Qt's request for more rows: answered on the next turn of the event loop, never from
        inside another change notification (views and qtmodeltester call it from those)."""
        if parent.isValid() or not self.canFetchMore() or self._fetch_queued:
            return
        self._fetch_queued = True
        QTimer.singleShot(0, self, self.fetch_page)

    def fetch_page(self) -> None:
        """Append the next page from the source now."""
        self._fetch_queued = False
        if self._source is None or self._cache_exhausted or self._fetching:
            return
        self._fetching = True
        try:
            lost = self._fetch_page()
        finally:
            self._fetching = False
        if lost:
            self.reload()
            return
        self._trim()
        self._after_fetch()

    def _after_fetch(self) -> None:
        assert self._source is not None
        if self._cache_exhausted and not self._source.history_complete(self._customer_id):
            self.older_needed.emit()
        self.filled.emit()

    def _fetch_page(self, *, notify: bool = True) -> bool:
        """Append the next page; True, appending nothing, when the source lost the last listed event
        (the cache pruned to its size limit under the model): then the model is to be read again,
        not shown as the end of the history with the pages above it no longer readable."""
        assert self._source is not None
        last = self._last_entry()
        page = self._source.page(self._customer_id, self._where, last, self.PAGE)
        if len(page) < self.PAGE and last is not None and self._source.event_by_id(last.id) is None:
            return True
        # Not an event listed already, also in a dropped page (its time changed in the cache since)
        listed = self._w.is_listed
        page = [e for e in page if not listed(e.id)]
        if len(page) < self.PAGE:
            self._cache_exhausted = True
        if page:
            rows = self._with_headers(page, self._last_day())
            first = len(self._w.rows)
            if notify:
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._w.add(rows, len(page))
            if notify:
                self.endInsertRows()
        return False

    # --- pages: which rows are held ---------------------------------------------------------------

    def _capped(self) -> bool:
        """Whether pages may be dropped: they can be read again only from a source, and only in time
        order (a ranked page's place depends on every match, a live one included: not re-readable)."""
        return self._source is not None and not self._where.by_relevance

    def set_focus(self, first: int, last: int) -> None:
        """The rows the view shows now: the pages around them keep their rows, the others drop them.

        The shown pages are read again here, before the view paints them (the view calls this when
        it scrolls): a page the cache no longer has as listed (pruned to its size limit under the
        model) reloads the model now, instead of a frame of blank rows and a reload after it."""
        self._w.focus = (first, max(first, last))
        if self._w.dropped and self._source is not None:
            for page in self._w.pages_of_rows(first, last):
                if page.held:
                    continue
                rows = self._read(page)
                if rows is None:
                    self.reload()
                    return
                self._w.put(page, rows)
        self._trim()

    def held_rows(self) -> int:
        """How many rows the model holds (the others are dropped, re-read when shown)."""
        return self._w.held_rows()

    def held_ids(self) -> list[str]:
        return list(self._w.ids)

    def _trim(self) -> None:
        if self._capped():
            self._w.trim(self.HOLD)

    def _row(self, row: int) -> Row | None:
        """A listed row, its page read again from the source when it was dropped."""
        plain = self._w.rows[row]
        if plain is None and self._restore(self._w.pages[self._w.page_index(row)]):
            plain = self._w.rows[row]
        return plain

    def _read(self, page: Page) -> list[Row] | None:
        """A dropped page's rows from the source by its keyset cursor, exactly as they were listed;
        None when the source no longer has them so (then the caller reads the model again from the
        top: an event evicted or added past the model, a cache pruned to its size limit).

        Events reach the cache before the model (`add`, then a flush): those not yet inserted are
        left out, and the page ends at its last event, not after a count."""
        assert self._source is not None
        cursor = page.cursor
        before = None if cursor is None else _entry(cursor)
        unlisted = self._unlisted
        entries = self._source.page(self._customer_id, self._where, before, page.events + len(unlisted))
        end = _key(page.last)
        entries = [e for e in entries if (e.at, e.id) >= end and e.id not in unlisted]
        rows = self._with_headers(entries, None if cursor is None else _day(cursor[_AT]))
        last = rows[-1] if rows else None
        if len(rows) != page.count or not isinstance(last, tuple) or _key(last) != end:
            return None
        return rows

    def _restore(self, page: Page) -> bool:
        """Read a dropped page again and hold it; False (and the model read again on the next turn:
        this may be inside a view's data()) when the source no longer has it as listed."""
        if page.held or self._source is None:
            return page.held
        rows = self._read(page)
        if rows is None:
            self._resync_later()
            return False
        self._w.put(page, rows)
        if not self._trim_queued:
            # Whatever asked (a screen reader walking the rows, a search for a row) may ask for
            # every page: the window is kept on the next turn, not while a view reads data().
            self._trim_queued = True
            QTimer.singleShot(0, self, self._trim_later)
        return True

    def _trim_later(self) -> None:
        self._trim_queued = False
        self._trim()

    def _resync_later(self) -> None:
        """The source changed under a dropped page (an event evicted or added past the model): read
        everything again on the next turn (a structural change may not happen inside data())."""
        if not self._resync_queued:
            self._resync_queued = True
            QTimer.singleShot(0, self, self._resync)

    def _resync(self) -> None:
        self._resync_queued = False
        self.reload()

    # --- what the view calls ------------------------------------------------------------------------

    def set_source(self, source: TimelineSource, customer_id: str) -> None:
        self._source, self._customer_id = source, customer_id

    @property
    def where(self) -> TimelineFilter:
        return self._where

    def reload(self, where: TimelineFilter | None = None) -> None:
        """Start again from the newest cached event (a filter change, or fresh data)."""
        if where is not None:
            self._where = where
        if self._source is None:
            return
        self._known_complete = None
        self.beginResetModel()
        self._w.clear()
        self._incoming, self._unlisted = [], set()
        self._open = self._source.open_stories(self._customer_id)
        self._cache_exhausted = False
        self._fetching = True
        try:
            self._fetch_page(notify=False)
        finally:
            self._fetching = False
        self.endResetModel()
        self._after_fetch()

    def start(self, page: list[TimelineEntry], open_stories: set[str], *, complete: bool) -> None:
        """Show the unfiltered first page as `reload()` would, read elsewhere (the conversation
        service reads it on its reader thread, with the rest of a conversation's first paint)."""
        self.beginResetModel()
        self._where = TimelineFilter()
        self._incoming, self._unlisted = [], set()
        self._open = set(open_stories)
        self._w.clear()
        if page:
            self._w.add(self._with_headers(page, None), len(page))
        self._cache_exhausted = len(page) < self.PAGE
        self._known_complete = complete
        self.endResetModel()
        if self._cache_exhausted and not complete:
            self.older_needed.emit()
        self.filled.emit()

    def more_available(self, arrived: int = 0) -> None:
        """`arrived` older events landed in the source (from the backend): the next fetch may find
        them. Those among the events listed already (the cache held events older than where the
        backend's pages had got to: pushed ones, an import) are inserted in their place now; a
        later page would only ever find those older than the last listed event."""
        self._cache_exhausted = False
        self._known_complete = None
        if arrived and self._source is not None and not self._where.by_relevance and self._w.pages:
            self._insert_arrived(arrived)

    def _insert_arrived(self, arrived: int) -> None:
        """The backend's older page is a run of its history, and the cache is a part of the backend's
        history: the events that arrived are the `arrived` cached events from the oldest of them up.
        Those older than the last listed one are counted in one read; the rest lie among the last
        listed pages, at most `rest / PAGE + 1` of them (each page holds PAGE listed events, and
        a filtered page spans at least as many events), read again from the end up."""
        assert self._source is not None
        last = self._last_entry()
        older = len(self._source.page(self._customer_id, None, last, arrived))
        rest = arrived - older
        if rest <= 0:
            return
        unlisted, listed = self._unlisted, self._w.is_listed
        found: dict[str, TimelineEntry] = {}
        for page in self._w.pages[-(rest // self.PAGE + 1) - 1 :][::-1]:
            before = None if page.cursor is None else _entry(page.cursor)
            entries = self._source.page(self._customer_id, self._where, before, page.events + rest)
            end = _key(page.last)
            found.update(
                (e.id, e)
                for e in entries
                if (e.at, e.id) >= end and e.id not in unlisted and not listed(e.id)
            )
        if not found:
            return
        # As live events are: known to the model but not listed yet while each goes in (a dropped
        # page read again for one leaves out the others).
        unlisted.update(found)
        for entry in sorted(found.values(), key=lambda e: (e.at, e.id)):
            self._insert(entry)
            unlisted.discard(entry.id)

    def complete(self) -> bool:
        """Everything there is has been listed."""
        if not self._cache_exhausted:
            return False
        if self._known_complete is not None:
            return self._known_complete
        return self._source is None or self._source.history_complete(self._customer_id)

    def set_highlight(self, story: str | None) -> None:
        """Tint the events of one story (the selected event's order, complaint, ...)."""
        if story == self._highlight:
            return
        self._highlight = story
        if self._w.rows:
            self.dataChanged.emit(
                self.index(0), self.index(len(self._w.rows) - 1), [Qt.ItemDataRole.BackgroundRole]
            )

    def entries(self) -> list[TimelineEntry]:
        """Every listed event in order; dropped pages are read again for it (without being held).
        A page the source no longer has as listed reads the model again first: never a list with
        a page missing."""
        out: list[TimelineEntry] = []
        for page in self._w.pages:
            rows = self._w.rows[page.start : page.start + page.count] if page.held else self._read(page)
            if rows is None:
                self.reload()
                return self.entries()  # nothing is dropped after a reload: no second time
            out += [_entry(row) for row in rows if isinstance(row, tuple)]
        return out

    def entry(self, event_id: str) -> TimelineEntry | None:
        row = self._w.ids.get(event_id)
        if row is None and self._w.dropped:
            index = self.row_of(event_id)
            row = None if index is None else self._w.ids.get(event_id)
        return None if row is None else _entry(row)

    def entry_count(self) -> int:
        """How many events are listed (without copying them: the status line asks after every page)."""
        return self._w.count

    def by_id(self) -> Mapping[str, TimelineEntry]:
        """The listed events by id (a dropped page is read again when one of its events is asked for)."""
        return _Listed(self)

    def row_of(self, event_id: str) -> int | None:
        """The event's row; a dropped page it is in is read again (and held until trimmed)."""
        plain = self._w.ids.get(event_id)
        if plain is None and self._w.dropped and self._source is not None and not self._where.by_relevance:
            event = self._source.event_by_id(event_id)
            page = None if event is None else self._w.page_of_key((event.at, event.id))
            if page is not None and self._restore(page):
                plain = self._w.ids.get(event_id)
        if plain is None:
            return None
        if self._where.by_relevance:
            pages = self._w.pages
        else:
            found = self._w.page_of_key(_key(plain))
            pages = [] if found is None else [found]
        for page in pages:
            for i in range(page.start, page.start + page.count):
                row = self._w.rows[i]
                if isinstance(row, tuple) and row[_ID] == event_id:
                    return i
        return None

    def reset(self, events: list[TimelineEvent]) -> None:
        """Show exactly these events (newest first, each once): for a model without a source."""
        self.beginResetModel()
        self._incoming, self._unlisted = [], set()
        unique = {e.id: entry_of(e) for e in events}
        ordered = sorted(unique.values(), key=lambda e: (e.at, e.id), reverse=True)
        self._w.clear()
        if ordered:
            self._w.add(self._with_headers(ordered, None), len(ordered))
        self.endResetModel()
        self.filled.emit()

    def add(self, events: list[TimelineEvent]) -> None:
        """Queue live events; they are inserted together on the next flush."""
        self._incoming.extend(events)
        self._unlisted.update(e.id for e in events)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def flush(self) -> None:
        incoming, self._incoming = self._incoming, []
        if not incoming:
            return
        if self._source is not None:
            self._open = self._source.open_stories(self._customer_id)
        fresh: dict[str, TimelineEntry] = {}
        for event in incoming:
            entry = entry_of(event)
            if self._w.is_listed(entry.id):
                continue  # listed once already, maybe in a dropped page (an event sent again)
            if not matches(entry, self._where, self._open, json.dumps(event.data)):
                continue
            fresh[entry.id] = entry
        if fresh:
            for entry in sorted(fresh.values(), key=lambda e: (e.at, e.id)):
                self._insert(entry)
                self._unlisted.discard(entry.id)
        self._unlisted.clear()
        if self._w.rows:
            # Open/closed marks may have changed with the new events.
            self.dataChanged.emit(self.index(0), self.index(len(self._w.rows) - 1), [self.OpenRole])

    # --- internals ----------------------------------------------------------------------------------

    def _insert(self, entry: TimelineEntry) -> None:
        """Insert one event at its place (usually the top), with a header when its day is new."""
        plain = _plain(entry)
        if self._where.by_relevance:
            # Its rank among the matches is the cache's to say (bm25 over all of them); a live match
            # goes on top, where the agent sees it arrive, and is not listed again by a later page.
            self._insert_rows(self._w.pages[0] if self._w.pages else None, 0, [plain])
            return
        key = (entry.at, entry.id)
        page = self._w.page_of_key(key)
        if page is None:  # nothing listed yet
            if not self._cache_exhausted:
                return
            self._insert_rows(None, 0, [_day(entry.at), plain])
            return
        if page is self._w.pages[-1] and key < _key(page.last) and not self._cache_exhausted:
            return  # older than everything listed so far: it comes with a later page
        if not self._restore(page):
            return  # the model is read again from the source, this event with it
        end = page.start + page.count
        row = next(
            (
                i
                for i in range(page.start, end)
                if isinstance(cur := self._w.rows[i], tuple) and _key(cur) < key
            ),
            end,
        )
        day = _day(entry.at)
        if row > page.start and isinstance(self._w.rows[row - 1], date) and self._w.rows[row - 1] != day:
            row -= 1  # above a later day's header is an earlier day's group: go before the header
        if row > page.start:
            above = self._w.rows[row - 1]
            above_day = None if above is None else _row_day(above)
        else:
            above_day = None if page.cursor is None else _day(page.cursor[_AT])
        rows: list[Row] = [plain] if above_day == day else [day, plain]
        self._insert_rows(page, row, rows)
        if key < _key(page.last):
            page.last = plain  # a new oldest event at the end of the last page

    def _insert_rows(self, page: Page | None, row: int, rows: list[Row]) -> None:
        self.beginInsertRows(QModelIndex(), row, row + len(rows) - 1)
        self._w.insert(page, row, rows)
        self.endInsertRows()

    def _with_headers(self, entries: list[TimelineEntry], previous_day: date | None) -> list[Row]:
        if self._where.by_relevance:
            return [_plain(entry) for entry in entries]
        rows: list[Row] = []
        for entry in entries:
            day = _day(entry.at)
            if day != previous_day:
                rows.append(day)
                previous_day = day
            rows.append(_plain(entry))
        return rows

    def _last_entry(self) -> TimelineEntry | None:
        last = self._w.last
        return None if last is None else _entry(last)

    def _last_day(self) -> date | None:
        last = self._w.last
        return None if last is None else _day(last[_AT])


class _Listed(Mapping[str, TimelineEntry]):
    """The model's listed events by id, for lookups (the relevance cards name events by id): held
    rows answer directly, a dropped page's event is read again. Iterates over the held ones."""

    def __init__(self, model: TimelineModel) -> None:
        self._model = model

    def __getitem__(self, event_id: str) -> TimelineEntry:
        entry = self._model.entry(event_id)
        if entry is None:
            raise KeyError(event_id)
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._model.held_ids())

    def __len__(self) -> int:
        return len(self._model.held_ids())


@lru_cache(maxsize=1024)
def _row_text(at: datetime, text: str, dated: bool, locale: str) -> str:
    """A row's text. Formatting the time goes through QDateTime and the locale (about 0.05 ms) and a view
    asks again on every paint of the row: during a fast scroll, every frame. The visible rows and
    those around them fit in the cache many times over; the locale's name is part of the key, so
    a change of language formats anew."""
    if dated:
        when = datetime_text(at)
    else:
        local = at.astimezone()
        when = _clock(local.hour, local.minute, locale)
    return f"{when}  {text}"


@lru_cache(maxsize=2048)
def _clock(hour: int, minute: int, _locale: str) -> str:
    """A local time of day in the locale's way: a fast scroll shows new rows on every turn, each
    with its own time, but there are only 1,440 times of day."""
    return time_text(datetime(2000, 1, 3, hour, minute))  # a naive time is local time


def _day(at: datetime) -> date:
    return at.astimezone().date()


def _row_day(row: Row) -> date:
    return row if not isinstance(row, tuple) else _day(row[_AT])
