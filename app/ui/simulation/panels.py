"""The simulation's docks: controls, a filterable event log, and the summary with charts."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.simulate.dora import figure_text
from app.simulate.scenario import Scenario
from app.ui.simulation.charts import BarChart, histogram
from app.ui.simulation.library_choice import library_combo

LEVEL_COLOURS = {"elite": "#15803d", "high": "#65a30d", "medium": "#d97706", "low": "#dc2626"}


def clock_text(minutes: float) -> str:
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"day {days + 1}, {hours:02d}:{mins:02d}"


class ControlsPanel(QWidget):
    """Scenario, seed and speed, and the player buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.scenario = library_combo(Scenario, "Scenario")
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setAccessibleName("Seed")
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 200)
        self.speed.setValue(20)
        self.speed.setAccessibleName("Events per second")
        self.run = QPushButton("Run")
        self.play = QPushButton("Play")
        self.pause = QPushButton("Pause")
        self.step = QPushButton("Step")
        self.back = QPushButton("Step back")
        self.reset = QPushButton("Reset")
        self.clock = QLabel("not run yet")
        self.clock.setAccessibleName("Simulated clock")
        form = QFormLayout()
        form.addRow("Scenario", self.scenario)
        form.addRow("Seed", self.seed)
        form.addRow("Speed", self.speed)
        buttons = QHBoxLayout()
        for button in (self.run, self.play, self.pause, self.step, self.back, self.reset):
            button.setAccessibleName(button.text())
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.clock)
        layout.addStretch(1)


class EventLog(QWidget):
    """Every event with its simulated time; filterable; choosing one selects its element."""

    eventChosen = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter events (type, element, candidate)…")
        self.filter.setAccessibleName("Filter events")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Time", "Event", "Element", "Candidate", "Detail"])
        self.table.setAccessibleName("Event log")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self.filter.textChanged.connect(self.apply_filter)
        self.table.itemSelectionChanged.connect(self._chosen)
        self._quiet = False

    def show_events(self, events: list[dict[str, Any]]) -> None:
        self._quiet = True
        self.table.setRowCount(len(events))
        for row, event in enumerate(events):
            detail = ", ".join(f"{k}={v}" for k, v in event.get("detail", {}).items())
            cells = (
                clock_text(event["t"]),
                event["type"],
                event.get("element", ""),
                str(event.get("candidate", "")),
                detail,
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row)
                self.table.setItem(row, column, item)
        self._quiet = False
        self.apply_filter(self.filter.text())

    def apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.table.rowCount()):
            cells = " ".join(self.table.item(row, c).text() for c in range(4))
            self.table.setRowHidden(row, bool(needle) and needle not in cells.casefold())

    def mark(self, index: int) -> None:
        self._quiet = True
        if 0 <= index < self.table.rowCount():
            self.table.selectRow(index)
            self.table.scrollToItem(self.table.item(index, 0))
        else:
            self.table.clearSelection()
        self._quiet = False

    def _chosen(self) -> None:
        if self._quiet:
            return
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if rows:
            self.eventChosen.emit(rows[0])


class SummaryPanel(QWidget):
    """Per-gate statistics, DORA metrics with their level, and three charts."""

    def __init__(self) -> None:
        super().__init__()
        self.dora = QLabel("Run a scenario to see DORA metrics.")
        self.dora.setWordWrap(True)
        self.dora.setTextFormat(Qt.TextFormat.RichText)
        self.dora.setAccessibleName("DORA metrics")
        self.gates = QTableWidget(0, 5)
        self.gates.setHorizontalHeaderLabels(["Gate", "Passed", "Rejected", "Held", "Wait h"])
        self.gates.setAccessibleName("Gate statistics")
        self.gates.verticalHeader().setVisible(False)
        self.lead = BarChart("Lead time distribution (releases per range of hours)")
        self.waits = BarChart("Median waiting time per gate", "h")
        self.restore = BarChart("Rollback minutes against the SLA (dashed)", "min")
        layout = QVBoxLayout(self)
        for widget in (self.dora, self.gates, self.lead, self.waits, self.restore):
            layout.addWidget(widget)

    def clear(self, message: str) -> None:
        """No results to show (a run that could not be done): ``message`` says why."""
        self.dora.setText(escape(message))
        self.gates.setRowCount(0)
        for chart in (self.lead, self.waits, self.restore):
            chart.set_bars([])

    def show_summary(self, summary: dict[str, Any], lead_hours: list[float]) -> None:
        dora = summary["dora"]
        rows = [
            (
                "Deployment frequency",
                dora["deployment_frequency_per_day"],
                "per day",
                dora["deployment_frequency_level"],
            ),
            ("Lead time for changes", dora["lead_time_hours"], "hours", dora["lead_time_level"]),
            (
                "Change failure rate",
                dora["change_failure_rate"],
                "",
                dora["change_failure_rate_level"],
            ),
            (
                "Time to restore (from the fault's start)",
                dora["time_to_restore_hours"],
                "hours",
                dora["time_to_restore_level"],
            ),
        ]
        html = "".join(
            f"<tr><td>{name}</td><td><b>{'–' if value is None else figure_text(value)}</b> "
            f"{unit}</td>"
            f"<td style='color:{LEVEL_COLOURS.get(level or '', '#6b7280')}'>{level or ''}</td></tr>"
            for name, value, unit, level in rows
        )
        note = (
            "<p style='color:#6b7280'>One run is one sample: the command line's "
            "<code>--runs 200</code> gives medians and percentiles.</p>"
        )
        self.dora.setText(f"<table cellspacing='6'>{html}</table>{note}")
        gates = summary["gates"]
        self.gates.setRowCount(len(gates))
        for row, (gate, stats) in enumerate(gates.items()):
            wait = stats["wait_hours_median"]
            for column, value in enumerate(
                (
                    gate,
                    stats["passed"],
                    stats["rejected"],
                    stats["held"],
                    "–" if wait is None else f"{wait:.2f}",
                )
            ):
                self.gates.setItem(row, column, QTableWidgetItem(str(value)))
        self.lead.set_bars(
            [(label, count, "#2563eb", None) for label, count in histogram(lead_hours)]
        )
        self.waits.set_bars(
            [
                (gate, stats["wait_hours_median"] or 0.0, "#f59e0b", None)
                for gate, stats in gates.items()
            ]
        )
        self.restore.set_bars(
            [
                (
                    f"#{r['candidate']} {r['policy']}",
                    r["minutes"],
                    "#16a34a" if r["sla_met"] else "#dc2626",
                    r["max_minutes"],
                )
                for r in summary["rollbacks"]
            ]
        )
