"""Renaming a catalog entry (a component, role, metric or risk tier) with every reference
to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.model.catalog import Metric, Role
from app.model.components import Component, renamed_dependencies, renamed_restores
from app.spec.types import check_key, check_slug

if TYPE_CHECKING:
    from app.model.document import Sop

Fields = dict[str, Any]
"""Document fields a rename rewrites, each with its new value."""
NodeUpdate = dict[str, Any]
"""The fields of a node a rename rewrites, each with its new value (empty: it names nothing)."""


@dataclass(frozen=True)
class CatalogRename:
    """What a rename changed, as it was before, so that undo puts back exactly that (a
    reference that already named the new id keeps naming it)."""

    catalog: str
    old_id: str
    new_id: str
    fields: tuple[tuple[str, tuple[Any, ...]], ...]
    """``(document field, its items before)`` for each field the rename rewrote (a table,
    such as ``lint``, as its ``(key, value)`` pairs)."""
    nodes: tuple[tuple[str, tuple[str, ...], Any], ...]
    """``(node id, fields rewritten, the node before)`` for each node that named the id."""


@dataclass(frozen=True)
class Renaming:
    """How entries of one catalog are renamed: the id's own check and where it is named."""

    noun: str
    model: type[BaseModel] | None
    """The entries' model; None when an entry is its id and nothing else (a risk tier)."""
    check_id: Callable[[Any], str]
    fields: Callable[[Sop, str, str], Fields]
    node: Callable[[Any, str, str], NodeUpdate]

    def ids(self, entries: Sequence[Any]) -> list[str]:
        """The ids of a catalog's entries, in order."""
        return list(entries) if self.model is None else [entry.id for entry in entries]


def _swap(value: Any, old: str, new: str) -> Any:
    return new if value == old else value


def _with_id(items: Sequence[Any], old: str, new: str) -> list[Any]:
    return [item.model_copy(update={"id": new}) if item.id == old else item for item in items]


def _component_fields(doc: Sop, old: str, new: str) -> Fields:
    return {"components": renamed_dependencies(doc.components, old, new)}


def _component_node(node: Any, old: str, new: str) -> NodeUpdate:
    restores = getattr(node, "restores", ())
    if not any(restore.component == old for restore in restores):
        return {}
    return {"restores": renamed_restores(node.id, restores, old, new)}


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
        return {"role": new}
    if node.kind == "gate" and any(rule.role == old for rule in node.approval.rules):
        rules = [
            rule.model_copy(update={"role": new}) if rule.role == old else rule
            for rule in node.approval.rules
        ]
        return {"approval": node.approval.model_copy(update={"rules": rules})}
    return {}


def _metric_fields(doc: Sop, old: str, new: str) -> Fields:
    return {"metrics": _with_id(doc.metrics, old, new)}


def _metric_node(node: Any, old: str, new: str) -> NodeUpdate:
    """A trigger's metric, or the metric and baseline criteria of a gate or check."""
    if node.kind == "trigger":
        return {"metric": new} if node.metric == old else {}
    criteria = getattr(node, "criteria", ())
    if not any(getattr(criterion, "metric", None) == old for criterion in criteria):
        return {}
    return {
        "criteria": [
            c.model_copy(update={"metric": new}) if getattr(c, "metric", None) == old else c
            for c in criteria
        ]
    }


TIER_OPTIONS: dict[str, tuple[str, str]] = {
    "high-tier-needs-independent-approval": ("tier", "value"),
    "required-artifacts": ("artifacts", "keys"),
}
"""The validation rule options (in the document's ``lint``) that name risk tiers: ``(option,
how)``, as its value or as the keys of its table."""


def _tier_option(where: str, value: Any, how: str, old: str, new: str) -> Any:
    if how == "value":
        return _swap(value, old, new)
    if not isinstance(value, dict) or old not in value:
        return value
    if new in value:
        raise ValueError(
            f"the lint option {where} has an entry for tier {old!r} and for {new!r}; merge "
            "them into one entry first"
        )
    return {(new if tier == old else tier): items for tier, items in value.items()}


def _renamed_lint(lint: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    renamed = dict(lint)
    for rule_id, (option, how) in TIER_OPTIONS.items():
        setting = lint.get(rule_id)
        extra = getattr(setting, "model_extra", None) or {}
        if option not in extra:
            continue
        value = _tier_option(f"{rule_id}.{option}", extra[option], how, old, new)
        if value != extra[option]:
            data = setting.model_dump(exclude_unset=True)  # type: ignore[union-attr]
            renamed[rule_id] = type(setting).model_validate({**data, option: value})
    return renamed


def _tier_fields(doc: Sop, old: str, new: str) -> Fields:
    """The tier list, and the lint options that name a tier (see :data:`TIER_OPTIONS`)."""
    fields: Fields = {"tiers": [_swap(tier, old, new) for tier in doc.tiers]}
    lint = _renamed_lint(doc.lint, old, new)
    if lint != doc.lint:
        fields["lint"] = lint
    return fields


def _with_tier(items: Sequence[Any], old: str, new: str) -> list[Any] | None:
    """``items`` (approval rules or criteria) with ``old`` written ``new`` in their
    ``tiers`` (once: a list naming both keeps one); None when none of them lists ``old``."""
    if not any(old in (item.tiers or ()) for item in items):
        return None
    return [
        item.model_copy(
            update={"tiers": list(dict.fromkeys(_swap(t, old, new) for t in item.tiers))}
        )
        if old in (item.tiers or ())
        else item
        for item in items
    ]


def _tier_node(node: Any, old: str, new: str) -> NodeUpdate:
    """The ``tiers`` of a gate's approval rules, and of a gate's or check's criteria."""
    update: NodeUpdate = {}
    if node.kind == "gate" and (rules := _with_tier(node.approval.rules, old, new)):
        update["approval"] = node.approval.model_copy(update={"rules": rules})
    if criteria := _with_tier(getattr(node, "criteria", ()), old, new):
        update["criteria"] = criteria
    return update


RENAMINGS: dict[str, Renaming] = {
    "components": Renaming("component", Component, check_slug, _component_fields, _component_node),
    "roles": Renaming("role", Role, check_slug, _role_fields, _role_node),
    "metrics": Renaming("metric", Metric, check_key, _metric_fields, _metric_node),
    "tiers": Renaming("tier", None, check_slug, _tier_fields, _tier_node),
}
"""Each catalog whose entries are renamed with their references, by document field."""


def _record(renaming: Renaming, item: Any) -> dict[str, Any] | None:
    """A catalog item as plain data with its defaults filled in (None when it is not one)."""
    model = renaming.model
    try:
        if model is None:
            return {"id": renaming.check_id(item)}
        valid = (
            item
            if isinstance(item, model)
            else model.model_validate(item.model_dump() if isinstance(item, BaseModel) else item)
        )
    except ValueError:  # a ValidationError too
        return None
    return valid.model_dump()


def renamed_entry(catalog: str, before: Sequence[Any], after: Any) -> tuple[str, str] | None:
    """``(old id, new id)`` when ``after`` is the catalog ``before`` with one entry's id
    changed and nothing else (the catalog table's id cell typed into), else None."""
    renaming = RENAMINGS.get(catalog)
    if renaming is None or not isinstance(after, list) or len(before) != len(after):
        return None
    old_records = [_record(renaming, item) for item in before]
    new_records = [_record(renaming, item) for item in after]
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
