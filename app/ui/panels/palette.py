"""The palette of node kinds: click then click on the canvas, drag onto it, or press Enter."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.ui.canvas.items import outline_path
from app.ui.canvas.scene import NODE_KIND_MIME
from exporters.style import NODE_STYLES

KINDS = ("stage", "gate", "trigger", "action", "check")


def kind_icon(kind: str, size: int = 40) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = outline_path(kind)
    bounds = path.boundingRect()
    scale = (size - 4) / max(bounds.width(), bounds.height())
    painter.translate(size / 2, size / 2)
    painter.scale(scale, scale)
    style = NODE_STYLES[kind]
    painter.setBrush(QColor(style.fill))
    painter.setPen(QColor(style.border))
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)


class Palette(QListWidget):
    kindChosen = Signal(str)
    """A click: the next click on the canvas places a node of this kind."""
    kindInserted = Signal(str)
    """Enter: add a node of this kind at once, where Insert › Stage… would."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Node palette")
        self.setIconSize(QSize(32, 32))
        self.setDragEnabled(True)
        for kind in KINDS:
            item = QListWidgetItem(kind_icon(kind), NODE_STYLES[kind].label)
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setToolTip(
                f"Click, then click on the canvas; or drag onto it; or press Enter ({kind})"
            )
            self.addItem(item)
        self.itemActivated.connect(self._chosen)
        self.itemClicked.connect(self._chosen)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        item = self.currentItem()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and item is not None:
            self.kindInserted.emit(item.data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.kindChosen.emit(item.data(Qt.ItemDataRole.UserRole))

    def show_armed(self, kind: str) -> None:
        """Highlight the entry whose kind the next click on the canvas places, and no
        entry once it is placed (or the choice is dropped): a highlighted entry would say
        that another click places another node."""
        if not kind:
            self.clearSelection()
            self.setCurrentRow(-1)
            return
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == kind:
                self.setCurrentRow(row)

    def startDrag(self, actions) -> None:  # type: ignore[no-untyped-def]
        item = self.currentItem()
        if item is None:
            return
        data = QMimeData()
        data.setData(NODE_KIND_MIME, item.data(Qt.ItemDataRole.UserRole).encode())
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.setPixmap(item.icon().pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)
