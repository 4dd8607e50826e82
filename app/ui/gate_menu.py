"""The Gate menu: Gate › Backtest… on the one selected gate, and the edit that makes a
threshold picked on the backtest chart the criterion's own (one undo step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from app.model.errors import ModelError
from app.ui.labels import undo_text
from app.ui.panels.binding import plain
from app.ui.panels.values import as_number

if TYPE_CHECKING:
    from app.ui.dialogs.backtest import BacktestDialog
    from app.ui.main_window import MainWindow


def selected_gate(window: MainWindow) -> str | None:
    """The id of the one selected node when it is a gate, else None."""
    ids = window.scene.selected_ids()
    doc = window.editor.doc
    if len(ids) == 1 and doc.has_node(ids[0]) and doc.node(ids[0]).kind == "gate":
        return ids[0]
    return None


class GateMenu(QObject):
    """The Gate menu of one window; Backtest… is enabled while one gate is selected."""

    def __init__(self, window: MainWindow, before: QMenu | None) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu("&Gate", window)
        if before is not None:
            window.menuBar().insertMenu(before.menuAction(), self.menu)
        else:
            window.menuBar().addMenu(self.menu)
        self.backtest: QAction = window._action(
            self.menu,
            "&Backtest…",
            lambda: open_backtest(window),
            "Ctrl+Shift+B",
            "Replay the selected gate over a history file and choose a criterion's "
            "threshold from the chart",
        )
        self.dialog: BacktestDialog | None = None
        # Bound methods: PySide disconnects them when this object goes with its window.
        window.scene.selectionChanged.connect(self.follow)
        window.editor.changed.connect(self.follow)
        window.installEventFilter(self)
        self.follow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The window closing: a sweep under way stops before its thread could outlive it.
        if watched is self.window and event.type() == QEvent.Type.Close and self.dialog is not None:
            self.dialog.stop()
        return False

    def follow(self, *_args: object) -> None:
        try:
            gate = selected_gate(self.window)
        except RuntimeError:  # the scene went first, as the window is being deleted
            return
        self.backtest.setEnabled(gate is not None)


def open_backtest(window: MainWindow) -> BacktestDialog | None:
    """Open the (non-modal) backtest dialog on the selected gate; the file last used is
    offered again."""
    from app.ui.dialogs.backtest import BacktestDialog

    gate_id = selected_gate(window)
    if gate_id is None:
        window.statusBar().showMessage("Select one gate to backtest", 6000)
        return None
    menu: GateMenu = window.gate_menu  # type: ignore[attr-defined]
    old = menu.dialog
    path = ""
    if old is not None:
        path = old.path.text()
        old.close()
        old.deleteLater()
    dialog = BacktestDialog(window, gate_id)
    menu.dialog = dialog
    if path:
        dialog.path.setText(path)
        dialog.read_columns()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.path.setFocus()
    return dialog


def set_threshold(window: MainWindow, gate_id: str, criterion_id: str, threshold: float) -> str:
    """Make ``threshold`` the criterion's threshold (a baseline criterion's delta), as one
    undoable edit through the editor; returns why not ('' when done or already so)."""
    if window.scene.locked:
        return "Editing is locked while a simulation or drill runs; stop it to set the threshold."
    doc = window.editor.doc
    if not doc.has_node(gate_id) or doc.node(gate_id).kind != "gate":
        return f"The gate {gate_id!r} is no longer in the SOP."
    gate = doc.node(gate_id)
    records = plain(gate.criteria, lean=True)
    found = [i for i, c in enumerate(gate.criteria) if c.id == criterion_id]
    if not found or gate.criteria[found[0]].form not in ("metric", "baseline"):
        return f"Gate {gate_id!r} no longer has the criterion {criterion_id!r}."
    criterion = gate.criteria[found[0]]
    key = "value" if criterion.form == "metric" else "delta"
    old = getattr(criterion, key)
    records[found[0]][key] = as_number(threshold)
    text = f"Set {criterion_id} threshold to {threshold:g} (backtest)"
    try:
        window.editor.set_together(undo_text(text), {}, [(gate_id, "criteria", records)])
    except (ModelError, ValueError) as refusal:
        return f"The threshold {threshold:g} cannot be set: {refusal}"
    window.statusBar().showMessage(
        f"{criterion_id} of {gate.name}: threshold {threshold:g} (was {old:g}); Ctrl+Z undoes it",
        8000,
    )
    return ""
