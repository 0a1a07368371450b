"""Makes a new offer noticed when the window is in the background: tray message, sound, taskbar."""

from __future__ import annotations

import logging
import math
import shutil
import struct
import subprocess
import sys
import wave
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from workstation.domain.models import Offer
from workstation.ui.icons import app_icon
from workstation.ui.labels import channel_name, language_name, topic_name
from workstation.ui.text import escape

log = logging.getLogger(__name__)

_PLAYERS = ("paplay", "pw-play", "aplay")


def _freedesktop_notify(title: str, body: str) -> bool:
    """A desktop notification where no tray exists (GNOME and others), via libnotify's notify-send."""
    tool = shutil.which("notify-send")
    if tool is None:
        return False
    try:
        subprocess.Popen(
            [tool, "--urgency=critical", "--app-name=Agent workstation", title, body],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return False
    return True


class Notifier(QObject):
    """Desktop notification and chime for offers; both switchable in the preferences."""

    def __init__(self, window: QWidget, sound_dir: Path, *, sound: bool, popup: bool) -> None:
        super().__init__(window)
        self._window = window
        self.sound_enabled = sound
        self.popup_enabled = popup
        self._sound_file = sound_dir / "offer-chime.wav"
        self._tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip(self.tr("Agent workstation"))
            self._tray.messageClicked.connect(self._raise_window)
            self._tray.show()
        self.last_notification: str | None = None

    @property
    def tray_available(self) -> bool:
        return self._tray is not None

    def set_tray_menu(self, menu: QMenu) -> None:
        """The tray icon's context menu (presence, show, quit)."""
        if self._tray is not None:
            self._tray.setContextMenu(menu)

    def notify_offer(self, offer: Offer) -> None:
        title = self.tr("New chat: {0}").format(offer.customer.name)
        body = ", ".join(
            x
            for x in (
                channel_name(offer.channel),
                topic_name(offer.topic or ""),
                language_name(offer.language or ""),
            )
            if x
        )
        self.last_notification = f"{title} — {body}"
        # The taskbar entry flashes until the window is activated, wherever the agent is.
        QApplication.alert(self._window, 0)
        if self.popup_enabled:
            self._popup(title, body)
        if self.sound_enabled:
            self.play_chime()

    def _popup(self, title: str, body: str) -> None:
        if sys.platform.startswith("linux"):
            # Freedesktop notification servers (which the tray uses on Linux too) render a subset of
            # HTML in the body (<b>, <a>, <img>): the customer's topic is data, so it is escaped.
            body = escape(body)
        if self._tray is not None:
            self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10_000)
            return
        if sys.platform.startswith("linux") and _freedesktop_notify(title, body):
            return
        log.info("no desktop notification service; the taskbar entry flashes instead")

    def play_chime(self) -> None:
        try:
            path = self._chime()
            if sys.platform == "win32":
                import winsound

                winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
                return
            player = next((p for p in _PLAYERS if shutil.which(p)), None)
            if player is None:
                QApplication.beep()
                return
            subprocess.Popen([player, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            log.warning("could not play the offer sound: %s", exc)
            QApplication.beep()

    def _chime(self) -> Path:
        """A short two-tone chime, written once (no binary files in the repository)."""
        if not self._sound_file.exists():
            self._sound_file.parent.mkdir(parents=True, exist_ok=True)
            rate = 22050
            frames = bytearray()
            for freq, length in ((880.0, 0.12), (1320.0, 0.18)):
                count = int(rate * length)
                for i in range(count):
                    envelope = min(1.0, i / 200) * (1 - i / count)
                    frames += struct.pack(
                        "<h", int(12000 * envelope * math.sin(2 * math.pi * freq * i / rate))
                    )
            with wave.open(str(self._sound_file), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(rate)
                out.writeframes(bytes(frames))
        return self._sound_file

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
