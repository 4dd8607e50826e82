"""Undo and Redo on the toolbar: fixed words, so the buttons after them never shift; what
they would undo or redo is in their tooltips (the Edit menu names it in full)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QToolBar


def add_undo_buttons(toolbar: QToolBar, stack: QUndoStack) -> tuple[QAction, QAction]:
    """Add an Undo and a Redo button to ``toolbar`` that follow ``stack``."""
    undo = QAction("Undo", toolbar)
    redo = QAction("Redo", toolbar)
    undo.triggered.connect(stack.undo)
    redo.triggered.connect(stack.redo)

    def follow() -> None:
        try:
            index = stack.index()
        except RuntimeError:  # the stack is being deleted with its window
            return
        undo.setEnabled(stack.canUndo())
        redo.setEnabled(stack.canRedo())
        # command.text() is the label as written; undoText() has its & doubled for menus
        undo.setToolTip(
            f"Undo {stack.command(index - 1).text()}" if stack.canUndo() else "Nothing to undo"
        )
        redo.setToolTip(
            f"Redo {stack.command(index).text()}" if stack.canRedo() else "Nothing to redo"
        )
        undo.setStatusTip(undo.toolTip())
        redo.setStatusTip(redo.toolTip())

    stack.indexChanged.connect(lambda _index: follow())
    stack.cleanChanged.connect(lambda _clean: follow())
    follow()
    toolbar.addActions([undo, redo])
    return undo, redo
