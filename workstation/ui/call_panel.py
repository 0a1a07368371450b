"""Above a call's conversation tab: who is calling, the call timer, hold/resume, mute, transfer, hang up."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from workstation.domain.messages import QT_TRANSLATE_NOOP  # typed (str -> str); lupdate knows the name
from workstation.domain.voice import call_duration_text
from workstation.services.voice import ActiveCall, CallState, VoiceService
from workstation.ui.domain_text import render
from workstation.ui.text import data_label

# Marked for extraction (they were not, and showed in English); translated where shown.
STATE_TEXT = {
    CallState.RINGING: QT_TRANSLATE_NOOP("CallPanel", "Connecting…"),
    CallState.TALKING: QT_TRANSLATE_NOOP("CallPanel", "On the call"),
    CallState.HELD: QT_TRANSLATE_NOOP("CallPanel", "On hold"),
    CallState.ENDED: QT_TRANSLATE_NOOP("CallPanel", "Call ended: after-call work (Ctrl+W to wrap up)"),
}


class CallPanel(QFrame):
    """Call controls for one voice conversation, following the VoiceService's `call_changed`."""

    def __init__(self, voice: VoiceService, conversation_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.voice = voice
        self.conversation_id = conversation_id
        self.setObjectName("callPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#callPanel { background: #e8f5e9; border: 1px solid #81c784; border-radius: 6px; }"
        )
        self.number_label = data_label()  # the number and name come from the caller's phone
        self.state_label = QLabel()
        self.state_label.setTextFormat(Qt.TextFormat.PlainText)
        self.timer_label = QLabel("0:00")
        self.timer_label.setObjectName("callTimer")
        #: During after-call work: how long until the backend wraps up by itself.
        self.after_call_label = QLabel()
        self.after_call_label.setObjectName("afterCallWork")
        self.after_call_label.setTextFormat(Qt.TextFormat.PlainText)
        self.after_call_label.setStyleSheet("font-weight: bold")
        self.hold_button = QPushButton(self.tr("Hold"))
        self.hold_button.setCheckable(True)
        self.hold_button.clicked.connect(self._on_hold_button_clicked)
        self.mute_button = QPushButton(self.tr("Mute"))
        self.mute_button.setCheckable(True)
        self.mute_button.clicked.connect(self._on_mute_button_clicked)
        self.transfer_edit = QLineEdit()
        self.transfer_edit.setPlaceholderText(self.tr("Transfer to agent or number"))
        self.transfer_edit.setMaxLength(64)
        self.transfer_button = QPushButton(self.tr("Transfer"))
        self.transfer_button.clicked.connect(self._on_transfer_button_clicked)
        self.hangup_button = QPushButton(self.tr("Hang up"))
        self.hangup_button.setObjectName("hangup")
        self.hangup_button.clicked.connect(voice.hangup)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        for label in (self.number_label, self.state_label, self.timer_label, self.after_call_label):
            row.addWidget(label)
        row.addStretch(1)
        for widget in (
            self.hold_button,
            self.mute_button,
            self.transfer_edit,
            self.transfer_button,
            self.hangup_button,
        ):
            row.addWidget(widget)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick_timeout)
        self._tick.start()
        voice.call_changed.connect(self._on_voice_call_changed)
        voice.call_failed.connect(self._on_voice_call_failed)
        if voice.call is not None and voice.call.conversation_id == conversation_id:
            self._on_voice_call_changed(voice.call)

    def _call(self) -> ActiveCall | None:
        call = self.voice.call
        return call if call is not None and call.conversation_id == self.conversation_id else None

    def _on_voice_call_changed(self, call: ActiveCall) -> None:
        if call.conversation_id != self.conversation_id:
            return
        info = call.info
        if info is not None:
            who = info.ani or self.tr("withheld number")
            self.number_label.setText(f"☎ {who} → {info.dnis}" if info.dnis else f"☎ {who}")
        self.state_label.setText(self.tr(STATE_TEXT.get(call.state, call.state)))
        # Desk-phone mode: the agent holds, transfers and hangs up on their own phone.
        live = call.state in (CallState.TALKING, CallState.HELD) and not self.voice.desk_phone
        self.hold_button.setChecked(call.state == CallState.HELD)
        self.hold_button.setText(self.tr("Resume") if call.state == CallState.HELD else self.tr("Hold"))
        self.mute_button.setChecked(call.muted)
        for widget in (self.hold_button, self.mute_button, self.transfer_edit, self.transfer_button):
            widget.setEnabled(live)
        self.hangup_button.setEnabled(call.state != CallState.ENDED and not self.voice.desk_phone)
        self._on_tick_timeout()

    def _on_voice_call_failed(self, message: str) -> None:
        if self._call() is not None:
            self.state_label.setText(render(message)[:200])

    def _on_tick_timeout(self) -> None:
        call = self._call()
        if call is None:
            return
        now = time.monotonic()
        self.timer_label.setText(call_duration_text(call.talk_seconds(now)))
        left = call.after_call_work_left(now)
        self.after_call_label.setVisible(left is not None)
        if left is not None:
            self.after_call_label.setText(
                self.tr("Wrap-up due in {0}").format(call_duration_text(math.ceil(left)))
            )

    def _on_hold_button_clicked(self, checked: bool) -> None:
        if checked:
            self.voice.hold()
        else:
            self.voice.resume()

    def _on_mute_button_clicked(self, _checked: bool) -> None:
        self.voice.toggle_mute()

    def _on_transfer_button_clicked(self) -> None:
        target = self.transfer_edit.text().strip()
        if target:
            self.voice.transfer(target)
