"""The designer's main window (a first version: opens a document and shows its graph)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsView,
    QMainWindow,
    QMessageBox,
)

from app import __version__
from app.fileio import InputError
from app.model.document import Sop
from app.model.io import load_document

_FILL = {
    "stage": "#dbeafe",
    "gate": "#fef3c7",
    "trigger": "#fee2e2",
    "action": "#ede9fe",
    "check": "#dcfce7",
}


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene, self)
        self.view.setRenderHint(self.view.renderHints().Antialiasing, True)
        self.setCentralWidget(self.view)
        self.resize(1200, 760)
        self.setWindowTitle(f"Gatewright {__version__}")
        self.statusBar().showMessage("Open an SOP with `gatewright gui FILE`")
        self.document: Sop | None = None

    def open_path(self, path: str) -> None:
        try:
            doc = load_document(path)
        except InputError as error:
            QMessageBox.warning(self, "Cannot open SOP", str(error))
            return
        self.show_document(doc)
        self.setWindowTitle(f"{doc.title} - Gatewright")
        self.statusBar().showMessage(f"{path}: {len(doc.nodes)} nodes, {len(doc.edges)} edges")

    def show_document(self, doc: Sop) -> None:
        self.document = doc
        self.scene.clear()
        centres = {}
        for node in doc.nodes:
            position = doc.layout.get(node.id)
            x, y = (position.x, position.y) if position else (0, 0)
            centres[node.id] = (x, y)
        pen = QPen(QColor("#475569"), 1.5)
        for edge in doc.edges:
            (x1, y1), (x2, y2) = centres[edge.source], centres[edge.target]
            line_pen = QPen(pen)
            if edge.kind != "promote":
                line_pen.setStyle(Qt.PenStyle.DashLine)
                line_pen.setColor(QColor("#d97706" if edge.kind == "reject" else "#dc2626"))
            self.scene.addLine(x1, y1, x2, y2, line_pen)
        for node in doc.nodes:
            x, y = centres[node.id]
            rect = QRectF(x - 70, y - 28, 140, 56)
            path = QPainterPath()
            if node.kind == "gate":
                path.moveTo(x, y - 34)
                path.lineTo(x + 74, y)
                path.lineTo(x, y + 34)
                path.lineTo(x - 74, y)
                path.closeSubpath()
            else:
                path.addRoundedRect(rect, 10, 10)
            self.scene.addPath(path, pen, QBrush(QColor(_FILL[node.kind])))
            label = self.scene.addText(node.name)
            label.setTextWidth(130)
            bounds = label.boundingRect()
            label.setPos(x - bounds.width() / 2, y - bounds.height() / 2)
        self.fit_to_view()

    def fit_to_view(self) -> None:
        bounds = self.scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
        self.view.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.fit_to_view()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self.fit_to_view()
