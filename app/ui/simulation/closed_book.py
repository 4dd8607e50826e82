"""Closed book: while a trainee answers a drill, the canvas does not show the answers.

Runbook actions (their order, roles and minutes), checks, the edges that chain them to
their target, and each trigger's SLA are hidden, and so are the docks that list them (the
outline, find and the inspector), until the debrief opens the book again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exporters.content import node_caption

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from app.ui.main_window import MainWindow

HIDDEN_NODES = ("action", "check")
HIDDEN_EDGES = ("rollback", "next")


class ClosedBook:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.closed = False
        self._docks: list[QDockWidget] = []

    def close(self) -> None:
        """Hide the answers (again, if a drill restarts)."""
        if self.closed:
            return
        window, doc = self.window, self.window.editor.doc
        for node in doc.nodes:
            item = window.scene.nodes.get(node.id)
            if item is None:
                continue
            if node.kind in HIDDEN_NODES:
                item.setVisible(False)
            elif node.kind == "trigger":
                item.set_text(
                    node.name, node_caption(doc, node.model_copy(update={"max_minutes": None}))
                )
        for edge in doc.edges:
            item = window.scene.edges.get(edge.id)
            if item is not None and edge.kind in HIDDEN_EDGES:
                item.setVisible(False)
        docks = (window.outline_dock, window.find_dock, window.inspector_dock, window.history_dock)
        self._docks = [d for d in docks if d.isVisible()]
        for dock in self._docks:
            dock.hide()
        self.closed = True

    def open(self) -> None:
        """Show everything as the document has it (the debrief, or leaving drill mode)."""
        if not self.closed:
            return
        window, doc = self.window, self.window.editor.doc
        for node in doc.nodes:
            item = window.scene.nodes.get(node.id)
            if item is not None:
                item.setVisible(True)
                item.set_text(node.name, node_caption(doc, node))
        for item in window.scene.edges.values():
            item.setVisible(True)
        for dock in self._docks:
            dock.show()
        self._docks = []
        self.closed = False
