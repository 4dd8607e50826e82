"""The Overview: a minimap of the scene with the main view's visible area framed; a click or
a drag there pans the canvas."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.ui.canvas.scene import SopScene
from app.ui.canvas.view import SopView

FRAME_COLOUR = "#2563eb"
FRAME_FILL = QColor(37, 99, 235, 28)
MARGIN = 40.0


class Overview(QGraphicsView):
    """Shows the whole diagram; the frame is the part the canvas shows."""

    def __init__(self, scene: SopScene, main: SopView, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.main = main
        self.setInteractive(False)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The frame moves over still content: repaint the whole minimap, it is small.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Overview of the canvas")
        self.setToolTip("The frame is what the canvas shows: click or drag to move it")
        self._dragging = False
        # Bound methods, not lambdas: Qt drops the connections when this view is deleted,
        # while the scene (owned by the window's Python object) may live on and change.
        scene.changed.connect(self._scene_changed)
        main.visibleAreaChanged.connect(self._main_moved)

    def _scene_changed(self, _regions: object) -> None:
        self.refit()

    def _main_moved(self) -> None:
        self.viewport().update()

    def refit(self) -> None:
        """Show the whole diagram (not the canvas's visible area too: the minimap would
        rescale under a drag)."""
        bounds = self.scene().itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        if not bounds.isEmpty():
            self.setSceneRect(bounds)
            self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refit()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self.main.scene().nodes:  # type: ignore[attr-defined]
            return  # nothing to place the frame against
        frame = self.main.visible_scene_rect()
        pen = QPen(QColor(FRAME_COLOUR), 2)
        pen.setCosmetic(True)  # two screen pixels whatever the minimap's scale
        painter.setPen(pen)
        painter.setBrush(FRAME_FILL)
        painter.drawRect(frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._pan(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging and event.buttons() & Qt.MouseButton.LeftButton:
            self._pan(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = False

    def _pan(self, point: QPointF) -> None:
        self.main.pan_to(self.mapToScene(point.toPoint()))
