"""Edit > Preferences: kept in QSettings, applied to every open window at once."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

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
        ("colour_scheme", ["dark", "light"]),  # "dark, light" in an INI file reads as a list
        ("snap_to_grid", "perhaps"),
        ("grid", "ten"),
        ("validation_delay_ms", 10**9),
        ("grid", ["1", "2"]),
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
    platform = QApplication.palette().color(WINDOW)
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
    choose(monkeypatch, first, colour_scheme="dark")
    choose(monkeypatch, first, colour_scheme="system")  # the platform's palette again
    assert QApplication.palette().color(WINDOW) == platform


def test_cancel_changes_nothing(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)

    def cancel(dialog: PreferencesDialog) -> int:
        dialog.scheme.setCurrentIndex(dialog.scheme.findData("dark"))
        dialog.grid.setValue(50)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(PreferencesDialog, "exec", cancel)
    window.show_preferences()
    assert window.preferences == Preferences() == load_preferences()
    assert window.scene.grid == Preferences.grid


def test_grid_step_and_snapping_follow_the_preference(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(load_template("deployment-gate"))
    qtbot.addWidget(window)
    item = next(iter(window.scene.nodes.values()))
    item.setPos(QPointF(103, 47))
    assert (item.pos().x(), item.pos().y()) == (100, 50)  # the default 10 px grid
    choose(monkeypatch, window, grid=25)
    item.setPos(QPointF(113, 63))  # (110, 60) on the 10 px grid
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
    window.files.fill_recent_menu(window.recent_menu)
    shown = [a.text() for a in window.recent_menu.actions() if a.text().startswith("&")]
    assert shown[:3] == ["&1 c.sop.json", "&2 b.sop.json", "&Clear the list"]
    # All are kept: the start-up scan for crash journals reads beyond what the menu shows.
    assert [p.name for p in window.files.recent_files()] == [
        "c.sop.json",
        "b.sop.json",
        "a.sop.json",
    ]


def test_restore_defaults_button(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PreferencesDialog(Preferences("dark", False, 40, 0, 5))
    qtbot.addWidget(dialog)
    assert not dialog.grid.isEnabled()  # no snapping: the step does not apply
    assert dialog.chosen() == Preferences("dark", False, 40, 0, 5)
    buttons = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults), Qt.MouseButton.LeftButton
    )
    assert dialog.chosen() == Preferences()
    assert dialog.grid.isEnabled()


def test_preferences_is_in_the_edit_menu(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    (action,) = [a for a in window.edit_menu.actions() if a.text() == "Pr&eferences…"]
    assert not action.shortcut().isEmpty()


def test_refusals_stay_readable_in_the_dark_scheme(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.ui.panels.fields import DARK_ERROR_COLOUR, ERROR_COLOUR, InlineError

    label = InlineError()
    qtbot.addWidget(label)
    label.show_message("must be a number")
    assert ERROR_COLOUR in label.styleSheet()
    apply_colour_scheme("dark")
    label.show()
    QApplication.processEvents()
    label.show_message("must be at least 0")
    assert DARK_ERROR_COLOUR in label.styleSheet()
