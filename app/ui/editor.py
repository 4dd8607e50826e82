"""The one door through which every edit passes, and the one channel views follow.

Every edit is the document's own method run in an undoable command: the document checks
it (raising its typed errors, nothing pushed then) and announces its events; the editor
hands the views those events once per finished edit (done, undone or redone).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from app.model.connections import can_connect, connection_options
from app.model.document import Sop
from app.model.edges import endpoints_allowed
from app.model.errors import IllegalConnectionError, UnknownNodeError
from app.model.events import ChangeBatch, ModelEvent
from app.model.nodes import NODE_CLASSES
from app.model.renames import renamed_entry
from app.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    DocumentCommand,
    MoveCommand,
    RemoveNodeCommand,
    RenameEntryCommand,
    RenameNodeCommand,
    SetDocumentFieldCommand,
    SetFieldCommand,
)
from app.ui.labels import described, undo_text


class DocumentEditor(QObject):
    """Modelled on diagram-js's Modeling and ChangeSupport: the UI asks, the document
    decides, the editor records the change as a command and announces it.

    ``changed`` carries a :class:`ChangeBatch`: the document's events of one finished
    command (a macro counts as one), emitted once when the stack's index moves (a push,
    an undo, a redo). The canvas, inspector, outline and validation all follow it.
    """

    documentReplaced = Signal(object)
    changed = Signal(object)

    def __init__(self, doc: Sop, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.stack = QUndoStack(self)
        self._events: list[ModelEvent] = []
        # Events made outside any command (a script editing the document directly) are
        # delivered when the event loop next turns; a command's, as soon as it finishes.
        self._stray = QTimer(self, singleShot=True, interval=0)
        self._stray.timeout.connect(self._deliver)
        self.stack.indexChanged.connect(self._deliver)
        doc.subscribe(self._collect)

    # -- the change channel ------------------------------------------------------------

    def _collect(self, event: ModelEvent) -> None:
        self._events.append(event)
        if len(self._events) == 1:
            self._stray.start()

    def _deliver(self, _index: int = 0) -> None:
        self._stray.stop()
        if self._events:
            batch, self._events = ChangeBatch(tuple(self._events)), []
            self.changed.emit(batch)

    def detach(self) -> None:
        """Stop following the document (an editor made for one picture, then dropped)."""
        self.doc.unsubscribe(self._collect)
        self._events.clear()

    # -- document ----------------------------------------------------------------------

    def replace_document(self, doc: Sop) -> None:
        """Start editing another document; history starts afresh."""
        self.detach()
        self.doc = doc
        doc.subscribe(self._collect)
        self.stack.clear()
        self.stack.setClean()
        self.documentReplaced.emit(doc)

    # -- recording ---------------------------------------------------------------------

    def _run(self, command: DocumentCommand) -> bool:
        """Apply ``command`` (the document checks it) and record it; False if it changed
        nothing, which leaves no undo step."""
        if not command.apply():
            return False
        self.stack.push(command)
        return True

    @contextmanager
    def _step(self, text: str) -> Iterator[None]:
        """The commands run inside as one undo step; if one is refused, those already
        applied are undone and the step is dropped, so a refusal changes nothing (nor does
        a step in which no command changed anything leave an undo step)."""
        self.stack.beginMacro(text)
        try:
            yield
        except BaseException:
            self.stack.endMacro()
            self.stack.undo()  # what was applied is taken back
            # An obsolete command is dropped by the next redo instead of being redone.
            self.stack.command(self.stack.index()).setObsolete(True)
            self.stack.redo()
            raise
        self.stack.endMacro()
        step = self.stack.command(self.stack.index() - 1)
        if step is not None and step.childCount() == 0:  # nothing changed: no step
            step.setObsolete(True)
            self.stack.undo()  # an obsolete command is dropped, not undone

    # -- nodes -------------------------------------------------------------------------

    def add_node(self, kind: str, position: tuple[float, float], name: str | None = None) -> str:
        node = self.doc.new_node(kind, name)
        self._run(AddNodeCommand(self.doc, node, position))
        return node.id

    def append(
        self, source: str, kind: str, position: tuple[float, float], edge_kind: str
    ) -> tuple[str, str]:
        """Add a ``kind`` node at ``position`` joined from ``source`` by an ``edge_kind``
        edge, as one undoable step; returns the new node's and edge's ids."""
        if not self.doc.has_node(source):
            raise UnknownNodeError(source)
        reason = endpoints_allowed(edge_kind, self.doc.node(source).kind, kind)
        if not reason:  # asked first: a refusal then leaves no step to take back
            raise IllegalConnectionError(reason.reason)
        node = self.doc.new_node(kind)
        with self._step(f"Append {kind} {node.name!r} to {self.doc.node(source).name!r}"):
            self._run(AddNodeCommand(self.doc, node, position))
            edge = self.doc.new_edge(source, node.id, edge_kind)
            self._run(ConnectCommand(self.doc, edge))
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
        with self._step(undo_text(f"Delete {what}")):
            for edge_id in edges:
                self._run(DisconnectCommand(self.doc, edge_id))
            for node_id in nodes:
                self._run(RemoveNodeCommand(self.doc, node_id))

    def move(self, positions: dict[str, tuple[float, float]], text: str = "Move") -> None:
        """Place nodes; nodes already there are skipped; one command for all."""
        moves = {}
        for node_id, (x, y) in positions.items():
            if not self.doc.has_node(node_id):
                raise UnknownNodeError(node_id)
            old = self.doc.layout.get(node_id)
            if old is None or (old.x, old.y) != (x, y):
                moves[node_id] = (old, (x, y))
        if moves:
            self._run(MoveCommand(self.doc, moves, text))

    def rename(self, old_id: str, new_id: str) -> None:
        """Give a node another id; the document's errors (DuplicateIdError...) as they are."""
        self._run(RenameNodeCommand(self.doc, old_id, new_id))

    # -- edges -------------------------------------------------------------------------

    def connection_kinds(self, source: str, target: str) -> list[str]:
        return connection_options(self.doc, source, target)

    def why_not(self, source: str, target: str, kind: str | None = None) -> str:
        """Why no edge may be drawn here ('' when one may)."""
        verdict = can_connect(self.doc, source, target, kind)
        return "" if verdict else verdict.reason

    def connect(self, source: str, target: str, kind: str) -> str:
        edge = self.doc.new_edge(source, target, kind)
        self._run(ConnectCommand(self.doc, edge))
        return edge.id

    # -- fields ------------------------------------------------------------------------

    def set_property(self, element_id: str, field: str, value: Any) -> None:
        """Change one field; the document's InvalidValueError (its validator's message) if
        refused; no undo step when the value is the one it has."""
        self._run(SetFieldCommand(self.doc, element_id, field, value))

    def set_document_property(self, field: str, value: Any) -> None:
        """Change a document field; a catalog (components, roles, metrics, tiers) whose only
        change is one entry's id is a rename, which takes every reference to the entry along."""
        if rename := renamed_entry(field, getattr(self.doc, field, []), value):
            self.rename_entry(field, *rename)
            return
        self._run(SetDocumentFieldCommand(self.doc, field, value))

    def rename_entry(self, catalog: str, old_id: str, new_id: str) -> None:
        """Give a catalog entry another id, every reference to it following (one step)."""
        self._run(RenameEntryCommand(self.doc, catalog, old_id, new_id))

    def set_together(
        self,
        text: str,
        document: dict[str, Any],
        elements: Sequence[tuple[str, str, Any]] = (),
    ) -> None:
        """Document fields and ``(element id, field, value)`` changes as one undo step
        (a new catalog metric and the criterion that uses it); a refusal of any of them
        leaves the document and the stack as they were."""
        with self._step(text):
            for field, value in document.items():
                self._run(SetDocumentFieldCommand(self.doc, field, value))
            for element_id, field, value in elements:
                self._run(SetFieldCommand(self.doc, element_id, field, value))

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
        with self._step(f"Paste {len(payload.get('nodes', []))} node(s)"):
            for data in payload.get("nodes", []):
                node = NODE_CLASSES[data["kind"]].model_validate(
                    {**data, "id": self.doc.fresh_id(data["id"])}
                )
                renamed[data["id"]] = node.id
                spot = payload.get("layout", {}).get(data["id"], {"x": 0, "y": 0})
                where = (spot["x"] + offset[0], spot["y"] + offset[1])
                self._run(AddNodeCommand(self.doc, node, where))
            for data in payload.get("edges", []):
                source, target = renamed[data["source"]], renamed[data["target"]]
                if not can_connect(self.doc, source, target, data["kind"]):
                    continue
                edge_id = self.doc.fresh_id(data["id"])
                edge = self.doc.new_edge(source, target, data["kind"], edge_id)
                self._run(ConnectCommand(self.doc, edge))
        return list(renamed.values())
