"""Simulation mode: editing locks, tokens move along the SOP, the log and summary follow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import QDockWidget, QGraphicsSimpleTextItem, QScrollArea

from app.compiler.compile import CompileRefusedError, compile_spec
from app.simulate.bakes import stage_bakes
from app.simulate.clock import ScenarioRangeError
from app.simulate.engine import SimulationResult, simulate
from app.simulate.fit import scenario_warnings, written_for_another
from app.simulate.scenario import Scenario
from app.spec.fileio import InputError
from app.ui.plain import literal
from app.ui.simulation.library_choice import chosen
from app.ui.simulation.panels import ControlsPanel, EventLog, SummaryPanel, clock_text
from app.ui.simulation.replay import CanvasState, apply, replay

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class SimulationMode(QObject):
    """Owns the simulation docks and the player; installed once per window."""

    def __init__(self, window: MainWindow, action: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.result: SimulationResult | None = None
        self.events: list[dict[str, Any]] = []
        self.index = -1
        self.active = False
        self.tokens: dict[str, QGraphicsSimpleTextItem] = {}
        self.state: CanvasState | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.step)
        self.controls = ControlsPanel()
        self.log = EventLog()
        self.summary = SummaryPanel()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.summary)
        self.docks = [
            self._dock("Simulation", self.controls, Qt.DockWidgetArea.RightDockWidgetArea),
            self._dock("Event log", self.log, Qt.DockWidgetArea.BottomDockWidgetArea),
            self._dock("Simulation summary", scroll, Qt.DockWidgetArea.RightDockWidgetArea),
        ]
        controls_dock, log_dock, summary_dock = self.docks
        window.tabifyDockWidget(window.problems_dock, log_dock)
        window.tabifyDockWidget(window.inspector_dock, controls_dock)
        window.tabifyDockWidget(controls_dock, summary_dock)
        self.action = action  # the window's F5 action, which turns the mode on and off
        c = self.controls
        c.run.clicked.connect(self.run)
        c.play.clicked.connect(self.play)
        c.pause.clicked.connect(self.pause)
        c.step.clicked.connect(self.step)
        c.back.clicked.connect(self.back)
        c.reset.clicked.connect(self.reset)
        c.speed.valueChanged.connect(lambda value: self.timer.setInterval(1000 // value))
        self.timer.setInterval(1000 // c.speed.value())
        self.log.eventChosen.connect(self.choose)

    def _dock(self, title: str, widget: Any, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        self.window.restoreDockWidget(dock)  # where the user left it, built after restoreState
        dock.hide()
        return dock

    # -- the mode ----------------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        """Lock (or unlock) editing and show (or hide) the simulation docks."""
        self.active = active
        self.window.set_editing_locked(active)
        for dock in self.docks:
            dock.setVisible(active)
        if active:
            for dock in self.docks[:2]:
                dock.raise_()
        if not active:
            self.pause()
            self.clear_overlay()

    def scenario(self) -> Scenario | None:
        try:
            return chosen(Scenario, self.controls.scenario, self.window, "Scenario")
        except InputError as error:
            self.window.statusBar().showMessage(str(error), 10000)
            return None

    def run(self, scenario: Scenario | None = None) -> SimulationResult | None:
        """Simulate the current document; the result is recorded in the workspace."""
        scenario = scenario or self.scenario()
        if scenario is None:
            return None
        try:
            spec = compile_spec(self.window.editor.doc)
        except CompileRefusedError as refused:
            self.window.statusBar().showMessage(f"Cannot simulate: {refused}", 10000)
            return None
        try:
            bakes = stage_bakes(self.window.editor.doc)
            self.result = simulate(spec, scenario, self.controls.seed.value(), bakes=bakes)
        except ScenarioRangeError as error:
            message = f"Cannot simulate {scenario.id}: {error}"
            self.window.statusBar().showMessage(message, 15000)
            # The previous run's log and figures would read as this scenario's: clear them.
            self.result, self.events, self.state = None, [], None
            self.log.show_events([])
            self.summary.clear(message)
            self.reset()
            return None
        self.events = self.result.events
        self.state = None
        self.log.show_events(self.events)
        summary = self.result.summary()
        lead = [(r.deployed - r.arrived) / 60 for r in self.result.releases]
        self.summary.show_summary(summary, lead)
        self._record(scenario, summary)
        self.reset()
        warnings = scenario_warnings(spec, scenario)
        if heading := written_for_another(scenario, self.window.editor.doc.id, warnings):
            self.window.statusBar().showMessage(f"Scenario {scenario.id} was {heading}", 15000)
        elif warnings:
            more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
            self.window.statusBar().showMessage(
                f"Scenario {scenario.id}: {warnings[0]}{more}", 15000
            )
        return self.result

    def _record(self, scenario: Scenario, summary: dict[str, Any]) -> None:
        from app.store.workspace import Workspace

        try:
            with Workspace.open() as store:
                store.record_run(
                    sop_id=self.window.editor.doc.id,
                    scenario=scenario.id,
                    seed=self.controls.seed.value(),
                    runs=1,
                    parameters={"source": "designer"},
                    summary=summary,
                    events=self.events,
                )
        except Exception as error:
            self.window.statusBar().showMessage(f"Not saved in the workspace: {error}", 8000)

    # -- the player --------------------------------------------------------------------

    def play(self) -> None:
        if self.events:
            self.timer.start()

    def pause(self) -> None:
        self.timer.stop()

    def step(self) -> None:
        if self.index + 1 >= len(self.events):
            self.pause()
            return
        self.jump(self.index + 1)

    def back(self) -> None:
        if self.index >= 0:
            self.jump(self.index - 1)

    def reset(self) -> None:
        self.pause()
        self.jump(-1)

    def choose(self, index: int) -> None:
        """An event picked in the log: show the state then, and select its element."""
        self.jump(index)
        element = self.events[index].get("element") if 0 <= index < len(self.events) else None
        if element in self.window.scene.nodes:
            self.window.scene.select_ids([element])

    def jump(self, index: int) -> None:
        """Show the state right after event ``index`` (-1: before the first event)."""
        index = max(-1, min(index, len(self.events) - 1))
        if index == self.index + 1 and self.state is not None and index >= 0:
            apply(self.state, self.events[index])  # one step forward: no need to replay
        else:
            self.state = replay(self.events, index)
        self.index = index
        self.render()
        self.log.mark(self.index)

    def render(self) -> None:
        state = self.state or replay(self.events, self.index)
        scene = self.window.scene
        for node_id, item in scene.nodes.items():
            glow = state.glow.get(node_id)
            if item.highlight != glow:
                item.set_highlight(glow)
            verdict = state.verdicts.get(node_id)
            tip = literal(f"{item.name}\n{verdict}" if verdict else item.name)
            if item.toolTip() != tip:
                item.setToolTip(tip)
        self.clear_tokens()
        for element, candidates in state.tokens().items():
            item = scene.nodes.get(element)
            if item is None:
                continue
            label = QGraphicsSimpleTextItem(
                "● "
                + " ".join(f"#{c}" for c in candidates[:6])
                + (" …" if len(candidates) > 6 else "")
            )
            label.setBrush(QColor("#1d4ed8"))
            font = QFont(label.font())
            font.setBold(True)
            label.setFont(font)
            label.setPos(item.pos().x() - 60, item.pos().y() - 62)
            label.setZValue(5)
            scene.addItem(label)
            self.tokens[element] = label
        done = self.index + 1
        self.controls.clock.setText(
            f"{clock_text(state.minutes)} · event {done} of {len(self.events)}"
        )

    def clear_tokens(self) -> None:
        for label in self.tokens.values():
            if label.scene() is not None:
                label.scene().removeItem(label)
        self.tokens.clear()

    def clear_overlay(self) -> None:
        self.clear_tokens()
        for item in self.window.scene.nodes.values():
            item.set_highlight(None)
            item.set_text(item.name, item.caption)  # the editing tooltip again
