"""Live charts of the queue monitor (pyqtgraph, OpenGL off): waiting tasks and service level per
queue over the last hour, and the agents' states as a stacked area; hovering shows the values."""

from __future__ import annotations

import time
from collections import deque
from datetime import datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workstation.domain.queue_monitor import AGENT_STATES
from workstation.services.queue_monitor import MonitorSeries
from workstation.ui.labels import STATES, term
from workstation.ui.language import time_text
from workstation.ui.text import escape
from workstation.ui.theme import themed

# Software rendering: with OpenGL pyqtgraph is far slower on machines without a GPU (CONVENTIONS.md).
pg.setConfigOptions(useOpenGL=False, background="w", foreground="#333333", antialias=False)

QUEUE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")
STATE_COLOURS = {"available": "#2e9e57", "busy": "#1f5fbf", "away": "#e09b00", "offline": "#b5b5b5"}
WINDOW_S = 3600.0


def _fast(item: pg.PlotDataItem) -> pg.PlotDataItem:
    """An hour at 1 s is more points than pixels: draw only what is in view, at most ~2 per pixel."""
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


class _ChartCanvas(pg.GraphicsLayoutWidget):
    """The plots' view; times its own paints (the selftest and the benchmark read them)."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0
        self.paint_ms: deque[float] = deque(maxlen=10_000)

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        self.paint_ms.append((time.perf_counter() - started) * 1000)
        self.paints += 1


class MonitorCharts(QWidget):
    """Three stacked plots sharing the time axis; `show_queues` picks which queues are drawn."""

    def __init__(self, series: MonitorSeries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self.queues: list[tuple[str, str]] = []  # (id, name) drawn
        self.canvas = _ChartCanvas()
        self.canvas.setObjectName("monitorCharts")
        self.hover_label = QLabel(" ")
        self.hover_label.setTextFormat(Qt.TextFormat.RichText)  # bold names of ours, data escaped
        self.hover_label.setObjectName("chartHover")
        self.hover_label.setStyleSheet(themed("color: #333; padding: 2px 4px;"))
        self.hover_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hover_label)

        self.waiting_plot = self._plot(0, self.tr("Waiting"))
        self.level_plot = self._plot(1, self.tr("Service level %"))
        self.level_plot.setYRange(0, 105, padding=0)
        self.level_plot.getViewBox().setMouseEnabled(x=True, y=False)
        self.states_plot = self._plot(2, self.tr("Agents"))
        self.level_plot.setXLink(self.waiting_plot)
        self.states_plot.setXLink(self.waiting_plot)
        self.waiting_plot.addLegend(offset=(-4, 4), labelTextSize="8pt")

        self.waiting_curves: list[pg.PlotDataItem] = []
        self.level_curves: list[pg.PlotDataItem] = []
        self.target_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#888888", style=Qt.PenStyle.DashLine), movable=False
        )
        self.level_plot.addItem(self.target_line)
        # Stacked area: boundaries from the bottom (offline) to the top (available).
        self._bounds = [
            _fast(self.states_plot.plot(pen=pg.mkPen(None))) for _ in range(len(AGENT_STATES) + 1)
        ]
        self._fills = []
        self.states_plot.addLegend(offset=(-4, 4), labelTextSize="8pt")
        for i, state in enumerate(reversed(AGENT_STATES)):
            colour = QColor(STATE_COLOURS[state])
            colour.setAlpha(170)
            fill = pg.FillBetweenItem(self._bounds[i], self._bounds[i + 1], brush=pg.mkBrush(colour))
            self.states_plot.addItem(fill)
            self.states_plot.legend.addItem(
                pg.PlotDataItem(pen=pg.mkPen(STATE_COLOURS[state], width=6)), term(STATES, state)
            )
            self._fills.append(fill)
        self.cursor_lines = []
        for plot in (self.waiting_plot, self.level_plot, self.states_plot):
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999999"), movable=False)
            line.hide()
            plot.addItem(line, ignoreBounds=True)
            self.cursor_lines.append(line)
        self.canvas.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.hover_values: dict[str, str] = {}

    def _plot(self, row: int, title: str) -> pg.PlotItem:
        # One time axis, under the last plot (they share it); no grid: axes with grid lines are
        # replayed on every paint and cost more than the curves.
        last = row == 2
        plot = self.canvas.addPlot(row=row, col=0, axisItems={"bottom": pg.DateAxisItem()} if last else None)
        plot.setLabel("left", title)
        if not last:
            plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getViewBox().setMouseEnabled(x=True, y=False)
        return plot

    # --- data --------------------------------------------------------------------------------

    def show_queues(self, queues: list[tuple[str, str]], target: float | None = None) -> None:
        """Draw these queues (id, name), at most six; `target`: the service-level goal line (0-1)."""
        self.queues = queues[: len(QUEUE_COLOURS)]
        for curve in self.waiting_curves:
            self.waiting_plot.removeItem(curve)
        for curve in self.level_curves:
            self.level_plot.removeItem(curve)
        legend = self.waiting_plot.legend
        if legend is not None:
            legend.clear()
        self.waiting_curves, self.level_curves = [], []
        for i, (_queue_id, name) in enumerate(self.queues):
            pen = pg.mkPen(QUEUE_COLOURS[i], width=2)
            # pyqtgraph's legend renders its labels as HTML: the queue name (backend data) is escaped.
            curve = self.waiting_plot.plot(pen=pen, name=escape(name), connect="finite")
            self.waiting_curves.append(_fast(curve))
            self.level_curves.append(_fast(self.level_plot.plot(pen=pen, connect="finite")))
        if target is None:
            self.target_line.hide()
        else:
            self.target_line.setPos(target * 100)
            self.target_line.show()
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the series (called once per pushed update)."""
        times = self.series.times()
        if len(times) == 0:
            return
        for (queue_id, _name), waiting, level in zip(
            self.queues, self.waiting_curves, self.level_curves, strict=True
        ):
            waiting.setData(times, self.series.waiting(queue_id), connect="finite")
            level.setData(times, self.series.service_level(queue_id), connect="finite")
        stacked = np.nan_to_num(self.series.states())[::-1]  # offline first, at the bottom
        bottom = np.zeros(len(times))
        self._bounds[0].setData(times, bottom)
        for i in range(len(AGENT_STATES)):
            bottom = bottom + stacked[i]
            self._bounds[i + 1].setData(times, bottom)
        now = float(np.nanmax(times))
        # The last hour, or less while there is less: at least ten minutes.
        start = max(now - WINDOW_S, min(float(np.nanmin(times)), now - 600))
        self.waiting_plot.setXRange(start, now + 5, padding=0)

    def drawn_points(self) -> int:
        """How many points the queue curves hold (the selftest checks the charts got the data)."""
        return sum(len(c.xData) if c.xData is not None else 0 for c in self.waiting_curves)

    # --- hover -------------------------------------------------------------------------------

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        for plot in (self.waiting_plot, self.level_plot, self.states_plot):
            if plot.sceneBoundingRect().contains(pos):
                x = plot.getViewBox().mapSceneToView(pos).x()
                self.hover_at(x)
                return

    def hover_at(self, x: float) -> None:
        """Show the values nearest to time `x` (seconds since the epoch) under the charts."""
        times = self.series.times()
        if len(times) == 0:
            return
        index = int(np.nanargmin(np.abs(times - x)))
        at = float(times[index])
        for line in self.cursor_lines:
            line.setPos(at)
            line.show()
        parts = []
        values: dict[str, str] = {}
        for queue_id, name in self.queues:
            waiting = self.series.waiting(queue_id)[index]
            level = self.series.service_level(queue_id)[index]
            text = "—" if np.isnan(waiting) else f"{int(waiting)} waiting"
            text += "" if np.isnan(level) else f", SL {level:.0f} %"
            values[queue_id] = text
            parts.append(f"<b>{escape(name)}</b>: {text}")
        states = self.series.states()[:, index]
        state_text = ", ".join(
            f"{term(STATES, state)} {int(v)}"
            for state, v in zip(AGENT_STATES, states, strict=True)
            if not np.isnan(v)
        )
        values["agents"] = state_text
        self.hover_values = values
        stamp = time_text(datetime.fromtimestamp(at), seconds=True)
        self.hover_label.setText(
            f"{stamp} — " + " · ".join([*parts, f"<b>{escape(self.tr('Agents'))}</b>: {escape(state_text)}"])
        )
