"""A gate with two approval rules for one role (as a role rename can leave behind) is a
warning that names the gate and the role and says to merge them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.compiler.compile import compile_spec
from app.model.document import Sop
from app.model.templates import load_template, template_text
from app.runtime.approvals import ApprovalPolicy, evaluate_approvals
from app.spec.evidence import ApprovalRecord
from app.spec.timestamps import parse_timestamp
from app.validate.engine import validate

RULE = "approval-role-twice"


def with_rules(rules: list[dict[str, Any]], mode: str = "all") -> Sop:
    """startup-lightweight with the release gate's approval rules replaced."""
    data = json.loads(template_text("startup-lightweight"))
    gate = next(n for n in data["nodes"] if n["id"] == "release-gate")
    gate["approval"].update(rules=rules, mode=mode)
    return Sop.model_validate(data)


def found(doc: Sop) -> list[tuple[str, tuple[str, ...], str | None, str]]:
    return [(d.severity, d.elements, d.where, d.message) for d in validate(doc) if d.rule == RULE]


def test_two_rules_for_one_role_are_a_warning_naming_the_gate_and_the_role() -> None:
    doc = with_rules([{"role": "ml-lead"}, {"role": "on-call"}, {"role": "ml-lead", "count": 2}])
    assert found(doc) == [
        (
            "warning",
            ("release-gate",),
            "$.nodes[3].approval.rules[2]",
            "gate 'Release gate' has 2 approval rules for role 'ml-lead' (counts 1 and 2) for "
            "tier(s) low, high, whose counts add up; merge them into one rule with the count "
            "wanted",
        )
    ]


def test_under_mode_any_the_message_says_the_smallest_count_promotes() -> None:
    doc = with_rules([{"role": "ml-lead", "count": 2}, {"role": "ml-lead"}], mode="any")
    [(_severity, _elements, _where, message)] = found(doc)
    assert "(counts 2 and 1)" in message and "the smallest alone promotes" in message


@pytest.mark.parametrize(
    "rules",
    [
        [{"role": "ml-lead"}, {"role": "security-champion", "tiers": ["high"]}],  # the template
        [{"role": "ml-lead", "count": 2}, {"role": "on-call"}, {"role": "ml-engineer"}],
        # One role, a different count for each tier: nothing to merge.
        [{"role": "ml-lead", "tiers": ["low"]}, {"role": "ml-lead", "count": 2, "tiers": ["high"]}],
        [{"role": "ml-lead"}],
        [],
    ],
)
def test_distinct_roles_or_tiers_are_not_reported(rules: list[dict[str, Any]]) -> None:
    assert found(with_rules(rules)) == []


def test_only_the_tiers_both_rules_apply_to_and_only_those_rules_are_named() -> None:
    doc = with_rules(
        [
            {"role": "ml-lead", "tiers": ["low"]},
            {"role": "ml-lead", "count": 2, "tiers": ["high"]},
            {"role": "ml-lead", "count": 3, "tiers": ["high"]},
        ]
    )
    [(_severity, _elements, where, message)] = found(doc)
    assert "2 approval rules for role 'ml-lead' (counts 2 and 3) for tier(s) high," in message
    assert where == "$.nodes[3].approval.rules[2]"


def test_role_ids_are_compared_as_written_since_no_other_spelling_loads() -> None:
    """``check`` looks roles up exactly; a role id in another case or with an invisible
    character is refused on load, so no two spellings of one role reach the rule."""
    for spelling in ("ML-Lead", "ml-lead\u200b", "ml\u2011lead", " ml-lead"):
        with pytest.raises(ValidationError):
            with_rules([{"role": "ml-lead"}, {"role": spelling}])


def test_the_runtime_adds_the_counts_up_as_the_message_says() -> None:
    """Two rules of count 1 for ml-lead: one ml-lead approval leaves the gate short."""
    champion = {"role": "security-champion", "tiers": ["high"]}
    doc = with_rules([{"role": "ml-lead"}, champion, {"role": "ml-lead"}])
    assert [d.rule for d in validate(doc) if d.severity == "error"] == []
    spec = compile_spec(doc)
    gate = spec.gate("release-gate")
    assert gate is not None
    policy = ApprovalPolicy.of(spec, gate, "low", "ana")
    at = parse_timestamp("2026-11-20T12:00:00Z")
    record = {"by": "eli", "role": "ml-lead", "decision": "approve", "at": "2026-11-20T10:00:00Z"}
    one = evaluate_approvals(policy, [ApprovalRecord.model_validate(record)], at)
    assert one.status != "satisfied" and one.short
    two = [ApprovalRecord.model_validate(record | {"by": by}) for by in ("eli", "fay")]
    assert evaluate_approvals(policy, two, at).status == "satisfied"


def test_a_role_rename_onto_a_gates_other_rule_is_reported() -> None:
    """The gate already asked for the (then undefined) role ``release-manager``; renaming
    ``ml-lead`` to it mends that reference and leaves two rules for one role."""
    doc = load_template("startup-lightweight")
    approval = doc.node("release-gate").approval.model_dump()
    approval["rules"].append({"role": "release-manager", "count": 2})
    doc.set_field("release-gate", "approval", approval)
    assert found(doc) == []
    doc.rename_entry("roles", "ml-lead", "release-manager")
    [(_severity, elements, _where, message)] = found(doc)
    assert elements == ("release-gate",) and "role 'release-manager'" in message
