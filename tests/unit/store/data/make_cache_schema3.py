"""Made cache-schema3.sqlite3 with the cache code of revision 0003 (main at e267bf0), before the
history's full-text index (0004): a customer with a history in German and English, a note, an open
story and a pending write.

PYTHONPATH=<checkout of e267bf0> .venv/bin/python tests/unit/store/data/make_cache_schema3.py OUT
"""

import sys
from datetime import UTC, datetime, timedelta

import workstation.store.cache as cache
from workstation.domain.models import Customer, TimelineEvent

assert cache.SCHEMA_VERSION == 3, cache.__file__
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SUMMARIES = [
    ("email", "complaint", "Beschwerde: Lieferverzögerung bei Bestellung 5120", {"order_id": "5120"}),
    ("logistics", "delivery_delayed", "DHL: Zustellung verschoben", {"order_id": "5120", "reason": "Streik"}),
    ("web", "page_view", "Viewed Fernseher 55 Zoll", {"url": "/tv-55"}),
    ("shop", "order_placed", "Order 5120 placed", {"order_id": "5120", "value": 499.0}),
]
store = cache.CacheStore(cache.open_engine(sys.argv[1]))
jana = Customer(id="c-1", name="Jana Kowalski", language="de", value_tier="gold", email="jana@example.org")
events = [
    TimelineEvent(
        id=f"h{i:03d}",
        customer_id="c-1",
        at=T0 - timedelta(hours=3 * i),
        channel=SUMMARIES[i % 4][0],
        kind=SUMMARIES[i % 4][1],
        summary=f"{SUMMARIES[i % 4][2]} #{i}",
        data=SUMMARIES[i % 4][3],
    )
    for i in range(300)
]
store.writes.submit(store.apply, log_id="log-3", seq=7, customers=[jana], events=events).result()
store.writes.submit(store.set_open_stories, "c-1", ["order:5120"]).result()
store.writes.submit(store.set_value, "timeline.older:c-1", "complete").result()
store.close()
