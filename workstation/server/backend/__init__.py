"""The reference backend's behaviour: sessions, presence, routing offers, conversations, event log.

One module per area (auth, customers, conversations, offers, routing_admin over base: the database,
unit of work and event log; core: errors, principals, config; mappers: rows to models); `Backend`
composes them, so callers keep one object.

State changes never race each other: every unit of work holds `state_lock`, and every write of
the running server (the REST API's, cobrowse, voice, logout; the connectors' and channels' loops;
the demo world) and the router's passes run whole, in order, on one writer thread
(writer_thread.py), off the event loop. Each operation is short SQLAlchemy units of work, and the
events it appended are pushed to the connected clients only after it committed, on the loop, in seq
order. Pure reads run on worker threads (token checks as FastAPI's sync dependencies, the customer,
desk and routing reads of reader_threads.py).
"""

from __future__ import annotations

from workstation.server.backend.auth import AuthAndPresence
from workstation.server.backend.conversations import Conversations
from workstation.server.backend.core import (
    AUDIENCE_ALL,
    AUDIENCE_TEAMLEADS,
    DEFAULT_WRAPUP_CODES,
    MAX_INGEST_BATCH,
    ROUTING_CONFIG_KEY,
    BackendConfig,
    BackendError,
    EventHub,
    IngestResult,
    Principal,
    _digest,
    _new_id,
    _Subscriber,
    _UnitOfWork,
    audience_matches,
    log,
)
from workstation.server.backend.customers import Customers
from workstation.server.backend.mappers import (
    WRAPUP_OUTCOMES,
    _agent,
    _aware,
    _capacity,
    _check_length,
    _check_opening,
    _compile_config,
    _contact_event,
    _customer,
    _decode_cursor,
    _encode_cursor,
    _expired,
    _filtered,
    _item_id,
    _message,
    _offer_record,
    _pushed,
    _record_step,
    _summary,
    _timeline_event,
    _validation_text,
    _worker_attributes,
    error_body,
)
from workstation.server.backend.offers import OffersAndRouting
from workstation.server.backend.routing_admin import RoutingAdmin


class Backend(RoutingAdmin, OffersAndRouting, Conversations, Customers, AuthAndPresence):
    """All state-changing operations of the reference backend (one area per base class)."""


__all__ = [
    "AUDIENCE_ALL",
    "AUDIENCE_TEAMLEADS",
    "DEFAULT_WRAPUP_CODES",
    "MAX_INGEST_BATCH",
    "ROUTING_CONFIG_KEY",
    "WRAPUP_OUTCOMES",
    "Backend",
    "BackendConfig",
    "BackendError",
    "EventHub",
    "IngestResult",
    "Principal",
    "_Subscriber",
    "_UnitOfWork",
    "_agent",
    "_aware",
    "_capacity",
    "_check_length",
    "_check_opening",
    "_compile_config",
    "_contact_event",
    "_customer",
    "_decode_cursor",
    "_digest",
    "_encode_cursor",
    "_expired",
    "_filtered",
    "_item_id",
    "_message",
    "_new_id",
    "_offer_record",
    "_pushed",
    "_record_step",
    "_summary",
    "_timeline_event",
    "_validation_text",
    "_worker_attributes",
    "audience_matches",
    "error_body",
    "log",
]
