"""The components catalog and what rollbacks restore: model, rules, graph, compiler, monitor."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.compiler.compile import compile_data
from app.model.document import Sop
from app.model.errors import IllegalConnectionError
from app.model.io import dumps_document
from app.model.templates import template_text
from app.runtime.monitor import plan_json
from app.spec.schema import GateSpec
from app.validate.engine import validate

Data = dict[str, Any]


def data() -> Data:
    return json.loads(template_text("rollback-procedure"))


def node(d: Data, node_id: str) -> Data:
    return next(n for n in d["nodes"] if n["id"] == node_id)


def rules(d: Data) -> list[tuple[str, tuple[str, ...]]]:
    return [(x.rule, x.elements) for x in validate(Sop.model_validate(d))]


def test_components_and_restores_round_trip() -> None:
    text = template_text("rollback-procedure")
    doc = Sop.model_validate_json(text)
    assert [c.kind for c in doc.components] == [
        "feature-pipeline",
        "dataset",
        "model",
        "configuration",
        "api",
    ]
    assert doc.node("bias-detected").restores[0].source == "dataset-version"
    assert dumps_document(Sop.model_validate_json(dumps_document(doc))) == text


def test_an_older_document_without_them_loads_and_saves_without_them() -> None:
    d = data()
    del d["components"]
    for n in d["nodes"]:
        n.pop("restores", None)
    doc = Sop.model_validate(d)
    assert doc.components == []
    saved = dumps_document(doc)
    assert '"components"' not in saved and '"restores"' not in saved


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        (("components", 0, "id"), "Model", "not a valid id"),
        (("components", 0, "id"), "mod\u200bel", "not a valid id"),
        (("components", 0, "kind"), "database", "'model'"),
        (("components", 0, "owner"), "$(rm -rf /)", "not a valid id"),
        (("components", 2, "depends_on"), ["training-data", "training-data"], "listed twice"),
        (("restores", 0, "ref"), "model@x\n--force", "line break"),
        (("restores", 0, "ref"), "model\u202e@x", "bidirectional"),
        (("restores", 0, "ref"), "a\x00b", "NUL"),
        (("restores", 0, "ref"), "", "empty"),
        (("restores", 0, "source"), "svn", "'git-ref'"),
        (("restores", 0, "component"), "${{ secrets.X }}", "not a valid id"),
    ],
)
def test_hostile_values_are_refused_with_their_place(
    where: tuple[Any, ...], value: Any, said: str
) -> None:
    d = data()
    if where[0] == "components":
        d["components"][where[1]][where[2]] = value
    else:
        node(d, "accuracy-drop")["restores"][where[1]][where[2]] = value
    with pytest.raises(ValidationError) as refused:
        Sop.model_validate(d)
    assert said.lower() in str(refused.value).lower()
    assert where[-1] in str(refused.value)


def test_duplicate_components_and_twice_restored_are_refused() -> None:
    d = data()
    d["components"].append(dict(d["components"][0]))
    with pytest.raises(ValueError, match="component id 'inference-data' is used twice"):
        Sop.model_validate(d)
    d = data()
    restores = node(d, "system-errors")["restores"]
    restores.append(dict(restores[0]))
    with pytest.raises(ValidationError, match="restored twice"):
        Sop.model_validate(d)


def test_the_owner_must_be_a_role() -> None:
    d = data()
    d["components"][0]["owner"] = "data-team"
    assert rules(d) == [("role-defined", ("inference-data",))]


def test_a_component_depending_on_itself_or_on_nothing_known() -> None:
    d = data()
    d["components"][0]["depends_on"] = ["inference-data", "warehouse"]
    found = validate(Sop.model_validate(d))
    assert [(x.rule, x.elements) for x in found] == [
        ("component-defined", ("inference-data",)),
        ("component-defined", ("inference-data",)),
    ]
    messages = " | ".join(x.message for x in found)
    assert "depends on itself" in messages and "'warehouse'" in messages


def test_order_counts_dependencies_through_components_not_restored() -> None:
    # model-api needs model, which needs training-data: the data comes before the API.
    d = data()
    node(d, "latency-spike")["restores"] = [
        {"component": "model-api", "source": "git-ref", "ref": "refs/tags/api-last-good"},
        {"component": "training-data", "source": "dataset-version", "ref": "td@1"},
    ]
    (found,) = validate(Sop.model_validate(d))
    assert (found.rule, found.elements) == ("restore-order", ("latency-spike",))
    assert "'Model API' before 'Training dataset'" in found.message
    assert "restore 'Training dataset' first" in found.message


def test_a_non_production_rollback_may_restore_nothing() -> None:
    d = json.loads(template_text("automated-pipeline"))
    node(d, "canary-errors-high").pop("restores")
    assert rules(d) == [("production-rollback-restores", ("canary-errors-high",))]
    node(d, "canary")["environment"] = "staging"
    assert "production-rollback-restores" not in {rule for rule, _e in rules(d)}


def test_review_after_the_check_is_a_valid_runbook_and_compiles_marked() -> None:
    doc = Sop.model_validate_json(template_text("rollback-procedure"))
    assert validate(doc) == []
    spec = compile_data(doc)
    policy = next(p for p in spec["rollback"] if p["id"] == "accuracy-drop")
    assert [(a["id"], a.get("after_checks")) for a in policy["actions"]][-2:] == [
        ("acc-verify", None),
        ("acc-learn", True),
    ]
    assert policy["restores"] == [
        {"component": "model", "source": "registry-alias", "ref": "model@previous-stable"}
    ]
    assert spec["components"][2]["depends_on"] == ["training-data", "inference-data"]


def test_a_runbook_must_still_pass_a_check_before_its_target() -> None:
    doc = Sop.model_validate_json(template_text("rollback-procedure"))
    doc.disconnect("acc-verify-then-acc-check")
    doc.disconnect("acc-check-then-acc-learn")
    doc.connect("acc-verify", "acc-learn", "next", "verify-then-learn")
    (found,) = [d for d in validate(doc) if d.rule == "runbook-ordered"]
    assert "without a check" in found.message
    assert found.elements == ("acc-learn",)


def test_check_to_action_and_action_to_stage_connect_but_stage_to_action_does_not() -> None:
    doc = Sop.model_validate_json(template_text("deployment-gate"))
    doc.connect("acc-verify", "acc-initiate", "next", "a")  # allowed kinds (a loop: a rule says so)
    with pytest.raises(IllegalConnectionError):
        doc.connect("production", "acc-initiate", "next", "b")


def test_triggers_sharing_a_runbook_but_restoring_differently_are_two_policies(
    small_doc: Sop,
) -> None:
    restore = {"component": "model", "source": "registry-alias", "ref": "model@older"}
    small_doc.add_node(
        {
            "kind": "trigger",
            "id": "acc-crash",
            "name": "Accuracy crash",
            "metric": "accuracy",
            "op": "<",
            "value": 0.5,
            "restores": [restore],
        }
    )
    small_doc.connect("prod", "acc-crash", "monitor")
    small_doc.connect("acc-crash", "revert", "rollback")
    first, second = compile_data(small_doc)["rollback"]
    assert (first["id"], second["id"]) == ("acc-drop", "acc-crash")
    assert second["restores"] == [restore]
    small_doc.set_field("acc-crash", "restores", small_doc.node("acc-drop").restores)
    (shared,) = compile_data(small_doc)["rollback"]
    assert [t["id"] for t in shared["triggers"]] == ["acc-drop", "acc-crash"]


def test_the_monitor_plan_lists_restores_in_order() -> None:
    spec = GateSpec.model_validate(compile_data(Sop.model_validate(data())))
    plan = next(p for p in spec.rollback if p.id == "bias-detected")
    shown = plan_json(plan)
    assert [r["component"] for r in shown["restores"]] == ["training-data", "model"]
    assert shown["actions"][-1]["after_checks"] is True
    assert "after_checks" not in shown["actions"][0]
