"""The facilitator's window: the answer key, the trainee's progress live, and the controls
of a game master (reveal an alert, move the clock, give a hint). A window of its own, so a
trainer can put it on another screen while the trainee answers on the designer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.simulate.drill import HINT_POINTS
from app.simulate.drill_key import key_lines
from app.ui.plain import plain_label

if TYPE_CHECKING:
    from app.ui.simulation.drill_mode import DrillMode


class FacilitatorWindow(QWidget):
    def __init__(self, mode: DrillMode) -> None:
        super().__init__(mode.window, Qt.WindowType.Window)
        self.mode = mode
        self.setWindowTitle("Gatewright facilitator")
        self.status = plain_label("No drill is running: start one in Drill mode.")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Facilitator status")
        self.key = QPlainTextEdit()
        self.key.setReadOnly(True)
        self.key.setAccessibleName("Answer key")
        self.progress = QTableWidget(0, 4)
        self.progress.setHorizontalHeaderLabels(["Step", "Trainee's answer", "Expected", "Points"])
        self.progress.setAccessibleName("Trainee's progress")
        self.progress.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.reveal = QPushButton("Reveal next alert")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 24 * 60)
        self.minutes.setValue(15)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Minutes to advance the clock")
        self.advance = QPushButton("Advance clock")
        self.hint = QPushButton(f"Give a hint (−{HINT_POINTS:g} points)")
        for button in (self.reveal, self.advance, self.hint):
            button.setAutoDefault(False)
        self.reveal.clicked.connect(mode.reveal_alert)
        self.advance.clicked.connect(lambda: mode.advance_clock(self.minutes.value()))
        self.hint.clicked.connect(mode.give_hint)
        controls = QHBoxLayout()
        for widget in (self.reveal, self.minutes, self.advance, self.hint):
            controls.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(plain_label("Answer key"))
        layout.addWidget(self.key, 2)
        layout.addWidget(plain_label("Progress"))
        layout.addWidget(self.progress, 3)
        layout.addLayout(controls)
        self.resize(900, 640)
        self.refresh()

    def refresh(self) -> None:
        """Show the running drill as it is now."""
        session = self.mode.session
        running = session is not None and session.step() is not None
        for button in (self.reveal, self.advance, self.hint):
            button.setEnabled(running)
        if session is None:
            return
        self.key.setPlainText("\n".join(key_lines(session)))
        step = session.step()
        pending = [i for i in session.scenario.injects if i.alert not in session.revealed]
        self.reveal.setEnabled(running and bool(pending))
        lost = sum(m.points_lost for m in session.mistakes) + sum(
            h.points_lost for h in session.hints
        )
        self.status.setText(
            f"{session.scenario.title} · trainee {self.mode.trainee} · "
            f"clock {session.minutes:g} min · "
            + (f"now: {step.key}" if step else "finished")
            + f" · {len(session.mistakes)} mistake(s), {len(session.hints)} hint(s), "
            f"{lost:g} points lost · {len(pending)} alert(s) not yet revealed"
        )
        self.progress.setRowCount(len(session.shown))
        for row, shown in enumerate(session.shown):
            right = shown["points"] >= shown["of"] and shown["step"] != "lesson"
            values = (
                shown["step"],
                shown["answer"],
                shown["expected"] if shown["step"] != "lesson" else "(graded)",
                f"{shown['points']:g} / {shown['of']:g}",
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if column == 0 and shown["step"] != "lesson":
                    item.setText(("✔ " if right else "✖ ") + str(value))
                self.progress.setItem(row, column, item)
        self.progress.resizeColumnsToContents()
