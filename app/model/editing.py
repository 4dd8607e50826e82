"""Intent-level edits of an SOP document, each checked, counted and announced to observers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from app.model.catalog import Position
from app.model.connections import can_connect, connection_options
from app.model.edges import Edge
from app.model.errors import (
    DuplicateIdError,
    IllegalConnectionError,
    InvalidValueError,
    ModelError,
    UnknownElementError,
    UnknownNodeError,
)
from app.model.events import Listener, ModelEvent
from app.model.nodes import NODE_CLASSES, NODE_KINDS, Node, NodeBase
from app.model.renames import RENAMINGS, CatalogRename
from app.spec.problems import problems_from
from app.spec.types import check_slug

if TYPE_CHECKING:
    from app.model.document import Sop

_NODE_ADAPTER: TypeAdapter[Any] = TypeAdapter(Node)
_FROZEN_NODE_FIELDS = frozenset({"id", "kind"})
_EDITABLE_EDGE_FIELDS = frozenset({"kind"})
# What each change can affect: "graph" changes also change content and layout, and so on.
_SCOPES = {"node-moved": "layout", "node-changed": "content", "document-changed": "content"}
_WIDER = {
    "layout": ("layout",),
    "content": ("layout", "content"),
    "graph": ("layout", "content", "graph"),
}


def _frozen(value: Any) -> tuple[Any, ...]:
    """A list's items, or a table's ``(key, value)`` pairs, as a tuple."""
    return tuple(value.items()) if isinstance(value, dict) else tuple(value)


_DOCUMENT_FIELDS = ("id", "title", "version", "owner", "description", "tiers", "roles", "metrics")
_DOCUMENT_FIELDS += ("components",)
_DOCUMENT_FIELDS += (  # document control (app.model.control)
    "document_number",
    "status",
    "effective_date",
    "review_months",
    "change_summary",
    "approvers",
    "definitions",
    "references",
)


@dataclass(frozen=True)
class NodeRemoval:
    """What ``remove_node`` took away, enough to put it all back with ``restore_node``."""

    index: int
    node: NodeBase
    edges: list[tuple[int, Edge]] = field(default_factory=list)
    position: Position | None = None


def _invalid(error: ValidationError, data: Any, prefix: str) -> InvalidValueError:
    problems = problems_from(error, data)
    first = problems[0] if problems else None
    where = first.where.removeprefix("$").lstrip(".") if first else ""
    detail = f"{prefix}{'.' + where if where else ''}: {first.message if first else error}"
    return InvalidValueError(detail)


def _position(node_id: str, position: Any) -> Position:
    if isinstance(position, Position):
        return position
    try:
        x, y = position
        return Position(x=x, y=y)
    except (TypeError, ValueError) as error:
        raise InvalidValueError(f"position of {node_id!r}: {error}") from None


def _another_id(old_id: str, new_id: str) -> bool:
    """Whether ``new_id`` renames something called ``old_id`` (False: it is the same id);
    InvalidValueError when it is no valid id."""
    try:
        check_slug(new_id)
    except ValueError as error:
        raise InvalidValueError(str(error)) from None
    return new_id != old_id


class DocumentEditing:
    """The edit operations of :class:`~app.model.document.Sop`, kept apart from its fields."""

    # -- observers ---------------------------------------------------------------------

    def subscribe(self: Sop, listener: Listener) -> None:
        """Call ``listener(event)`` after every change made through an intent method."""
        self.state.observers.subscribe(listener)

    def unsubscribe(self: Sop, listener: Listener) -> None:
        self.state.observers.unsubscribe(listener)

    def _changed(self: Sop, change: Any, ids: list[str], field: str | None = None) -> None:
        scope = _SCOPES.get(change, "graph")
        state = self.state
        for counted in _WIDER[scope]:
            state.revisions[counted] += 1
        if scope == "graph":
            state.node_index = None
            state.edge_index = None
        state.observers.emit(ModelEvent(change, tuple(ids), field))

    # -- nodes -------------------------------------------------------------------------

    def new_node(self: Sop, kind: str, name: str | None = None) -> NodeBase:
        """A fresh ``kind`` node, not yet added: an unused id, a readable name ("Gate 3"),
        and for a trigger a condition to edit on the catalog's first metric."""
        if kind not in NODE_CLASSES:
            raise InvalidValueError(
                f"{kind!r} is not a node kind; choose one of {', '.join(NODE_KINDS)}"
            )
        count = sum(1 for node in self.nodes if node.kind == kind) + 1
        node_name = name or f"{kind.capitalize()} {count}"
        fields: dict[str, Any] = {"id": self.fresh_id(node_name), "name": node_name}
        if kind == "trigger":
            metric = self.metrics[0].id if self.metrics else "metric"
            fields.update(metric=metric, op="<", value=0)
        return NODE_CLASSES[kind].model_validate(fields)

    def add_node(self: Sop, node: NodeBase | dict[str, Any], position: Any = None) -> NodeBase:
        """Append a node (a model or a dict with ``kind``); optionally place it at ``(x, y)``."""
        return self.insert_node(len(self.nodes), node, position)

    def insert_node(
        self: Sop, index: int, node: NodeBase | dict[str, Any], position: Any = None
    ) -> NodeBase:
        """Insert a node at ``index`` in ``nodes`` (undo of a removal puts it back in place)."""
        if isinstance(node, dict):
            try:
                node = _NODE_ADAPTER.validate_python(node)
            except ValidationError as error:
                raise _invalid(error, node, "node") from None
        if not isinstance(node, NodeBase):
            raise InvalidValueError(f"expected a node, got {type(node).__name__}")
        if self.has_node(node.id) or self.has_edge(node.id):
            raise DuplicateIdError(node.id)
        if not 0 <= index <= len(self.nodes):
            raise ModelError(f"node index {index} is outside 0..{len(self.nodes)}")
        if position is not None:
            position = _position(node.id, position)  # refused before anything changes
        self.nodes.insert(index, node)
        if position is not None:
            self._place(node.id, position)
        self._changed("node-added", [node.id])
        return node

    def remove_node(self: Sop, node_id: str) -> NodeRemoval:
        """Remove a node with its incident edges and its position; returns what was removed."""
        index = self.node_position(node_id)
        node = self.nodes[index]
        edges = [(i, e) for i, e in enumerate(self.edges) if node_id in (e.source, e.target)]
        for i, _edge in reversed(edges):
            del self.edges[i]
        if edges:
            self._changed("edge-removed", [edge.id for _i, edge in edges])
        del self.nodes[index]
        position = self.layout.pop(node_id, None)
        self._changed("node-removed", [node_id])
        return NodeRemoval(index, node, edges, position)

    def restore_node(self: Sop, removal: NodeRemoval) -> None:
        """Put back exactly what :meth:`remove_node` removed, at the same indices."""
        self.insert_node(removal.index, removal.node, removal.position)
        for index, edge in removal.edges:
            self.insert_edge(index, edge)

    def rename_node(self: Sop, old_id: str, new_id: str) -> bool:
        """Give a node a new id, updating its edges and its position; False when the id is
        the node's own already (nothing changes)."""
        index = self.node_position(old_id)
        if not _another_id(old_id, new_id):
            return False
        if self.has_node(new_id) or self.has_edge(new_id):
            raise DuplicateIdError(new_id)
        self.nodes[index] = self.nodes[index].model_copy(update={"id": new_id})
        for i, edge in enumerate(self.edges):
            if old_id in (edge.source, edge.target):
                self.edges[i] = edge.model_copy(
                    update={
                        "source": new_id if edge.source == old_id else edge.source,
                        "target": new_id if edge.target == old_id else edge.target,
                    }
                )
        if old_id in self.layout:
            self._place(new_id, self.layout.pop(old_id))
        self._changed("node-renamed", [old_id, new_id], "id")
        return True

    def rename_entry(self: Sop, catalog: str, old_id: str, new_id: str) -> CatalogRename | None:
        """Give an entry of ``catalog`` (components, roles, metrics or tiers) a new id, and
        with it every reference to it (as a node rename takes its edges along): components'
        ``depends_on`` and triggers' restores; components' owners, gates' approval rules and
        actions' roles; criteria and triggers naming a metric; the ``tiers`` of approval
        rules and criteria, and lint options naming a tier. Returns what it changed, for
        :meth:`undo_rename`, or None when ``new_id`` is the entry's own id already."""
        renaming = RENAMINGS.get(catalog)
        if renaming is None:
            raise InvalidValueError(f"{catalog!r} is not a catalog whose ids can be renamed")
        ids = renaming.ids(getattr(self, catalog))
        if old_id not in ids:
            raise UnknownElementError(old_id, renaming.noun)
        try:
            renaming.check_id(new_id)
        except ValueError as error:
            raise InvalidValueError(str(error)) from None
        if new_id == old_id:
            return None
        if new_id in ids:
            raise DuplicateIdError(new_id, catalog)
        try:  # every change is worked out before any is made: a refusal changes nothing
            fields = renaming.fields(self, old_id, new_id)
            updates = {
                node.id: update
                for node in self.nodes
                if (update := renaming.node(node, old_id, new_id))
            }
        except ValueError as error:
            raise InvalidValueError(str(error)) from None
        rename = CatalogRename(
            catalog,
            old_id,
            new_id,
            tuple((name, _frozen(getattr(self, name))) for name in fields),
            tuple(
                (node_id, tuple(update), self.node(node_id)) for node_id, update in updates.items()
            ),
        )
        nodes = {
            node_id: (tuple(update), self.node(node_id).model_copy(update=update))
            for node_id, update in updates.items()
        }
        self._put_renamed(fields, nodes)
        return rename

    def undo_rename(self: Sop, rename: CatalogRename) -> None:
        """Put back exactly the catalogs and nodes that :meth:`rename_entry` changed."""
        fields = {
            name: dict(before) if isinstance(getattr(self, name), dict) else list(before)
            for name, before in rename.fields
        }
        nodes = {node_id: (names, before) for node_id, names, before in rename.nodes}
        self._put_renamed(fields, nodes)

    def _put_renamed(
        self: Sop, fields: dict[str, Any], nodes: dict[str, tuple[tuple[str, ...], Any]]
    ) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
            self._changed("document-changed", [], name)
        for node_id, (names, node) in nodes.items():
            self.nodes[self.node_position(node_id)] = node
            for name in names:
                self._changed("node-changed", [node_id], name)

    def move(self: Sop, node_id: str, x: float, y: float) -> Position | None:
        """Place a node on the canvas; returns its previous position (None if it had none)."""
        if not self.has_node(node_id):
            raise UnknownNodeError(node_id)
        old = self.layout.get(node_id)
        self._place(node_id, (x, y))
        self._changed("node-moved", [node_id], "layout")
        return old

    def unplace(self: Sop, node_id: str) -> Position | None:
        """Forget a node's canvas position (undo of a first placement); returns it."""
        old = self.layout.pop(node_id, None)
        if old is not None:
            self._changed("node-moved", [node_id], "layout")
        return old

    def _place(self: Sop, node_id: str, position: Any) -> None:
        position = _position(node_id, position)
        is_new = node_id not in self.layout
        self.layout[node_id] = position
        if is_new:  # keep keys sorted so that saved files stay stable
            self.layout = dict(sorted(self.layout.items()))

    # -- edges -------------------------------------------------------------------------

    def connect(
        self: Sop,
        source: str,
        target: str,
        kind: str | None = None,
        edge_id: str | None = None,
    ) -> Edge:
        """Draw an edge; ``kind`` may be left out when the node kinds allow only one."""
        if kind is None:
            options = connection_options(self, source, target)
            if len(options) != 1:
                verdict = can_connect(self, source, target, None)
                raise IllegalConnectionError(
                    verdict.reason or f"choose the edge kind: {' or '.join(options)}"
                )
            kind = options[0]
        return self.insert_edge(len(self.edges), self.new_edge(source, target, kind, edge_id))

    def new_edge(
        self: Sop, source: str, target: str, kind: str, edge_id: str | None = None
    ) -> Edge:
        """An edge, not yet added, with id ``edge_id`` or an unused one made from its ends;
        adding it (:meth:`insert_edge`) checks the connection rules and the id."""
        try:
            return Edge(
                id=edge_id or self.fresh_id(f"{source}-{kind}-{target}"),
                source=source,
                target=target,
                kind=kind,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            verdict = can_connect(self, source, target, kind)  # say which kinds would do
            if not verdict:
                raise IllegalConnectionError(verdict.reason) from None
            raise _invalid(error, {"id": edge_id}, "edge") from None

    def insert_edge(self: Sop, index: int, edge: Edge) -> Edge:
        """Insert an edge at ``index``, after checking the connection rules."""
        if self.has_node(edge.id) or self.has_edge(edge.id):
            raise DuplicateIdError(edge.id)
        verdict = can_connect(self, edge.source, edge.target, edge.kind)
        if not verdict:
            raise IllegalConnectionError(verdict.reason)
        if not 0 <= index <= len(self.edges):
            raise ModelError(f"edge index {index} is outside 0..{len(self.edges)}")
        self.edges.insert(index, edge)
        self._changed("edge-added", [edge.id])
        return edge

    def disconnect(self: Sop, edge_id: str) -> tuple[int, Edge]:
        """Remove an edge; returns its index and the edge, for undo."""
        index = self.edge_position(edge_id)
        edge = self.edges.pop(index)
        self._changed("edge-removed", [edge_id])
        return index, edge

    # -- fields ------------------------------------------------------------------------

    def checked_field(self: Sop, element_id: str, field: str, value: Any) -> Any:
        """The node or edge ``element_id`` with ``field`` set to ``value``, validated but not
        applied: raises the same typed errors as :meth:`set_field` (editors ask first)."""
        if self.has_node(element_id):
            if field in _FROZEN_NODE_FIELDS:
                raise InvalidValueError(
                    f"{field!r} cannot be set: use rename_node for ids; a node keeps its kind"
                )
            current: Any = self.nodes[self.node_position(element_id)]
        else:
            current = self.edges[self.edge_position(element_id)]
            if field not in _EDITABLE_EDGE_FIELDS:
                raise InvalidValueError(
                    f"only an edge's kind can be changed; to move its ends, disconnect and "
                    f"connect again (tried {field!r})"
                )
        if field not in type(current).model_fields:
            raise InvalidValueError(f"a {current.kind} has no field {field!r}")
        data = current.model_dump()
        data[field] = value
        try:
            updated = type(current).model_validate(data)
        except ValidationError as error:
            raise _invalid(error, data, element_id) from None
        if isinstance(updated, Edge):
            verdict = can_connect(
                self, updated.source, updated.target, updated.kind, replacing=element_id
            )
            if not verdict:
                raise IllegalConnectionError(verdict.reason)
        return updated

    def set_field(self: Sop, element_id: str, field: str, value: Any) -> Any:
        """Set one field of a node or edge after validating it; returns the old value (the
        value it has when ``value`` validates to it: then nothing changes)."""
        updated = self.checked_field(element_id, field, value)
        if isinstance(updated, Edge):
            collection, index, change = self.edges, self.edge_position(element_id), "edge-changed"
        else:
            collection, index, change = self.nodes, self.node_position(element_id), "node-changed"
        old = getattr(collection[index], field)
        if updated == collection[index]:
            return old  # the same value again (say, equal criteria given as dicts): no change
        collection[index] = updated
        self._changed(change, [element_id], field)
        return old

    def checked_document_field(self: Sop, field: str, value: Any) -> Any:
        """``value`` validated for document field ``field`` (not applied); typed errors."""
        if field not in _DOCUMENT_FIELDS:
            raise InvalidValueError(
                f"{field!r} is not a document field that can be set ({', '.join(_DOCUMENT_FIELDS)})"
            )
        data = self.model_dump(include={"format", "id", "title", "version", "tiers"})
        data[field] = value
        try:
            trial = type(self).model_validate(data | {field: value})
        except ValidationError as error:
            raise _invalid(error, data, "document") from None
        return getattr(trial, field)

    def set_document_field(self: Sop, field: str, value: Any) -> Any:
        """Set a document-level field (title, tiers, roles, metrics...); returns the old value
        (equal to the field's value when nothing changed)."""
        checked = self.checked_document_field(field, value)
        old = getattr(self, field)
        if checked == old:
            return old  # the same value again: no change
        setattr(self, field, checked)
        self._changed("document-changed", [], field)
        return old
