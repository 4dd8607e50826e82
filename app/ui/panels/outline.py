"""A keyboard-navigable outline of the SOP: the accessible way around the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.model.document import Sop

GROUPS = (
    ("stage", "Stages"),
    ("gate", "Gates"),
    ("trigger", "Triggers"),
    ("action", "Actions"),
    ("check", "Checks"),
)


class OutlinePanel(QTreeWidget):
    elementChosen = Signal(str)
    documentChosen = Signal()
    """The first row, the SOP itself: its title, roles, metrics and tiers in the inspector."""

    def __init__(self) -> None:
        super().__init__()
        self.setHeaderLabels(["Element", "Id"])
        self.setAccessibleName("SOP outline")
        self.document_item: QTreeWidgetItem | None = None
        self.itemSelectionChanged.connect(self._chosen)

    def show_document(self, doc: Sop) -> None:
        selected = (
            self.currentItem().data(0, Qt.ItemDataRole.UserRole) if self.currentItem() else None
        )
        self.blockSignals(True)
        self.clear()
        self.document_item = QTreeWidgetItem([doc.title or "Untitled SOP", "SOP settings"])
        self.document_item.setToolTip(0, "The SOP's title, roles, metrics and tiers")
        self.addTopLevelItem(self.document_item)
        for kind, title in GROUPS:
            nodes = doc.nodes_of_kind(kind)
            group = QTreeWidgetItem([f"{title} ({len(nodes)})", ""])
            self.addTopLevelItem(group)
            for node in nodes:
                item = QTreeWidgetItem([node.name, node.id])
                item.setData(0, Qt.ItemDataRole.UserRole, node.id)
                group.addChild(item)
                for criterion in getattr(node, "criteria", []) if kind in ("gate", "check") else []:
                    child = QTreeWidgetItem([criterion.name or criterion.id, criterion.id])
                    child.setData(0, Qt.ItemDataRole.UserRole, node.id)
                    item.addChild(child)
                if node.id == selected:
                    self.setCurrentItem(item)
            group.setExpanded(True)
        self.blockSignals(False)

    def follow(self, ids: list[str]) -> None:
        """Show the canvas selection: its one node becomes the current row (without choosing
        it again); nothing selected, the SOP's own row."""
        if len(ids) > 1:
            return
        wanted = ids[0] if ids else None
        target = self.document_item if not ids else None
        for index in range(self.topLevelItemCount()):
            group = self.topLevelItem(index)
            for row in range(group.childCount()):
                item = group.child(row)
                if wanted is not None and item.data(0, Qt.ItemDataRole.UserRole) == wanted:
                    target = item
        if target is None or target is self.currentItem():
            return
        self.blockSignals(True)
        self.setCurrentItem(target)
        self.blockSignals(False)
        self.scrollToItem(target)

    def _chosen(self) -> None:
        item = self.currentItem()
        if item is not None and item is self.document_item:
            self.documentChosen.emit()
            return
        element = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if element:
            self.elementChosen.emit(element)
