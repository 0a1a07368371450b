"""Records the agent edits (customer contact fields, notes): offline first, conflicts decided by the agent.

Every edit is queued in the outbox with what the agent started from (base, and the version it came
with) and what they want (mine). The backend refuses an edit made on an older version (412) and
answers with its current record (theirs). A three-way merge then decides: when the two sides
changed different things, both changes are kept and the edit is sent again on the new version;
when they changed the same thing differently, the write waits as a *conflict* until the agent
chooses between base / theirs / mine. Nothing is overwritten silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal

from workstation.client.api import ApiError, BackendApi, ProtocolError, VersionConflict, rejected_answer
from workstation.domain import messages as M
from workstation.domain.merge import FieldConflict, MergeResult, merge3, resolve
from workstation.domain.models import EDITABLE_CUSTOMER_FIELDS, Customer, CustomerNote, utcnow
from workstation.services.session import SessionService
from workstation.services.sync import AppliedEvent, SyncService
from workstation.services.upstream import UpstreamService
from workstation.store.cache import CONFLICT, CUSTOMER_KINDS, FAILED, PENDING, CacheStore, OutboxItem, new_key

log = logging.getLogger(__name__)

#: the longest note the backend accepts (CustomerNote.text)
MAX_NOTE_CHARS = 10_000

#: A clean merge is sent again at most this often per write before it is left to the agent
#: (somebody else keeps saving the same record in between).
MAX_REBASES = 5


class RecordsError(Exception):
    """An edit that cannot be queued, with a message for the agent."""


@dataclass(frozen=True, slots=True)
class CustomerView:
    """The customer as the agent should see it: the cached record with their unsent edits."""

    customer: Customer | None
    #: field -> value for fields with an edit not yet delivered
    pending: dict[str, Any]
    #: fields whose edit waits for the agent's decision
    conflicted: frozenset[str]

    def value(self, name: str) -> Any:
        if name in self.pending:
            return self.pending[name]
        return getattr(self.customer, name) if self.customer is not None else None


@dataclass(frozen=True, slots=True)
class NoteView:
    note: CustomerNote
    #: what to show: the agent's unsent edit, if any, else the backend's text
    text: str
    #: sent | pending | failed | conflict
    state: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """A write the backend refused because the record changed meanwhile, for the agent to decide."""

    item_id: int
    kind: str
    customer_id: str
    #: "Contact details" or "Note"
    title: str
    merge: MergeResult
    #: who saved theirs, and when (as far as the record says)
    theirs_by: str

    @property
    def fields(self) -> tuple[FieldConflict, ...]:
        return self.merge.conflicts


class RecordsService(QObject):
    """Edits of customer fields and notes through the outbox, with conflict detection by version.

    Signals: `customer_changed(customer_id)`, `notes_changed(customer_id)` (cache or pending state
    changed), `conflicts_changed(count)`.
    """

    customer_changed = Signal(str)
    notes_changed = Signal(str)
    conflicts_changed = Signal(int)

    def __init__(
        self,
        api: BackendApi,
        store: CacheStore,
        sync: SyncService,
        session: SessionService,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._store = store
        self._sync = sync
        self._session = session
        #: the connectors' side: field sources and conflicts with upstream systems (owned here so
        #: that the desk wiring stays as it is)
        self.upstream = UpstreamService(api, store, sync, parent=self)
        sync.register("customer_update", self._deliver_customer_update)
        sync.register("note_create", self._deliver_note_create)
        sync.register("note_update", self._deliver_note_update)
        sync.events_applied.connect(self._on_sync_events_applied)
        sync.write_completed.connect(self._on_sync_write_settled)
        sync.write_refused.connect(lambda kind, target, _reason: self._on_sync_write_settled(kind, target))

    # --- reading ---------------------------------------------------------------------------------

    def customer(self, customer_id: str) -> CustomerView:
        pending: dict[str, Any] = {}
        conflicted: set[str] = set()
        for record in self._store.outbox_records(
            kinds=("customer_update",), states=(PENDING, CONFLICT), target=customer_id
        ):
            mine = dict(record.item.payload.get("mine", {}))
            pending.update(mine)
            if record.state == CONFLICT:
                conflicted.update(mine)
        return CustomerView(self._store.customer(customer_id), pending, frozenset(conflicted))

    def notes(self, customer_id: str) -> list[NoteView]:
        edits: dict[str, tuple[str, str]] = {}
        for record in self._store.outbox_records(
            kinds=("note_update",), states=(PENDING, CONFLICT, FAILED), target=customer_id
        ):
            payload = record.item.payload
            edits[str(payload.get("note_id"))] = (str(payload.get("text", "")), record.state)
        views = []
        for entry in self._store.notes(customer_id):
            text, state = entry.note.text, entry.delivery
            if entry.note.id in edits:
                text, state = edits[entry.note.id]
            elif entry.note.client_key and f"local:{entry.note.client_key}" in edits:
                text, state = edits[f"local:{entry.note.client_key}"]
            views.append(NoteView(entry.note, text, state))
        return views

    def conflicts(self) -> list[Conflict]:
        result = []
        for record in self._store.outbox_records(kinds=CUSTOMER_KINDS, states=(CONFLICT,)):
            conflict = self._conflict_of(record.item, record.detail or {})
            if conflict is not None:
                result.append(conflict)
        return result

    # --- editing ---------------------------------------------------------------------------------

    def edit_customer(self, customer_id: str, values: dict[str, Any]) -> bool:
        """Queue the agent's changes to editable fields; False if nothing changed."""
        view = self.customer(customer_id)
        if view.customer is None:
            raise RecordsError(M.Msg(M.RECORD_NOT_CACHED))
        unknown = set(values) - set(EDITABLE_CUSTOMER_FIELDS)
        if unknown:
            raise RecordsError(M.Msg(M.NOT_EDITABLE, fields=", ".join(sorted(unknown))))
        clean = {
            name: (str(value).strip() or None) if value is not None else None
            for name, value in values.items()
        }
        if _customer_edit(view, clean) is None:
            return False
        job = self._store.writes.submit(self._queue_customer_edit, customer_id, clean)
        self._sync.committed(
            job, lambda: self.customer_changed.emit(customer_id), kind="customer_update", target=customer_id
        )
        return True

    def _queue_customer_edit(self, customer_id: str, clean: dict[str, Any]) -> None:
        # On the writer thread, behind every write queued before: the base is what the agent saw,
        # including an edit made a moment ago that the GUI thread could not read yet.
        payload = _customer_edit(self.customer(customer_id), clean)
        if payload is not None:
            self._store.enqueue("customer_update", payload, target=customer_id)

    def add_note(self, customer_id: str, text: str) -> NoteView:
        text = text.strip()
        if not text:
            raise RecordsError(M.Msg(M.EMPTY_NOTE))
        if len(text) > MAX_NOTE_CHARS:
            raise RecordsError(M.Msg(M.NOTE_TOO_LONG, limit=MAX_NOTE_CHARS))
        key = new_key()
        agent = self._session.agent
        now = utcnow()
        local = CustomerNote(
            id=f"local:{key}",
            customer_id=customer_id,
            text=text,
            author=agent.name if agent else "",
            created_at=now,
            updated_at=now,
            updated_by=agent.name if agent else "",
            version=0,
            client_key=key,
        )
        job = self._store.writes.submit(
            self._store.enqueue, "note_create", {"text": text}, target=customer_id, local_note=local
        )
        self._sync.committed(
            job, lambda: self.notes_changed.emit(customer_id), kind="note_create", target=customer_id
        )
        return NoteView(local, text, PENDING)

    def edit_note(self, customer_id: str, note_id: str, text: str) -> bool:
        """Queue a new text for a note; False if it is what the agent sees already."""
        text = text.strip()
        if not text:
            raise RecordsError(M.Msg(M.EMPTY_NOTE))
        if self._note_edit(customer_id, note_id, text) is None:
            return False
        job = self._store.writes.submit(self._queue_note_edit, customer_id, note_id, text)
        self._sync.committed(
            job, lambda: self.notes_changed.emit(customer_id), kind="note_update", target=customer_id
        )
        return True

    def _note_edit(self, customer_id: str, note_id: str, text: str) -> dict[str, Any] | None:
        current = next((v for v in self.notes(customer_id) if v.note.id == note_id), None)
        if current is None:
            raise RecordsError(M.Msg(M.NOTE_NOT_CACHED))
        if text == current.text:
            return None
        note = current.note
        # A note not delivered yet is edited on the version its creation will make (1).
        base_version = 1 if note.id.startswith("local:") else note.version
        return {"note_id": note.id, "base_version": base_version, "base_text": current.text, "text": text}

    def _queue_note_edit(self, customer_id: str, note_id: str, text: str) -> None:
        # On the writer thread (see _queue_customer_edit).
        payload = self._note_edit(customer_id, note_id, text)
        if payload is not None:
            self._store.enqueue("note_update", payload, target=customer_id)

    def decide(self, conflict: Conflict, choices: dict[str, Any]) -> None:
        """The agent chose a value for every conflicting field: queue the result, close the conflict."""
        theirs = conflict.merge.merged
        changes = resolve(conflict.merge, choices)
        then: tuple[str, dict[str, Any], str] | None = None
        if conflict.kind == "customer_update" and changes:
            then = (
                "customer_update",
                {
                    "base_version": int(theirs["version"]),
                    "base": {name: theirs.get(name) for name in changes},
                    "mine": changes,
                },
                conflict.customer_id,
            )
        elif conflict.kind == "note_update" and "text" in changes:
            then = (
                "note_update",
                {
                    "note_id": str(theirs["id"]),
                    "base_version": int(theirs["version"]),
                    "base_text": str(theirs.get("text", "")),
                    "text": str(changes["text"]),
                },
                conflict.customer_id,
            )
        outcome = "resolved by the agent" if then else "the agent kept the saved version"
        record = self._store.outbox_record(conflict.item_id)
        if record is None or record.state != CONFLICT:
            raise LookupError(f"outbox item {conflict.item_id} is not an open conflict")
        job = self._store.writes.submit(self._store.settle, conflict.item_id, outcome, then=then)
        self._sync.committed(
            job,
            lambda: self._after_change(conflict.kind, conflict.customer_id),
            kind=conflict.kind,
            target=conflict.customer_id,
        )

    # --- delivery (called by the sync service's outbox loop) -------------------------------------

    async def _deliver_customer_update(self, item: OutboxItem) -> None:
        payload = item.payload
        version = int(payload["base_version"])
        base, mine = dict(payload["base"]), dict(payload["mine"])
        for attempt in range(MAX_REBASES + 1):
            # A derived key per attempt: a replay after a crash repeats the same answers in order.
            key = item.key if attempt == 0 else f"{item.key}:r{attempt}"
            try:
                customer = await self._api.update_customer(item.target, mine, version=version, key=key)
            except VersionConflict as exc:
                theirs = _validated(Customer, exc.current, "current customer")
                theirs_fields = theirs.editable()
                merge = merge3(base, theirs_fields, mine)
                if not merge.clean or attempt == MAX_REBASES:
                    await self._store.writes.run(
                        self._store.conflict,
                        item.id,
                        exc.message,
                        {"theirs": exc.current, "base": base, "mine": mine},
                    )
                    self._after_change(item.kind, item.target)
                    return
                if not merge.changes:
                    # It is already as the agent wants.
                    await self._store.writes.run(self._store.complete, item.id, customers=[theirs])
                    return
                version, mine = theirs.version, merge.changes
                base = {name: theirs_fields.get(name) for name in mine}
                continue
            self._check(customer.id == item.target, f"answered an edit of {item.target} with {customer.id}")
            await self._store.writes.run(self._store.complete, item.id, customers=[customer])
            return

    async def _deliver_note_create(self, item: OutboxItem) -> None:
        note = await self._api.create_note(item.target, str(item.payload["text"]), key=item.key)
        self._check(
            note.customer_id == item.target and note.client_key in (None, item.key),
            f"answered a note on {item.target} with one on {note.customer_id}",
        )
        if note.client_key is None:
            note = note.model_copy(update={"client_key": item.key})
        await self._store.writes.run(self._store.complete, item.id, notes=[note])

    async def _deliver_note_update(self, item: OutboxItem) -> None:
        payload = item.payload
        note_id = str(payload["note_id"])
        if note_id.startswith("local:"):
            created = self._store.note_by_key(note_id.removeprefix("local:"))
            if created is None:
                raise ApiError(409, "note_not_saved", M.Msg(M.NOTE_NOT_SAVED))
            note_id = created.id
        version, base_text, text = (
            int(payload["base_version"]),
            str(payload["base_text"]),
            str(payload["text"]),
        )
        for attempt in range(MAX_REBASES + 1):
            key = item.key if attempt == 0 else f"{item.key}:r{attempt}"
            try:
                note = await self._api.update_note(item.target, note_id, text, version=version, key=key)
            except VersionConflict as exc:
                theirs = _validated(CustomerNote, exc.current, "current note")
                merge = merge3({"text": base_text}, {"text": theirs.text}, {"text": text})
                if not merge.clean or attempt == MAX_REBASES:
                    detail = {"theirs": exc.current, "base": {"text": base_text}, "mine": {"text": text}}
                    await self._store.writes.run(self._store.conflict, item.id, exc.message, detail)
                    self._after_change(item.kind, item.target)
                    return
                if not merge.changes:
                    await self._store.writes.run(self._store.complete, item.id, notes=[theirs])
                    return
                version, base_text = theirs.version, theirs.text
                continue
            self._check(note.id == note_id, f"answered an edit of note {note_id} with {note.id}")
            await self._store.writes.run(self._store.complete, item.id, notes=[note])
            return

    # --- helpers ---------------------------------------------------------------------------------

    def _conflict_of(self, item: OutboxItem, detail: dict[str, Any]) -> Conflict | None:
        theirs = dict(detail.get("theirs") or {})
        base, mine = dict(detail.get("base") or {}), dict(detail.get("mine") or {})
        if item.kind == "customer_update":
            try:
                customer = Customer.model_validate(theirs)
            except ValidationError:
                log.warning("conflict %d has no readable current record; showing mine only", item.id)
                return None
            # theirs carries the version too, so that decide() edits on top of it
            merge = merge3(base, {**customer.editable(), "version": customer.version}, mine)
            return Conflict(item.id, item.kind, item.target, "Contact details", merge, "")
        try:
            note = CustomerNote.model_validate(theirs)
        except ValidationError:
            log.warning("conflict %d has no readable current note", item.id)
            return None
        merge = merge3(base, {"text": note.text}, mine)
        merged = {**merge.merged, "id": note.id, "version": note.version}
        by = f"{note.updated_by}, {note.updated_at.astimezone():%d.%m. %H:%M}" if note.updated_by else ""
        return Conflict(
            item.id, item.kind, item.target, "Note", MergeResult(merged, merge.conflicts, merge.changes), by
        )

    def _after_change(self, kind: str, customer_id: str) -> None:
        if kind == "customer_update":
            self.customer_changed.emit(customer_id)
        else:
            self.notes_changed.emit(customer_id)
        self.conflicts_changed.emit(len(self.conflicts()))

    def _on_sync_write_settled(self, kind: str, target: str) -> None:
        if kind in CUSTOMER_KINDS:
            self._after_change(kind, target)

    def _on_sync_events_applied(self, applied: list[AppliedEvent]) -> None:
        for event in applied:
            if isinstance(event.record, Customer):
                self.customer_changed.emit(event.record.id)
            elif isinstance(event.record, CustomerNote):
                self.notes_changed.emit(event.record.customer_id)

    @staticmethod
    def _check(condition: bool, problem: str) -> None:
        if not condition:
            raise rejected_answer(problem)


def _customer_edit(view: CustomerView, clean: dict[str, Any]) -> dict[str, Any] | None:
    """The outbox payload of an edit of the contact details as seen in `view`; None: nothing changed."""
    if view.customer is None:
        return None
    base = {name: view.value(name) for name in clean}
    mine = {name: value for name, value in clean.items() if value != base[name]}
    if not mine:
        return None
    return {"base_version": view.customer.version, "base": {name: base[name] for name in mine}, "mine": mine}


def _validated(model: type[Any], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        log.warning(
            "rejected an answer from the backend: malformed %s (%d problems)", what, exc.error_count()
        )
        raise ProtocolError(f"malformed {what} in a version conflict") from exc
