"""Drill scoring: pass mark, critical mistakes, partial credit, evidence, the recovery clock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.compiler.compile import compile_spec
from app.model import Sop
from app.simulate.drill import (
    PASS_MARK,
    DrillScenario,
    DrillSession,
    StepKey,
    graded,
    perfect_answers,
    run_scripted,
)
from app.simulate.drill_key import SLA_MARGIN, perfect_minutes
from app.spec.schema import GateSpec
from tests.simulate.test_drills import DRILLS, MISTAKE_KEYS, RESULT_KEYS, drill, score, session

# bias-detected (financial-credit-model) has 4 actions, so each action/role step is
# worth 30 / 8 = 3.75 points.
SHARE = 30 / 8


def only_mistake(result: dict[str, Any], step: str, points: float) -> dict[str, Any]:
    assert [m["step"] for m in result["mistakes"]] == [step]
    mistake = result["mistakes"][0]
    assert set(mistake) == MISTAKE_KEYS
    assert mistake["points_lost"] == pytest.approx(points)
    assert result["score"] == pytest.approx(100 - points)
    return mistake


@pytest.mark.parametrize("drill_id", DRILLS)
def test_each_shipped_key_scores_full_marks_and_passes(drill_id: str) -> None:
    result = score(drill_id)
    assert set(result) == RESULT_KEYS
    assert result["score"] == result["max_score"] == 100
    assert result["passed"] is True and result["critical"] == [] and result["mistakes"] == []
    assert result["lesson"]["grade"] == "pending"
    assert result["lesson"]["model"] == drill(drill_id).lesson_hint
    if result["sla_minutes"] is None:  # a false alarm: nothing to restore
        assert result["sla_met"] is None
    else:  # within the SLA, with a margin: one slip is not a miss
        assert result["sla_met"] is True
        assert result["minutes"] <= SLA_MARGIN * result["sla_minutes"]
    json.dumps(result)


@pytest.mark.parametrize("drill_id", DRILLS)
def test_a_wrong_roll_back_decision_fails_whatever_the_points(drill_id: str) -> None:
    live = session(drill_id)
    wrong = "wait" if live.plan else "rollback"
    result = score(drill_id, decision=wrong)
    assert result["passed"] is False and result["critical"] == ["decision"]
    assert result["mistakes"][0]["critical"] is True
    assert result["mistakes"][0]["explanation"].startswith("Critical:")


def test_a_critical_mistake_fails_above_the_pass_mark() -> None:
    result = score("bias-detected", decision="wait")
    assert result["score"] == 80 >= PASS_MARK and result["passed"] is False


def test_a_wrong_target_fails_the_drill() -> None:
    result = score("bias-detected", target="independent-validation")
    mistake = only_mistake(result, "target", 15)
    assert result["passed"] is False and mistake["critical"] is True
    assert "Restore the previous stable release" in mistake["explanation"]


def test_under_the_pass_mark_fails_without_a_critical_mistake() -> None:
    result = score("bias-detected", trigger="population-drift", checks=["psi-ok"])
    assert result["critical"] == [] and result["score"] < PASS_MARK
    assert result["passed"] is False


def test_the_false_alarm_is_explained_from_its_evidence() -> None:
    """Not "its condition held for the required windows": which windows breached, and why
    that is not enough."""
    live = session("false-alarm-latency-blip")
    feedback = live.answer("none")
    assert feedback.correct
    assert "held for the required windows" not in feedback.explanation
    assert "no trigger fired" in feedback.explanation
    assert "01:00 UTC" in feedback.explanation and "02:15 UTC" in feedback.explanation
    assert "2 windows in a row" in feedback.explanation


def test_a_missing_data_rule_is_named_when_it_decided() -> None:
    live = session("data-pipeline-failure")
    feedback = live.answer("system-errors")
    assert "reported no error-rate" in feedback.explanation
    assert "on_missing: breach" in feedback.explanation and "counts as a breach" in (
        feedback.explanation
    )


def test_wrong_trigger_names_what_fired_and_why() -> None:
    mistake = only_mistake(score("bias-detected", trigger="population-drift"), "trigger", 20)
    assert "'Population drift' needs psi > 0.25" in mistake["explanation"]
    assert "no window breached it" in mistake["explanation"]
    assert "'Adverse impact breach'" in mistake["explanation"]


def test_naming_a_trigger_on_the_false_alarm_loses_half() -> None:
    result = score("false-alarm-latency-blip", trigger="latency-spike")
    mistake = only_mistake(result, "trigger", 50)
    assert (
        mistake["expected"] == ["none"]
        and "at most 1 window(s) in a row" in (mistake["explanation"])
    )
    assert result["passed"] is False


def test_checks_earn_partial_credit() -> None:
    half = score("bias-detected", checks=["air-restored"])
    assert only_mistake(half, "checks", 7.5)["explanation"].startswith("Partly right")
    extra = score("bias-detected", checks=["air-restored", "incident-record", "psi-ok"])
    only_mistake(extra, "checks", 7.5)
    nothing = score("bias-detected", checks=["psi-ok", "ks-ok"])
    only_mistake(nothing, "checks", 15)


def test_check_choices_that_share_a_name_show_their_condition(small_doc: Sop) -> None:
    spec, scenario = tight_sla_drill(small_doc, 60)
    policy = spec.rollback[0]
    named = policy.checks[0].model_copy(update={"name": "Accuracy good"})
    twin = named.model_copy(update={"id": "acc-ok-2", "value": 0.8})
    policy = policy.model_copy(update={"checks": [named]})
    other = policy.model_copy(update={"id": "other", "checks": [twin], "triggers": []})
    spec = spec.model_copy(update={"rollback": [policy, other]})
    spec.model_post_init(None)
    checks = next(s for s in DrillSession(spec, scenario).steps if s.key == "checks")
    labels = sorted(c.label for c in checks.choices)
    assert labels == ["Accuracy good (accuracy >= 0.8)", "Accuracy good (accuracy >= 0.9)"]
    assert labels[0].endswith("(accuracy >= 0.8)") and labels[1].endswith("(accuracy >= 0.9)")


def test_a_lesson_is_pending_until_graded_and_a_rejected_one_fails() -> None:
    result = score("bias-detected")
    assert result["lesson"]["grade"] == "pending" and result["passed"] is True
    rejected = graded(result, "rejected", "names no cause", "maria")
    assert rejected["passed"] is False and rejected["lesson"]["note"] == "names no cause"
    assert graded(result, "accepted")["passed"] is True


@pytest.mark.parametrize("blank", ["", "\x00" * 30, " \t\n" * 10, "\u200b" * 25])
def test_a_lesson_of_no_visible_sentence_is_rejected(blank: str) -> None:
    result = score("bias-detected", lesson=blank)
    assert result["lesson"]["grade"] == "rejected" and result["passed"] is False
    assert result["score"] == 100  # points are for the runbook; the lesson is graded


def test_a_lesson_written_after_recovery_does_not_move_the_clock() -> None:
    assert score("bias-detected", lesson="no")["minutes"] == score("bias-detected")["minutes"]


def test_a_runbook_step_done_wrong_is_done_again() -> None:
    """A step out of order or by the wrong role costs that step's minutes: on the bias
    drill the approval (240 min) redone still meets the SLA, the regulators' write-up
    (480 min) does not. Other mistakes cost five minutes."""
    perfect = score("bias-detected")
    role = score("bias-detected", **{"role-2": "it-operations"})
    assert role["minutes"] == perfect["minutes"] + 240 and role["sla_met"] is True
    answers = perfect_answers(session("bias-detected"))
    swapped = score(
        "bias-detected", **{"action-4": answers["action-3"], "action-3": answers["action-4"]}
    )
    assert swapped["minutes"] == perfect["minutes"] + 60 + 480
    assert swapped["sla_met"] is False
    assert [m["step"] for m in swapped["mistakes"]] == ["action-3", "action-4", "sla"]
    assert score("bias-detected", trigger="none")["minutes"] == perfect["minutes"] + 5


def test_step_keys_are_typed() -> None:
    live = session("bias-detected")
    slots = [s.slot for s in live.steps]
    assert slots[3] == StepKey("action", 1) and str(slots[3]) == "action-1"
    assert str(StepKey("checks")) == "checks"


def test_the_runbook_minutes_add_up() -> None:
    live = session("bias-detected")
    assert live.plan is not None
    result = run_scripted(live, perfect_answers(session("bias-detected")))
    assert result.minutes == perfect_minutes(live) == 5 + sum(a.minutes for a in live.plan.actions)


# -- the SLA -----------------------------------------------------------------------------


def tight_sla_drill(doc: Sop, max_minutes: float) -> tuple[GateSpec, DrillScenario]:
    """small_doc with its runbook (5 min) under an SLA of ``max_minutes``; accuracy fell."""
    doc.set_field("acc-drop", "max_minutes", max_minutes)
    doc.set_field(
        "verify", "criteria", [{"id": "acc-ok", "metric": "accuracy", "op": ">=", "value": 0.9}]
    )
    spec = compile_spec(doc)
    windows = [
        {"at": f"2026-01-05T{hour:02d}:00:00Z", "metrics": {"accuracy": value}}
        for hour, value in enumerate([0.93, 0.92, 0.93, 0.92, 0.91, 0.93, 0.92, 0.8, 0.79, 0.78])
    ]
    scenario = DrillScenario.model_validate(
        {
            "format": "gatewright.drill/1",
            "id": "tight-sla",
            "title": "Tight SLA",
            "stage": "prod",
            "expect": "incident",
            "story": "Accuracy fell after a release.",
            "requires": ["accuracy"],
            "telemetry": {"windows": windows},
            "minutes_to_notice": 5,
        }
    )
    return spec, scenario


def test_going_over_the_sla_costs_10(small_doc: Sop) -> None:
    spec, scenario = tight_sla_drill(small_doc, 12)  # 5 to notice + 5 revert = 10 <= 12
    perfect = run_scripted(
        DrillSession(spec, scenario), perfect_answers(DrillSession(spec, scenario))
    )
    assert perfect.to_json()["sla_met"] is True and perfect.score == 100
    answers = perfect_answers(DrillSession(spec, scenario)) | {"trigger": "none"}
    result = run_scripted(DrillSession(spec, scenario), answers).to_json()
    assert result["minutes"] == 15 and result["sla_met"] is False
    assert [m["step"] for m in result["mistakes"]] == ["trigger", "sla"]
    sla = result["mistakes"][1]
    assert sla["points_lost"] == 10 and sla["expected"] == 12 and sla["chosen"] == 15
    assert "15 minutes against an SLA of 12" in sla["explanation"]
    assert result["score"] == pytest.approx(100 - 20 - 10)


def test_no_sla_means_no_penalty(small_doc: Sop) -> None:
    spec, scenario = tight_sla_drill(small_doc, 12)
    small_doc.set_field("acc-drop", "max_minutes", None)
    spec = compile_spec(small_doc)
    answers = perfect_answers(DrillSession(spec, scenario)) | {"trigger": "none"}
    result = run_scripted(DrillSession(spec, scenario), answers)
    assert result.sla_minutes is None and result.sla_met is None
    assert result.score == 80
