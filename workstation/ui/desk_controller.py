"""The signed-in desk: connects the session's services to the main window's widgets.

The window is shown before anything else loads (window-first start), so it cannot get the services in
its constructor; this controller does: it is built once the agent is signed in, with every service it
needs, none of them optional except the softphone. The window itself holds no service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QBoxLayout, QMessageBox

from workstation.services.tasks import TaskSet
from workstation.ui import desk_habits
from workstation.ui.domain_text import error_text, render
from workstation.ui.labels import DISMISS_REASONS, term
from workstation.ui.language import datetime_text, time_text
from workstation.ui.records_controller import RecordsController

if TYPE_CHECKING:
    from workstation.domain.cobrowse import CobrowseStatus
    from workstation.domain.models import Conversation, TimelineEvent, TranscriptEntry
    from workstation.domain.presence import Presence
    from workstation.domain.relevance import Card, Ranking
    from workstation.domain.voice import CallInfo
    from workstation.services.cobrowse import CobrowseService
    from workstation.services.conversation import ConversationReady, ConversationService, CustomerRefreshed
    from workstation.services.customer_context import CustomerContext, CustomerContextService
    from workstation.services.inbox import InboxService, PendingOffer
    from workstation.services.records import RecordsService
    from workstation.services.relevance import RelevanceService
    from workstation.services.session import SessionService
    from workstation.services.sync import SyncService
    from workstation.services.voice import VoiceService
    from workstation.ui.call_preview import CallPreview
    from workstation.ui.conversation_view import ConversationView
    from workstation.ui.history_panel import TranscriptDialog
    from workstation.ui.main_window import MainWindow
    from workstation.ui.notifier import Notifier
    from workstation.ui.wrapup_dialog import WrapUpDialog

# After sign-in and after each opened tab: when the spare tab is built (see DeskController). Long
# enough for the new tab's first paint and its context refresh to be done first.
SPARE_VIEW_DELAY_MS = 1500


@dataclass(frozen=True)
class DeskServices:
    """What a signed-in desk works with (built by `workstation.boot.wiring`)."""

    session: SessionService
    inbox: InboxService
    context: CustomerContextService
    sync: SyncService
    relevance: RelevanceService
    cobrowse: CobrowseService
    records: RecordsService
    notifier: Notifier
    #: Opening a conversation: the cache read and ranking off the GUI thread, then one "ready".
    opener: ConversationService
    # Calls: None when no softphone is configured.
    voice: VoiceService | None = None


class DeskController(QObject):
    """Offers, conversation tabs, connection state and wrap-up, between `window` and the services.
    Child of the window; `window.controller` is this object once it is built."""

    def __init__(self, window: MainWindow, services: DeskServices) -> None:
        super().__init__(window)
        self.window = window
        self.session, self.inbox, self.context = services.session, services.inbox, services.context
        self.sync, self.relevance, self.cobrowse = services.sync, services.relevance, services.cobrowse
        self.records, self.notifier, self.voice = services.records, services.notifier, services.voice
        self.opener = services.opener
        self.offers, self.conversations, self.status = window.offer_area, window.conversations, window.status
        self._tasks = TaskSet()
        self.wrapup_dialog: WrapUpDialog | None = None
        self.transcript_dialog: TranscriptDialog | None = None
        self.refusal_box: QMessageBox | None = None
        #: Ringing calls' previews on their offer cards, by offer id (gone with the card).
        self.call_previews: dict[str, CallPreview] = {}
        # An answered unknown caller's search in the call's tab, by conversation id.
        self.call_searches: dict[str, CallPreview] = {}
        #: tabs built while the conversation service reads their conversation (shown once ready)
        self._opening: dict[str, ConversationView] = {}
        # One tab's widgets built ahead of time (~20 ms of GUI work), so an accepted offer only fills
        # them in: built a moment after sign-in and after each tab opens, once that first paint and
        # the context refresh after it are done.
        self._spare: ConversationView | None = None
        self._spare_timer = QTimer(self)
        self._spare_timer.setSingleShot(True)
        self._spare_timer.setInterval(SPARE_VIEW_DELAY_MS)
        self._spare_timer.timeout.connect(self._build_spare_view)
        self._spare_timer.start()
        self._select_when_shown: set[str] = set()
        self.record_edits = RecordsController(
            window, self.status, self.conversations, self.records, self.context
        )
        window.controller = self

        session, inbox, context, sync = self.session, self.inbox, self.context, self.sync
        window.show_agent(session.agent, session.presence.value)
        if self.notifier.tray_available:
            self.notifier.set_tray_menu(desk_habits.tray_menu(window))
        window.presence_requested.connect(self.inbox.set_presence)
        window.preferences_changed.connect(self._on_window_preferences_changed)
        window.wrap_up_requested.connect(self._on_window_wrap_up_requested)
        self.offers.accept_requested.connect(self.accept_offer)
        self.offers.reject_requested.connect(self.reject_offer)
        session.presence_changed.connect(window.show_presence)
        session.keychain_problem.connect(lambda message: self.status.showMessage(render(message), 30_000))
        inbox.offer_received.connect(self._on_inbox_offer_received)
        inbox.offer_removed.connect(self._on_inbox_offer_removed)
        self.opener.conversation_opening.connect(self._on_opener_conversation_opening)
        self.opener.conversation_ready.connect(self._on_opener_conversation_ready)
        self.opener.conversation_failed.connect(self._on_opener_conversation_failed)
        inbox.conversation_closed.connect(self._on_inbox_conversation_closed)
        inbox.customer_changed.connect(self._on_inbox_customer_changed)
        inbox.transcript_updated.connect(self._on_inbox_transcript_updated)
        inbox.write_refused.connect(self._on_inbox_write_refused)
        self.opener.customer_refreshed.connect(self._on_opener_customer_refreshed)
        context.events_added.connect(self._on_context_events_added)
        context.history_loaded.connect(self._on_context_history_loaded)
        context.history_failed.connect(self._on_context_history_failed)
        sync.connection_changed.connect(self._on_sync_connection_changed)
        sync.frame_skipped.connect(self._on_sync_frame_skipped)
        sync.outbox_changed.connect(self._on_sync_outbox_changed)
        sync.session_rejected.connect(self.status.show_signed_out)
        inbox.transcript_updated.connect(self.relevance.on_transcript_updated)
        self.relevance.ranking_changed.connect(self._on_relevance_ranking_changed)
        self.cobrowse.status_changed.connect(self._on_cobrowse_status_changed)
        if self.voice is not None:
            self.voice.phone_changed.connect(
                lambda _ready, text: self.status.showMessage(render(text), 15_000)
            )
            self.voice.call_offered.connect(self._on_voice_call_offered)
            # After window.show_presence (connected above): a call stands in for the presence.
            session.presence_changed.connect(self._show_call_presence)
            self.voice.desk_state_changed.connect(self._show_call_presence)
            self._tasks.start(self.voice.start(), "softphone")
        self._on_sync_connection_changed(sync.online, "")

    @property
    def views(self) -> dict[str, ConversationView]:
        return self.conversations.views

    def set_presence(self, presence: Presence) -> None:
        self.inbox.set_presence(presence)

    def _on_window_preferences_changed(self, sound: bool, popup: bool) -> None:
        self.notifier.sound_enabled, self.notifier.popup_enabled = sound, popup

    def _show_call_presence(self, *_args: object) -> None:
        from workstation.ui.call_presence import show_call_presence

        if self.voice is not None:
            show_call_presence(self.window.presence_combo, self.voice.desk_state, self.session.presence.value)

    def _on_voice_call_offered(self, offer_id: str, info: CallInfo) -> None:
        from workstation.ui.call_preview import CallPreview

        self.offers.show_call(offer_id, info)
        card = self.offers.cards.get(offer_id)
        if card is None:
            return
        # Before answering: the relevance panel's first cards (cache now, the backend's in a moment)
        # and, for an unknown caller, a search.
        preview = CallPreview(info.known_caller, card)
        card.add_preview(preview)
        self.call_previews[offer_id] = preview
        conversation_id = info.conversation_id
        preview.search_requested.connect(
            lambda text: self._tasks.start(
                self._search_caller(lambda: self.call_previews.get(offer_id), conversation_id, text), "caller"
            )
        )
        preview.link_requested.connect(
            lambda customer_id: self._tasks.start(
                self._link_caller(lambda: self.call_previews.get(offer_id), conversation_id, customer_id),
                "link-caller",
            )
        )
        self._tasks.start(self._preview_call(offer_id, card.pending), "call-preview")

    async def _preview_call(self, offer_id: str, pending: PendingOffer) -> None:
        from workstation.domain.models import Conversation, ConversationState

        offer = pending.offer
        conv = Conversation(
            id=offer.conversation_id,
            customer=offer.customer,
            channel=offer.channel,
            topic=offer.topic,
            language=offer.language,
            state=ConversationState.OFFERED,
            started_at=offer.offered_at,
        )
        preview = self.call_previews.get(offer_id)
        if preview is not None:
            preview.show_ranking(self.relevance.preview(conv))
        if await self.context.refresh(offer.customer.id):  # an offer gives access to the caller
            preview = self.call_previews.get(offer_id)
            if preview is not None:
                preview.show_ranking(self.relevance.preview(conv))

    async def _search_caller(
        self, preview_of: Callable[[], CallPreview | None], conversation_id: str, text: str
    ) -> None:
        """`preview_of` finds the search's widget again after the wait (its card or tab may be gone)."""
        from workstation.services.voice import VoiceError

        if self.voice is None:
            return
        try:
            found = await self.voice.search_callers(conversation_id, text)
        except VoiceError as exc:
            if (preview := preview_of()) is not None:
                preview.show_search_error(error_text(exc))
            return
        if (preview := preview_of()) is not None:
            preview.show_results(found)

    async def _link_caller(
        self, preview_of: Callable[[], CallPreview | None], conversation_id: str, customer_id: str
    ) -> None:
        from workstation.services.voice import VoiceError

        if self.voice is None or (preview := preview_of()) is None:
            return
        preview.show_linking(True)
        try:
            conv = await self.voice.link_caller(conversation_id, customer_id)
        except VoiceError as exc:
            self.status.showMessage(self.tr("Could not link the call: {0}").format(error_text(exc)), 10_000)
            if (preview := preview_of()) is not None:
                preview.show_linking(False)
            return
        if (preview := preview_of()) is not None:
            preview.show_linked(conv.customer.name)

    # --- offers ----------------------------------------------------------------------------------

    def _on_inbox_offer_received(self, pending: PendingOffer) -> None:
        card = self.offers.add(pending, self.window.height())
        # Screen readers say it, whatever has the focus (the agent may be typing in another chat).
        if pending.offer.channel == "voice":
            announcement = self.tr("Incoming call offered: {0}").format(pending.offer.customer.name)
        else:
            announcement = self.tr("New chat offered: {0}").format(pending.offer.customer.name)
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(card, announcement))
        self.window.last_announcement = announcement
        self.notifier.notify_offer(pending.offer)

    def _on_inbox_offer_removed(self, offer_id: str, reason: str) -> None:
        self.call_previews.pop(offer_id, None)
        self.offers.remove(offer_id, self.window.height())
        if reason == "timed_out":
            self.status.showMessage(self.tr("An offer timed out and went back to the queue."), 10_000)

    def accept_offer(self, offer_id: str) -> None:
        self._tasks.start(self._accept(offer_id), "accept-offer")

    def reject_offer(self, offer_id: str) -> None:
        self._tasks.start(self._reject(offer_id), "reject-offer")

    async def _accept(self, offer_id: str) -> None:
        from workstation.services.inbox import InboxError

        self.offers.set_busy(offer_id, True)
        try:
            conv = await self.inbox.accept(offer_id)
        except InboxError as exc:
            self.status.showMessage(self.tr("Could not accept: {0}").format(error_text(exc)), 10_000)
            self.offers.set_busy(offer_id, False)
            return
        if conv.id in self.views:
            self.conversations.select(conv.id)
        else:
            self._select_when_shown.add(conv.id)  # its tab shows once the cache was read

    async def _reject(self, offer_id: str) -> None:
        from workstation.services.inbox import InboxError

        try:
            await self.inbox.reject(offer_id)
        except InboxError as exc:
            self.status.showMessage(error_text(exc), 10_000)

    # --- conversations ---------------------------------------------------------------------------

    def _on_opener_conversation_opening(self, conv: Conversation) -> None:
        """Build the tab's widgets while the reader thread reads the cache; shown once ready."""
        from workstation.ui.conversation_view import ConversationView

        if conv.id in self.views or conv.id in self._opening:
            return
        view, self._spare = self._spare or ConversationView(), None
        view.open(conv)
        self._spare_timer.start()
        view.reply_submitted.connect(self._on_view_reply_submitted)
        view.card_accepted.connect(self._on_view_card_accepted)
        view.card_dismissed.connect(self._on_view_card_dismissed)
        view.older_history_requested.connect(self._on_view_older_history_requested)
        view.transcript_requested.connect(self._on_view_transcript_requested)
        view.bind_history(self.context, load=False)  # the first page comes with conversation_ready
        view.cobrowse_invite_requested.connect(self._on_view_cobrowse_invite_requested)
        self.record_edits.watch(view)
        self._opening[conv.id] = view

    def _build_spare_view(self) -> None:
        from workstation.ui.conversation_view import ConversationView

        if self._spare is None:
            # A hidden child of the window until it is taken (a tab then takes it over): explicitly
            # hidden, so that showing the window again (from the tray) does not show it too.
            self._spare = ConversationView(parent=self.window)
            self._spare.hide()

    def _on_opener_conversation_ready(self, ready: ConversationReady) -> None:
        """Paint what the conversation service read (the cache first; its refresh follows)."""
        view = self._opening.pop(ready.conversation.id, None)
        if view is None:
            return
        view.show_transcript(ready.transcript)
        if ready.later:
            view.add_transcript(ready.later)
        text, stale = self._freshness(ready.context)
        view.show_opened(ready.context, text, ready.history)
        view.customer_header.set_stale(stale)
        if ready.contact is not None:
            view.show_contact(ready.contact)
        if ready.notes is not None:
            view.show_notes(ready.notes)
        view.show_ranking(ready.ranking)
        self._show_tab(view)

    def _on_opener_conversation_failed(self, conversation_id: str, reason: str) -> None:
        """The cache could not be read: the tab still opens (the agent can answer), and says why."""
        view = self._opening.pop(conversation_id, None)
        if view is None:
            return
        self.status.showMessage(
            self.tr("This conversation's history could not be read from the local cache: {0}").format(reason),
            15_000,
        )
        self._show_tab(view)

    def _show_tab(self, view: ConversationView) -> None:
        conv = view.conversation
        if conv.channel == "voice" and self.voice is not None:
            from workstation.ui.call_panel import CallPanel

            layout = view.layout()
            if isinstance(layout, QBoxLayout):  # the call panel goes above the conversation
                layout.insertWidget(0, CallPanel(self.voice, conv.id, view))
                if (search := self._caller_search(conv)) is not None:
                    layout.insertWidget(1, search)
        self.conversations.add(view)
        if conv.id in self._select_when_shown:
            self._select_when_shown.discard(conv.id)
            self.conversations.select(conv.id)
        self.window.conversation_shown.emit(conv.id)

    def _caller_search(self, conv: Conversation) -> CallPreview | None:
        """An answered call from an unknown number: the search to find the caller and link the call."""
        from workstation.ui.call_preview import CallPreview

        assert self.voice is not None
        call = self.voice.call
        info = self.voice.calls_info.get(conv.id) or (
            call.info if call is not None and call.conversation_id == conv.id else None
        )
        if info is None or info.known_caller:
            return None
        search = CallPreview(False)
        search.cards_label.hide()  # the tab has the relevance panel itself
        self.call_searches[conv.id] = search
        search.search_requested.connect(
            lambda text: self._tasks.start(
                self._search_caller(lambda: self.call_searches.get(conv.id), conv.id, text), "caller"
            )
        )
        search.link_requested.connect(
            lambda customer_id: self._tasks.start(
                self._link_caller(lambda: self.call_searches.get(conv.id), conv.id, customer_id),
                "link-caller",
            )
        )
        return search

    def _on_inbox_customer_changed(self, conv: Conversation) -> None:
        """An unknown caller was identified: the tab opens again with the customer's header, history
        and relevance cards (the same path as any opening: the cache first, then the backend)."""
        view = self.views.get(conv.id)
        if view is None or view.conversation.customer.id == conv.customer.id:
            return
        if self.conversations.current() is view:
            self._select_when_shown.add(conv.id)
        self.call_searches.pop(conv.id, None)
        self.relevance.forget(conv.id)
        self.conversations.remove(conv.id)
        self.opener.open(conv)

    def _on_inbox_conversation_closed(self, conversation_id: str) -> None:
        self.call_searches.pop(conversation_id, None)
        self.relevance.forget(conversation_id)
        self.cobrowse.forget(conversation_id)
        self._select_when_shown.discard(conversation_id)
        opening = self._opening.pop(conversation_id, None)
        if opening is not None:
            opening.deleteLater()
        self.conversations.remove(conversation_id)

    def _on_inbox_transcript_updated(self, conversation_id: str, entries: list[TranscriptEntry]) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            view.add_transcript(entries)

    def _on_inbox_write_refused(self, message: object) -> None:
        # open(), not exec(): a nested event loop would stall the qasync loop.
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Not delivered"), render(message), parent=self.window
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the reason is the backend's words: never rich text
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.refusal_box = box

    def _on_view_reply_submitted(self, conversation_id: str, text: str) -> None:
        from workstation.services.inbox import InboxError

        try:
            self.inbox.send(conversation_id, text)
        except InboxError as exc:
            self.status.showMessage(error_text(exc), 5_000)

    def _on_opener_customer_refreshed(self, read: CustomerRefreshed) -> None:
        """A refresh landed in the cache and was read again off the GUI thread: show it."""
        stamp = time_text(datetime.now(), seconds=True)
        for view in self.conversations.of_customer(read.customer_id):
            view.show_context(read.context, self.tr("Updated {0}").format(stamp), read.history)
            self.record_edits.show_in(view, read.customer_id, read.contact, read.notes)

    def _freshness(self, context: CustomerContext) -> tuple[str, bool]:
        """What the header says about the age of the customer data, and whether it may be stale."""
        as_of = datetime_text(context.fetched_at) if context.fetched_at else None
        if self.sync.online:
            if as_of is None:
                return self.tr("Loading from the backend…"), False
            return self.tr("From the local cache (as of {0}), refreshing…").format(as_of), False
        since = self.sync.offline_since
        when = time_text(since) if since else "?"
        if as_of is None:
            return self.tr("⚠ Offline since {0}: nothing cached for this customer yet").format(when), True
        return self.tr("⚠ Offline since {0}: shown as of {1}, may be out of date").format(when, as_of), True

    def _on_context_events_added(self, customer_id: str, events: list[TimelineEvent]) -> None:
        for view in self.conversations.of_customer(customer_id):
            view.add_timeline(events)

    def _on_relevance_ranking_changed(self, conversation_id: str, ranking: Ranking) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            view.show_ranking(ranking)

    # --- history ---------------------------------------------------------------------------------

    def _on_view_older_history_requested(self, customer_id: str) -> None:
        if not self.context.loading_older(customer_id):
            self._tasks.start(self.context.load_older(customer_id), "older-history")

    def _on_context_history_loaded(self, customer_id: str, count: int) -> None:
        for view in self.conversations.of_customer(customer_id):
            view.older_history_loaded(count)

    def _on_context_history_failed(self, customer_id: str, reason: str) -> None:
        for view in self.conversations.of_customer(customer_id):
            view.older_history_failed(reason)

    def _on_view_transcript_requested(self, _conversation_id: str, customer_id: str, event_id: str) -> None:
        self._tasks.start(self._open_transcript(customer_id, event_id), "open-transcript")

    async def _open_transcript(self, customer_id: str, event_id: str) -> None:
        """A past conversation from the history, read-only."""
        from workstation.ui.history_panel import TranscriptDialog

        event = self.context.event_by_id(event_id)
        if event is None:
            return
        try:
            lines = await self.context.transcript(customer_id, event)
        except LookupError as exc:
            self.status.showMessage(error_text(exc), 8_000)
            return
        when = datetime_text(event.at)
        title = self.tr("{0} — {1}").format(event.summary or event.kind, when)
        rows = [(line.sender, line.text, datetime_text(line.at) if line.at else "") for line in lines]
        dialog = TranscriptDialog(title, rows, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.transcript_dialog = dialog
        dialog.show()

    # --- relevance cards and cobrowse ------------------------------------------------------------

    def _on_view_card_accepted(self, conversation_id: str, card: Card) -> None:
        view = self.views.get(conversation_id)
        if view is None:
            return
        self.relevance.accept(conversation_id, card)
        view.relevance_panel.show_note(self.tr("✓ Done: {0}").format(render(card.title)))

    def _on_view_card_dismissed(self, conversation_id: str, card: Card, reason: str) -> None:
        view = self.views.get(conversation_id)
        if view is None:
            return
        self.relevance.dismiss(conversation_id, card, reason)
        view.relevance_panel.show_note(
            self.tr("Dismissed ({0}): {1}").format(term(DISMISS_REASONS, reason), render(card.title))
        )

    def _on_view_cobrowse_invite_requested(self, conversation_id: str) -> None:
        self._tasks.start(self._invite_to_cobrowse(conversation_id), "cobrowse-invite")

    async def _invite_to_cobrowse(self, conversation_id: str) -> None:
        from workstation.services.cobrowse import CobrowseServiceError

        try:
            await self.cobrowse.invite(conversation_id)
        except CobrowseServiceError as exc:
            self.status.showMessage(
                self.tr("Could not invite to cobrowse: {0}").format(error_text(exc)), 10_000
            )
            status = self.cobrowse.status(conversation_id)
            view = self.views.get(conversation_id)
            if status is not None and view is not None:
                view.set_cobrowse_status(status)

    def _on_cobrowse_status_changed(self, conversation_id: str, status: CobrowseStatus) -> None:
        from workstation.ui.cobrowse_view import CobrowseView

        view = self.views.get(conversation_id)
        if view is None:
            return
        view.set_cobrowse_status(status)
        session = status.session
        if session is not None and not session.terminal and view.cobrowse_view is None:
            view.show_cobrowse(CobrowseView(self.cobrowse, conversation_id))
        elif (session is None or session.terminal) and view.cobrowse_view is not None:
            view.show_cobrowse(None)

    # --- wrap-up ---------------------------------------------------------------------------------

    def _on_window_wrap_up_requested(self, conversation_id: str) -> None:
        view = self.views.get(conversation_id)
        if view is not None:
            self._tasks.start(self._wrap_up(view.conversation), "wrap-up")

    async def _wrap_up(self, conv: Conversation) -> None:
        from workstation.services.inbox import InboxError
        from workstation.ui.wrapup_dialog import WrapUpDialog

        codes = await self.inbox.wrapup_codes()
        if conv.channel != "voice":  # the code for after-call work that ran out belongs to calls
            from workstation.domain.voice import AFTER_CALL_CODE

            after_call = self.voice.after_call_code if self.voice is not None else AFTER_CALL_CODE
            codes = [c for c in codes if c.code != after_call]
        if not codes:
            self.status.showMessage(self.tr("No wrap-up codes are available (offline?)."), 10_000)
            return
        self.wrapup_dialog = WrapUpDialog(codes, conv.customer.name, self.window)
        code = await self.wrapup_dialog.chosen()
        self.wrapup_dialog.deleteLater()
        self.wrapup_dialog = None
        if code is not None:
            try:
                self.inbox.close(conv.id, code)
            except InboxError as exc:
                self.status.showMessage(error_text(exc), 10_000)

    # --- connection ------------------------------------------------------------------------------

    def _refresh_open_customers(self, why: str) -> None:
        for customer_id in {v.conversation.customer.id for v in self.views.values()}:
            self._tasks.start(self.context.refresh(customer_id), why)

    def _on_sync_frame_skipped(self, _type: str, _seq: int) -> None:
        # An event too large for the stream may have changed a customer on screen: fetch over REST.
        self._refresh_open_customers("refresh-after-skipped-event")

    def _on_sync_connection_changed(self, online: bool, _detail: str) -> None:
        if online:
            self.status.show_online()
            # Back online: what is on screen may have changed meanwhile; fetch it in the background.
            self._refresh_open_customers("refresh-after-reconnect")
            return
        self.status.show_offline(self.sync.offline_since)
        for view in self.views.values():
            text, stale = self._freshness(self.context.cached(view.conversation.customer.id))
            view.customer_header.set_freshness(text, stale=stale)

    def _on_sync_outbox_changed(self, pending: int) -> None:
        self.window.pending_writes = pending
        self.status.show_outbox(pending)

    async def shutdown(self) -> None:
        """On quit: go Offline (a team lead has no presence to give up), then stop what runs."""
        if self.window.monitor_view is None:
            await desk_habits.go_offline(self.session, self.sync, self.inbox.set_presence)
        await self.record_edits.shutdown()
        await self._tasks.cancel_all()
