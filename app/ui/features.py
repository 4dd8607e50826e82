"""Puts the designer's drawing comforts into a window's menus: append, arrange, copy as
image, print and print preview, Gate › Backtest…, Help › Getting started."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.ui.append import Append
from app.ui.arrange import build_arrange_menu
from app.ui.gate_menu import GateMenu
from app.ui.picture import DiagramPrinting

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


def _menu(window: MainWindow, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.text() == title:
            return action.menu()  # type: ignore[return-value]
    return None


def _add(window: MainWindow, menu: QMenu, after: str | None, *args, **kwargs) -> QAction:  # type: ignore[no-untyped-def]
    """The window's kind of action (``window._action(menu, ...)``), placed after the entry
    named ``after`` (first when None; last when no entry is so named)."""
    entries = menu.actions()
    action = window._action(menu, *args, **kwargs)
    if after is None:
        following: QAction | None = entries[0] if entries else None
    else:
        names = [entry.text() for entry in entries]
        if after not in names:
            return action
        index = names.index(after) + 1
        following = entries[index] if index < len(entries) else None
    if following is not None:
        menu.removeAction(action)
        menu.insertAction(following, action)
    return action


def install_features(window: MainWindow) -> None:
    """Called once by the window after its own menus are built."""
    window.append = Append(window)  # type: ignore[attr-defined]
    arrange = build_arrange_menu(window)
    view = _menu(window, "&View")
    if view is not None:  # the Arrange menu sits between Insert and View
        window.menuBar().insertMenu(view.menuAction(), arrange)
    window.gate_menu = GateMenu(window, view)  # type: ignore[attr-defined]  # before View
    printing = window.printing = DiagramPrinting(window)  # type: ignore[attr-defined]
    _add(
        window,
        window.edit_menu,
        "&Copy",
        "Copy as i&mage",
        printing.copy_image,
        "Ctrl+Shift+C",
        "Copy the selected nodes (or the whole diagram) to the clipboard as a picture",
    )
    export = window.export_menu.menuAction().text()
    printed = _add(
        window,
        window.file_menu,
        export,
        "&Print…",
        printing.print_dialog,
        QKeySequence.StandardKey.Print,
        "Print the selected nodes (or the whole diagram) on one page",
    )
    _add(
        window,
        window.file_menu,
        printed.text(),
        "Print previe&w…",
        printing.preview,
        "Ctrl+Shift+P",
        "See the diagram's page as it will print",
    )
    help_menu = _menu(window, "&Help")
    if help_menu is not None:
        _add(
            window,
            help_menu,
            None,
            "&Getting started…",
            lambda: show_getting_started(window),
            tip="How to build an SOP, step by step",
        )


def show_getting_started(window: MainWindow) -> None:
    from app.ui.dialogs.getting_started import GettingStarted

    dialog = GettingStarted(window, window.new_from_template, window.files.new_blank)
    dialog.exec()
    dialog.deleteLater()
