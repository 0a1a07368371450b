"""Router invariants in the real backend under random sequences of chats, decisions and presence.

In-process (a Backend on a SQLite file, no HTTP) so that Hypothesis can run many sequences quickly;
the HTTP behaviour of the same operations is covered in test_routing.py and test_api.py.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workstation.domain.models import Customer, Presence, Role, utcnow
from workstation.domain.workflow import AgentRouting
from workstation.server.backend import Backend, BackendConfig, Principal
from workstation.server.db import ConversationRow, OfferRow, make_engine

AGENTS = {
    # username: languages, chat capacity
    "a0": (["de", "en"], 2),
    "a1": (["de"], 1),
    "a2": (["en"], 3),
}
CUSTOMERS = [("c-de", "de", "gold"), ("c-en", "en", "silver"), ("c-vip", "en", "platinum")]

actions = st.lists(
    st.one_of(
        st.tuples(st.just("chat"), st.sampled_from([c[0] for c in CUSTOMERS]), st.integers(0, 60)),
        st.tuples(st.just("route")),
        st.tuples(st.sampled_from(["accept", "reject", "close"]), st.integers(0, 10)),
        st.tuples(st.just("presence"), st.sampled_from(list(AGENTS)), st.sampled_from(list(Presence))),
        st.tuples(st.just("expire"), st.integers(0, 10)),
    ),
    min_size=5,
    max_size=30,
)


def _backend(directory: Path) -> Backend:
    backend = Backend(
        make_engine(f"sqlite:///{directory / 'b.sqlite3'}"),
        BackendConfig(offer_timeout_s=3600.0, reoffer_cooldown_s=0.0, away_after_missed_offer=False),
    )
    for name, (languages, capacity) in AGENTS.items():
        agent = backend.ensure_agent(username=name, name=name, password="x", languages=tuple(languages))
        backend.set_agent_routing(
            None, agent.id, AgentRouting(attributes={"level": 3}, capacity={"chat": capacity})
        )
        backend.set_presence(agent.id, Presence.AVAILABLE)
    for cid, language, tier in CUSTOMERS:
        backend.upsert_customer(Customer(id=cid, name=cid, language=language, value_tier=tier))
    return backend


def _open_offers(db: Session) -> list[OfferRow]:
    return list(db.scalars(select(OfferRow).where(OfferRow.state == "offered").order_by(OfferRow.id)))


def _check_invariants(backend: Backend) -> None:
    with Session(backend.engine) as db:
        per_conversation = db.execute(
            select(OfferRow.conversation_id, func.count())
            .where(OfferRow.state == "offered")
            .group_by(OfferRow.conversation_id)
        ).all()
        assert all(count == 1 for _, count in per_conversation), per_conversation
        for name, (_languages, capacity) in AGENTS.items():
            held = db.scalar(
                select(func.count()).where(
                    ConversationRow.agent_id == f"a-{name}", ConversationRow.state == "active"
                )
            )
            offered = db.scalar(
                select(func.count()).where(OfferRow.agent_id == f"a-{name}", OfferRow.state == "offered")
            )
            assert (held or 0) + (offered or 0) <= capacity, name
        # An open offer's conversation is in the OFFERED state, and only then.
        offered_convs = {o.conversation_id for o in _open_offers(db)}
        states = dict(db.execute(select(ConversationRow.id, ConversationRow.state)).all())
        assert {c for c, s in states.items() if s == "offered"} == offered_convs


@settings(max_examples=25, deadline=None)
@given(actions)
def test_never_over_capacity_never_two_open_offers_for_one_task(steps: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backend = _backend(Path(tmp))
        try:
            for step in steps:
                _apply(backend, step)
                _check_invariants(backend)
        finally:
            backend.engine.dispose()


def _apply(backend: Backend, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "chat":
        backend.start_chat(
            customer_id=step[1], text="hi", topic="product", attributes={"minutes_on_product_pages": step[2]}
        )
    elif kind == "route":
        backend.assign_waiting()
    elif kind == "expire":  # time passes for one open offer: it times out
        with Session(backend.engine) as db:
            offers = _open_offers(db)
            if offers:
                offers[step[1] % len(offers)].expires_at = utcnow() - timedelta(seconds=1)
                db.commit()
        backend.expire_offers()
        backend.assign_waiting()
    elif kind == "presence":
        backend.set_presence(f"a-{step[1]}", step[2])
    else:
        with Session(backend.engine) as db:
            if kind == "close":
                rows = list(db.scalars(select(ConversationRow).where(ConversationRow.state == "active")))
                target = (rows[step[1] % len(rows)].agent_id, rows[step[1] % len(rows)].id) if rows else None
            else:
                offers = _open_offers(db)
                target = (
                    (offers[step[1] % len(offers)].agent_id, offers[step[1] % len(offers)].id)
                    if offers
                    else None
                )
        if target is None:
            return
        me = Principal(scope="agent", agent_id=target[0], role=Role.AGENT)
        if kind == "accept":
            backend.accept_offer(me, target[1])
        elif kind == "reject":
            backend.reject_offer(me, target[1])
        else:
            backend.close_conversation(me, target[1], "resolved")
