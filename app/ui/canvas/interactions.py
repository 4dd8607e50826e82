"""What the mouse and keyboard do on the canvas: pick, connect, place, drag and drop, nudge.

A mixin of the scene (``SopScene``), kept apart from the part that follows the document.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSceneDragDropEvent,
    QGraphicsSceneMouseEvent,
    QMenu,
    QToolTip,
)

from app.model.errors import ModelError
from app.ui.canvas.edge_item import Z_SELECTED_EDGE, EdgeItem
from app.ui.canvas.items import GRID, SIZES, NodeItem
from app.ui.canvas.placing import covers_another, nearest_free_offset
from app.ui.canvas.refusals import refusal

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from app.model.document import Sop
    from app.ui.editor import DocumentEditor

NODE_KIND_MIME = "application/x-gatewright-node-kind"
SPACING = 40.0
"""The clear space kept around a node placed by keyboard."""
PICK_PIXELS = 6.0
"""A click this many screen pixels from a connection picks it, whatever the zoom."""
TIE_PIXELS = 3.0
"""Connections this much (screen pixels) farther from a click than the nearest tie with it."""


def _view_scale(event: QGraphicsSceneMouseEvent) -> float:
    """The zoom of the view the event came through (1 when it came from no view)."""
    viewport = event.widget()
    view = viewport.parentWidget() if viewport is not None else None
    transform = getattr(view, "transform", None)
    return transform().m11() if transform is not None else 1.0


PAST_LIMIT = 200
"""How many more grid steps an arrow key may take a node to get past the nodes in its way."""


def _stepped(value: float, steps: int, step: float) -> float:
    """``value`` moved ``steps`` grid lines along its axis (the first one is the next line
    that way, so a value off the grid lands on it); unchanged for 0 steps."""
    if not steps:
        return value
    if steps > 0:
        return math.floor(value / step) * step + steps * step
    return math.ceil(value / step) * step + steps * step


class CanvasGestures(QGraphicsScene):
    """The scene's answers to the mouse and keyboard (``SopScene`` holds the state)."""

    if TYPE_CHECKING:
        editor: DocumentEditor
        nodes: dict[str, NodeItem]
        grid: int
        locked: bool
        pending_kind: str | None
        message: SignalInstance
        _connect_from: NodeItem | None
        _rubber: QGraphicsLineItem | None
        _press_positions: dict[str, QPointF]
        _live: str | None

        @property
        def doc(self) -> Sop: ...

        def _place(self, node_id: str) -> None: ...

        def select_ids(self, ids: list[str]) -> None: ...

    # -- interactions ------------------------------------------------------------------

    def node_at(self, point: QPointF) -> NodeItem | None:
        """The topmost node whose outline holds ``point`` (its handle aside)."""
        for item in self.items(point):
            if isinstance(item, NodeItem) and item.outline().contains(point - item.pos()):
                return item
        return None

    def handle_at(self, point: QPointF) -> NodeItem | None:
        """The node whose connection handle (the whole circle) is under ``point``: a shown
        handle (the node hovered or selected), or the half inside the node's outline."""
        reach = QRectF(point.x() - 10, point.y() - 10, 20, 20)
        for item in self.items(reach):
            if (
                isinstance(item, NodeItem)
                and item.on_handle(point)
                and (item.handle_shown() or item.outline().contains(point - item.pos()))
            ):
                return item
        return None

    def edge_at(self, point: QPointF, scale: float = 1.0) -> EdgeItem | None:
        """The connection nearest ``point`` within a few screen pixels (at view ``scale``),
        unless a node covers the point: where connections cross or run close, the one
        the click is nearest wins, then the one whose middle is nearest."""
        if self.node_at(point) is not None:
            return None
        reach = max(PICK_PIXELS / max(scale, 1e-6), 5.0)
        box = QRectF(point.x() - reach, point.y() - reach, 2 * reach, 2 * reach)
        near = []
        for item in self.items(box):
            if isinstance(item, EdgeItem):
                distance = item.distance_to(point)
                if distance <= reach:
                    middle = item.midpoint() - point
                    near.append((distance, middle.x() ** 2 + middle.y() ** 2, item.edge_id, item))
        if not near:
            return None
        # A click is never placed to the pixel: within TIE_PIXELS of the nearest, it is a
        # tie, which the connection whose middle is nearest the click wins.
        closest = min(distance for distance, *_rest in near)
        tied = [entry for entry in near if entry[0] <= closest + TIE_PIXELS / max(scale, 1e-6)]
        return min(tied, key=lambda entry: entry[1:3])[3]

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.locked:
            return super().mousePressEvent(event)
        point = event.scenePos()
        if self.pending_kind is not None and self.node_at(point) is None:
            self._place_pending(point)
            event.accept()  # taken: the view starts no rubber band (which clears selection)
            return None
        source = self.handle_at(point)
        if source is not None:
            self._connect_from = source
            self._rubber = self.addLine(
                point.x(),
                point.y(),
                point.x(),
                point.y(),
                QPen(QColor("#2563eb"), 1.5, Qt.PenStyle.DashLine),
            )
            event.accept()
            return None
        self.end_nudge()  # arrow keys moved nodes: record that before a new gesture starts
        edge = self.edge_at(point, _view_scale(event))
        if edge is not None:
            # Qt gives the press to the topmost item under it; make that the one meant.
            edge.setZValue(Z_SELECTED_EDGE + 0.1)
        super().mousePressEvent(event)
        if edge is not None and not edge.isSelected() and self.mouseGrabberItem() is None:
            # Zoomed out, the click may fall outside the edge's band yet within its reach.
            if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.clearSelection()
            edge.setSelected(True)
            event.accept()
        if edge is not None:
            edge.setZValue(Z_SELECTED_EDGE if edge.isSelected() else edge.resting_z())
        self._press_positions = {
            i.node_id: i.pos() for i in self.selectedItems() if isinstance(i, NodeItem)
        }
        self._live = "mouse"
        return None

    def _place_pending(self, point: QPointF) -> None:
        """The click after a palette choice: the palette kind is used up by it."""
        kind, self.pending_kind = self.pending_kind, None
        if kind is not None:
            self.place_new(kind, point)

    def place_new(self, kind: str, point: QPointF) -> str | None:
        """A new ``kind`` node at ``point`` on the grid (or the nearest spot where it covers
        no other), selected; None for a kind the palette does not have."""
        if kind not in SIZES:
            self.message.emit(f"Nothing to place: {kind[:40]!r} is not a kind of node.")
            return None
        step = self.grid or GRID
        x, y = round(point.x() / step) * step, round(point.y() / step) * step
        width, height = SIZES[kind]
        box = QRectF(x - width / 2, y - height / 2, width, height)
        shift = nearest_free_offset(self, [box], set(), step) or (0.0, 0.0)
        node_id = self.editor.add_node(kind, (x + shift[0], y + shift[1]))
        self.select_ids([node_id])
        return node_id

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connect_from is None or self._rubber is None:
            return super().mouseMoveEvent(event)
        start = self._connect_from.pos()
        point = event.scenePos()
        self._rubber.setLine(start.x(), start.y(), point.x(), point.y())
        target = self.node_at(point)
        if target is not None and target is not self._connect_from:
            reason = refusal(self.doc, self._connect_from.node_id, target.node_id)
            colour = "#dc2626" if reason else "#16a34a"
            self._rubber.setPen(QPen(QColor(colour), 2, Qt.PenStyle.DashLine))
            if reason and event.widget() is not None:
                QToolTip.showText(event.screenPos(), reason, event.widget())
            elif event.widget() is not None:
                QToolTip.hideText()
        return None

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._connect_from is not None:
            source, self._connect_from = self._connect_from, None
            if self._rubber is not None:
                self.removeItem(self._rubber)
                self._rubber = None
            QToolTip.hideText()
            target = self.node_at(event.scenePos())
            if target is not None and target is not source:
                self.finish_connection(source.node_id, target.node_id, event.screenPos())
            return None
        super().mouseReleaseEvent(event)
        self.commit_drag()
        return None

    def commit_drag(self) -> None:
        """A drag moved items live; now record the move as one command. Nodes dropped on
        top of others move together to the nearest place where they cover none (or back
        where they started, when there is no such place nearby)."""
        moved = {}
        for node_id in self._press_positions:
            item = self.nodes.get(node_id)
            position = self.doc.layout.get(node_id)
            if item is None:
                continue
            here = (item.pos().x(), item.pos().y())
            if position is None or (position.x, position.y) != here:
                moved[node_id] = here
        mouse = self._live == "mouse"
        self._press_positions = {}
        self._live = None
        if moved and mouse:
            moved = self._clear_of_others(moved)
        if moved:
            self.editor.move(moved)

    def _clear_of_others(
        self, moved: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        boxes = [self.nodes[node_id].scene_rect() for node_id in moved]
        shift = nearest_free_offset(self, boxes, set(moved), self.grid or GRID)
        if shift == (0.0, 0.0) or shift == (0, 0):
            return moved
        if shift is None:  # nowhere free nearby: the nodes go back where they were
            for node_id in moved:
                self._place(node_id)
            self.message.emit("A node cannot be dropped on another; it went back.")
            return {}
        self.message.emit("A node cannot be dropped on another; moved to the nearest free place.")
        return {node_id: (x + shift[0], y + shift[1]) for node_id, (x, y) in moved.items()}

    def finish_connection(self, source: str, target: str, screen_pos: Any = None) -> str | None:
        """Connect, asking for the kind when several fit; a refusal becomes a one-sentence
        message. Afterwards only the target is selected, so the next step goes on from it."""
        kinds = self.editor.connection_kinds(source, target)
        if not kinds:
            self.message.emit(refusal(self.doc, source, target))
            return None
        kind = kinds[0]
        if len(kinds) > 1 and screen_pos is not None:
            chosen = self.choose_kind(kinds, screen_pos)
            if chosen is None:
                return None
            kind = chosen
        try:
            edge_id = self.editor.connect(source, target, kind)
        except ModelError:
            self.message.emit(refusal(self.doc, source, target) or "Cannot connect these nodes.")
            return None
        self.select_ids([target])
        return edge_id

    def choose_kind(self, kinds: list[str], screen_pos: Any) -> str | None:
        """Ask which kind of edge to draw, in a menu at the pointer; None if dismissed."""
        menu = QMenu()
        for option in kinds:
            menu.addAction(option).setData(option)
        chosen = menu.exec(screen_pos.toPoint() if hasattr(screen_pos, "toPoint") else screen_pos)
        return None if chosen is None else chosen.data()

    # -- keyboard ----------------------------------------------------------------------

    def free_spot(self, near: QPointF, kind: str) -> tuple[float, float]:
        """Where a new ``kind`` node goes: on the grid at ``near``, or the first place
        below it where it overlaps no other node."""
        width, height = SIZES[kind]
        step = self.grid or GRID
        x, y = round(near.x() / step) * step, round(near.y() / step) * step
        down = round((height + SPACING) / step) * step
        for _ in range(1000):
            room = QRectF(x - width / 2, y - height / 2, width, height)
            room.adjust(-SPACING / 2, -SPACING / 2, SPACING / 2, SPACING / 2)
            if not any(isinstance(item, NodeItem) for item in self.items(room)):
                break
            y += down
        return float(x), float(y)

    def nudge(self, dx: int, dy: int) -> NodeItem | None:
        """Move the selected nodes by (dx, dy) grid steps, live, as a drag does; the move is
        recorded as one command by ``end_nudge`` once the key is released.

        Each moves along the key's axis only, to the next grid line that way (a node off
        the grid lands on it first); a step that would put one on another node goes on
        past it. Returns a moved node, or None when nothing moves: no node selected,
        editing locked, or a mouse drag under way."""
        items = [item for item in self.selectedItems() if isinstance(item, NodeItem)]
        if not items or self.locked or self._live == "mouse":
            return None
        if self._live is None:
            self._press_positions = {item.node_id: item.pos() for item in items}
            self._live = "keys"
        step = self.grid or 1
        shifts = {
            item: (
                _stepped(item.pos().x(), dx, step) - item.pos().x(),
                _stepped(item.pos().y(), dy, step) - item.pos().y(),
            )
            for item in items
        }
        moving = {item.node_id for item in items}
        boxes = [item.scene_rect() for item in items]
        if not covers_another(self, boxes, moving):
            # Nodes never stand on one another: a step that lands on another node goes on
            # past it, so the keyboard can still take a node anywhere.
            more = (math.copysign(step, dx) if dx else 0.0, math.copysign(step, dy) if dy else 0.0)
            for _ in range(PAST_LIMIT):
                after = [item.scene_rect().translated(*shifts[item]) for item in items]
                if not covers_another(self, after, moving):
                    break
                shifts = {item: (sx + more[0], sy + more[1]) for item, (sx, sy) in shifts.items()}
            else:
                return items[0]  # no free place that way within reach: the nodes stay
        for item, (sx, sy) in shifts.items():
            item.place(item.pos().x() + sx, item.pos().y() + sy)
        return items[0]

    def end_nudge(self) -> None:
        """Record what the arrow keys moved (on the key's release, when focus leaves the
        canvas, before a mouse gesture or a lock); nothing when they moved nothing."""
        if self._live == "keys":
            self.commit_drag()

    # -- palette drops -----------------------------------------------------------------

    def dragEnterEvent(self, event: QGraphicsSceneDragDropEvent) -> None:
        if event.mimeData().hasFormat(NODE_KIND_MIME) and not self.locked:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QGraphicsSceneDragDropEvent) -> None:
        if event.mimeData().hasFormat(NODE_KIND_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QGraphicsSceneDragDropEvent) -> None:
        data = event.mimeData()
        if data.hasFormat(NODE_KIND_MIME) and not self.locked:
            kind = bytes(data.data(NODE_KIND_MIME)).decode("utf-8", "replace")
            self.place_new(kind, event.scenePos())
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
