"""The view: zoom about a point (wheel with Ctrl, pinch, keys), pan, fit, the opening view."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.model.document import Sop
from app.ui.canvas.scene import SopScene

MIN_ZOOM, MAX_ZOOM = 0.1, 4.0
LEGIBLE_ZOOM = 0.6
"""The least zoom at which a node's name can be read: documents open at no less, and an
element chosen in the Outline, Find or Problems is shown at no less."""
FIT_MARGIN = 40.0
"""Scene pixels kept around what a fit shows."""
NUDGES = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
"""Arrow keys move the selected nodes by a grid step (ten with Shift)."""
EMPTY_HINT = (
    "An empty SOP. To start:\n"
    "click a kind in the Palette, then click here (or drag it in),\n"
    "or press Ctrl+1 for a stage, Ctrl+2 for a gate;\n"
    "drag from a node's right-hand handle to connect it (Ctrl+K).\n"
    "File › New from template… opens a ready-made SOP."
)
HINT_COLOUR = "#475569"


def first_stage(doc: Sop) -> str | None:
    """Where a reader starts: the first stage no promote edge leads to (else the first
    stage, else the first node)."""
    promoted = {edge.target for edge in doc.edges if edge.kind == "promote"}
    stages = doc.nodes_of_kind("stage")
    for stage in stages:
        if stage.id not in promoted:
            return stage.id
    if stages:
        return stages[0].id
    return doc.nodes[0].id if doc.nodes else None


class SopView(QGraphicsView):
    zoomChanged = Signal(float)
    visibleAreaChanged = Signal()
    """The part of the scene on screen moved, grew or shrank (the overview draws it)."""

    def __init__(self, scene: SopScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        # Zooming anchors itself (zoom_at): Qt's anchors round through integer mouse
        # positions and let a keyboard zoom drift with wherever the pointer last was.
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setAccessibleName("SOP canvas")
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._space = False
        self._panning = False
        self._last = None
        self._opening: str | None = None
        """Set from opening a document until the user first moves the view: a resize (the
        window being shown or maximised) then applies the opening view again."""
        self._empty = not scene.nodes
        self._last_anchor: tuple[QPointF, QPointF, tuple[int, int]] | None = None
        scene.sceneRectChanged.connect(lambda _rect: self._update_room())
        scene.changed.connect(self._scene_changed)
        self._update_room()

    # -- zoom --------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, factor: float) -> None:
        """Zoom to ``factor`` about the view's centre."""
        self.zoom_at(factor, self.viewport_centre())

    def zoom_by(self, step: float) -> None:
        """Zoom by ``step`` about the view's centre (the keyboard's zoom)."""
        self.zoom_at(self.zoom() * step, self.viewport_centre())

    def zoom_at(self, factor: float, anchor: QPointF) -> None:
        """Zoom to ``factor``, keeping the scene point under the viewport point ``anchor``."""
        self._opening = None
        self._zoom_about(factor, anchor)

    def _zoom_about(self, factor: float, anchor: QPointF) -> None:
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        # Scrolling is in whole pixels: zooming again about the same point reuses the exact
        # scene point, so that the half pixels lost to rounding do not add up step by step.
        scrolled = (self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        last = self._last_anchor
        if last is not None and last[0] == anchor and last[2] == scrolled:
            target = last[1]
        else:
            target = self.scene_at(anchor)
        self.setTransform(QTransform.fromScale(factor, factor))
        self._update_room()
        self.put(target, anchor)
        scrolled = (self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        self._last_anchor = (QPointF(anchor), target, scrolled)
        self.zoomChanged.emit(self.zoom())
        self.visibleAreaChanged.emit()

    def viewport_centre(self) -> QPointF:
        return QRectF(self.viewport().rect()).center()

    def scene_at(self, point: QPointF) -> QPointF:
        """The scene point under the viewport point ``point`` (fractions kept)."""
        return self.viewportTransform().inverted()[0].map(point)

    def put(self, scene_point: QPointF, viewport_point: QPointF) -> None:
        """Scroll so that ``scene_point`` lies under ``viewport_point``."""
        here = self.viewportTransform().map(scene_point)
        for bar, delta in (
            (self.horizontalScrollBar(), here.x() - viewport_point.x()),
            (self.verticalScrollBar(), here.y() - viewport_point.y()),
        ):
            bar.setValue(bar.value() + round(delta))

    def _update_room(self) -> None:
        """Scroll room of a whole viewport past the scene on every side, at this zoom: any
        scene point can then be brought under any viewport pixel (zooming about the
        pointer near an edge, centring a corner node) and the view never snaps to centre
        a scene smaller than itself."""
        zoom = self.zoom() or 1.0
        width = self.viewport().width() / zoom
        height = self.viewport().height() / zoom
        scene = self.scene()
        if scene is None:
            return
        room = scene.sceneRect().adjusted(-width, -height, width, height)
        if room != self.sceneRect():
            self.setSceneRect(room)

    def fit(self) -> None:
        """Fit the whole diagram (Ctrl+9), at 150% at most."""
        self._opening = None
        self._fit_rect(self._diagram_rect(), 1.5)

    def zoom_to_selection(self) -> bool:
        """Fit the selected elements (View › Zoom to selection); False when none is selected."""
        items = self.scene().selectedItems()
        if not items:
            return False
        bounds = QRectF()
        for item in items:
            bounds = bounds.united(_element_rect(item))
        self._opening = None
        self._fit_rect(bounds.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN), 2.0)
        return True

    def _fit_rect(self, bounds: QRectF, most: float) -> None:
        if bounds.isEmpty():
            return
        self._zoom_about(min(self._fit_zoom(bounds), most), self.viewport_centre())
        self.put(bounds.center(), self.viewport_centre())

    def _fit_zoom(self, bounds: QRectF) -> float:
        viewport = self.viewport().rect()
        return min(viewport.width() / bounds.width(), viewport.height() / bounds.height())

    def _diagram_rect(self) -> QRectF:
        scene: SopScene = self.scene()  # type: ignore[assignment]
        bounds = QRectF()
        for item in scene.nodes.values():
            bounds = bounds.united(item.sceneBoundingRect())
        for edge in scene.edges.values():
            bounds = bounds.united(_element_rect(edge))
        if bounds.isEmpty():
            return bounds
        return bounds.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)

    # -- the opening view and showing one element ----------------------------------------

    def open_document(self, doc: Sop) -> None:
        """The view a document opens with: the whole diagram when it fits at a legible
        zoom (at 100% at most), else the legible zoom centred on the first stage, as far
        as the diagram reaches; a blank document at 100% about the origin."""
        self._opening = first_stage(doc) or ""
        self._apply_opening()

    def _apply_opening(self) -> None:
        scene: SopScene = self.scene()  # type: ignore[assignment]
        bounds = self._diagram_rect()
        if bounds.isEmpty():
            self._zoom_about(1.0, self.viewport_centre())
            self.put(QPointF(0, 0), self.viewport_centre())
            return
        zoom = max(LEGIBLE_ZOOM, min(1.0, self._fit_zoom(bounds)))
        self._zoom_about(zoom, self.viewport_centre())
        start = scene.nodes.get(self._opening or "")
        focus = start.scenePos() if start is not None else bounds.center()
        half_width = self.viewport().width() / zoom / 2
        half_height = self.viewport().height() / zoom / 2
        centre = QPointF(
            _within(focus.x(), bounds.left() + half_width, bounds.right() - half_width),
            _within(focus.y(), bounds.top() + half_height, bounds.bottom() - half_height),
        )
        self.put(centre, self.viewport_centre())

    def show_element(self, element_id: str) -> None:
        """Bring an element to the view's centre, at a legible zoom at least."""
        scene: SopScene = self.scene()  # type: ignore[assignment]
        item = scene.nodes.get(element_id) or scene.edges.get(element_id)
        if item is None:
            return
        self._opening = None
        if self.zoom() < LEGIBLE_ZOOM:
            self._zoom_about(LEGIBLE_ZOOM, self.viewport_centre())
        self.put(_element_rect(item).center(), self.viewport_centre())
        self.visibleAreaChanged.emit()

    centre_on = show_element

    def visible_scene_rect(self) -> QRectF:
        """The part of the scene the viewport shows."""
        return self.viewportTransform().inverted()[0].mapRect(QRectF(self.viewport().rect()))

    # -- painting ----------------------------------------------------------------------

    def _scene_changed(self, _regions: object) -> None:
        empty = not self.scene().nodes  # type: ignore[attr-defined]
        if empty != self._empty:
            self._empty = empty
            self.viewport().update()  # the hint is drawn over the whole view, not a region

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self._empty:
            return
        painter.save()
        painter.resetTransform()  # the hint stays put in the viewport while the scene scrolls
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.setPen(QColor(HINT_COLOUR))
        painter.drawText(
            QRectF(self.viewport().rect()).adjusted(24, 24, -24, -24),
            int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
            EMPTY_HINT,
        )
        painter.restore()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        if self._empty:
            self.viewport().update()  # scrolling blits the old pixels, hint included
        self.visibleAreaChanged.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_room()
        if self._opening is not None:
            self._apply_opening()
        self.visibleAreaChanged.emit()

    # -- input -------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.zoom_at(self.zoom() * step, event.position())
            event.accept()
            return
        self._opening = None
        super().wheelEvent(event)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)  # type: ignore[attr-defined]
            if pinch is not None:
                anchor = QPointF(self.viewport().mapFromGlobal(pinch.centerPoint().toPoint()))
                self.zoom_at(self.zoom() * pinch.scaleFactor(), anchor)
                return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._opening = None
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
        self._opening = None
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

    def pan_to(self, scene_point: QPointF) -> None:
        """Centre the view on ``scene_point`` (the overview's click or drag)."""
        self._opening = None
        self.put(scene_point, self.viewport_centre())


def _element_rect(item: object) -> QRectF:
    """The scene rectangle of an item's outline (its bounding rect leans right, for the
    problem badge); for a connection without one, its path's."""
    rect = item.mapRectToScene(item.shape().boundingRect())  # type: ignore[attr-defined]
    if rect.isEmpty() and hasattr(item, "path"):
        rect = item.mapRectToScene(item.path().controlPointRect())  # type: ignore[attr-defined]
    return rect


def _within(value: float, low: float, high: float) -> float:
    """``value`` kept in [low, high]; the middle of the two when they cross."""
    if low > high:
        return (low + high) / 2
    return max(low, min(high, value))
