"""GUI tests run offscreen with their own settings, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def collection_in_the_gui_thread(qapp):  # type: ignore[no-untyped-def]
    """As in the designer (app.ui.launch): the cyclic collector runs in the GUI thread
    only, so no export or backtest thread ever destroys a window a test let go of. Per
    module, so that the tests after the GUI's run with the interpreter's own collector."""
    from app.ui.collector import collect_in_gui_thread

    collector = collect_in_gui_thread(qapp)
    yield collector
    collector.uninstall()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("GatewrightTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(tmp_path / "workspace.db"))


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch) -> None:
    """Modal dialogs would wait forever offscreen: answer them as a careful user would.

    Closing a window with unsaved edits discards them (tests never want them saved), and
    message boxes are acknowledged. A test that cares about a dialog patches it itself.
    """
    from PySide6.QtWidgets import QMessageBox

    buttons = QMessageBox.StandardButton
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: buttons.Discard)
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, **k: buttons.Ok)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    """The designer, shown, on the deployment-gate template (modules may define their own)."""
    from app.model.templates import load_template
    from app.ui.main_window import MainWindow

    made = MainWindow(load_template("deployment-gate"))
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    yield made
    made.editor.stack.setClean()  # closing must not ask to save


@pytest.fixture
def blank(qtbot):  # type: ignore[no-untyped-def]
    """An active designer window on a blank document (modules may define their own)."""
    from tests.gui.windows import active_window

    made = active_window(qtbot)
    yield made
    made.editor.stack.setClean()


@pytest.fixture(scope="module")
def designer(qapp, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One 1366x768 designer window for all the tests of a module (tests/gui/seen.py)."""
    from tests.gui.seen import one_window

    yield from one_window(tmp_path_factory)
