"""Renaming a catalog component takes every reference along: other components'
``depends_on`` and each trigger's ``restores``; undo puts back exactly what it changed."""

from __future__ import annotations

from typing import Any

import pytest

from app.model.document import Sop
from app.model.errors import DuplicateIdError, InvalidValueError, UnknownElementError
from app.model.renames import renamed_entry
from app.model.templates import load_template
from app.validate.engine import validate


def references(doc: Sop) -> dict[str, Any]:
    """Every place a component id is written, in order."""
    return {
        "catalog": [c.id for c in doc.components],
        "depends_on": {c.id: list(c.depends_on) for c in doc.components},
        "restores": {
            n.id: [r.component for r in n.restores] for n in doc.nodes if n.kind == "trigger"
        },
    }


def component_rules(doc: Sop) -> list[tuple[str, tuple[str, ...]]]:
    return [(d.rule, d.elements) for d in validate(doc) if d.rule.startswith("component")]


@pytest.mark.parametrize("template", ["deployment-gate", "rollback-procedure"])
def test_every_reference_follows_and_undo_puts_back_exactly(template: str) -> None:
    doc = load_template(template)
    named = [
        c.id
        for c in doc.components
        if any(c.id in other.depends_on for other in doc.components)
        and any(r.component == c.id for n in doc.nodes for r in getattr(n, "restores", ()))
    ]
    old = named[0]  # one that is both depended on and restored
    before, dumped = references(doc), doc.model_dump()
    assert component_rules(doc) == []
    rename = doc.rename_entry("components", old, "renamed-part")
    assert rename is not None
    after = references(doc)
    assert old not in str(after)
    swap = lambda ids: ["renamed-part" if i == old else i for i in ids]  # noqa: E731
    assert after["catalog"] == swap(before["catalog"])
    assert after["depends_on"] == {
        ("renamed-part" if k == old else k): swap(v) for k, v in before["depends_on"].items()
    }
    assert after["restores"] == {k: swap(v) for k, v in before["restores"].items()}
    assert component_rules(doc) == []  # nothing dangles: no component-defined error
    # The rest of each restore (source, safe version) and the component itself are kept.
    assert doc.component("renamed-part").name == next(
        c["name"] for c in dumped["components"] if c["id"] == old
    )
    doc.undo_rename(rename)
    assert doc.model_dump() == dumped


def test_one_event_per_changed_place() -> None:
    doc = load_template("deployment-gate")
    events: list[Any] = []
    doc.subscribe(events.append)
    doc.rename_entry("components", "model", "scoring-model")
    assert [(e.change, e.ids, e.field) for e in events] == [
        ("document-changed", (), "components"),
        ("node-changed", ("accuracy-drop",), "restores"),
        ("node-changed", ("bias-alert",), "restores"),
    ]


def test_undo_keeps_a_reference_that_dangled_before() -> None:
    """A restore naming an id missing from the catalog is fixed by renaming a component to
    it; undo takes back only the references the rename changed."""
    doc = load_template("deployment-gate")
    restores = [r.model_dump() for r in doc.node("accuracy-drop").restores]
    doc.set_field("accuracy-drop", "restores", [{**restores[0], "component": "scorer"}])
    assert ("component-defined", ("accuracy-drop",)) in component_rules(doc)
    dumped = doc.model_dump()
    rename = doc.rename_entry("components", "model", "scorer")
    assert component_rules(doc) == []
    assert [r.component for r in doc.node("bias-alert").restores][1] == "scorer"
    doc.undo_rename(rename)
    assert doc.model_dump() == dumped


@pytest.mark.parametrize(
    ("old", "new", "error", "says"),
    [
        ("model", "training-data", DuplicateIdError, "already used among the components"),
        ("model", "$(reboot)", InvalidValueError, "not a valid id"),
        ("model", "Model", InvalidValueError, "not a valid id"),
        ("model", "mod\u202eel", InvalidValueError, "not a valid id"),
        ("model", "", InvalidValueError, "not a valid id"),
        ("nothing", "other", UnknownElementError, "no component with id 'nothing'"),
    ],
)
def test_refusals_change_nothing(old: str, new: str, error: type, says: str) -> None:
    doc = load_template("deployment-gate")
    dumped = doc.model_dump()
    with pytest.raises(error, match=says.replace("(", r"\(").replace("$", r"\$")):
        doc.rename_entry("components", old, new)
    assert doc.model_dump() == dumped


def test_a_name_already_listed_next_to_it_is_refused_whole() -> None:
    """A restore list or a dependency list naming both ids would list one twice."""
    doc = load_template("deployment-gate")
    restores = [r.model_dump() for r in doc.node("bias-alert").restores]
    doc.set_field("bias-alert", "restores", [*restores, {**restores[0], "component": "scorer"}])
    dumped = doc.model_dump()
    with pytest.raises(InvalidValueError, match="'bias-alert' restores both 'model' and 'scorer'"):
        doc.rename_entry("components", "model", "scorer")
    assert doc.model_dump() == dumped
    catalog = [c.model_dump() for c in doc.components]
    catalog[3]["depends_on"] = ["model", "serving-config", "cache"]
    doc.set_document_field("components", catalog)
    with pytest.raises(InvalidValueError, match="'prediction-api' depends on both"):
        doc.rename_entry("components", "model", "cache")


def test_the_same_id_again_is_no_change() -> None:
    doc = load_template("deployment-gate")
    assert doc.rename_entry("components", "model", "model") is None


def test_a_catalog_with_only_one_id_changed_is_a_rename() -> None:
    doc = load_template("deployment-gate")
    lean = [c.model_dump(exclude_defaults=True) for c in doc.components]
    edited = [dict(c) for c in lean]
    edited[1]["id"] = "scorer"
    assert renamed_entry("components", doc.components, edited) == ("model", "scorer")
    assert renamed_entry("components", doc.components, lean) is None  # nothing changed
    edited[1]["name"] = "Scorer"
    assert renamed_entry("components", doc.components, edited) is None  # more than the id
    swapped = [dict(c) for c in lean]
    swapped[1]["id"] = "training-data"  # an id taken: the catalog refuses it, no rename
    assert renamed_entry("components", doc.components, swapped) is None
    assert renamed_entry("components", doc.components, lean[:-1]) is None  # a removal
    hostile = [dict(c) for c in lean]
    hostile[1]["id"] = "\ud800"
    assert (
        renamed_entry("components", doc.components, hostile) is None
    )  # left to the catalog's check
