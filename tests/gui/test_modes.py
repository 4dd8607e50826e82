"""Simulation and drill modes in the designer: locked editing, replay, scoring, workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from app.compiler.compile import compile_spec
from app.model.templates import load_template
from app.simulate.drill import DrillScenario, perfect_answers
from app.simulate.engine import simulate
from app.simulate.library import builtin, load_builtin
from app.simulate.scenario import Scenario
from app.store.workspace import Workspace
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot) -> MainWindow:
    window = MainWindow(load_template("deployment-gate"))
    qtbot.addWidget(window)
    return window


def test_modes_are_built_on_first_use_from_their_actions(window: MainWindow) -> None:
    """Opening the designer builds neither mode; F5 and F6 (their actions) build each once."""
    assert window._modes == {}
    assert window.simulation_action.shortcut().toString() == "F5"
    assert window.drill_action.shortcut().toString() == "F6"
    window.simulation_action.trigger()
    assert set(window._modes) == {"SimulationMode"} and window.simulation.active
    assert all(dock.isVisibleTo(window) for dock in window.simulation.docks)
    window.simulation_action.trigger()
    assert not window.simulation.active and not window.scene.locked
    window.drill_action.trigger()
    assert set(window._modes) == {"SimulationMode", "DrillMode"}
    assert window.drill.dock.isVisibleTo(window) and window.scene.locked
    window.drill_action.trigger()
    assert not window.scene.locked


def test_simulation_mode_locks_editing(window: MainWindow) -> None:
    window.simulation.action.setChecked(True)
    assert window.scene.locked
    assert not window.palette.isEnabled() and not window.inspector.isEnabled()
    assert not any(a.isEnabled() for a in window.edit_menu.actions() if a.text())
    item = window.scene.nodes["staging"]
    assert not item.flags() & item.GraphicsItemFlag.ItemIsMovable
    window.simulation.action.setChecked(False)
    assert not window.scene.locked and window.palette.isEnabled()


def test_one_mode_at_a_time_and_leaving_the_last_unlocks(window: MainWindow) -> None:
    window.simulation_action.setChecked(True)
    window.simulation.run(load_builtin(Scenario, "deployment-gate-month"))
    window.drill_action.setChecked(True)  # switching modes leaves simulation first
    assert not window.simulation_action.isChecked() and not window.simulation.active
    assert window.scene.locked and not window.palette.isEnabled()
    window.drill_action.setChecked(False)
    assert not window.scene.locked and window.palette.isEnabled()
    assert not window.simulation.docks[0].isVisibleTo(window)


def test_player_reaches_the_headless_events(window: MainWindow) -> None:
    scenario = load_builtin(Scenario, "deployment-gate-month")
    window.simulation.controls.seed.setValue(4)
    window.simulation.action.setChecked(True)
    result = window.simulation.run(scenario)
    headless = simulate(compile_spec(load_template("deployment-gate")), scenario, 4)
    assert result is not None and result.events == headless.events
    for _ in range(25):
        window.simulation.step()
    assert window.simulation.index == 24
    window.simulation.back()
    assert window.simulation.index == 23
    window.simulation.reset()
    assert window.simulation.index == -1
    assert "event 0 of" in window.simulation.controls.clock.text()


def test_selecting_an_event_selects_its_element(window: MainWindow) -> None:
    window.simulation.action.setChecked(True)
    window.simulation.run(load_builtin(Scenario, "deployment-gate-month"))
    row = next(i for i, e in enumerate(window.simulation.events) if e["type"] == "gate-entered")
    window.simulation.log.table.selectRow(row)
    element = window.simulation.events[row]["element"]
    assert window.scene.selected_ids() == [element]
    assert window.scene.nodes[element].highlight is not None  # the gate waits: it glows


def test_a_run_is_recorded_in_the_workspace(window: MainWindow) -> None:
    window.simulation.run(load_builtin(Scenario, "deployment-gate-month"))
    with Workspace.open() as store:
        assert store.latest_run("deployment-gate")["scenario"] == "deployment-gate-month"


def drill_window(qtbot, drill_id: str) -> tuple[MainWindow, DrillScenario]:
    scenario = load_builtin(DrillScenario, drill_id)
    window = MainWindow(load_template(scenario.sop))
    qtbot.addWidget(window)
    window.drill.action.setChecked(True)
    return window, scenario


@pytest.mark.parametrize("drill_id", ["bias-detected", "false-alarm-latency-blip"])
def test_perfect_answers_reach_full_marks_and_are_recorded(
    qtbot, drill_id: str, tmp_path: Path
) -> None:
    window, scenario = drill_window(qtbot, drill_id)
    session = window.drill.start(scenario)
    assert session is not None and window.scene.locked
    for step in list(session.steps):
        window.drill.submit(perfect_answers(session)[step.key])
    assert window.drill.result is not None and window.drill.result.score == 100
    assert "Debrief: 100" in window.drill.panel.prompt.text()
    with Workspace.open() as store:
        assert store.drills()[0]["scenario"] == drill_id
    report = tmp_path / "report.pdf"
    window.drill.export_report(str(report))
    assert report.read_bytes().startswith(b"%PDF")


def test_a_wrong_step_is_explained_and_costs_its_points(qtbot) -> None:
    window, scenario = drill_window(qtbot, "bias-detected")
    session = window.drill.start(scenario)
    answers = perfect_answers(session)
    answers["target"] = next(c.id for c in session.steps[2].choices if c.id != answers["target"])
    for step in list(session.steps):
        window.drill.submit(answers[step.key])
        if step.key == "target":
            assert window.drill.panel.feedback.text().startswith("✖")
    assert window.drill.result.score == 85
    assert window.drill.result.mistakes[0].step == "target"


def test_answering_through_the_widgets(qtbot) -> None:
    window, scenario = drill_window(qtbot, "bias-detected")
    session = window.drill.start(scenario)
    expected = perfect_answers(session)["trigger"]
    button = next(b for b in window.drill.inputs if b.property("choice") == expected)
    button.setChecked(True)
    window.drill.panel.answer.click()
    assert window.drill.panel.feedback.text().startswith("✔")


def test_a_scenario_that_does_not_fit_says_so_in_the_status_bar(window: MainWindow) -> None:
    data = load_builtin(Scenario, "deployment-gate-month").model_dump(mode="json")
    data["candidates"]["stage_metrics"]["no-such-gate"] = {}
    window.simulation_action.trigger()
    assert window.simulation.run(Scenario.model_validate(data)) is not None
    message = window.statusBar().currentMessage()
    assert message.startswith(
        "Scenario deployment-gate-month: candidates.stage_metrics.no-such-gate"
    )


def test_the_scenario_list_offers_built_ins_only(window: MainWindow, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A file in the working folder named like a built-in scenario is not read instead."""
    (tmp_path / "deployment-gate-month").write_text("not a scenario", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    controls = window.simulation.controls
    controls.scenario.setCurrentText("deployment-gate-month")
    assert controls.scenario.currentText() == "deployment-gate-month"
    assert window.simulation.scenario() == builtin(Scenario, "deployment-gate-month")


def test_a_run_that_cannot_be_done_clears_the_previous_results(window: MainWindow) -> None:
    window.simulation.action.setChecked(True)
    good = builtin(Scenario, "deployment-gate-month")
    assert window.simulation.run(good) is not None
    assert window.simulation.log.table.rowCount() > 0
    data = good.model_dump(mode="json")
    data["telemetry"]["window_minutes"] = 1e308  # past what a date can hold
    assert window.simulation.run(Scenario.model_validate(data)) is None
    assert window.simulation.events == [] and window.simulation.log.table.rowCount() == 0
    assert window.simulation.summary.gates.rowCount() == 0
    assert "Cannot simulate" in window.simulation.summary.dora.text()


def test_a_drill_can_come_from_a_file_as_a_scenario_can(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    window, scenario = drill_window(qtbot, "bias-detected")
    data = scenario.model_dump(mode="json")
    data["id"], data["title"] = "our-own-incident", "Our own incident"
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    picked = [str(path), ""]  # the second pick is cancelled
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *_a, **_k: (picked.pop(0), ""))
    )
    panel = window.drill.panel
    panel.scenario.setCurrentText("From file…")
    assert panel.scenario.currentText() == "From file…"
    session = window.drill.start()
    assert session is not None and session.scenario.id == "our-own-incident"
    assert window.drill.start() is None  # cancelled: nothing started, nothing said wrong


def test_a_blank_trainee_is_refused_as_on_the_command_line(qtbot) -> None:  # type: ignore[no-untyped-def]
    window, scenario = drill_window(qtbot, "bias-detected")
    window.drill.panel.trainee.setText("   ")
    assert window.drill.start(scenario) is None
    assert "give the trainee's name" in window.drill.panel.briefing.text()
    window.drill.panel.trainee.setText("  Priya ")
    assert window.drill.start(scenario) is not None and window.drill.trainee == "Priya"


def test_a_scenario_for_another_sop_says_so_in_the_status_bar(window: MainWindow) -> None:
    window.simulation_action.trigger()
    assert window.simulation.run(load_builtin(Scenario, "healthcare-diagnostic-month")) is not None
    message = window.statusBar().currentMessage()
    assert message.startswith("Scenario healthcare-diagnostic-month was written for the SOP")
