"""Governance rules: weak gates, criteria that decide nothing, unjustified self-approval."""

from __future__ import annotations

import math

import pytest

from app.model.document import Sop
from app.validate.engine import validate
from app.validate.rules.governance import criterion_verdict
from tests.validate.test_rule_mutations import node, template_data

INF = math.inf


@pytest.mark.parametrize(
    ("op", "value", "low", "high", "verdict"),
    [
        (">=", 0, 0, 1, "never fails"),
        (">=", 0.5, 0, 1, None),
        (">", 1, 0, 1, "always fails"),
        ("<=", 1, 0, 1, "never fails"),
        ("<", 0, 0, 1, "always fails"),
        ("<=", 250, 0, INF, None),  # an unbounded metric can always exceed the threshold
        (">=", 0, 0, INF, "never fails"),
        ("==", 0.5, 0, 1, None),
        ("==", 1, 1, 1, "never fails"),
        ("!=", 1, 1, 1, "always fails"),
        (">=", -5, -INF, INF, None),
    ],
)
def test_criterion_verdict(op: str, value: float, low: float, high: float, verdict: str) -> None:
    assert criterion_verdict(op, value, low, high) == verdict


def rules_of(data: dict) -> list[tuple[str, tuple[str, ...]]]:
    return [(d.rule, d.elements) for d in validate(Sop.model_validate(data))]


def test_a_written_justification_allows_self_approval() -> None:
    data = template_data()
    gate = node(data, "production-gate")
    gate["approval"]["separation_of_duties"] = False
    gate["separation_justification"] = "   "
    assert rules_of(data) == [("separation-of-duties-justified", ("production-gate",))]
    gate["separation_justification"] = "Two-person team; the CTO reviews every release log."
    assert rules_of(data) == []


def test_the_approval_limit_is_configurable() -> None:
    data = template_data()
    data["lint"] = {"approval-rules-limit": {"max_rules": 2}}
    assert rules_of(data) == [("approval-rules-limit", ("production-gate",))]


def test_a_production_gate_with_only_a_gut_feel_check_is_an_error() -> None:
    data = template_data()
    node(data, "production-gate")["criteria"] = [{"id": "gut", "check": "reviewer-gut-feel"}]
    assert rules_of(data) == [("last-gate-has-blocking-metric", ("production-gate",))]


def test_a_blocking_criterion_for_some_tiers_only_leaves_the_others_open() -> None:
    data = template_data()
    gate = node(data, "validation-gate")
    for criterion in gate["criteria"]:
        criterion["tiers"] = ["high"]
    found = validate(Sop.model_validate(data))
    assert [(d.rule, d.elements) for d in found] == [
        ("gate-has-blocking-criterion", ("validation-gate",))
    ]
    assert "low, medium" in found[0].message


def test_an_always_failing_check_criterion_threshold_is_reported() -> None:
    data = template_data()
    node(data, "staging-gate")["criteria"][1].update(op=">", value=1)
    assert rules_of(data) == [("criterion-decides", ("staging-gate",))]


def test_an_approved_sop_with_approver_and_date_is_clean(monkeypatch) -> None:
    from datetime import date

    import app.validate.rules.control as control

    monkeypatch.setattr(control, "today", lambda: date(2026, 12, 7))
    data = template_data()
    data.update(status="approved", effective_date="2026-01-31", review_months=11)
    assert rules_of(data) == [("approved-needs-approval", ())]
    data["approvers"] = [{"name": "Ada Lovelace", "role": "Head of model risk"}]
    assert rules_of(data) == [("approved-needs-approval", ())]  # no approval date yet
    data["approvers"][0]["date"] = "2026-01-20"
    assert rules_of(data) == []  # next review 2026-12-31 is still ahead
    data["review_months"] = 10  # due 2026-11-30: passed
    found = validate(Sop.model_validate(data))
    assert [(d.rule, d.severity) for d in found] == [("review-overdue", "warning")]
    assert "2026-11-30" in found[0].message
