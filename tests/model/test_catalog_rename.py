"""Renaming a role, a metric or a risk tier in its catalog takes every reference along
(approval rules, actions, component owners; criteria and triggers; the tiers of approval
rules and criteria, and lint options naming a tier), as one change that undo puts back."""

from __future__ import annotations

from typing import Any

import pytest

from app.model.document import Sop
from app.model.errors import DuplicateIdError, InvalidValueError, UnknownElementError
from app.model.io import dumps_document
from app.model.renames import renamed_entry
from app.model.templates import load_template
from app.validate.engine import validate


def role_references(doc: Sop) -> dict[str, Any]:
    """Every place a role id is written, by where."""
    return {
        "catalog": [r.id for r in doc.roles],
        "owners": [c.owner for c in doc.components],
        "actions": {n.id: n.role for n in doc.nodes if n.kind == "action"},
        "approvals": {
            n.id: [r.role for r in n.approval.rules] for n in doc.nodes if n.kind == "gate"
        },
    }


def metric_references(doc: Sop) -> dict[str, Any]:
    """Every place a metric id is written, by where."""
    return {
        "catalog": [m.id for m in doc.metrics],
        "triggers": {n.id: n.metric for n in doc.nodes if n.kind == "trigger"},
        "criteria": {
            n.id: [getattr(c, "metric", None) for c in n.criteria]
            for n in doc.nodes
            if n.kind in ("gate", "check")
        },
    }


def tier_references(doc: Sop) -> dict[str, Any]:
    """Every place a tier id is written, by where."""
    return {
        "catalog": list(doc.tiers),
        "approvals": {
            n.id: [r.tiers for r in n.approval.rules] for n in doc.nodes if n.kind == "gate"
        },
        "criteria": {
            n.id: [c.tiers for c in n.criteria] for n in doc.nodes if n.kind in ("gate", "check")
        },
        "lint": [  # the artifacts table's keys as a list, so that swapped() reaches them
            [rule, [list(pair) for pair in value.items()] if isinstance(value, dict) else value]
            for rule, setting in doc.model_dump(mode="json", exclude_unset=True)
            .get("lint", {})
            .items()
            for value in ([setting] if isinstance(setting, str) else setting.values())
        ],
    }


def dangling(doc: Sop) -> list[tuple[str, tuple[str, ...]]]:
    rules = ("role-defined", "metric-defined", "criterion-tier-known")
    return [(d.rule, d.elements) for d in validate(doc) if d.rule in rules]


