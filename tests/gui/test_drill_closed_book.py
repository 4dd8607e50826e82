"""Drill mode as a trainee sees it: closed book, elapsed clock, scrollable briefing, debrief,
the drill list for the open SOP, and the trainer view."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.compiler.compile import compile_spec
from app.model.templates import list_templates, load_template
from app.simulate.drill import DrillScenario, perfect_answers
from app.simulate.drill_key import fit
from app.simulate.library import builtin, builtin_ids, load_builtin
from app.ui.main_window import MainWindow
from app.ui.simulation.drill_mode import report_name
from app.ui.simulation.trainer_view import TrainerView


@pytest.fixture(scope="module")
def shared(qapp):  # type: ignore[no-untyped-def]
    """One designer on rollback-procedure (four of the six drills run on it), 1600x1000."""
    window = MainWindow(load_template("rollback-procedure"))
    window.resize(1600, 1000)
    window.show()
    window.drill_action.setChecked(True)
    yield window
    window.drill_action.setChecked(False)
    window.deleteLater()


def dark_pixels(window: MainWindow, node_id: str) -> int:
    """Dark (text) pixels inside a node's outline as the canvas draws it now."""
    view, item = window.view, window.scene.nodes[node_id]
    view.centerOn(item)
    QApplication.processEvents()
    rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
    image = view.viewport().grab().toImage()
    area = rect.intersected(QRect(QPoint(0, 0), image.size()))
    return sum(
        image.pixelColor(x, y).lightness() < 90
        for x in range(area.left() + 2, area.right() - 2)
        for y in range(area.top() + 2, area.bottom() - 2)
    )


def started(window: MainWindow, drill_id: str, trainee: str = "ana"):  # type: ignore[no-untyped-def]
    window.drill.panel.trainee.setText(trainee)
    return window.drill.start(load_builtin(DrillScenario, drill_id))


def finish(window: MainWindow, changes: dict | None = None) -> None:
    session = window.drill.session
    answers = perfect_answers(session) | (changes or {})
    while (step := session.step()) is not None:
        window.drill.submit(answers[step.key])


def test_the_canvas_hides_the_runbook_until_the_debrief(shared: MainWindow) -> None:
    window = shared
    session = started(window, "latency-misconfiguration")
    assert session is not None
    doc = window.editor.doc
    hidden = [n.id for n in doc.nodes if n.kind in ("action", "check")]
    assert "lat-execute" in hidden and len(hidden) == 24
    for node_id in hidden:
        assert not window.scene.nodes[node_id].isVisible()
    assert dark_pixels(window, "lat-execute") == 0  # no name, role or minutes drawn
    kinds = {e.id: e.kind for e in window.editor.doc.edges}
    assert not any(item.isVisible() for e, item in window.scene.edges.items() if kinds[e] == "next")
    trigger = window.scene.nodes["latency-spike"]
    assert trigger.isVisible() and "SLA" not in trigger.caption and "500" in trigger.caption
    assert not window.outline_dock.isVisible() and not window.inspector_dock.isVisible()
    assert window.drill.panel.clock.text() == "Clock: 5 min since the alert"
    assert "SLA" not in window.drill.panel.clock.text()
    finish(window)
    assert window.scene.nodes["lat-execute"].isVisible()
    assert dark_pixels(window, "lat-execute") > 20
    assert "SLA 75 min" in window.scene.nodes["latency-spike"].caption
    assert window.outline_dock.isVisible()
    assert "against an SLA of 75 min (met)" in window.drill.panel.clock.text()
    restored = window.drill.panel.feedback.text().splitlines()
    start = restored.index("The rollback restores, in order:")
    assert restored[start + 1 : start + 3] == [
        "1. Infrastructure configuration (configuration) from git ref refs/tags/infra-last-good",
        "2. Model API (api) from git ref refs/tags/api-last-good",
    ]


def test_the_debrief_shows_pass_the_pending_lesson_and_the_model_lesson(
    shared: MainWindow,
) -> None:
    window = shared
    started(window, "false-alarm-latency-blip")
    finish(window, {"decision": "rollback"})
    panel = window.drill.panel
    assert panel.prompt.text() == "Debrief: 50 / 100, failed (critical: decision)"
    feedback = panel.feedback.text()
    assert "Critical: no trigger fired" in feedback
    assert "Lesson: pending until a trainer grades it" in feedback
    assert "Model lesson: isolated one-window spikes are not a trend" in feedback
    # The next trainee does not start under the previous one's debrief.
    started(window, "false-alarm-latency-blip", "ben")
    assert panel.feedback.text() == ""
    assert panel.prompt.text() == "Which trigger has fired?"


def test_the_briefing_scrolls_so_every_alert_can_be_read(shared: MainWindow) -> None:
    window = shared
    started(window, "false-alarm-latency-blip")
    QApplication.processEvents()
    scroll, panel = window.drill.scroll, window.drill.panel
    assert scroll.horizontalScrollBar().maximum() == 0  # nothing cut at the right
    assert panel.height() >= panel.sizeHint().height() - 1  # nothing squeezed out
    assert "cache rebuild 02:00-02:15 UTC" in panel.briefing.text()
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    scroll.ensureWidgetVisible(panel.briefing)
    QApplication.processEvents()
    top = panel.briefing.mapTo(scroll.viewport(), QPoint(0, 0)).y()
    bottom = top + panel.briefing.height()
    assert top >= 0 and bottom <= scroll.viewport().height() + panel.briefing.height()
    # Choices wrap to the dock's width: no choice is wider than the viewport.
    assert all(b.width() <= scroll.viewport().width() for b in window.drill.inputs)


