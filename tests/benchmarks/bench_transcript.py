"""GUI-thread CPU per new message in a long, word-wrapped transcript: the list view the transcript
used before (a QListView laying out every row again per message) against TranscriptView (measures
the new row only).

    .venv/bin/python tests/benchmarks/bench_transcript.py [--messages N]

For 1,000 and 3,000 lines already shown (and laid out), one message at a time is appended as the
conversation view appends it; the GUI thread's CPU (`time.thread_time`) is taken from the append
until the event loop has done everything it caused (layout, the scroll to the newest line, paint)
within a window longer than any of that (the old view's scroll waited 100 ms). Thread CPU, not wall
time: other processes on the machine do not count, a blocked loop costs nothing.

Prints medians and p95s (tests/benchmarks/stats.py); measures, asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QListView  # noqa: E402

from tests.benchmarks.stats import row  # noqa: E402

#: How long the loop runs after each append: the old view's scroll timer (100 ms) and its batched
#: layout of a few thousand rows fit in it.
WINDOW_MS = 300
SIZES = (1_000, 3_000)


def _entry(n: int) -> Any:
    from workstation.domain.models import Message, TranscriptEntry, utcnow

    words = ("Guten Tag, ", "wo ist mein Paket? ", "Die Sendung ist seit Montag unterwegs und ", "danke. ")
    return TranscriptEntry(
        message=Message(
            id=f"m-{n}",
            conversation_id="c",
            sender="customer" if n % 2 else "agent",
            author="Kim Muster" if n % 2 else "Ann",
            text="".join(words[(n + i) % 4] for i in range(1 + n % 7)),
            at=utcnow() - timedelta(seconds=100_000 - n),
        )
    )


def _run_loop(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


class OldTranscript:
    """The transcript as main built it: a word-wrapped QListView (spacing 3, batched layout of 100
    rows a turn, the size-caching delegate) and ConversationView.add_transcript's 100 ms scroll."""

    name = "QListView (before)"

    def __init__(self, model: Any) -> None:
        from workstation.ui.transcript_delegate import TranscriptDelegate

        self.model = model
        view = self.view = QListView()
        view.setModel(model)
        view.setWordWrap(True)
        view.setSpacing(3)
        view.setUniformItemSizes(False)
        view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        view.setLayoutMode(QListView.LayoutMode.Batched)
        view.setBatchSize(100)
        view.setItemDelegate(TranscriptDelegate(view))
        self._scroll = QTimer()
        self._scroll.setSingleShot(True)
        self._scroll.setInterval(100)
        self._scroll.timeout.connect(view.scrollToBottom)

    def open(self) -> None:
        self.view.scrollToBottom()

    def add(self, entries: list[Any]) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        self.model.upsert(entries)
        if at_bottom and not self._scroll.isActive():
            self._scroll.start()


class NewTranscript:
    name = "TranscriptView (after)"

    def __init__(self, model: Any) -> None:
        from workstation.ui.transcript_view import TranscriptView

        self.model = model
        self.view = TranscriptView()
        self.view.setModel(model)

    def open(self) -> None:
        pass  # a reset opens at the newest line

    def add(self, entries: list[Any]) -> None:
        self.model.upsert(entries)


def measure(kind: Any, lines: int, messages: int) -> list[float]:
    from workstation.ui.conversation_view import _ColouredTranscript

    model = _ColouredTranscript()
    model.reset([_entry(n) for n in range(lines)])
    transcript = kind(model)
    view = transcript.view
    view.resize(520, 600)
    view.show()
    transcript.open()
    _run_loop(2_000)  # the first layout of every row, whatever it costs, is not what is measured
    costs = []
    for n in range(lines, lines + messages):
        start = time.thread_time()
        transcript.add([_entry(n)])
        _run_loop(WINDOW_MS)
        costs.append((time.thread_time() - start) * 1000)
    bar = view.verticalScrollBar()
    if bar.value() < bar.maximum() - 4:
        print(f"  !! {kind.name} did not follow the newest line")
    view.close()
    view.deleteLater()
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=40, help="messages appended per size and view")
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    idle_start = time.thread_time()
    _run_loop(WINDOW_MS)
    idle = (time.thread_time() - idle_start) * 1000
    print(
        f"\nTranscript: GUI-thread CPU per new message, a {WINDOW_MS} ms loop window after each "
        f"(an idle window costs {idle:.2f} ms); load average {os.getloadavg()[0]:.2f}"
    )
    for lines in SIZES:
        for kind in (OldTranscript, NewTranscript):
            row(f"{lines:,} lines, {kind.name}", measure(kind, lines, args.messages), "—", digits=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
