"""View › Real-world figures…: a ledger opened through the real menu and dialog shows each
gate's real figures as a badge on the canvas (pixels) and in the inspector (text)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QDeadlineTimer, QRect, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui.main_window import MainWindow
from app.ui.real_figures import BADGE_FILL, LedgerDialog
from tests.gui.viewing import laptop_window, pixels_of, settle, viewport_image, viewport_rect
from tests.real_figures.conftest import (  # noqa: F401  (fixtures)
    history,
    ledger_url,
    no_ledger_env,
    pg_database,
    pg_server,
    spec_model,
)

LEFT = Qt.MouseButton.LeftButton
TEAL = BADGE_FILL.name()


@pytest.fixture
def small_window(qtbot, small_doc) -> MainWindow:  # type: ignore[no-untyped-def]
    window = laptop_window(qtbot, small_doc)
    yield window
    window.editor.stack.setClean()


def through_dialog(qtbot, window: MainWindow, fill: Callable[[LedgerDialog], None]) -> None:  # type: ignore[no-untyped-def]
    """Click View › Real-world figures… and let ``fill`` work the dialog it opens."""
    looks = iter(range(250))

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, LedgerDialog):
            if next(looks, None) is not None:
                QTimer.singleShot(20, answer)
            return
        try:
            fill(dialog)
        finally:  # a failed step must not leave the modal dialog waiting forever
            if dialog.isVisible():
                left_open.append(dialog.error.text() or "the dialog was left open")
                dialog.reject()

    bar = window.menuBar()
    view = next(action for action in bar.actions() if action.text() == "&View")
    QTest.mouseClick(bar, LEFT, pos=bar.actionGeometry(view).center())
    menu = view.menu()
    qtbot.waitUntil(menu.isVisible)
    QTimer.singleShot(20, answer)
    QTest.mouseClick(menu, LEFT, pos=menu.actionGeometry(window.real_figures.action).center())


def typed(url: str, password: str = "", wait: bool = True) -> Callable[[LedgerDialog], None]:
    """Type the ledger where the keyboard is (the Ledger field), the password in its
    field, and press Return (Open); ``wait``: until the dialog closes (never hangs: a
    dialog still open after 20 s is closed, its message kept in ``left_open``)."""

    def fill(dialog: LedgerDialog) -> None:
        # The modal dialog takes the keyboard once it is the active window; an earlier
        # test's window may still hold it for a moment, so wait for the dialog to have it.
        dialog.raise_()
        dialog.activateWindow()
        QApplication.setActiveWindow(dialog)  # as the other dialog tests do
        QTest.qWaitForWindowActive(dialog, 5000)
        dialog.url.setFocus()  # where the dialog puts it; other windows of the suite may not
        QTest.keyClicks(QApplication.focusWidget(), url)
        if password:
            dialog.password.setFocus()
            QTest.keyClicks(QApplication.focusWidget(), password)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        if not wait:
            return
        deadline = QDeadlineTimer(20000)
        while dialog.isVisible() and not deadline.hasExpired():
            QTest.qWait(20)
        if dialog.isVisible():
            left_open.append(dialog.error.text())
            dialog.reject()

    return fill


left_open: list[str] = []


def badge_area(window: MainWindow, gate: str) -> QRect:
    """The viewport under and around the gate, where its badge is drawn."""
    rect = viewport_rect(window, window.scene.nodes[gate].scene_rect()).toAlignedRect()
    return rect.adjusted(-60, 0, 60, 40)


def click_node(window: MainWindow, node: str) -> None:
    centre = viewport_rect(window, window.scene.nodes[node].scene_rect()).center().toPoint()
    QTest.mouseClick(window.view.viewport(), LEFT, pos=centre)
    settle()


def test_the_gate_shows_its_real_figures(small_window, history, qtbot) -> None:  # noqa: F811
    window = small_window
    opening_zoom = window.view.transform().m11()
    before = pixels_of(viewport_image(window), TEAL, badge_area(window, "gate"), 20)
    assert before == 0
    # when the process owner opens the ledger through View › Real-world figures…
    through_dialog(qtbot, window, typed(history))
    assert not left_open, left_open
    assert window.real_figures.figures is not None
    settle()
    # then the gate carries a badge, at the zoom the SOP opened with and at 100%
    assert window.view.transform().m11() == opening_zoom
    for zoom in (opening_zoom, 1.0):
        window.view.set_zoom(zoom)
        settle()
        seen = pixels_of(viewport_image(window), TEAL, badge_area(window, "gate"), 20)
        assert seen > 400, f"badge pixels at zoom {zoom:g}: {seen}"
    assert window.real_figures.badges["gate"].text == "real 3✓ 2✗ 2 held"
    # and the inspector says it when the gate is selected
    click_node(window, "gate")
    panel = window.real_figures.panel
    assert panel.isVisible()
    text = panel.text()
    assert "Real-world figures (2026-11-02 to 2026-11-06 (4 days))" in text
    assert "3 promoted · 2 rejected · 2 held" in text
    assert "median wait to promotion: 2.00 h" in text
    assert "blocked most by: acc (2 decisions)" in text
    assert "Simulated" not in text
    # a stage has no gate figures
    click_node(window, "prod")
    assert not panel.isVisible()


def test_simulated_figures_show_beside_the_real_ones(small_window, history, qtbot) -> None:  # noqa: F811
    window = small_window
    through_dialog(qtbot, window, typed(history))
    assert not left_open and window.real_figures.figures is not None
    assert window.simulation.run() is not None
    click_node(window, "gate")
    text = window.real_figures.panel.text()
    assert "3 promoted · 2 rejected · 2 held" in text
    simulated = window.simulation.result.summary()["gates"]["gate"]
    assert f"Simulated (latest run): {simulated['passed']} promoted" in text


def test_a_ledger_that_cannot_be_read_is_one_sentence_in_the_dialog(small_window, qtbot) -> None:
    window = small_window
    said: list[str] = []

    def fill(dialog: LedgerDialog) -> None:
        typed("postgresql://gw@127.0.0.1:1/nothing", "s3cr$t", wait=False)(dialog)
        assert dialog.password.echoMode() == dialog.password.EchoMode.Password
        qtbot.waitUntil(
            lambda: dialog.error.text().startswith("cannot") or "nothing" in dialog.error.text(),
            timeout=15000,
        )
        qtbot.waitUntil(
            lambda: dialog.buttons.isEnabled() and dialog.error.text() != "Reading the ledger…",
            timeout=15000,
        )
        said.append(dialog.error.text())
        dialog.reject()

    left_open.clear()
    through_dialog(qtbot, window, fill)
    left_open.clear()
    assert len(said) == 1 and said[0] and "\n" not in said[0]
    assert "s3cr" not in said[0] and "Traceback" not in said[0]
    assert window.real_figures.figures is None and not window.real_figures.badges


def test_the_designers_markdown_export_carries_the_real_figures(
    small_window,
    history,  # noqa: F811
    qtbot,
    tmp_path,
) -> None:
    window = small_window
    before = tmp_path / "before.md"
    assert window.exports.export_to("markdown", before) == [before]
    assert "Real figures" not in before.read_text(encoding="utf-8")
    through_dialog(qtbot, window, typed(history))
    assert not left_open
    after = tmp_path / "after.md"
    assert window.exports.export_to("markdown", after) == [after]
    text = after.read_text(encoding="utf-8")
    assert "Real figures (decision ledger): period | 2026-11-02 to 2026-11-06 (4 days)" in text
    assert "3 promoted · 2 rejected · 2 held" in text