def swapped(value: Any, old: str, new: str) -> Any:
    """``value`` with every ``old`` string inside it written ``new``."""
    if isinstance(value, dict):
        return {k: swapped(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [swapped(v, old, new) for v in value]
    return new if value == old else value


CASES = [
    ("roles", "deployment-gate", "ml-engineer", role_references),  # owner, actions, approvals
    ("roles", "rollback-procedure", "platform-engineer", role_references),
    ("roles", "startup-lightweight", "ml-lead", role_references),
    ("metrics", "deployment-gate", "accuracy", metric_references),  # trigger, gates, check
    ("metrics", "rollback-procedure", "latency-p95-ms", metric_references),
    ("metrics", "startup-lightweight", "error-rate", metric_references),
    ("tiers", "deployment-gate", "high", tier_references),  # approvals and criteria
    ("tiers", "continuous-quality-gates", "medium", tier_references),  # and a check's
    ("tiers", "startup-lightweight", "high", tier_references),
    ("tiers", "internal-productivity-tool", "low", tier_references),
]


@pytest.mark.parametrize(("catalog", "template", "old", "references"), CASES)
def test_every_reference_follows_and_undo_redo_are_byte_identical(
    catalog: str, template: str, old: str, references: Any
) -> None:
    doc = load_template(template)
    new = "renamed_one" if catalog == "metrics" else "renamed-one"
    if catalog == "tiers":  # the lint options that name a tier follow too
        other = next(tier for tier in doc.tiers if tier != old)
        lint = {
            "high-tier-needs-independent-approval": {"level": "warning", "tier": old},
            "required-artifacts": {"artifacts": {other: [], old: ["model-card"]}},
            "role-unused": "off",
        }
        doc = Sop.model_validate({**doc.model_dump(exclude_unset=True), "lint": lint})
    before, text = references(doc), dumps_document(doc)
    assert dangling(doc) == []
    rename = doc.rename_entry(catalog, old, new)
    assert rename is not None
    after = references(doc)
    assert after == swapped(before, old, new) and after != before
    assert swapped(after, old, "?") == after  # no reference names the old id any more
    assert dangling(doc) == []  # nothing dangles: no role-defined or metric-defined error
    renamed_text = dumps_document(doc)
    doc.undo_rename(rename)
    assert dumps_document(doc) == text
    redo = doc.rename_entry(catalog, old, new)
    assert dumps_document(doc) == renamed_text and redo == rename


def test_a_role_rename_announces_each_changed_place_once() -> None:
    doc = load_template("startup-lightweight")
    events: list[Any] = []
    doc.subscribe(events.append)
    doc.rename_entry("roles", "on-call", "sre")
    assert [(e.change, e.ids, e.field) for e in events] == [
        ("document-changed", (), "roles"),
        ("document-changed", (), "components"),  # api-service's owner
        ("node-changed", ("err-rollback",), "role"),
        ("node-changed", ("err-notes",), "role"),
        ("node-changed", ("lat-rollback",), "role"),
    ]
    events.clear()
    doc.rename_entry("metrics", "accuracy", "acc")
    assert [(e.change, e.ids, e.field) for e in events] == [
        ("document-changed", (), "metrics"),
        ("node-changed", ("review-gate",), "criteria"),
        ("node-changed", ("release-gate",), "criteria"),
    ]


def test_risk_tiers_and_criterion_ids_that_read_like_the_id_stay() -> None:
    """A role called like a risk tier: approval rules' and criteria's ``tiers`` are tiers,
    not roles; a criterion or check named like a metric is no reference to it."""
    doc = load_template("startup-lightweight")
    roles = [r.model_dump() for r in doc.roles]
    doc.set_document_field("roles", [*roles, {"id": "high", "name": "High risk board"}])
    approval = doc.node("release-gate").approval.model_dump()
    approval["rules"].append({"role": "high", "tiers": ["high"]})
    doc.set_field("release-gate", "approval", approval)
    criteria = [c.model_dump(exclude_none=True) for c in doc.node("release-gate").criteria]
    criteria.append({"id": "accuracy", "check": "accuracy"})
    doc.set_field("release-gate", "criteria", criteria)
    doc.rename_entry("roles", "high", "risk-board")
    gate = doc.node("release-gate")
    assert [(r.role, r.tiers) for r in gate.approval.rules][-1] == ("risk-board", ["high"])
    assert [r.tiers for r in gate.approval.rules][1] == ["high"]  # security-champion's rule
    assert doc.tiers == ["low", "high"]
    assert [c.tiers for c in gate.criteria if c.id == "model-card-required"] == [["high"]]
    doc.rename_entry("metrics", "accuracy", "top1")
    gate = doc.node("release-gate")
    assert (gate.criteria[-1].id, gate.criteria[-1].check) == ("accuracy", "accuracy")
    assert [c.metric for c in gate.criteria if c.id == "accuracy-floor"] == ["top1"]


@pytest.mark.parametrize(
    ("catalog", "old", "new", "field", "node"),
    [
        ("roles", "ml-lead", "release-manager", "role", "lat-triage"),
        ("metrics", "accuracy", "top1_accuracy", "metric", "error-spike"),
    ],
)
def test_undo_keeps_a_reference_that_already_named_the_new_id(
    catalog: str, old: str, new: str, field: str, node: str
) -> None:
    """A reference to an id missing from the catalog is mended by renaming an entry to it;
    undo takes back only the references the rename changed, so it dangles again."""
    doc = load_template("startup-lightweight")
    doc.set_field(node, field, new)
    assert any(elements == (node,) for _rule, elements in dangling(doc))
    text = dumps_document(doc)
    rename = doc.rename_entry(catalog, old, new)
    assert rename is not None and dangling(doc) == []
    doc.undo_rename(rename)
    assert dumps_document(doc) == text
    assert getattr(doc.node(node), field) == new


@pytest.mark.parametrize(
    ("catalog", "old", "new", "error", "says"),
    [
        ("roles", "ml-lead", "on-call", DuplicateIdError, "already used among the roles"),
        ("roles", "ml-lead", "ML-Lead", InvalidValueError, "not a valid id"),
        ("roles", "ml-lead", "ml\u202elead", InvalidValueError, "not a valid id"),
        ("roles", "ml-lead", "$(x)", InvalidValueError, "not a valid id"),
        ("roles", "ml-lead", "", InvalidValueError, "not a valid id"),
        ("roles", "ml_lead", "x", UnknownElementError, "no role with id 'ml_lead'"),
        ("metrics", "accuracy", "error-rate", DuplicateIdError, "already used among the metrics"),
        ("metrics", "accuracy", "Accuracy", InvalidValueError, "not a valid name"),
        ("metrics", "accuracy", "acc\u2067uracy", InvalidValueError, "not a valid name"),
        ("metrics", "accuracy", "$(x)", InvalidValueError, "not a valid name"),
        ("metrics", "accuracy", "", InvalidValueError, "not a valid name"),
        ("metrics", "nothing", "x", UnknownElementError, "no metric with id 'nothing'"),
        ("tiers", "low", "high", DuplicateIdError, "already used among the tiers"),
        ("tiers", "low", "High", InvalidValueError, "not a valid id"),
        ("tiers", "low", "lo\u200bw", InvalidValueError, "not a valid id"),
        ("tiers", "low", '"lowest"', InvalidValueError, "not a valid id"),
        ("tiers", "low", "lo\x00w", InvalidValueError, "not a valid id"),
        ("tiers", "low", "\ud800", InvalidValueError, "not a valid id"),
        ("tiers", "medium", "x", UnknownElementError, "no tier with id 'medium'"),
        ("definitions", "x", "y", InvalidValueError, "not a catalog whose ids can be renamed"),
    ],
)
def test_refusals_change_nothing(catalog: str, old: str, new: str, error: type, says: str) -> None:
    doc = load_template("startup-lightweight")
    text = dumps_document(doc)
    with pytest.raises(error, match=says.replace("(", r"\(").replace("$", r"\$")):
        doc.rename_entry(catalog, old, new)
    assert dumps_document(doc) == text


def test_the_same_id_again_is_no_change() -> None:
    doc = load_template("startup-lightweight")
    assert doc.rename_entry("roles", "ml-lead", "ml-lead") is None
    assert doc.rename_entry("metrics", "accuracy", "accuracy") is None
    assert doc.rename_entry("tiers", "low", "low") is None


@pytest.mark.parametrize("catalog", ["roles", "metrics"])
def test_a_catalog_with_only_one_id_changed_is_a_rename(catalog: str) -> None:
    doc = load_template("startup-lightweight")
    entries = getattr(doc, catalog)
    lean = [e.model_dump(exclude_defaults=True) for e in entries]
    edited = [dict(e) for e in lean]
    edited[1]["id"] = "renamed"
    assert renamed_entry(catalog, entries, edited) == (entries[1].id, "renamed")
    assert renamed_entry(catalog, entries, lean) is None  # nothing changed
    edited[1]["name"] = "Renamed"
    assert renamed_entry(catalog, entries, edited) is None  # more than the id
    taken = [dict(e) for e in lean]
    taken[1]["id"] = entries[0].id  # an id taken: the catalog refuses it, no rename
    assert renamed_entry(catalog, entries, taken) is None
    assert renamed_entry(catalog, entries, lean[:-1]) is None  # a removal
    hostile = [dict(e) for e in lean]
    hostile[1]["id"] = "\ud800"
    assert renamed_entry(catalog, entries, hostile) is None  # left to the catalog's check
    assert renamed_entry("definitions", doc.definitions, []) is None


def test_a_tier_list_with_only_one_tier_changed_is_a_rename() -> None:
    tiers = ["low", "medium", "high"]
    assert renamed_entry("tiers", tiers, ["low", "moderate", "high"]) == ("medium", "moderate")
    assert renamed_entry("tiers", tiers, list(tiers)) is None  # nothing changed
    assert renamed_entry("tiers", tiers, ["low", "high", "medium"]) is None  # a move
    assert renamed_entry("tiers", tiers, ["low", "low", "high"]) is None  # an id taken
    assert renamed_entry("tiers", tiers, ["low", "medium"]) is None  # a removal
    for hostile in ("Medium", "me\u200bdium", "\ud800", "'medium'", "", None):
        assert renamed_entry("tiers", tiers, ["low", hostile, "high"]) is None


def test_a_list_naming_both_ids_gets_the_new_one_twice_and_undo_tells_them_apart() -> None:
    """A gate with rules for the old role and for the (missing) new one, and criteria on
    the old metric and the (missing) new one: the rename makes both name the new id; undo
    puts back which was which."""
    doc = load_template("startup-lightweight")
    approval = doc.node("release-gate").approval.model_dump()
    approval["rules"].append({"role": "release-manager", "count": 2})
    doc.set_field("release-gate", "approval", approval)
    criteria = [c.model_dump(exclude_none=True) for c in doc.node("release-gate").criteria]
    criteria.append({"id": "top1", "metric": "top1", "op": ">=", "value": 0.5})
    doc.set_field("release-gate", "criteria", criteria)
    text = dumps_document(doc)
    roles = doc.rename_entry("roles", "ml-lead", "release-manager")
    metrics = doc.rename_entry("metrics", "accuracy", "top1")
    assert roles is not None and metrics is not None
    gate = doc.node("release-gate")
    assert [(r.role, r.count) for r in gate.approval.rules] == [
        ("release-manager", 1),
        ("security-champion", 1),
        ("release-manager", 2),
    ]
    assert [c.metric for c in gate.criteria if c.form == "metric"] == [
        "latency-p95-ms",
        "top1",
        "top1",
    ]
    assert dangling(doc) == []
    doc.undo_rename(metrics)
    doc.undo_rename(roles)
    assert dumps_document(doc) == text


def test_a_tiers_list_naming_both_ids_keeps_the_new_one_once_and_undo_puts_both_back() -> None:
    """A criterion for the old tier and a (missing) new one: after the rename it lists the
    new tier once (a list naming a tier twice is refused on load); undo restores both."""
    doc = load_template("startup-lightweight")
    criteria = [c.model_dump(exclude_none=True) for c in doc.node("release-gate").criteria]
    criteria[0]["tiers"] = ["critical", "high"]
    doc.set_field("release-gate", "criteria", criteria)
    assert ("criterion-tier-known", ("release-gate",)) in dangling(doc)
    text = dumps_document(doc)
    rename = doc.rename_entry("tiers", "high", "critical")
    assert rename is not None and dangling(doc) == []
    assert doc.node("release-gate").criteria[0].tiers == ["critical"]
    Sop.model_validate_json(dumps_document(doc))  # what it saves loads again
    doc.undo_rename(rename)
    assert dumps_document(doc) == text


def test_a_lint_table_naming_both_tiers_refuses_the_rename_and_changes_nothing() -> None:
    doc = load_template("startup-lightweight")
    lint = {"required-artifacts": {"artifacts": {"high": ["model-card"], "critical": []}}}
    doc = Sop.model_validate({**doc.model_dump(exclude_unset=True), "lint": lint})
    text = dumps_document(doc)
    with pytest.raises(
        InvalidValueError,
        match=r"required-artifacts\.artifacts has an entry for tier 'high' and for 'critical'",
    ):
        doc.rename_entry("tiers", "high", "critical")
    assert dumps_document(doc) == text


def test_the_lint_options_a_tier_rename_rewrites_are_those_rules_options() -> None:
    from app.model.renames import TIER_OPTIONS
    from app.validate.registry import RULES

    assert all(option in RULES[rule].options for rule, (option, _how) in TIER_OPTIONS.items())


def test_a_tier_rename_announces_each_changed_place_once() -> None:
    doc = load_template("startup-lightweight")
    events: list[Any] = []
    doc.subscribe(events.append)
    doc.rename_entry("tiers", "high", "critical")
    assert [(e.change, e.ids, e.field) for e in events] == [
        ("document-changed", (), "tiers"),
        ("node-changed", ("release-gate",), "approval"),
        ("node-changed", ("release-gate",), "criteria"),
    ]
