"""Made cache-schema1.sqlite3 with the cache code from before Alembic (main at 2e7e54d).

PYTHONPATH=<checkout of 2e7e54d> .venv/bin/python tests/unit/store/data/make_cache_schema1.py OUT
"""

import sys
from datetime import UTC, datetime, timedelta

import workstation.store.cache as cache
from workstation.domain.models import (
    Conversation,
    ConversationState,
    Customer,
    CustomerSummary,
    Message,
    TimelineEvent,
)

assert cache.SCHEMA_VERSION in (1, 2), cache.__file__
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
store = cache.CacheStore(cache.open_engine(sys.argv[1]))
jana = Customer(id="c-1", name="Jana Kowalski", language="de", value_tier="gold", email="jana@example.org")
store.apply(
    log_id="log-legacy",
    seq=42,
    customers=[jana],
    events=[
        TimelineEvent(
            id=f"e{i}",
            customer_id="c-1",
            at=T0 - timedelta(days=i),
            channel="web",
            kind="page_view",
            summary=f"Seite {i}",
        )
        for i in range(5)
    ],
    conversations=[
        Conversation(
            id="cv-1",
            customer=CustomerSummary(id="c-1", name="Jana Kowalski"),
            channel="chat",
            state=ConversationState.ACTIVE,
            started_at=T0,
            messages=(
                Message(
                    id="m-1", conversation_id="cv-1", sender="customer", text="Wo ist mein Paket?", at=T0
                ),
            ),
        )
    ],
)
local = Message(
    id="local:k-pending",
    conversation_id="cv-1",
    sender="agent",
    text="Ich schaue nach",
    at=T0 + timedelta(minutes=1),
    client_key="k-pending",
)
store.enqueue("message", {"text": "Ich schaue nach"}, target="cv-1", local_message=local)
store.enqueue("presence", {"presence": "away"})
refused = store.enqueue("close", {"wrapup_code": "nope"}, target="cv-1")
item = next(i for i in store.pending() if i.key == refused)
store.fail(item.id, "Unknown wrap-up code 'nope'.")
store.set_value("wrapup_codes", [{"code": "resolved", "label": "Resolved"}])
store.close()
print("made", sys.argv[1])
