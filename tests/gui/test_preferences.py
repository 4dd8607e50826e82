"""Edit > Preferences: kept in QSettings, applied to every open window at once."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialog

from app.model.templates import load_template
from app.ui.dialogs.preferences import PreferencesDialog
from app.ui.main_window import MainWindow
from app.ui.preferences import (
    Preferences,
    apply_colour_scheme,
    load_preferences,
    save_preferences,
)

WINDOW = QPalette.ColorRole.Window


@pytest.fixture(autouse=True)
def system_palette():  # type: ignore[no-untyped-def]
    yield
    apply_colour_scheme("system")  # the next test starts with the platform's palette


def choose(monkeypatch, window: MainWindow, **changes) -> None:  # type: ignore[no-untyped-def]
    """Open the dialog as a user would, change ``changes`` and press OK."""

    def answer(dialog: PreferencesDialog) -> int:
        if "colour_scheme" in changes:
            dialog.scheme.setCurrentIndex(dialog.scheme.findData(changes["colour_scheme"]))
        if "snap_to_grid" in changes:
            dialog.snap.setChecked(changes["snap_to_grid"])
        if "grid" in changes:
            dialog.grid.setValue(changes["grid"])
        if "validation_delay_ms" in changes:
            dialog.delay.setValue(changes["validation_delay_ms"])
        if "recent_count" in changes:
            dialog.recent.setValue(changes["recent_count"])
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(PreferencesDialog, "exec", answer)
    window.show_preferences()


def test_preferences_round_trip_and_bad_stored_values_fall_back(qapp) -> None:  # type: ignore[no-untyped-def]
    assert load_preferences() == Preferences()
    chosen = Preferences("dark", False, 25, 400, 3)
    save_preferences(chosen)
    assert load_preferences() == chosen
    settings = QSettings()
    for name, bad in (
        ("colour_scheme", "purple"),
        ("snap_to_grid", "perhaps"),
        ("grid", "ten"),
        ("validation_delay_ms", 10**9),
        ("recent_count", -4),
    ):
        settings.setValue(f"preferences/{name}", bad)
    assert load_preferences() == Preferences()


def test_the_dark_scheme_reaches_every_open_window(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first, second = MainWindow(load_template("deployment-gate")), MainWindow()
    for window in (first, second):
        qtbot.addWidget(window)
        window.show()
    light_canvas = first.scene.backgroundBrush().color().name()
    choose(monkeypatch, first, colour_scheme="dark")
    QApplication.processEvents()
    assert QApplication.palette().color(WINDOW).lightness() < 80
    assert first.inspector.palette().color(WINDOW).lightness() < 80
    for window in (first, second):
        assert window.preferences.colour_scheme == "dark"
        assert window.scene.backgroundBrush().color().name() != light_canvas
    assert load_preferences().colour_scheme == "dark"  # kept for the next start
    choose(monkeypatch, second, colour_scheme="light")
    assert QApplication.palette().color(WINDOW).lightness() > 180
    assert first.scene.backgroundBrush().color().name() == light_canvas


def test_grid_step_and_snapping_follow_the_preference(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(load_template("deployment-gate"))
    qtbot.addWidget(window)
    item = next(iter(window.scene.nodes.values()))
    item.setPos(QPointF(103, 47))
    assert (item.pos().x(), item.pos().y()) == (100, 50)  # the default 10 px grid
    choose(monkeypatch, window, grid=25)
    item.setPos(QPointF(103, 47))
    assert (item.pos().x(), item.pos().y()) == (100, 50)
    item.setPos(QPointF(113, 63))
    assert (item.pos().x(), item.pos().y()) == (125, 75)
    choose(monkeypatch, window, snap_to_grid=False)
    item.setPos(QPointF(113, 63))
    assert (item.pos().x(), item.pos().y()) == (113, 63)


def test_validation_delay_and_recent_count(qtbot, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    choose(monkeypatch, window, validation_delay_ms=900, recent_count=2)
    assert window._validation.interval() == 900
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.sop.json"
        path.write_text("{}", encoding="utf-8")
        window.files.add_recent(path)
    assert [p.name for p in window.files.recent_files()] == ["c.sop.json", "b.sop.json"]


def test_restore_defaults_and_cancel(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PreferencesDialog(Preferences("dark", False, 40, 0, 5))
    qtbot.addWidget(dialog)
    assert not dialog.grid.isEnabled()  # no snapping: the step does not apply
    assert dialog.chosen() == Preferences("dark", False, 40, 0, 5)
    dialog.show_preferences(Preferences())
    assert dialog.chosen() == Preferences()
    assert dialog.grid.isEnabled()


def test_preferences_is_in_the_edit_menu(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    (action,) = [a for a in window.edit_menu.actions() if a.text() == "&Preferences…"]
    assert not action.shortcut().isEmpty()
