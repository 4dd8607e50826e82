"""Drill mode: a trainee answers each step of a rollback on the canvas; a trainer reviews."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.compiler.compile import CompileRefusedError, compile_spec
from app.simulate.drill import (
    DrillError,
    DrillResult,
    DrillScenario,
    DrillSession,
    trainee_name,
    trainee_seed,
)
from app.spec.fileio import InputError
from app.ui.plain import plain_label
from app.ui.simulation.closed_book import ClosedBook
from app.ui.simulation.library_choice import FROM_FILE, chosen, library_combo

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


CHOICE_CHARACTERS = 44
"""Characters per line of a choice's text."""


class DrillPanel(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.scenario = library_combo(DrillScenario, "Drill")
        self.trainee = QLineEdit("trainee")
        self.trainee.setAccessibleName("Trainee name")
        self.start = QPushButton("Start &drill")
        self.briefing = plain_label("Choose a drill and a trainee, then start.")
        self.briefing.setWordWrap(True)
        self.prompt = plain_label()
        self.prompt.setWordWrap(True)
        self.prompt.setStyleSheet("font-weight: bold")
        self.choices = QVBoxLayout()
        self.answer = QPushButton("Answer")
        self.feedback = plain_label()
        self.feedback.setWordWrap(True)
        self.clock = QLabel("")
        self.clock.setAccessibleName("Drill clock")
        self.export = QPushButton("Export report PDF…")
        self.facilitate = QPushButton("Facilitator window…")
        self.facilitate.setToolTip("The answer key, progress and controls, for another screen")
        self.export.setEnabled(False)
        form = QFormLayout()
        form.addRow("Drill", self.scenario)
        form.addRow("Trainee", self.trainee)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        starting = QHBoxLayout()
        starting.addWidget(self.start, 2)
        starting.addWidget(self.facilitate, 1)
        layout.addLayout(starting)
        for widget in (self.briefing, self.clock, self.prompt):
            layout.addWidget(widget)
        layout.addLayout(self.choices)
        layout.addWidget(self.answer)
        layout.addWidget(self.feedback)
        layout.addWidget(self.export)
        layout.addStretch(1)


class DrillMode(QObject):
    def __init__(self, window: MainWindow, action: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.session: DrillSession | None = None
        self.result: DrillResult | None = None
        self.recorded: dict[str, Any] | None = None
        self.started = datetime.now(UTC)
        self.trainee = "trainee"  # who the running drill is recorded under
        self.inputs: list[Any] = []
        self.panel = DrillPanel()
        self.dock = QDockWidget("Drill", window)
        self.dock.setObjectName("dock-drill")
        # The briefing, choices and feedback scroll: at any window size the alerts (the
        # clue of a false alarm) stay reachable while choices are shown.
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.panel)
        self.dock.setWidget(self.scroll)
        self.book = ClosedBook(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.inspector_dock, self.dock)
        window.restoreDockWidget(self.dock)  # where the user left it, built after restoreState
        self.dock.hide()
        self.action = action  # the window's F6 action, which turns the mode on and off
        self.panel.start.clicked.connect(self.start)
        self.panel.answer.clicked.connect(self.submit)
        self.panel.export.clicked.connect(self.export_report)
        self.panel.facilitate.clicked.connect(self.show_facilitator)
        self.facilitator: Any = None
        # Injects due after real minutes arrive while the trainee thinks.
        self.timer = QTimer(self)
        self.timer.setInterval(15_000)
        self.timer.timeout.connect(self.check_injects)
        self.panel.answer.setEnabled(False)

    def set_active(self, active: bool) -> None:
        self.window.set_editing_locked(active)
        self.dock.setVisible(active)
        if active:
            self.list_drills()
            self.book.close()  # the trainee may already be at the screen
            self.dock.raise_()
        if not active:
            self.timer.stop()
            self.book.open()
            for item in self.window.scene.nodes.values():
                item.set_highlight(None)

    def list_drills(self) -> None:
        """The built-in drills that apply to the open SOP first (the first one chosen),
        then the others, each saying in its tooltip why it does not apply."""
        from app.simulate.drill_key import fit
        from app.simulate.library import builtin, builtin_ids

        combo = self.panel.scenario
        current = combo.currentText()
        try:
            spec = compile_spec(self.window.editor.doc)
            reasons = {d: fit(spec, builtin(DrillScenario, d)) for d in builtin_ids(DrillScenario)}
        except (CompileRefusedError, InputError) as error:
            reasons = dict.fromkeys(builtin_ids(DrillScenario), str(error))
        fitting = [d for d, why in reasons.items() if why is None]
        others = [d for d, why in reasons.items() if why is not None]
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(fitting)
        if fitting and others:
            combo.insertSeparator(len(fitting))
        for drill_id in others:
            combo.addItem(drill_id)
            combo.setItemData(
                combo.count() - 1,
                f"Does not apply to this SOP: {reasons[drill_id]}",
                Qt.ItemDataRole.ToolTipRole,
            )
        combo.addItem(FROM_FILE)
        keep = current if current in fitting else (fitting[0] if fitting else current)
        combo.setCurrentIndex(max(0, combo.findText(keep)))
        combo.blockSignals(False)

    # -- running a drill ---------------------------------------------------------------

    def start(self, scenario: DrillScenario | None = None) -> DrillSession | None:
        try:
            scenario = scenario or chosen(DrillScenario, self.panel.scenario, self.window, "Drill")
            if scenario is None:
                return None  # the file pick was cancelled
            self.trainee = trainee_name(self.panel.trainee.text())
            spec = compile_spec(self.window.editor.doc)
            # Each trainee's own choice order: neighbours cannot swap numbers.
            self.session = DrillSession(spec, scenario, trainee_seed(self.trainee))
        except (InputError, CompileRefusedError, DrillError) as error:
            where = getattr(error, "where", ())
            place = "$." + ".".join(map(str, where)) + ": " if where else ""
            self.panel.briefing.setText(f"Cannot start this drill: {place}{error}")
            return None
        self.started = datetime.now(UTC)
        self.result = None
        self.panel.export.setEnabled(False)
        self.panel.feedback.setText("")  # the previous trainee's debrief is not theirs
        self.book.close()
        self.panel.briefing.setText("\n".join(self.session.briefing()))
        for item in self.window.scene.nodes.values():
            item.set_highlight(None)
        stage = self.window.scene.nodes.get(scenario.stage)
        if stage is not None:
            stage.set_highlight("#dc2626")
            self.window.view.centre_on(scenario.stage)
        self.show_step()
        self.timer.start()
        self.update_facilitator()
        return self.session

    def show_step(self) -> None:
        while self.panel.choices.count():
            widget = self.panel.choices.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # not drawn over the next step until it is deleted
                widget.deleteLater()
        self.inputs = []
        assert self.session is not None
        # Elapsed time only: each trigger's SLA differs, so showing it would tell which fired.
        self.panel.clock.setText(f"Clock: {self.session.minutes:g} min since the alert")
        step = self.session.step()
        if step is None:
            self.finish()
            return
        self.panel.prompt.setText(step.prompt)
        if step.kind == "text":
            box = QPlainTextEdit()
            box.setAccessibleName("Lesson learned")
            self.panel.choices.addWidget(box)
            self.inputs = [box]
        else:
            group = QButtonGroup(self.panel)
            for choice in step.choices:
                # Buttons do not wrap their text: wrapped here, a choice stays readable in
                # the dock's width instead of widening it past the screen.
                shown = textwrap.fill(choice.label, CHOICE_CHARACTERS)
                button = QCheckBox(shown) if step.kind == "multi" else QRadioButton(shown)
                button.setProperty("choice", choice.id)
                button.setAccessibleName(choice.label)
                if step.kind == "single":
                    group.addButton(button)
                self.panel.choices.addWidget(button)
                self.inputs.append(button)
        self.panel.answer.setEnabled(True)
        self.reveal(self.panel.prompt)

    def reveal(self, widget: QWidget) -> None:
        """Scroll the panel so that ``widget`` (the question, the debrief) is in view."""
        self.panel.layout().activate()
        self.scroll.ensureWidgetVisible(widget, 0, 40)

    def current_answer(self) -> Any:
        step = self.session.step() if self.session else None
        if step is None:
            return None
        if step.kind == "text":
            return self.inputs[0].toPlainText()
        chosen = [b.property("choice") for b in self.inputs if b.isChecked()]
        return chosen if step.kind == "multi" else (chosen[0] if chosen else None)

    def submit(self, value: Any = None) -> None:
        """Answer the current step (from the widgets, or ``value`` when given)."""
        if self.session is None or self.session.step() is None:
            return
        answer = self.current_answer() if value is None or value is False else value
        if answer is None:
            self.panel.feedback.setText("Choose an answer first.")
            return
        step = self.session.step()
        try:
            feedback = self.session.answer(answer)
        except DrillError as error:
            self.panel.feedback.setText(str(error))
            return
        self.panel.feedback.setText(("✔ " if feedback.correct else "✖ ") + feedback.explanation)
        if step is not None and isinstance(answer, str) and answer in self.window.scene.nodes:
            self.window.scene.nodes[answer].set_highlight(
                "#16a34a" if feedback.correct else "#f59e0b"
            )
        self.show_step()
        self.show_briefing()
        self.update_facilitator()

    def finish(self) -> None:
        assert self.session is not None
        self.result = self.session.result()
        self.panel.answer.setEnabled(False)
        self.book.open()
        result = self.result.to_json()
        verdict = "passed" if result["passed"] else "failed"
        if result["critical"]:
            verdict += f" (critical: {', '.join(result['critical'])})"
        self.panel.prompt.setText(
            f"Debrief: {result['score']:g} / {result['max_score']:g}, {verdict}"
        )
        sla = result["sla_minutes"]
        self.panel.clock.setText(
            ("Recovery" if sla is not None else "Clock (nothing to restore)")
            + f": {result['minutes']:g} min"
            + (
                f" against an SLA of {sla:g} min ({'met' if result['sla_met'] else 'missed'})"
                if sla is not None
                else ""
            )
        )
        lines = [f"- {m.step}: {m.explanation} (-{m.points_lost:g})" for m in self.result.mistakes]
        if self.result.restored:
            lines += ["The rollback restores, in order:", *self.result.restored]
        lesson = result["lesson"]
        lines.append(
            f"Lesson: {lesson.get('grade', '?')}"
            + (" until a trainer grades it" if lesson.get("grade") == "pending" else "")
        )
        if lesson.get("model"):
            lines.append(f"Model lesson: {lesson['model']}")
        if not self.result.mistakes:
            lines.insert(0, "No mistakes: full marks.")
        self.panel.feedback.setText("\n".join(lines))
        self.reveal(self.panel.prompt)
        self.timer.stop()
        self.recorded = self._record()
        self.panel.export.setEnabled(self.recorded is not None)

    def _record(self) -> dict[str, Any] | None:
        from app.store.workspace import Workspace

        assert self.result is not None and self.session is not None
        finished = datetime.now(UTC)
        try:
            with Workspace.open() as store:
                drill_id = store.record_drill(
                    sop_id=self.window.editor.doc.id,
                    trainee=self.trainee,
                    scenario=self.session.scenario.id,
                    answers=[{"step": k, "answer": v} for k, v in self.result.answers.items()],
                    score=self.result.to_json(),
                    started_at=self.started.isoformat().replace("+00:00", "Z"),
                    finished_at=finished.isoformat().replace("+00:00", "Z"),
                    seconds=(finished - self.started).total_seconds(),
                )
                return store.drill(drill_id)
        except Exception as error:
            self.window.statusBar().showMessage(f"Drill not saved in the workspace: {error}")
            return None

    def export_report(self, path: str | None = None, drill: dict[str, Any] | None = None) -> None:
        from exporters.drill_report import drill_report_pdf

        drill = drill or self.recorded
        if drill is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Drill report", report_name(drill), "PDF (*.pdf)"
            )
        if path:
            drill_report_pdf(drill, Path(path))
            self.window.statusBar().showMessage(f"Wrote {path}", 6000)

    # -- trainer view ------------------------------------------------------------------

    # -- the facilitator -------------------------------------------------------------

    def show_facilitator(self) -> None:
        from app.ui.simulation.facilitator import FacilitatorWindow

        if self.facilitator is None:
            self.facilitator = FacilitatorWindow(self)
        self.facilitator.refresh()
        self.facilitator.show()
        self.facilitator.raise_()

    def update_facilitator(self) -> None:
        if self.facilitator is not None:
            self.facilitator.refresh()

    def show_briefing(self) -> None:
        if self.session is not None:
            self.panel.briefing.setText("\n".join(self.session.briefing()))

    def check_injects(self) -> None:
        if self.session is None or self.session.step() is None:
            return
        minutes = (datetime.now(UTC) - self.started).total_seconds() / 60
        if self.session.due(minutes):
            self.show_briefing()
            self.update_facilitator()

    def reveal_alert(self) -> None:
        if self.session is not None and self.session.reveal_next() is not None:
            self.show_briefing()
            self.reveal(self.panel.briefing)
            self.update_facilitator()

    def advance_clock(self, minutes: float) -> None:
        if self.session is not None and self.session.step() is not None:
            self.session.advance(minutes)
            self.panel.clock.setText(f"Clock: {self.session.minutes:g} min since the alert")
            self.update_facilitator()

    def give_hint(self) -> None:
        if self.session is None or self.session.step() is None:
            return
        text = self.session.hint()
        self.panel.feedback.setText(f"Hint from the facilitator: {text}")
        self.update_facilitator()

    def show_trainer_view(self) -> None:
        from app.ui.simulation.trainer_view import TrainerView

        TrainerView(self).exec()


def report_name(drill: dict[str, Any]) -> str:
    """``drill-priya-bias-detected-2026-12-07.pdf``: who, which drill, when."""
    import re

    parts = (
        drill.get("trainee", ""),
        drill.get("scenario", ""),
        str(drill.get("finished_at", ""))[:10],
    )
    safe = [re.sub(r"[^\w.-]+", "-", str(p)).strip("-.") for p in parts]
    return "-".join(["drill", *[p for p in safe if p]]) + ".pdf"
