"""Renaming a catalog entry (a component, role or metric) with every reference to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from app.model.catalog import Metric, Role
from app.model.components import Component, renamed_dependencies, renamed_restores
from app.spec.types import check_key, check_slug

if TYPE_CHECKING:
    from app.model.document import Sop

Fields = dict[str, list[Any]]
"""Document fields a rename rewrites, each with its new value."""
NodeUpdate = tuple[str, Any] | None
"""The one field of a node a rename rewrites, with its new value (None: it names nothing)."""


@dataclass(frozen=True)
class CatalogRename:
    """What a rename changed, as it was before, so that undo puts back exactly that (a
    reference that already named the new id keeps naming it)."""

    catalog: str
    old_id: str
    new_id: str
    fields: tuple[tuple[str, tuple[Any, ...]], ...]
    """``(document field, its items before)`` for each catalog the rename rewrote."""
    nodes: tuple[tuple[str, str, Any], ...]
    """``(node id, field rewritten, the node before)`` for each node that named the id."""


@dataclass(frozen=True)
class Renaming:
    """How entries of one catalog are renamed: the id's own check and where it is named."""

    noun: str
    model: type[BaseModel]
    check_id: Callable[[Any], str]
    fields: Callable[[Sop, str, str], Fields]
    node: Callable[[Any, str, str], NodeUpdate]


def _swap(value: Any, old: str, new: str) -> Any:
    return new if value == old else value


def _with_id(items: Sequence[Any], old: str, new: str) -> list[Any]:
    return [item.model_copy(update={"id": new}) if item.id == old else item for item in items]


def _component_fields(doc: Sop, old: str, new: str) -> Fields:
    return {"components": renamed_dependencies(doc.components, old, new)}


def _component_node(node: Any, old: str, new: str) -> NodeUpdate:
    restores = getattr(node, "restores", ())
    if not any(restore.component == old for restore in restores):
        return None
    return "restores", renamed_restores(node.id, restores, old, new)


def _role_fields(doc: Sop, old: str, new: str) -> Fields:
    fields: Fields = {"roles": _with_id(doc.roles, old, new)}
    if any(component.owner == old for component in doc.components):
        fields["components"] = [
            c.model_copy(update={"owner": new}) if c.owner == old else c for c in doc.components
        ]
    return fields


def _role_node(node: Any, old: str, new: str) -> NodeUpdate:
    """An action's role, or a gate's approval rules (their ``tiers`` are risk tiers, not
    roles, and stay as they are)."""
    if node.kind == "action" and node.role == old:
        return "role", new
    if node.kind == "gate" and any(rule.role == old for rule in node.approval.rules):
        rules = [
            rule.model_copy(update={"role": new}) if rule.role == old else rule
            for rule in node.approval.rules
        ]
        return "approval", node.approval.model_copy(update={"rules": rules})
    return None


def _metric_fields(doc: Sop, old: str, new: str) -> Fields:
    return {"metrics": _with_id(doc.metrics, old, new)}


def _metric_node(node: Any, old: str, new: str) -> NodeUpdate:
    """A trigger's metric, or the metric and baseline criteria of a gate or check."""
    if node.kind == "trigger":
        return ("metric", new) if node.metric == old else None
    criteria = getattr(node, "criteria", ())
    if not any(getattr(criterion, "metric", None) == old for criterion in criteria):
        return None
    return "criteria", [
        c.model_copy(update={"metric": new}) if getattr(c, "metric", None) == old else c
        for c in criteria
    ]


RENAMINGS: dict[str, Renaming] = {
    "components": Renaming("component", Component, check_slug, _component_fields, _component_node),
    "roles": Renaming("role", Role, check_slug, _role_fields, _role_node),
    "metrics": Renaming("metric", Metric, check_key, _metric_fields, _metric_node),
}
"""Each catalog whose entries are renamed with their references, by document field."""


def _record(model: type[BaseModel], item: Any) -> dict[str, Any] | None:
    """A catalog item as plain data with its defaults filled in (None when it is not one)."""
    try:
        valid = (
            item
            if isinstance(item, model)
            else model.model_validate(item.model_dump() if isinstance(item, BaseModel) else item)
        )
    except ValidationError:
        return None
    return valid.model_dump()


def renamed_entry(catalog: str, before: Sequence[Any], after: Any) -> tuple[str, str] | None:
    """``(old id, new id)`` when ``after`` is the catalog ``before`` with one entry's id
    changed and nothing else (the catalog table's id cell typed into), else None."""
    renaming = RENAMINGS.get(catalog)
    if renaming is None or not isinstance(after, list) or len(before) != len(after):
        return None
    old_records = [_record(renaming.model, item) for item in before]
    new_records = [_record(renaming.model, item) for item in after]
    changed = [
        (old, new)
        for old, new in zip(old_records, new_records, strict=True)
        if old is None or new is None or old != new
    ]
    if len(changed) != 1:
        return None
    old, new = changed[0]
    if old is None or new is None or {**new, "id": old["id"]} != old:
        return None
    ids = {record["id"] for record in old_records if record}
    return (old["id"], new["id"]) if new["id"] not in ids else None
