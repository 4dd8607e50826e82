"""Mutator tests: break one thing in a valid template, get exactly that rule's diagnostic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.model.document import Sop
from app.model.templates import template_text
from app.validate.engine import validate
from app.validate.registry import RULES

Data = dict[str, Any]


def node(data: Data, node_id: str) -> Data:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def edge(data: Data, edge_id: str) -> Data:
    return next(e for e in data["edges"] if e["id"] == edge_id)


def role(data: Data, role_id: str) -> Data:
    return next(r for r in data["roles"] if r["id"] == role_id)


def component(data: Data, component_id: str) -> Data:
    return next(c for c in data["components"] if c["id"] == component_id)


def add_edge(data: Data, edge_id: str, source: str, target: str, kind: str) -> None:
    data["edges"].append({"id": edge_id, "source": source, "target": target, "kind": kind})


def add_gate(data: Data, gate_id: str, source: str, target: str, reject_to: str) -> None:
    data["nodes"].append(
        {
            "id": gate_id,
            "kind": "gate",
            "name": gate_id.replace("-", " ").title(),
            "criteria": [{"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9}],
            "approval": {"rules": [{"role": "ds-lead"}]},
        }
    )
    add_edge(data, f"{source}-into-{gate_id}", source, gate_id, "promote")
    add_edge(data, f"{gate_id}-onto-{target}", gate_id, target, "promote")
    add_edge(data, f"{gate_id}-back", gate_id, reject_to, "reject")


def add_stage(data: Data, stage_id: str, environment: str | None = "other") -> None:
    stage = {"id": stage_id, "kind": "stage", "name": stage_id.title()}
    if environment:
        stage["environment"] = environment
    data["nodes"].append(stage)


def second_entry(d: Data) -> None:
    add_stage(d, "sandbox")
    add_gate(d, "sandbox-gate", "sandbox", "validation", reject_to="sandbox")


def promotion_loop(d: Data) -> None:
    add_gate(d, "loop-gate", "production", "validation", reject_to="production")


def dead_end(d: Data) -> None:
    add_stage(d, "archive")
    add_gate(d, "archive-gate", "staging", "archive", reject_to="staging")


def unmonitored_production(d: Data) -> None:
    add_stage(d, "production-eu", "production")
    add_gate(d, "eu-gate", "staging", "production-eu", reject_to="staging")
    node(d, "eu-gate")["approval"]["rules"].append({"role": "compliance-officer"})


def shared_members(d: Data) -> None:
    role(d, "compliance-officer")["members"] = ["grace"]
    gate = node(d, "production-gate")
    gate["approval"]["rules"][1]["count"] = 2  # 2 security + 1 compliance from {grace, hiro}


def no_independent_high_tier(d: Data) -> None:
    for rule in node(d, "production-gate")["approval"]["rules"]:
        rule["tiers"] = ["low", "medium"]


def all_advisory(gate_id: str, *criterion_ids: str) -> Callable[[Data], None]:
    def mutate(d: Data) -> None:
        for criterion in node(d, gate_id)["criteria"]:
            if not criterion_ids or criterion["id"] in criterion_ids:
                criterion["severity"] = "advisory"

    return mutate


def five_approval_rules(d: Data) -> None:
    node(d, "production-gate")["approval"]["rules"] += [{"role": "ds-lead"}, {"role": "sre-oncall"}]


def set_(getter: Callable[[Data], Data], **changes: Any) -> Callable[[Data], None]:
    return lambda d: getter(d).update(changes)


MUTATIONS: dict[str, tuple[Callable[[Data], None], tuple[str, ...]]] = {
    "single-entry": (second_entry, ("development", "sandbox")),
    "stage-reachable": (
        lambda d: d["nodes"].append(
            {"id": "stray", "kind": "action", "name": "Stray", "role": "sre-oncall"}
        ),
        ("stray",),
    ),
    "production-reachable": (set_(lambda d: node(d, "production"), environment="other"), ()),
    "no-promotion-cycle": (
        promotion_loop,
        ("loop-gate", "production", "production-gate", "staging", "staging-gate", "validation"),
    ),
    "edge-kind-allowed": (
        lambda d: add_edge(d, "odd-monitor", "production", "acc-initiate", "monitor"),
        ("odd-monitor",),
    ),
    "no-dead-end": (dead_end, ("archive",)),
    "duplicate-name": (
        set_(lambda d: node(d, "staging"), name="Validation"),
        ("validation", "staging"),
    ),
    "gate-between-stages": (
        lambda d: add_edge(d, "extra-in", "validation", "production-gate", "promote"),
        ("production-gate",),
    ),
    "ungated-promotion": (
        lambda d: add_edge(d, "shortcut", "staging", "production", "promote"),
        ("shortcut",),
    ),
    "gate-has-criteria": (
        set_(lambda d: node(d, "validation-gate"), criteria=[]),
        ("validation-gate",),
    ),
    "gate-has-approval": (
        lambda d: node(d, "validation-gate")["approval"].update(rules=[]),
        ("validation-gate",),
    ),
    "gate-has-reject-path": (
        lambda d: d["edges"].remove(edge(d, "validation-gate-reject")),
        ("validation-gate",),
    ),
    "reject-goes-back": (
        set_(lambda d: edge(d, "staging-gate-reject"), target="production"),
        ("staging-gate-reject",),
    ),
    "production-has-rollback": (unmonitored_production, ("production-eu",)),
    "rollback-target-upstream": (
        set_(lambda d: edge(d, "production-watches-accuracy-drop"), source="staging"),
        ("accuracy-drop", "production"),
    ),
    "runbook-ordered": (
        lambda d: add_edge(d, "skip-ahead", "acc-initiate", "acc-redeploy", "next"),
        ("acc-initiate",),
    ),
    "action-has-role": (lambda d: node(d, "acc-approve").pop("role"), ("acc-approve",)),
    "production-rollback-restores": (
        lambda d: node(d, "accuracy-drop").pop("restores"),
        ("accuracy-drop",),
    ),
    "restore-order": (
        lambda d: node(d, "bias-alert")["restores"].reverse(),  # the model before its data
        ("bias-alert",),
    ),
    "component-defined": (
        lambda d: node(d, "accuracy-drop")["restores"][0].update(component="ranker"),
        ("accuracy-drop",),
    ),
    "component-dependencies-acyclic": (
        lambda d: component(d, "training-data").update(depends_on=["model"]),
        ("training-data", "model"),
    ),
    "rollback-within-sla": (
        set_(lambda d: node(d, "accuracy-drop"), max_minutes=30),
        ("accuracy-drop", "acc-initiate", "acc-approve", "acc-redeploy"),
    ),
    "role-defined": (set_(lambda d: node(d, "acc-approve"), role="ghost-role"), ("acc-approve",)),
    "role-has-members": (set_(lambda d: role(d, "product-owner"), members=[]), ("product-owner",)),
    "separation-feasible": (shared_members, ("production-gate",)),
    "approval-role-twice": (
        lambda d: node(d, "production-gate")["approval"]["rules"].append(
            {"role": "security-reviewer", "tiers": ["high"]}
        ),
        ("production-gate",),
    ),
    "person-id": (
        lambda d: role(d, "product-owner")["members"].append("Isabel Ruiz"),
        ("product-owner",),
    ),
    "member-listed-twice": (
        lambda d: role(d, "product-owner")["members"].append("ISABEL"),
        ("product-owner",),
    ),
    "bidi-control": (
        set_(lambda d: node(d, "staging"), name="Staging \u202egnigats"),
        ("staging",),
    ),
    "role-unused": (
        lambda d: d["roles"].append({"id": "auditor", "name": "Auditor", "members": ["zoe"]}),
        ("auditor",),
    ),
    "metric-defined": (
        set_(lambda d: node(d, "accuracy-drop"), metric="precision"),
        ("accuracy-drop",),
    ),
    "threshold-in-range": (
        lambda d: node(d, "staging-gate")["criteria"][0].update(value=1.5),
        ("staging-gate",),
    ),
    "threshold-direction": (
        lambda d: node(d, "staging-gate")["criteria"][0].update(op="<="),
        ("staging-gate",),
    ),
    "trigger-metric-queried": (
        # The template reads both watched metrics from Prometheus; one loses its query.
        lambda d: next(m for m in d["metrics"] if m["id"] == "demographic-parity-gap").pop(
            "sources"
        ),
        ("bias-alert",),
    ),
    "criterion-tier-known": (
        lambda d: node(d, "production-gate")["criteria"][4].update(tiers=["critical"]),
        ("production-gate",),
    ),
    "high-tier-needs-independent-approval": (no_independent_high_tier, ("production-gate",)),
    "role-independence-declared": (
        lambda d: role(d, "product-owner").pop("model_team"),
        ("product-owner",),
    ),
    "approved-needs-approval": (set_(lambda d: d, status="approved"), ()),
    "review-overdue": (set_(lambda d: d, effective_date="2000-01-31", review_months=12), ()),
    "gate-has-blocking-criterion": (all_advisory("validation-gate"), ("validation-gate",)),
    "last-gate-has-blocking-metric": (
        all_advisory("production-gate", "latency-budget", "error-budget", "strict-fairness"),
        ("production-gate",),
    ),
    "criterion-decides": (
        lambda d: node(d, "staging-gate")["criteria"][0].update(value=0),
        ("staging-gate",),
    ),
    "approval-rules-limit": (five_approval_rules, ("production-gate",)),
    "separation-of-duties-justified": (
        lambda d: node(d, "production-gate")["approval"].update(separation_of_duties=False),
        ("production-gate",),
    ),
}


def template_data() -> Data:
    return json.loads(template_text("deployment-gate"))


POLICY_RULES = {"required-artifacts", "approval-window-limit", "production-approvals-minimum"}
"""Silent until a policy sets their options: their mutations are in test_policy.py."""


def test_every_rule_has_a_mutation() -> None:
    assert set(MUTATIONS) | POLICY_RULES == set(RULES)


def test_the_template_starts_clean() -> None:
    assert validate(Sop.model_validate(template_data())) == []


@pytest.mark.parametrize("rule_id", sorted(MUTATIONS))
def test_one_break_one_diagnostic(rule_id: str) -> None:
    mutate, elements = MUTATIONS[rule_id]
    data = template_data()
    mutate(data)
    diagnostics = validate(Sop.model_validate(data))
    assert [(d.rule, d.elements) for d in diagnostics] == [(rule_id, elements)]
    (found,) = diagnostics
    assert found.severity == RULES[rule_id].severity
    assert found.message and found.fix


def test_one_person_in_two_roles_in_two_cases_counts_once(tmp_path, capsys) -> None:
    """Grace in one role and grace in another are one person, as check counts them: two
    security approvals and one compliance approval cannot come from grace and hiro."""
    from app.cli import main

    data = template_data()
    role(data, "compliance-officer")["members"] = ["Grace"]
    node(data, "production-gate")["approval"]["rules"][1]["count"] = 2
    path = tmp_path / "case.sop.json"
    path.write_text(json.dumps(data))
    assert main(["validate", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(d["rule"], d["elements"]) for d in report["diagnostics"]] == [
        ("separation-feasible", ["production-gate"])
    ]


def test_independent_approval_must_hold_under_any_mode_too() -> None:
    data = template_data()
    node(data, "production-gate")["approval"].update(
        mode="any", rules=[{"role": "ds-lead"}, {"role": "compliance-officer"}]
    )
    found = validate(Sop.model_validate(data))
    assert ("high-tier-needs-independent-approval", ("production-gate",)) in [
        (d.rule, d.elements) for d in found
    ]


def test_every_gate_into_production_needs_independent_approval() -> None:
    data = template_data()
    add_gate(data, "fast-track", "validation", "production", reject_to="validation")
    found = validate(Sop.model_validate(data))
    assert [(d.rule, d.elements) for d in found if d.severity == "error"] == [
        ("high-tier-needs-independent-approval", ("fast-track",))
    ]


def not_info(data: Data) -> list[tuple[str, tuple[str, ...]]]:
    found = validate(Sop.model_validate(data))
    return [(d.rule, d.elements) for d in found if d.severity != "info"]


def test_independence_comes_from_the_declaration_not_the_name() -> None:
    """Renaming the builders does not make them independent; declaring does."""
    data = template_data()
    data["roles"].append(
        {"id": "builders", "name": "Model builders", "members": ["zoe"], "model_team": True}
    )
    gate = node(data, "production-gate")
    gate["approval"]["rules"] = [{"role": "builders"}]
    found = not_info(data)
    assert found == [("high-tier-needs-independent-approval", ("production-gate",))]
    # A role called "Friends of builders" with no declaration is neither independent nor quiet.
    data["roles"].append({"id": "friends", "name": "Friends of builders", "members": ["zed"]})
    gate["approval"]["rules"] = [{"role": "builders"}, {"role": "friends"}]
    found = not_info(data)
    assert ("high-tier-needs-independent-approval", ("production-gate",)) in found
    assert ("role-independence-declared", ("friends",)) in found
    data["roles"][-1]["model_team"] = False
    found = not_info(data)
    assert found == []


def test_an_independent_role_sharing_a_member_with_the_team_is_not_independent() -> None:
    data = template_data()
    role(data, "compliance-officer")["members"].append("DMITRI")  # an ML engineer
    node(data, "production-gate")["approval"]["rules"] = [
        {"role": "product-owner"},
        {"role": "compliance-officer", "tiers": ["high"]},
    ]
    role(data, "product-owner")["model_team"] = True
    found = not_info(data)
    assert found == [("high-tier-needs-independent-approval", ("production-gate",))]


def test_a_baseline_criterion_pointing_the_wrong_way_is_a_warning() -> None:
    data = template_data()
    node(data, "staging-gate")["criteria"][2]["op"] = "<="
    found = validate(Sop.model_validate(data))
    assert [(d.rule, d.elements) for d in found] == [("threshold-direction", ("staging-gate",))]


def test_a_misspelt_suppression_is_reported() -> None:
    data = template_data()
    node(data, "staging")["suppress"] = ["no-such-rule"]
    found = validate(Sop.model_validate(data))
    assert [(d.rule, d.elements) for d in found] == [("lint-config", ("staging",))]
