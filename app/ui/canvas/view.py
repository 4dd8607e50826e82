"""The view: zoom (wheel with Ctrl, pinch, keys), pan (middle button, space-drag), fit."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.ui.canvas.scene import SopScene

MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
NUDGES = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
"""Arrow keys move the selected nodes by a grid step (ten with Shift)."""


class SopView(QGraphicsView):
    zoomChanged = Signal(float)

    def __init__(self, scene: SopScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setAccessibleName("SOP canvas")
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._space = False
        self._panning = False
        self._last = None

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        scale = factor / self.zoom()
        self.scale(scale, scale)
        self.zoomChanged.emit(self.zoom())

    def zoom_by(self, step: float) -> None:
        self.set_zoom(self.zoom() * step)

    def fit(self) -> None:
        bounds = self.scene().itemsBoundingRect().adjusted(-60, -60, 60, 60)
        if bounds.isEmpty():
            return
        self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.5:
            self.set_zoom(1.5)
        self.zoomChanged.emit(self.zoom())

    def centre_on(self, element_id: str) -> None:
        scene: SopScene = self.scene()  # type: ignore[assignment]
        item = scene.nodes.get(element_id) or scene.edges.get(element_id)
        if item is not None:
            self.centerOn(item)

    # -- input -------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
            event.accept()
            return
        super().wheelEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)  # type: ignore[attr-defined]
            if pinch is not None:
                self.zoom_by(pinch.scaleFactor())
                return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            return
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            self.scene().select_none()  # type: ignore[attr-defined]
            return
        nudge = NUDGES.get(event.key())  # type: ignore[call-overload]
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if nudge is not None and modifiers in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        ):
            steps = 10 if modifiers == Qt.KeyboardModifier.ShiftModifier else 1
            moved = self.scene().nudge(nudge[0] * steps, nudge[1] * steps)  # type: ignore[attr-defined]
            if moved is not None:
                self.ensureVisible(moved, 20, 20)
                return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            return
        if event.key() in NUDGES and not event.isAutoRepeat():
            self.scene().end_nudge()  # type: ignore[attr-defined]  # one move per held key
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        scene = self.scene()
        if scene is not None:  # None while the window is torn down
            scene.end_nudge()  # type: ignore[attr-defined]  # the key is released elsewhere
        super().focusOutEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning, self._last = True, event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning and self._last is not None:
            delta = event.position() - self._last
            self._last = event.position()
            self.horizontalScrollBar().setValue(int(self.horizontalScrollBar().value() - delta.x()))
            self.verticalScrollBar().setValue(int(self.verticalScrollBar().value() - delta.y()))
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._panning:
            self._panning = False
            self.unsetCursor()
            return
        super().mouseReleaseEvent(event)


class Overview(QGraphicsView):
    """A minimap of the same scene; clicking centres the main view there."""

    def __init__(self, scene: SopScene, main: SopView, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.main = main
        self.setInteractive(False)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Overview of the canvas")
        # A bound method, not a lambda: Qt drops the connection when this view is deleted,
        # while the scene (owned by the window's Python object) may live on and change.
        scene.changed.connect(self._scene_changed)

    def _scene_changed(self, _regions: object) -> None:
        self.refit()

    def refit(self) -> None:
        bounds = self.scene().itemsBoundingRect().adjusted(-40, -40, 40, 40)
        if not bounds.isEmpty():
            self.fitInView(bounds, Qt.AspectRatioMode.KeepAspectRatio)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.main.centerOn(self.mapToScene(event.position().toPoint()))
