"""What the agent edits in the window (contact details, notes) and the conflicts they decide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from workstation.services.tasks import TaskSet
from workstation.ui.domain_text import error_text

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from workstation.domain.models import ConnectorConflict
    from workstation.services.customer_context import CustomerContextService
    from workstation.services.records import Conflict, CustomerView, NoteView, RecordsService
    from workstation.ui.conflict_dialog import ConflictDialog
    from workstation.ui.conversation_tabs import ConversationTabs
    from workstation.ui.conversation_view import ConversationView
    from workstation.ui.customer_edit_dialog import CustomerEditDialog
    from workstation.ui.status_bar import StatusBar


class RecordsController(QObject):
    """Shows the records service's changes in the open tabs and the status bar, and runs the dialogs
    (edit a customer, decide a conflict) over `window`. Built with everything it needs; owned by the
    window's `DeskController`."""

    def __init__(
        self,
        window: QMainWindow,
        status: StatusBar,
        conversations: ConversationTabs,
        records: RecordsService,
        context: CustomerContextService,
    ) -> None:
        super().__init__(window)
        self.window, self.status, self.conversations = window, status, conversations
        self.records, self.context = records, context
        self._tasks = TaskSet()
        self.conflict_dialog: ConflictDialog | None = None
        self.customer_dialog: CustomerEditDialog | None = None
        records.customer_changed.connect(self._on_records_customer_changed)
        records.notes_changed.connect(self._on_records_notes_changed)
        self.upstream = records.upstream
        # One count for the agent: the desk's own edits and the connectors' conflicts alike.
        records.conflicts_changed.connect(self._show_conflict_count)
        self.upstream.conflicts_changed.connect(self._show_conflict_count)
        self.upstream.sources_changed.connect(self._on_sources_changed)
        status.conflicts_button.clicked.connect(self.resolve_next_conflict)
        self._show_conflict_count()

    def _show_conflict_count(self, _count: int = 0) -> None:
        self.status.show_conflicts(len(self.records.conflicts()) + len(self.upstream.conflicts()))

    def watch(self, view: ConversationView) -> None:
        """A newly opened tab: its edits come here."""
        view.customer_edit_requested.connect(self.edit_customer)
        view.note_added.connect(self._on_view_note_added)
        view.note_edited.connect(self._on_view_note_edited)

    def show_in(
        self,
        view: ConversationView,
        customer_id: str,
        contact: CustomerView | None,
        notes: list[NoteView] | None,
    ) -> None:
        """A refreshed customer in a tab: `contact` and `notes` as read off the GUI thread (None: the
        tab keeps what it shows, e.g. newer edits the agent made meanwhile)."""
        # Sources first: the contact shown after them marks the fields a connector owns.
        view.customer_header.show_sources(self.upstream.sources(customer_id))
        if contact is not None:
            view.show_contact(contact)
        if notes is not None:
            view.show_notes(notes)
        # Sources and conflicts with upstream systems: asked for whenever a customer is shown, so a
        # desk that was offline when a conflict was pushed still sees it.
        self.upstream.refresh_soon(customer_id)

    def _show_sources(self, view: ConversationView, customer_id: str) -> None:
        view.customer_header.show_sources(self.upstream.sources(customer_id))
        view.show_contact(self.records.customer(customer_id))

    def _on_sources_changed(self, customer_id: str) -> None:
        for view in self.conversations.of_customer(customer_id):
            self._show_sources(view, customer_id)

    def _on_records_customer_changed(self, customer_id: str) -> None:
        view_model = self.records.customer(customer_id)
        for view in self.conversations.of_customer(customer_id):
            view.show_contact(view_model)
            if view_model.customer is not None:
                view.customer_header.show_customer(view.conversation.customer.name, view_model.customer)

    def _on_records_notes_changed(self, customer_id: str) -> None:
        notes = self.records.notes(customer_id)
        for view in self.conversations.of_customer(customer_id):
            view.show_notes(notes)

    def _on_view_note_added(self, customer_id: str, text: str) -> None:
        from workstation.services.records import RecordsError

        try:
            self.records.add_note(customer_id, text)
        except RecordsError as exc:
            self.status.showMessage(error_text(exc), 10_000)

    def _on_view_note_edited(self, customer_id: str, note_id: str, text: str) -> None:
        from workstation.services.records import RecordsError

        try:
            self.records.edit_note(customer_id, note_id, text)
        except RecordsError as exc:
            self.status.showMessage(error_text(exc), 10_000)

    def edit_customer(self, customer_id: str) -> None:
        if self.customer_dialog is None:
            self._tasks.start(self._edit_customer(customer_id), "edit-customer")

    async def _edit_customer(self, customer_id: str) -> None:
        from workstation.services.records import RecordsError
        from workstation.ui.customer_edit_dialog import CustomerEditDialog

        current = self.records.customer(customer_id)
        if current.customer is None:
            return
        values = {field: current.value(field) for field in ("email", "phone", "company")}
        self.customer_dialog = CustomerEditDialog(current.customer.name, values, self.window)
        try:
            chosen = await self.customer_dialog.chosen()
        finally:
            self.customer_dialog.deleteLater()
            self.customer_dialog = None
        if chosen is None:
            return
        try:
            self.records.edit_customer(customer_id, {k: v or None for k, v in chosen.items()})
        except RecordsError as exc:
            self.status.showMessage(error_text(exc), 10_000)

    def resolve_next_conflict(self) -> None:
        if self.conflict_dialog is not None:
            return
        conflicts = self.records.conflicts()
        if conflicts:
            self._tasks.start(self._resolve(conflicts[0]), "resolve-conflict")
            return
        upstream = self.upstream.conflicts()
        if upstream:
            self._tasks.start(self._resolve_upstream(upstream[0]), "resolve-upstream-conflict")

    async def _resolve_upstream(self, upstream: ConnectorConflict) -> None:
        from workstation.domain.merge import FieldConflict, MergeResult
        from workstation.services.records import Conflict
        from workstation.ui.conflict_dialog import ConflictDialog
        from workstation.ui.labels import FIELDS, term

        cached = self.context.cached(upstream.customer_id)
        name = cached.customer.name if cached.customer else upstream.customer_id
        field = FieldConflict(upstream.field, upstream.before, upstream.theirs, upstream.yours)
        system = self.upstream.system_of(upstream.connector)
        conflict = Conflict(
            -1,
            "connector",
            upstream.customer_id,
            term(FIELDS, upstream.field),
            MergeResult({}, (field,)),
            system,
        )
        self.conflict_dialog = ConflictDialog(conflict, name, self.window, system=system)
        try:
            choices = await self.conflict_dialog.chosen()
            sides = self.conflict_dialog.sides()
        finally:
            self.conflict_dialog.deleteLater()
            self.conflict_dialog = None
        if choices is not None:
            self.upstream.decide(upstream, "theirs" if sides[upstream.field] == "theirs" else "yours")

    async def _resolve(self, conflict: Conflict) -> None:
        from workstation.ui.conflict_dialog import ConflictDialog

        cached = self.context.cached(conflict.customer_id)
        name = cached.customer.name if cached.customer else conflict.customer_id
        self.conflict_dialog = ConflictDialog(conflict, name, self.window)
        try:
            choices = await self.conflict_dialog.chosen()
        finally:
            self.conflict_dialog.deleteLater()
            self.conflict_dialog = None
        if choices is not None:
            self.records.decide(conflict, choices)

    async def shutdown(self) -> None:
        await self._tasks.cancel_all()
        await self.upstream.shutdown()
