"""The trainer view: recorded drills with full dates, passed, SLA and lesson; grading."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.simulate.clock import duration_text
from app.ui.plain import literal, plain_label

if TYPE_CHECKING:
    from app.ui.simulation.drill_mode import DrillMode

COLUMNS = ("When", "Trainee", "Drill", "Score", "Passed", "SLA", "Lesson", "Recovery", "Took")
"""Recovery is the simulated clock (as the debrief shows it); Took is the trainee's own time,
as `gatewright drills` shows them."""


def when_text(stamp: Any) -> str:
    """``2026-12-07T06:15:03.123Z`` as ``2026-12-07 06:15 UTC`` (the text, if not a time)."""
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return str(stamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def row_texts(drill: dict[str, Any]) -> tuple[str, ...]:
    score = drill.get("score") if isinstance(drill.get("score"), dict) else {}
    sla = score.get("sla_minutes")
    sla_text = "none" if sla is None else ("met" if score.get("sla_met") else "missed")
    passed = score.get("passed")
    lesson = score.get("lesson") if isinstance(score.get("lesson"), dict) else {}
    return (
        when_text(drill.get("finished_at", "")),
        str(drill.get("trainee", "")),
        str(drill.get("scenario", "")),
        f"{score.get('score', 0):g} / {score.get('max_score', 100):g}",
        "?" if passed is None else ("yes" if passed else "no"),
        sla_text if sla is None else f"{sla_text} ({score.get('minutes', 0):g} of {sla:g} min)",
        str(lesson.get("grade", "-")),
        f"{score.get('minutes', 0):g} min",
        duration_text(drill.get("seconds")),
    )


class TrainerView(QDialog):
    """Past drills from the workspace, by trainee and scenario; grade, export any as a PDF."""

    def __init__(self, mode: DrillMode) -> None:
        super().__init__(mode.window)
        self.mode = mode
        self.setWindowTitle("Drills in the workspace")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by trainee or drill…")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Recorded drills")
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.lesson = QPlainTextEdit()
        self.lesson.setReadOnly(True)
        self.lesson.setAccessibleName("Lesson and model lesson")
        self.lesson.setMaximumHeight(110)
        self.message = plain_label()
        self.message.setAccessibleName("Trainer view message")
        self.accept_lesson = QPushButton("Accept lesson")
        self.reject_lesson = QPushButton("Reject lesson")
        self.export = QPushButton("Export report PDF…")
        self.accept_lesson.clicked.connect(lambda: self.grade("accepted"))
        self.reject_lesson.clicked.connect(lambda: self.grade("rejected"))
        self.export.clicked.connect(self.export_selected)
        self.filter.textChanged.connect(self.apply_filter)
        self.table.itemSelectionChanged.connect(self.show_lesson)
        self.lesson.setPlaceholderText("Select a drill to read its lesson beside the model lesson.")
        buttons = QHBoxLayout()
        for button in (self.accept_lesson, self.reject_lesson, self.export):
            button.setAutoDefault(False)  # Enter in the filter must not grade a lesson
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(self.lesson)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.drills: list[dict[str, Any]] = []
        self.load()
        self.resize(980, 520)

    def load(self) -> None:
        from app.simulate.drill_key import apply_grades
        from app.store.drill_grades import lesson_grades
        from app.store.workspace import Workspace

        try:
            with Workspace.open() as store:
                self.drills = [store.drill(d["id"]) for d in store.drills()]
                apply_grades(self.drills, lesson_grades(store))
        except Exception as error:
            self.drills = []
            self.setToolTip(literal(str(error)))
        self.table.setRowCount(len(self.drills))
        for row, drill in enumerate(self.drills):
            for column, value in enumerate(row_texts(drill)):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.apply_filter(self.filter.text())

    def apply_filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for row in range(self.table.rowCount()):
            cells = " ".join(self.table.item(row, c).text() for c in (1, 2))
            self.table.setRowHidden(row, bool(needle) and needle not in cells.casefold())

    def selected(self) -> dict[str, Any] | None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows:
            self.message.setText("Select a drill in the table first.")
            return None
        self.message.setText("")
        return self.drills[rows[0]]

    def show_lesson(self) -> None:
        drill = self.selected()
        score = (drill or {}).get("score") or {}
        lesson = score.get("lesson") if isinstance(score, dict) else None
        if not isinstance(lesson, dict):
            self.lesson.setPlainText("")
            return
        self.lesson.setPlainText(
            f"Lesson ({lesson.get('grade', '?')}): {lesson.get('text', '')}\n\n"
            f"Model lesson: {lesson.get('model') or '(none)'}"
        )

    def grade(self, grade: str) -> None:
        from app.store.drill_grades import record_grade
        from app.store.workspace import Workspace

        drill = self.selected()
        if drill is None:
            return
        row = self.drills.index(drill)
        try:
            with Workspace.open() as store:
                record_grade(store, drill["id"], grade)
        except Exception as error:
            self.message.setText(f"Not graded: {error}")
            return
        self.load()
        self.table.selectRow(row)
        self.message.setText(f"Lesson of {drill.get('trainee', '')} {grade}.")

    def export_selected(self) -> None:
        drill = self.selected()
        if drill is not None:
            self.mode.export_report(drill=drill)