def test_choosing_through_the_widgets_with_real_clicks(shared: MainWindow) -> None:
    window = shared
    started(window, "data-pipeline-failure")
    button = next(b for b in window.drill.inputs if b.property("choice") == "system-errors")
    window.drill.scroll.ensureWidgetVisible(button)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    assert button.isChecked()
    window.drill.scroll.ensureWidgetVisible(window.drill.panel.answer)
    QTest.mouseClick(window.drill.panel.answer, Qt.MouseButton.LeftButton)
    assert window.drill.panel.feedback.text().startswith("✔ Right: 'System errors' needs")


def test_the_drill_list_puts_the_drills_of_the_open_sop_first(qtbot) -> None:
    defaults = {}
    for template in [t.id for t in list_templates()]:
        window = MainWindow(load_template(template))
        qtbot.addWidget(window)
        window.drill_action.setChecked(True)
        combo = window.drill.panel.scenario
        spec = compile_spec(window.editor.doc)
        fitting = [
            d for d in builtin_ids(DrillScenario) if fit(spec, builtin(DrillScenario, d)) is None
        ]
        items = [combo.itemText(i) for i in range(combo.count())]
        assert items[: len(fitting)] == fitting, template
        assert items[-1] == "From file…"
        if fitting:
            assert combo.currentText() == fitting[0]
            defaults[template] = fitting[0]
        window.drill_action.setChecked(False)
    assert defaults["ecommerce-recommendation"] != "bias-detected"  # the old default
    assert defaults["financial-credit-model"] == "bias-detected"


def test_the_trainer_view_grades_and_names_what_it_shows(shared: MainWindow, tmp_path) -> None:
    window = shared
    started(window, "latency-misconfiguration", "priya")
    finish(window)
    view = TrainerView(window.drill)
    row = 0  # newest first
    texts = [view.table.item(row, c).text() for c in range(view.table.columnCount())]
    assert texts[1] == "priya" and texts[4] == "yes" and texts[6] == "pending"
    assert texts[5] == "met (60 of 75 min)"
    assert len(texts[0]) == len("2026-12-07 06:15 UTC") and texts[0].endswith(" UTC")
    assert not any(b.autoDefault() or b.isDefault() for b in (view.accept_lesson, view.export))
    view.export_selected()  # nothing selected: it says so
    assert view.message.text() == "Select a drill in the table first."
    view.table.selectRow(row)
    assert "Model lesson: an infrastructure change" in view.lesson.toPlainText()
    view.grade("rejected")
    assert view.table.item(row, 6).text() == "rejected"
    assert view.table.item(row, 4).text() == "no"
    name = report_name(view.drills[row])
    assert name.startswith("drill-priya-latency-misconfiguration-20") and name.endswith(".pdf")
    out = tmp_path / name
    window.drill.export_report(str(out), view.drills[row])
    assert out.read_bytes().startswith(b"%PDF")
    view.close()


def test_report_names_are_safe_file_names() -> None:
    drill = {
        "trainee": "Ana / María $(rm)",
        "scenario": "bias-detected",
        "finished_at": "2026-12-07T06:15:00Z",
    }
    assert report_name(drill) == "drill-Ana-María-rm-bias-detected-2026-12-07.pdf"
    assert Path(report_name({})).name == "drill.pdf"


def test_the_facilitator_window_shows_the_key_and_progress_and_steers_the_drill(
    shared: MainWindow,
) -> None:
    window = shared
    data = load_builtin(DrillScenario, "latency-misconfiguration").model_dump(mode="json")
    data["injects"] = [{"alert": "status page: customers report timeouts", "after_minutes": 30}]
    window.drill.panel.trainee.setText("dana")
    window.drill.start(DrillScenario.model_validate(data))
    window.drill.panel.facilitate.click()
    facilitator = window.drill.facilitator
    assert facilitator.isWindow() and facilitator.isVisible()  # a screen of its own
    assert "Expected: an incident: latency-spike fires" in facilitator.key.toPlainText()
    assert "trainee dana" in facilitator.status.text()
    QTest.mouseClick(facilitator.hint, Qt.MouseButton.LeftButton)
    assert window.drill.panel.feedback.text().startswith("Hint from the facilitator: it is not:")
    QTest.mouseClick(facilitator.reveal, Qt.MouseButton.LeftButton)
    assert "NEW ALERT: status page: customers report timeouts" in window.drill.panel.briefing.text()
    assert not facilitator.reveal.isEnabled()  # nothing left to reveal
    facilitator.minutes.setValue(20)
    QTest.mouseClick(facilitator.advance, Qt.MouseButton.LeftButton)
    assert window.drill.panel.clock.text() == "Clock: 25 min since the alert"
    window.drill.submit("none")
    assert facilitator.progress.rowCount() == 1
    assert facilitator.progress.item(0, 0).text() == "✖ trigger"
    assert "1 mistake(s), 1 hint(s)" in facilitator.status.text()
    finish(window)
    result = window.drill.result.to_json()
    assert "hint:trigger" in [m["step"] for m in result["mistakes"]]
    assert not facilitator.hint.isEnabled()
    facilitator.close()


def test_a_drill_that_lies_is_refused_naming_the_place(shared: MainWindow) -> None:
    data = load_builtin(DrillScenario, "false-alarm-latency-blip").model_dump(mode="json")
    data["expect"] = "incident"
    assert shared.drill.start(DrillScenario.model_validate(data)) is None
    text = shared.drill.panel.briefing.text()
    assert text.startswith("Cannot start this drill: $.expect: declares 'incident'")
