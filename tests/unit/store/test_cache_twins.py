"""The desk's cache keeps a call the telephony system and the CRM both logged as one event (the
backend hands it out with its twins): one row, both records' words found, open as the later says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from workstation.domain.models import TimelineEvent
from workstation.domain.timeline import TimelineFilter
from workstation.store.cache import CacheStore, open_engine

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _call(twins: list[dict[str, object]] | None = None) -> TimelineEvent:
    data: dict[str, object] = {"topic": "router", "outcome": "resolved", "source": "telephony"}
    if twins is not None:
        data["twins"] = twins
    return TimelineEvent(
        id="tel-1",
        customer_id="c-1",
        at=T0,
        channel="phone",
        kind="contact",
        summary="Call: router",
        data=data,
    )


CRM = {
    "id": "crm-1",
    "at": (T0 + timedelta(minutes=3)).isoformat(),
    "channel": "phone",
    "summary": "Activity: Rückruf zugesagt",
    "data": {"topic": "router", "outcome": "callback_promised", "source": "crm", "source_id": "act-9"},
}


def test_a_call_and_its_crm_twin_are_one_cached_event_open_as_the_crm_says(tmp_path: Path) -> None:
    store = CacheStore(open_engine(tmp_path / "cache.sqlite3"))
    try:
        # Pushed first alone, then again with the CRM's record (timeline.event_added twice, one id).
        store.writes.submit(store.apply, events=[_call()]).result()
        assert store.writes.submit(store.refresh_stories, "c-1", {"topic:router"}).result() == set()
        store.writes.submit(store.apply, events=[_call([CRM])]).result()
        assert store.timeline_count("c-1") == 1
        [event] = store.timeline("c-1")
        assert [t["data"]["outcome"] for t in event.data["twins"]] == ["callback_promised"]
        assert event.data["outcome"] == "resolved"  # the telephony record's own outcome, kept
        found = store.timeline_page("c-1", where=TimelineFilter(text="callback"), limit=10)
        assert [e.id for e in found] == ["tel-1"], "the CRM record's words find the call"
        assert store.writes.submit(store.refresh_stories, "c-1", {"topic:router"}).result() == {
            "topic:router"
        }
        assert store.open_stories("c-1") == {"topic:router"}
    finally:
        store.close()
