"""Undoable edits: each command calls document intent methods only, and keeps what undo needs.

The editor applies a command (:meth:`DocumentCommand.apply`) before pushing it, so that the
document's own checks decide, once, and a refusal raises before the stack sees anything;
the push then finds the command done.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from app.model.catalog import Position
from app.model.document import Sop
from app.model.edges import Edge
from app.model.editing import NodeRemoval
from app.model.errors import ModelError
from app.model.nodes import NodeBase
from app.model.renames import RENAMINGS, CatalogRename
from app.ui.labels import described, element_label, quoted, undo_text


class DocumentCommand(QUndoCommand):
    """A command whose first ``redo`` (the one ``QUndoStack.push`` makes) may find it done."""

    _applied = False

    def apply(self) -> bool:
        """Make the change now (the document raises its typed error if it refuses); False
        when it changed nothing (then it is not worth an undo step)."""
        self.do()
        self._applied = True
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False  # applied by the editor just before the push
            return
        self.do()

    def do(self) -> None:
        raise NotImplementedError


class AddNodeCommand(DocumentCommand):
    def __init__(
        self,
        doc: Sop,
        node: NodeBase,
        position: tuple[float, float],
        parent: QUndoCommand | None = None,
    ) -> None:
        super().__init__(undo_text(f"Add {node.kind} {quoted(node.name)}"), parent)
        self.doc, self.node, self.position = doc, node, position

    def do(self) -> None:
        self.doc.add_node(self.node, self.position)

    def undo(self) -> None:
        self.doc.remove_node(self.node.id)


class RemoveNodeCommand(DocumentCommand):
    def __init__(self, doc: Sop, node_id: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(undo_text(f"Delete {element_label(doc, node_id)}"), parent)
        self.doc, self.node_id = doc, node_id
        self.removal: NodeRemoval | None = None

    def do(self) -> None:
        self.removal = self.doc.remove_node(self.node_id)

    def undo(self) -> None:
        assert self.removal is not None
        self.doc.restore_node(self.removal)


class ConnectCommand(DocumentCommand):
    def __init__(self, doc: Sop, edge: Edge, parent: QUndoCommand | None = None) -> None:
        ends = f"{element_label(doc, edge.source)} to {element_label(doc, edge.target)}"
        super().__init__(undo_text(f"Connect {ends} ({edge.kind})"), parent)
        self.doc, self.edge = doc, edge

    def do(self) -> None:
        self.doc.insert_edge(len(self.doc.edges), self.edge)

    def undo(self) -> None:
        self.doc.disconnect(self.edge.id)


class DisconnectCommand(DocumentCommand):
    def __init__(self, doc: Sop, edge_id: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(undo_text(f"Delete {described(doc, edge_id)}"), parent)
        self.doc, self.edge_id = doc, edge_id
        self.index, self.edge = -1, None

    def do(self) -> None:
        self.index, self.edge = self.doc.disconnect(self.edge_id)

    def undo(self) -> None:
        assert self.edge is not None
        self.doc.insert_edge(self.index, self.edge)


class SetFieldCommand(DocumentCommand):
    def __init__(
        self, doc: Sop, element_id: str, field: str, value: Any, parent: QUndoCommand | None = None
    ) -> None:
        what = field.replace("_", " ")
        super().__init__(undo_text(f"Change {what} of {element_label(doc, element_id)}"), parent)
        self.doc, self.element_id, self.field, self.value = doc, element_id, field, value
        self.old: Any = None

    def apply(self) -> bool:
        super().apply()
        doc, element_id = self.doc, self.element_id
        element = doc.node(element_id) if doc.has_node(element_id) else doc.edge(element_id)
        return bool(self.old != getattr(element, self.field))

    def do(self) -> None:
        self.old = self.doc.set_field(self.element_id, self.field, self.value)

    def undo(self) -> None:
        self.doc.set_field(self.element_id, self.field, self.old)


class SetDocumentFieldCommand(DocumentCommand):
    def __init__(
        self, doc: Sop, field: str, value: Any, parent: QUndoCommand | None = None
    ) -> None:
        super().__init__(undo_text(f"Change the SOP's {field.replace('_', ' ')}"), parent)
        self.doc, self.field, self.value = doc, field, value
        self.old: Any = None

    def apply(self) -> bool:
        super().apply()
        return bool(self.old != getattr(self.doc, self.field))

    def do(self) -> None:
        self.old = self.doc.set_document_field(self.field, self.value)

    def undo(self) -> None:
        self.doc.set_document_field(self.field, self.old)


class RenameNodeCommand(DocumentCommand):
    def __init__(
        self, doc: Sop, old_id: str, new_id: str, parent: QUndoCommand | None = None
    ) -> None:
        name = element_label(doc, old_id)
        super().__init__(undo_text(f"Change the id of {name} to {quoted(new_id)}"), parent)
        self.doc, self.old_id, self.new_id = doc, old_id, new_id
        self.renamed = False

    def apply(self) -> bool:
        super().apply()
        return self.renamed

    def do(self) -> None:
        self.renamed = self.doc.rename_node(self.old_id, self.new_id)

    def undo(self) -> None:
        self.doc.rename_node(self.new_id, self.old_id)


class RenameEntryCommand(DocumentCommand):
    """A catalog entry's new id (component, role, metric or tier), with every reference to it."""

    def __init__(
        self, doc: Sop, catalog: str, old_id: str, new_id: str, parent: QUndoCommand | None = None
    ) -> None:
        noun = RENAMINGS[catalog].noun
        text = f"Change the id of {noun} {quoted(old_id)} to {quoted(new_id)}"
        super().__init__(undo_text(text), parent)
        self.doc, self.catalog, self.old_id, self.new_id = doc, catalog, old_id, new_id
        self.rename: CatalogRename | None = None

    def apply(self) -> bool:
        super().apply()
        return self.rename is not None

    def do(self) -> None:
        self.rename = self.doc.rename_entry(self.catalog, self.old_id, self.new_id)

    def undo(self) -> None:
        assert self.rename is not None
        self.doc.undo_rename(self.rename)


class MoveCommand(DocumentCommand):
    """Moves several nodes at once (one drag is one command)."""

    def __init__(
        self,
        doc: Sop,
        moves: dict[str, tuple[Position | None, tuple[float, float]]],
        text: str = "Move",
        parent: QUndoCommand | None = None,
    ) -> None:
        if text == "Move" and len(moves) == 1:
            text = f"Move {element_label(doc, next(iter(moves)))}"
        elif text == "Move":
            text = f"Move {len(moves)} nodes"
        super().__init__(undo_text(text), parent)
        self.doc, self.moves = doc, moves

    def do(self) -> None:
        done: dict[str, tuple[Position | None, tuple[float, float]]] = {}
        try:
            for node_id, (old, (x, y)) in self.moves.items():
                self.doc.move(node_id, x, y)  # refuses a position that is no number
                done[node_id] = (old, (x, y))
        except ModelError:
            self._put_back(done)  # all of them or none
            raise

    def undo(self) -> None:
        self._put_back(self.moves)

    def _put_back(self, moves: dict[str, tuple[Position | None, tuple[float, float]]]) -> None:
        for node_id, (old, _new) in moves.items():
            if old is None:
                self.doc.unplace(node_id)
            else:
                self.doc.move(node_id, old.x, old.y)
