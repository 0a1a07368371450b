"""Screenshots of the agent desk for the docs and for layout review (not a test).

    QT_QPA_PLATFORM=offscreen python -m tests.screenshots OUT_DIR [--language de|en] [--size 1280x720 ...]
        [--palette]   (8-bit colour, a quarter of the bytes: for the README's screenshot)

A real reference backend with the test seeds, the real window, three chats offered and one
accepted (its relevance cards, history and customer shown), saved as PNG per size.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_API", "pyside6")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--language", default="de")
    parser.add_argument("--size", action="append", default=[])
    parser.add_argument("--palette", action="store_true")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in s.split("x")) for s in (args.size or ["1280x720", "1920x1080"])]

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from tests.helpers.backend import Backend, seed, start_server
    from tests.helpers.desk import _TestLoop, close_desk, open_desk
    from tests.ui.test_german import _give_situations
    from workstation.domain.models import Presence
    from workstation.ui.language import apply_language

    app = QApplication([])
    apply_language(app, args.language)
    loop = _TestLoop(app)
    asyncio.set_event_loop(loop)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "backend")
        seed(server)
        backend = Backend(server)
        desk = open_desk(loop, Path(tmp) / "desk", backend.url)
        try:
            window = desk.window
            window.set_presence(Presence.AVAILABLE)
            desk.wait_until(lambda: desk.ws.store.count_pending() == 0)
            # A history that gives situation cards (a delayed order, a failed payment, a complaint):
            # the screenshot shows next best actions, not an empty panel.
            _give_situations(backend, "c-1")
            backend.start_chat(
                "c-1",
                "Hallo, wo bleibt meine Bestellung?",
                topic="delivery",
                attributes={"minutes_on_product_pages": 31},
            )
            desk.wait_until(lambda: len(window.offer_cards) == 1)
            next(iter(window.offer_cards.values())).accept_button.click()
            desk.wait_until(lambda: window.views)
            backend.start_chat("c-2", "Ich habe eine Frage zur Rechnung.", topic="billing")
            backend.start_chat("c-3", "Can I return the headphones?", topic="return")
            desk.wait_until(lambda: len(window.offer_cards) == 2, timeout=15)
            view = next(iter(window.views.values()))
            desk.wait_until(lambda: view.relevance_panel.ranking is not None)
            desk.wait_until(lambda: view.history.model.rowCount() > 3)
            desk.wait_until(view.relevance_panel.visible_cards)
            if view.relevance_panel.hidden_button.isVisible():
                view.relevance_panel.hidden_button.click()
            for width, height in sizes:
                window.resize(width, height)
                end = time.monotonic() + 0.5
                while time.monotonic() < end:
                    app.processEvents()
                path = args.out / f"desk-{args.language}-{width}x{height}.png"
                image = window.grab().toImage()
                if args.palette:
                    flags = Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither
                    image = image.convertToFormat(QImage.Format.Format_Indexed8, flags)
                image.save(str(path), "PNG", 0)  # 0: the strongest compression
                print(path)
        finally:
            close_desk(desk)
            backend.http.close()
            server.stop()
    loop.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
