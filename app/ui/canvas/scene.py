"""The scene: keeps the model-id -> item map and follows document events (the mouse and
keyboard: ``interactions``)."""

from __future__ import annotations

from PySide6.QtCore import QDeadlineTimer, QPointF, QRectF, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsLineItem

from app.model.document import Sop
from app.model.events import ChangeBatch, ModelEvent
from app.ui.canvas.edge_item import EdgeItem
from app.ui.canvas.interactions import NODE_KIND_MIME, SPACING, CanvasGestures
from app.ui.canvas.items import GRID, NodeItem
from app.ui.canvas.routes import Routes
from app.ui.editor import DocumentEditor
from app.ui.preferences import PAPER
from exporters.content import node_caption

ROUTING_SLICE_MS = 25
"""Routing left for idle moments runs in slices this long, so the canvas stays responsive."""
BULK_CHANGES = 24
"""More node moves or connections than this in one turn of the event loop (auto-layout,
its undo, a large paste, a drag of many nodes) are routed together once the turn is over."""

__all__ = ["NODE_KIND_MIME", "SPACING", "SopScene"]  # the first two: from interactions


class SopScene(CanvasGestures):
    """Items are created, updated and removed only in answer to the editor's change batches
    (the document's events of one finished edit, replayed in order)."""

    message = Signal(str)  # feedback for the status bar (refused connections...)
    armed = Signal(str)
    """The palette kind the next click on the canvas places ('' once none is)."""
    routed = Signal()
    """Every connection left for idle moments is routed now."""

    def __init__(self, editor: DocumentEditor) -> None:
        super().__init__()
        self.editor = editor
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        # node id -> ids of its edges, and edge id -> (source, target): rerouting after a
        # move touches the node's own edges, never the whole list.
        self._incident: dict[str, set[str]] = {}
        self._ends: dict[str, tuple[str, str]] = {}
        self._kinds: dict[str, str] = {}
        self._between: dict[tuple[str, str], set[str]] = {}  # (source, target) -> edge ids
        self._routes = Routes(self)
        self._unrouted: set[str] = set()  # drawn straight for now, routed when idle
        self._changes_now = 0  # changes in this turn of the event loop
        self._everything_stale = False  # so many that every edge is routed when idle
        self._idle_routing = QTimer(self, singleShot=True, interval=0)
        self._idle_routing.timeout.connect(self._route_when_idle)
        self._last_rect: dict[str, QRectF] = {}  # where each node stood when last routed around
        self._badged: set[str] = set()  # ids whose items may carry a problem badge
        self._pending_kind: str | None = None
        self.locked = False
        self.grid = GRID
        """The step dragged nodes snap to (0: no snapping); a preference."""
        self._syncing = False
        self._connect_from: NodeItem | None = None
        self._rubber: QGraphicsLineItem | None = None
        self._press_positions: dict[str, QPointF] = {}
        self._live: str | None = None
        """What is moving nodes before the move is recorded: "mouse" (a drag), "keys"."""
        self.setBackgroundBrush(QColor(PAPER))
        self.setSceneRect(-2000, -2000, 8000, 6000)
        editor.documentReplaced.connect(self.rebuild)
        editor.changed.connect(self.follow)
        self.rebuild(editor.doc)

    @property
    def doc(self) -> Sop:
        return self.editor.doc

    @property
    def pending_kind(self) -> str | None:
        """The node kind chosen in the palette, placed by the next click on the canvas."""
        return self._pending_kind

    @pending_kind.setter
    def pending_kind(self, kind: str | None) -> None:
        if kind != self._pending_kind:
            self._pending_kind = kind
            self.armed.emit(kind or "")

    # -- following the document --------------------------------------------------------

    def rebuild(self, doc: Sop) -> None:
        self.clear()
        self.nodes.clear()
        self.edges.clear()
        self._incident.clear()
        self._ends.clear()
        self._kinds.clear()
        self._between.clear()
        self._routes = Routes(self)
        self._unrouted.clear()
        self._last_rect.clear()
        self._badged.clear()
        for node in doc.nodes:
            self._add_node_item(node.id)
        # Routes ask Qt's index which nodes are near: let it index them once, not once
        # for every time a far node grows the scene.
        if self.nodes:
            self.setSceneRect(
                self.sceneRect().united(self.itemsBoundingRect().adjusted(-400, -400, 400, 400))
            )
        for edge in doc.edges:  # all known first, so that each is routed once
            self._add_edge_item(edge.id, route=False)
        for edge_id in self.edges:
            self._route(edge_id)
        self._changes_now, self._everything_stale = 0, False  # all of it is routed

    def follow(self, batch: ChangeBatch) -> None:
        """Bring the items up to date with one finished edit.

        The events are replayed in order against the document as it is now, after all of
        them: an element added and removed again within the batch (an undo view's jump
        over several steps) is skipped, and one changed and then removed has no item left.
        """
        for event in batch.events:
            self.on_event(event)
        for event in batch.events:  # one whose end was renamed later in the batch: now
            if event.change == "edge-added":
                self._on_edge_added(event)

    def on_event(self, event: ModelEvent) -> None:
        handler = {
            "node-added": self._on_node_added,
            "node-removed": self._on_node_removed,
            "node-changed": self._on_node_changed,
            "node-moved": self._on_node_moved,
            "node-renamed": self._on_node_renamed,
            "edge-added": self._on_edge_added,
            "edge-removed": self._on_edge_removed,
            "edge-changed": self._on_edge_changed,
            "document-changed": self._on_document_changed,
        }[event.change]
        handler(event)

    def _add_node_item(self, node_id: str) -> None:
        node = self.doc.node(node_id)
        item = NodeItem(node_id, node.kind)
        item.setData(0, node_id)
        item.set_text(node.name, node_caption(self.doc, node))
        item.set_note(node.note)
        self.addItem(item)
        self.nodes[node_id] = item
        self._place(node_id)

    def _place(self, node_id: str) -> None:
        position = self.doc.layout.get(node_id)
        item = self.nodes[node_id]
        before = self._last_rect.get(node_id)
        self._syncing = True
        item.place(position.x if position else 0, position.y if position else 0)
        self._syncing = False
        self._routes.track(item)  # placing it where it already stood moved nothing
        self._reroute(node_id, before)

    def _add_edge_item(self, edge_id: str, route: bool = True) -> None:
        edge = self.doc.edge(edge_id)
        item = EdgeItem(edge_id, edge.kind)
        item.setData(0, edge_id)
        self.addItem(item)
        self.edges[edge_id] = item
        self._ends[edge_id] = (edge.source, edge.target)
        self._kinds[edge_id] = edge.kind
        self._between.setdefault((edge.source, edge.target), set()).add(edge_id)
        self._incident.setdefault(edge.source, set()).add(edge_id)
        self._incident.setdefault(edge.target, set()).add(edge_id)
        if route and self._in_bulk():
            self._straight(edge_id)
        elif route:
            self._route_pair(edge.source, edge.target)  # this edge, and any going back
            # Its ends' other routed connections may now leave by a side it uses.
            for end in (edge.source, edge.target):
                for other in self._incident.get(end, ()):
                    if other != edge_id and len(self.edges[other].points()) > 2:
                        self._route(other)

    def _route(self, edge_id: str, now: bool = False) -> None:
        """Route the edge at once when that is quick (a straight line, or a route of at
        most three segments among a few nodes); else draw it straight and route it when
        the canvas is idle (``now``: route it fully here), so that an edit or a drag never
        waits for the grid search."""
        source_id, target_id = self._ends[edge_id]
        source, target = self.nodes[source_id], self.nodes[target_id]
        others = (self._meeting(source_id, edge_id), self._meeting(target_id, edge_id))
        back = self._is_back(edge_id)
        points = self._routes.choose(
            edge_id, source, target, back, others, quick=not now, search=now
        )
        if points is None:
            self._straight(edge_id)
            self._unrouted.add(edge_id)
            self._idle_routing.start()
        else:
            self._unrouted.discard(edge_id)
            self.edges[edge_id].set_route(points)

    def _route_when_idle(self, slice_ms: int = ROUTING_SLICE_MS) -> None:
        """Route what waits, ``slice_ms`` at a time (then the canvas answers input again
        before the next slice); after many changes at once, everything, the quick routes
        first."""
        self._changes_now = 0
        if self._everything_stale:
            # Many nodes moved in one go (auto-layout, its undo, a large paste): every
            # connection is drawn straight now and routed once in the next slices, rather
            # than each again after every node.
            self._everything_stale = False
            self._routes.forget_all()
            for edge_id in self.edges:
                self._straight(edge_id)
            self._unrouted = set(self.edges)
            self._idle_routing.start()
            return
        deadline = QDeadlineTimer(slice_ms)
        for edge_id in sorted(self._unrouted):
            if deadline.hasExpired():
                self._idle_routing.start()
                return
            self._unrouted.discard(edge_id)
            if edge_id in self.edges:
                self._route(edge_id, now=True)
        if not self.routing_pending():
            self.routed.emit()

    def routing_pending(self) -> bool:
        """Whether some connections are drawn straight for now, to be routed when idle."""
        return bool(self._unrouted) or self._everything_stale

    def route_now(self) -> None:
        """Route at once what waits for an idle moment (pictures, prints, tests)."""
        self._idle_routing.stop()
        while self.routing_pending():
            self._route_when_idle(slice_ms=-1)  # -1: no deadline
        self._idle_routing.stop()

    def _in_bulk(self) -> bool:
        """Count a change of this turn of the event loop; True once there have been so
        many that routing is better done once, for everything, when the turn is over."""
        self._changes_now += 1
        self._idle_routing.start()
        if self._changes_now > BULK_CHANGES:
            self._everything_stale = True
        return self._everything_stale

    def _straight(self, edge_id: str) -> None:
        """A straight line between the edge's nodes until it is routed (in bulk changes)."""
        source_id, target_id = self._ends[edge_id]
        source, target = self.nodes[source_id], self.nodes[target_id]
        a, b = source.boundary_point(target.pos()), target.boundary_point(source.pos())
        self.edges[edge_id].set_route([(a.x(), a.y()), (b.x(), b.y())])

    def _meeting(self, node_id: str, but: str) -> list[tuple[float, float]]:
        """Where the node's other connections (routed so far) meet it."""
        points = []
        for edge_id in self._incident.get(node_id, ()):
            item = self.edges.get(edge_id)
            if edge_id == but or item is None or item.ends is None:
                continue
            points.append(item.ends[0] if self._ends[edge_id][0] == node_id else item.ends[1])
        return points

    def _is_back(self, edge_id: str) -> bool:
        """A reject path, or the later of two other edges joining two nodes both ways:
        drawn around, so that it never lies on the edge it returns along."""
        if self._kinds[edge_id] == "reject":
            return True
        source, target = self._ends[edge_id]
        return any(
            self._kinds[other] != "reject" and other < edge_id
            for other in self._between.get((target, source), ())
        )

    def _route_pair(self, source: str, target: str) -> None:
        """Route again the edges joining two nodes (either way): whether one is a back
        edge depends on the others."""
        for key in ((source, target), (target, source)):
            for edge_id in self._between.get(key, ()):
                self._route(edge_id)

    def _reroute(self, node_id: str, before: QRectF | None = None) -> None:
        """Route again the node's own edges, and those running near where it is now (one
        may pass under it) or was (one may go straight again)."""
        item = self.nodes[node_id]
        if self._in_bulk():
            return  # routed with everything else when the turn is over
        near = set(self._incident.get(node_id, ()))
        if self.edges:
            near.update(self._routes.edges_near(item.scene_rect()))
            if before is not None:
                near.update(self._routes.edges_near(before))
        for edge_id in near:
            if edge_id in self.edges:
                self._route(edge_id)

    def _on_node_added(self, event: ModelEvent) -> None:
        node_id = event.ids[0]
        if node_id not in self.nodes and self.doc.has_node(node_id):
            self._add_node_item(node_id)

    def _on_node_removed(self, event: ModelEvent) -> None:
        item = self.nodes.pop(event.ids[0], None)
        self._incident.pop(event.ids[0], None)  # its edges went first, with their own event
        if item is not None:
            where = item.scene_rect()
            self._routes.untrack(item)
            self._last_rect.pop(event.ids[0], None)
            self.removeItem(item)
            if self._in_bulk():
                return
            for edge_id in self._routes.edges_near(where):  # some may go straight again
                self._route(edge_id)

    def _on_node_changed(self, event: ModelEvent) -> None:
        item = self.nodes.get(event.ids[0])
        if item is not None and self.doc.has_node(event.ids[0]):
            node = self.doc.node(event.ids[0])
            item.set_text(node.name, node_caption(self.doc, node))
            item.set_note(node.note)

    def _on_node_moved(self, event: ModelEvent) -> None:
        if event.ids[0] in self.nodes and self.doc.has_node(event.ids[0]):
            self._place(event.ids[0])

    def _on_node_renamed(self, event: ModelEvent) -> None:
        old, new = event.ids
        if old not in self.nodes:
            return
        item = self.nodes.pop(old)
        item.node_id = new
        item.setData(0, new)
        self.nodes[new] = item
        edge_ids = self._incident.pop(old, set())
        self._incident[new] = edge_ids
        for edge_id in edge_ids:
            source, target = self._ends[edge_id]
            self._between.get((source, target), set()).discard(edge_id)
            source, target = (new if source == old else source, new if target == old else target)
            self._ends[edge_id] = (source, target)
            self._between.setdefault((source, target), set()).add(edge_id)
        if old in self._last_rect:
            self._last_rect[new] = self._last_rect.pop(old)
        if old in self._badged:
            self._badged.add(new)

    def _on_edge_added(self, event: ModelEvent) -> None:
        edge_id = event.ids[0]
        if edge_id not in self.edges and self.doc.has_edge(edge_id):
            edge = self.doc.edge(edge_id)
            if edge.source in self.nodes and edge.target in self.nodes:
                self._add_edge_item(edge_id)

    def _on_edge_removed(self, event: ModelEvent) -> None:
        for edge_id in event.ids:
            item = self.edges.pop(edge_id, None)
            ends = self._ends.pop(edge_id, None)
            self._kinds.pop(edge_id, None)
            self._routes.forget(edge_id)
            if ends is not None:
                for end in ends:
                    self._incident.get(end, set()).discard(edge_id)
                self._between.get(ends, set()).discard(edge_id)
            if item is not None:
                self.removeItem(item)
            if ends is not None and all(end in self.nodes for end in ends) and not self._in_bulk():
                self._route_pair(*ends)

    def _on_edge_changed(self, event: ModelEvent) -> None:
        if event.ids[0] not in self.edges or not self.doc.has_edge(event.ids[0]):
            return
        edge = self.doc.edge(event.ids[0])
        self.edges[edge.id].set_kind(edge.kind)
        self._kinds[edge.id] = edge.kind
        self._route_pair(edge.source, edge.target)

    def _on_document_changed(self, event: ModelEvent) -> None:
        for node in self.doc.nodes:  # roles and metrics appear in captions
            item = self.nodes.get(node.id)
            if item is not None:
                item.set_text(node.name, node_caption(self.doc, node))

    # -- live feedback from items ------------------------------------------------------

    def node_moved(self, item: NodeItem) -> None:
        self._routes.track(item)
        if not self._syncing:
            self._reroute(item.node_id, self._last_rect.get(item.node_id))
        self._last_rect[item.node_id] = item.scene_rect()
        self._make_room(item)

    def _make_room(self, item: NodeItem) -> None:
        """Grow the scene past a node placed or moved beyond it, so it can be scrolled to."""
        room = self.sceneRect()
        box = item.sceneBoundingRect()
        if not room.contains(box):
            self.setSceneRect(room.united(box.adjusted(-400, -400, 400, 400)))

    def set_problems(self, by_element: dict[str, tuple[str, str]]) -> None:
        """Badges: element id -> (worst severity, first message); others are cleared.

        Only the elements badged before or now are visited, not every item.
        """
        for element_id in self._badged | by_element.keys():
            severity, message = by_element.get(element_id, (None, ""))
            node = self.nodes.get(element_id)
            if node is not None:
                if node.problem != severity:
                    node.set_problem(severity, message)
                continue
            edge = self.edges.get(element_id)
            if edge is not None and edge.problem != severity:
                edge.set_problem(severity)
        self._badged = set(by_element)

    def selected_ids(self) -> list[str]:
        return [item.data(0) for item in self.selectedItems() if item.data(0)]

    def select_none(self) -> None:
        """Nothing selected and no palette kind waiting for its click: the inspector then
        shows the SOP's own settings."""
        self.pending_kind = None
        self.clearSelection()

    def select_ids(self, ids: list[str]) -> None:
        self.clearSelection()
        for element_id in ids:
            item = self.nodes.get(element_id) or self.edges.get(element_id)
            if item is not None:
                item.setSelected(True)
