"""The one door through which every edit passes: checks first, then an undoable command."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.model.catalog import Position
from app.model.connections import can_connect, connection_options
from app.model.document import Sop
from app.model.edges import Edge, endpoints_allowed
from app.model.errors import IllegalConnectionError, InvalidValueError, UnknownNodeError
from app.model.nodes import NODE_CLASSES
from app.spec.types import check_number, check_slug
from app.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    MoveCommand,
    RemoveNodeCommand,
    RenameNodeCommand,
    SetDocumentFieldCommand,
    SetFieldCommand,
)
from app.ui.labels import described, undo_text

DEFAULT_NAMES = {
    "stage": "Stage",
    "gate": "Gate",
    "trigger": "Trigger",
    "action": "Action",
    "check": "Check",
}


class DocumentEditor(QObject):
    """Modelled on diagram-js's Modeling: the UI asks, the editor checks and pushes commands.

    Commands only ever run model methods that were checked before the push, so an undo
    stack never holds a command whose redo failed.
    """

    documentReplaced = Signal(object)

    def __init__(self, doc: Sop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.stack = QUndoStack(self)

    # -- document ----------------------------------------------------------------------

    def replace_document(self, doc: Sop) -> None:
        """Start editing another document; history starts afresh."""
        self.doc = doc
        self.stack.clear()
        self.stack.setClean()
        self.documentReplaced.emit(doc)

    # -- nodes -------------------------------------------------------------------------

    def new_node(self, kind: str, name: str | None = None) -> Any:
        """A fresh node of ``kind`` with an unused id and a readable default name."""
        if kind not in DEFAULT_NAMES:
            raise InvalidValueError(
                f"{kind!r} is not a node kind; choose one of {', '.join(DEFAULT_NAMES)}"
            )
        base = DEFAULT_NAMES[kind]
        count = sum(1 for node in self.doc.nodes if node.kind == kind) + 1
        node_name = name or f"{base} {count}"
        fields: dict[str, Any] = {"id": self.doc.fresh_id(node_name), "name": node_name}
        if kind == "trigger":
            metric = self.doc.metrics[0].id if self.doc.metrics else "metric"
            fields.update(metric=metric, op="<", value=0)
        return NODE_CLASSES[kind].model_validate(fields)

    def add_node(self, kind: str, position: tuple[float, float], name: str | None = None) -> str:
        node = self.new_node(kind, name)
        _check_position(node.id, position)
        self.stack.push(AddNodeCommand(self.doc, node, position))
        return node.id

    def append(
        self, source: str, kind: str, position: tuple[float, float], edge_kind: str
    ) -> tuple[str, str]:
        """Add a ``kind`` node at ``position`` joined from ``source`` by an ``edge_kind``
        edge, as one undoable step; returns the new node's and edge's ids."""
        if not self.doc.has_node(source):
            raise UnknownNodeError(source)
        node = self.new_node(kind)
        _check_position(node.id, position)
        reason = endpoints_allowed(edge_kind, self.doc.node(source).kind, kind)
        if not reason:
            raise IllegalConnectionError(reason.reason)
        edge = Edge(
            id=self.doc.fresh_id(f"{source}-{edge_kind}-{node.id}"),
            source=source,
            target=node.id,
            kind=edge_kind,  # type: ignore[arg-type]
        )
        if edge.id == node.id:  # fresh ids are asked before either element exists
            edge = edge.model_copy(update={"id": self.doc.fresh_id(f"{edge.id}-edge")})
        self.stack.beginMacro(f"Append {kind} {node.name!r} to {self.doc.node(source).name!r}")
        try:
            self.stack.push(AddNodeCommand(self.doc, node, position))
            self.stack.push(ConnectCommand(self.doc, edge))
        finally:
            self.stack.endMacro()
        return node.id, edge.id

    def delete(self, ids: list[str]) -> None:
        """Delete nodes (with their edges) and edges as one undoable step."""
        ids = list(dict.fromkeys(ids))  # an id given twice would be removed twice
        nodes = [i for i in ids if self.doc.has_node(i)]
        doomed = set(nodes)
        edges = [
            i
            for i in ids
            if self.doc.has_edge(i)
            and not {self.doc.edge(i).source, self.doc.edge(i).target} & doomed
        ]
        if not nodes and not edges:
            return
        doomed_ids = [*nodes, *edges]
        what = (
            described(self.doc, doomed_ids[0])
            if len(doomed_ids) == 1
            else f"{len(doomed_ids)} items"
        )
        self.stack.beginMacro(undo_text(f"Delete {what}"))
        try:
            for edge_id in edges:
                self.stack.push(DisconnectCommand(self.doc, edge_id))
            for node_id in nodes:
                self.stack.push(RemoveNodeCommand(self.doc, node_id))
        finally:
            self.stack.endMacro()

    def move(self, positions: dict[str, tuple[float, float]], text: str = "Move") -> None:
        """Place nodes; nodes already there are skipped; one command for all."""
        moves: dict[str, tuple[Position | None, tuple[float, float]]] = {}
        for node_id, (x, y) in positions.items():
            # A command whose redo fails would still land on the stack: check first.
            if not self.doc.has_node(node_id):
                raise UnknownNodeError(node_id)
            _check_position(node_id, (x, y))
            old = self.doc.layout.get(node_id)
            if old is None or (old.x, old.y) != (x, y):
                moves[node_id] = (old, (x, y))
        if moves:
            self.stack.push(MoveCommand(self.doc, moves, text))

    def rename(self, old_id: str, new_id: str) -> None:
        if not self.doc.has_node(old_id):
            raise UnknownNodeError(old_id)
        if old_id == new_id:
            return
        try:
            check_slug(new_id)
        except ValueError as error:
            raise InvalidValueError(str(error)) from None
        if self.doc.has_node(new_id) or self.doc.has_edge(new_id):
            raise InvalidValueError(f"id {new_id!r} is already used; choose another")
        self.stack.push(RenameNodeCommand(self.doc, old_id, new_id))

    # -- edges -------------------------------------------------------------------------

    def connection_kinds(self, source: str, target: str) -> list[str]:
        return connection_options(self.doc, source, target)

    def why_not(self, source: str, target: str, kind: str | None = None) -> str:
        """Why no edge may be drawn here ('' when one may)."""
        verdict = can_connect(self.doc, source, target, kind)
        return "" if verdict else verdict.reason

    def connect(self, source: str, target: str, kind: str) -> str:
        reason = self.why_not(source, target, kind)
        if reason:
            raise IllegalConnectionError(reason)
        edge = Edge(
            id=self.doc.fresh_id(f"{source}-{kind}-{target}"),
            source=source,
            target=target,
            kind=kind,
        )  # type: ignore[arg-type]
        self.stack.push(ConnectCommand(self.doc, edge))
        return edge.id

    # -- fields ------------------------------------------------------------------------

    def set_property(self, element_id: str, field: str, value: Any) -> None:
        """Change one field; InvalidValueError (with the validator's message) if refused."""
        self.doc.checked_field(element_id, field, value)
        current = getattr(
            self.doc.node(element_id)
            if self.doc.has_node(element_id)
            else self.doc.edge(element_id),
            field,
        )
        if _same(current, value):
            return
        self.stack.push(SetFieldCommand(self.doc, element_id, field, value))

    def set_document_property(self, field: str, value: Any) -> None:
        checked = self.doc.checked_document_field(field, value)
        if _same(getattr(self.doc, field), checked):
            return
        self.stack.push(SetDocumentFieldCommand(self.doc, field, value))

    def set_together(
        self,
        text: str,
        document: dict[str, Any],
        elements: Sequence[tuple[str, str, Any]] = (),
    ) -> None:
        """Document fields and ``(element id, field, value)`` changes as one undo step
        (a new catalog metric and the criterion that uses it). Every change is checked
        before any is pushed, so a refusal leaves the document and the stack untouched."""
        for field, value in document.items():
            self.doc.checked_document_field(field, value)
        for element_id, field, value in elements:
            self.doc.checked_field(element_id, field, value)
        self.stack.beginMacro(text)
        try:
            for field, value in document.items():
                self.stack.push(SetDocumentFieldCommand(self.doc, field, value))
            for element_id, field, value in elements:
                self.stack.push(SetFieldCommand(self.doc, element_id, field, value))
        finally:
            self.stack.endMacro()

    # -- clipboard ---------------------------------------------------------------------

    def copy(self, ids: list[str]) -> dict[str, Any]:
        """The selected nodes, the edges among them and their positions, as plain data."""
        chosen = [n for n in self.doc.nodes if n.id in set(ids)]
        names = {n.id for n in chosen}
        return {
            "nodes": [n.model_dump(mode="json", exclude_defaults=True) for n in chosen],
            "edges": [
                e.model_dump(mode="json")
                for e in self.doc.edges
                if e.source in names and e.target in names
            ],
            "layout": {i: self.doc.layout[i].model_dump() for i in names if i in self.doc.layout},
        }

    def paste(self, payload: dict[str, Any], offset: tuple[float, float] = (40, 40)) -> list[str]:
        """Add copies with fresh ids (edges follow), shifted by ``offset``; one undo step."""
        renamed: dict[str, str] = {}
        if not payload.get("nodes"):
            return []  # an empty macro would still be an undo step
        self.stack.beginMacro(f"Paste {len(payload.get('nodes', []))} node(s)")
        try:
            for data in payload.get("nodes", []):
                node = NODE_CLASSES[data["kind"]].model_validate(
                    {**data, "id": self.doc.fresh_id(data["id"])}
                )
                renamed[data["id"]] = node.id
                spot = payload.get("layout", {}).get(data["id"], {"x": 0, "y": 0})
                self.stack.push(
                    AddNodeCommand(self.doc, node, (spot["x"] + offset[0], spot["y"] + offset[1]))
                )
            for data in payload.get("edges", []):
                source, target = renamed[data["source"]], renamed[data["target"]]
                if not can_connect(self.doc, source, target, data["kind"]):
                    continue
                edge = Edge(
                    id=self.doc.fresh_id(data["id"]),
                    source=source,
                    target=target,
                    kind=data["kind"],
                )
                self.stack.push(ConnectCommand(self.doc, edge))
        finally:
            self.stack.endMacro()
        return list(renamed.values())


def _check_position(node_id: str, position: tuple[float, float]) -> None:
    try:
        x, y = position
        check_number(x)
        check_number(y)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(f"position of {node_id!r}: {error}") from None


def _same(left: Any, right: Any) -> bool:
    try:
        return bool(left == right)
    except Exception:
        return False
