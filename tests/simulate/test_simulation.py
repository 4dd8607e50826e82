"""The simulator: deterministic, closed-form checks, DORA metrics and their level bands."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from app.compiler.compile import compile_spec
from app.model import Sop
from app.model.templates import load_template
from app.simulate.dora import (
    DAY,
    HOUR,
    WEEK,
    Release,
    dora_metrics,
    failure_rate_level,
    frequency_level,
    lead_time_level,
    restore_level,
)
from app.simulate.engine import derive_seed, gate_chain, simulate
from app.simulate.fit import scenario_warnings
from app.simulate.montecarlo import monte_carlo, percentile
from app.simulate.scenario import Fixed, Scenario
from app.simulate.submission import Entrant, EvidenceSource
from app.spec.criteria import ArtifactCriterion, CheckCriterion, MetricCriterion
from app.spec.schema import GateSpec
from synthetic.scenarios import release_scenario


def fixed(value: float) -> dict[str, Any]:
    return {"dist": "fixed", "value": value}


def scenario(**overrides: Any) -> Scenario:
    """Candidates that pass the small SOP's gate; one ML lead answers after 5 hours."""
    data: dict[str, Any] = {
        "format": "gatewright.scenario/1",
        "id": "closed-form",
        "title": "Closed form",
        "candidates": {
            "count": 4,
            "every_hours": fixed(48),
            "tiers": {"low": 1},
            "submitters": ["carol"],
            "metrics": {"accuracy": fixed(0.95)},
        },
        "approvers": {"ml-lead": {"delay_hours": fixed(5)}},
        "telemetry": {
            "window_minutes": 60,
            "watch_windows": 4,
            "metrics": {"accuracy": fixed(0.95)},
        },
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            data[section][field] = value
        else:
            data[section] = value
    return Scenario.model_validate(data)


@pytest.fixture
def spec(small_doc: Sop) -> GateSpec:
    return compile_spec(small_doc)


def test_same_seed_same_bytes_different_seed_different_run(spec) -> None:
    busy = scenario(
        candidates__every_hours={"dist": "exponential", "mean": 10},
        approvers={"ml-lead": {"delay_hours": {"dist": "lognormal", "median": 3, "sigma": 0.8}}},
    )
    first = json.dumps(simulate(spec, busy, 11).to_json(), sort_keys=True)
    again = json.dumps(simulate(spec, busy, 11).to_json(), sort_keys=True)
    other = json.dumps(simulate(spec, busy, 12).to_json(), sort_keys=True)
    assert first == again
    assert first != other


def test_lead_time_is_exactly_the_approval_delay(spec) -> None:
    summary = simulate(spec, scenario(), 0).summary()
    assert summary["dora"]["deployments"] == 4
    assert summary["dora"]["lead_time_hours"] == 5.0
    assert summary["gates"]["gate"] == {
        "entered": 4,
        "passed": 4,
        "rejected": 0,
        "held": 4,
        "wait_hours_median": 5.0,
        "wait_hours_p90": 5.0,
    }


def test_monte_carlo_percentiles_of_a_fixed_delay_collapse(spec) -> None:
    result = monte_carlo(spec, scenario(), seed=3, runs=5)
    assert result["dora"]["lead_time_hours"] == {
        "median": 5.0,
        "p10": 5.0,
        "p90": 5.0,
        "level": "elite",
    }
    assert result["runs"] == 5


def test_derived_seeds_are_stable_and_distinct() -> None:
    assert derive_seed(1, 0) == derive_seed(1, 0)
    assert len({derive_seed(1, run) for run in range(100)}) == 100


def test_failing_criteria_reject_at_entry_and_leave_the_pipeline(spec) -> None:
    summary = simulate(spec, scenario(candidates__metrics={"accuracy": fixed(0.5)}), 0).summary()
    assert summary["gates"]["gate"]["rejected"] == 4
    assert summary["dora"]["deployments"] == 0


def test_approvals_never_arriving_expire_at_the_timeout(spec) -> None:
    quiet = scenario(
        approvers={"ml-lead": {"delay_hours": fixed(1), "respond_probability": 0}},
        approval_timeout_hours=10,
    )
    result = simulate(spec, quiet, 0)
    expired = [e for e in result.events if e["type"] == "gate-expired"]
    assert len(expired) == 4 and expired[0]["t"] == 600.0


def test_working_hours_delay_answers_to_the_next_morning(spec) -> None:
    office = scenario(approvers={"ml-lead": {"delay_hours": fixed(1), "working_hours": [9, 17]}})
    first = simulate(spec, office, 0).events
    approval = next(e for e in first if e["type"] == "approval")
    assert approval["t"] == 9 * 60  # submitted at midnight: answered at 9:00, not 1:00


def test_a_fault_fires_the_trigger_and_the_runbook_runs(spec) -> None:
    faulty = scenario(
        telemetry={
            "window_minutes": 60,
            "watch_windows": 6,
            "metrics": {"accuracy": fixed(0.95)},
            "faults": [
                {
                    "kind": "drop",
                    "metric": "accuracy",
                    "probability": 1,
                    "after_windows": 1,
                    "value": 0.5,
                }
            ],
        },
        candidates__count=1,
    )
    result = simulate(spec, faulty, 0)
    types = [e["type"] for e in result.events]
    assert types[-5:] == [
        "trigger-fired",
        "rollback-started",
        "action-done",
        "checks-run",
        "rollback-finished",
    ]
    (rollback,) = result.rollbacks
    assert rollback == {
        "candidate": 0,
        "stage": "prod",
        "policy": "acc-drop",
        "minutes": 5.0,
        "max_minutes": None,
        "sla_met": True,
        "checks_passed": True,
    }
    dora = result.summary()["dora"]
    assert dora["change_failure_rate"] == 1.0
    # The fault starts after one window (60 min); it fires at the end of window 2 and the
    # 5-minute action restores service 65 minutes after the fault began.
    assert dora["time_to_restore_hours"] == round(65 / 60, 4)


def test_gate_chain_follows_the_promote_path(spec) -> None:
    assert [g.id for g in gate_chain(spec)] == ["gate"]


def test_dora_on_a_hand_built_log() -> None:
    releases = [
        Release(0, arrived=0, deployed=2 * HOUR),
        Release(1, arrived=DAY, deployed=DAY + 4 * HOUR, failed=True, restore_minutes=30),
        Release(2, arrived=2 * DAY, deployed=2 * DAY + 6 * HOUR),
        Release(3, arrived=3 * DAY, deployed=3 * DAY + 8 * HOUR, failed=True, restore_minutes=90),
    ]
    figures = dora_metrics(releases, period_minutes=4 * DAY)
    assert figures == {
        "deployments": 4,
        "deployment_frequency_per_day": 1.0,
        "deployment_frequency_level": "elite",
        "lead_time_hours": 5.0,
        "lead_time_level": "elite",
        "change_failure_rate": 0.5,
        "change_failure_rate_level": "low",
        "time_to_restore_hours": 1.0,
        "time_to_restore_level": "high",
    }


def test_no_releases_gives_no_figures() -> None:
    figures = dora_metrics([], period_minutes=DAY)
    assert figures["deployments"] == 0 and figures["lead_time_hours"] is None


@pytest.mark.parametrize(
    ("function", "value", "level"),
    [
        (frequency_level, 1.0, "elite"),
        (frequency_level, 0.999, "high"),
        (frequency_level, 1 / 7, "high"),
        (frequency_level, 1 / 7 - 1e-9, "medium"),
        (frequency_level, 1 / 30, "medium"),
        (frequency_level, 1 / 30 - 1e-9, "low"),
        (lead_time_level, DAY - 1e-6, "elite"),
        (lead_time_level, DAY, "high"),
        (lead_time_level, WEEK, "medium"),
        (lead_time_level, 30 * DAY, "low"),
        (failure_rate_level, 0.05, "elite"),
        (failure_rate_level, 0.0501, "high"),
        (failure_rate_level, 0.15, "high"),
        (failure_rate_level, 0.30, "medium"),
        (failure_rate_level, 0.31, "low"),
        (restore_level, HOUR - 1e-6, "elite"),
        (restore_level, HOUR, "high"),
        (restore_level, DAY, "medium"),
        (restore_level, WEEK, "low"),
    ],
)
def test_level_bands_at_their_boundaries(function, value, level) -> None:
    assert function(value) == level


def test_percentile_interpolates() -> None:
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert percentile([0, 10], 0.1) == pytest.approx(1.0)


def test_evidence_holds_only_what_the_criteria_read() -> None:
    """The simulated pipeline draws the values a gate's criteria read: other metrics are not
    drawn, a check listed without any outcome is never reported (the criterion finds it
    missing), a certain artifact is always present."""
    criteria = [
        MetricCriterion(id="acc", metric="accuracy", op=">=", value=0.9),
        CheckCriterion(id="scan", check="security-scan"),
        CheckCriterion(id="tests", check="unit-tests"),
        ArtifactCriterion(id="card", artifact="model-card"),
    ]
    source = EvidenceSource(
        criteria,
        {"accuracy": Fixed(dist="fixed", value=0.95), "latency": Fixed(dist="fixed", value=9)},
        {},
        {"security-scan": {}, "unit-tests": {"passed": 1, "failed": 0}},
        {"model-card": 1, "data-card": 0.5},
        {"accuracy": 0.9, "latency": 10},
        random.Random(1),
    )
    evidence = source.draw(Entrant("high", "carol"))
    assert evidence.metrics == {"accuracy": 0.95}
    assert evidence.checks == {"unit-tests": "passed"}
    assert evidence.artifacts == ["model-card"]
    assert evidence.baseline == {"accuracy": 0.9}


def test_a_canary_is_watched_before_production_and_its_rollback_stops_the_candidate() -> None:
    """Triggers on a stage before production (here a canary) watch candidates while they
    stay there: a healthy canary lets them on, a fault there rolls the canary back and the
    candidate never reaches production (no production release, no change failure)."""
    spec = compile_spec(load_template("automated-pipeline"))
    healthy = release_scenario(spec, 3)
    result = simulate(spec, healthy, 5)
    kinds = [(e["type"], e.get("element")) for e in result.events]
    assert kinds.count(("stage-healthy", "canary")) == 3
    assert result.summary()["dora"]["deployments"] == 3
    data = healthy.model_dump(mode="json")
    data["telemetry"]["faults"] = [
        {
            "kind": "spike",
            "metric": "error-rate",
            "stage": "canary",
            "probability": 1,
            "factor": 100,
        }
    ]
    result = simulate(spec, Scenario.model_validate(data), 5)
    assert {r["stage"] for r in result.rollbacks} == {"canary"}
    assert len(result.rollbacks) == 3
    assert {r["policy"] for r in result.rollbacks} == {"canary-errors-high"}
    assert not [
        e for e in result.events if e["type"] == "deployed" and e["element"] == "production"
    ]
    assert result.summary()["dora"]["deployments"] == 0


def test_a_scenario_that_does_not_fit_the_sop_is_told_where(spec) -> None:
    misfit = scenario(
        candidates__tiers={"low": 1, "hihg": 1},
        candidates__metrics={"accuracy": fixed(0.95), "acuracy": fixed(0.9)},
        candidates__checks={"unit-test": {"passed": 1}},
        candidates__stage_metrics={"gate": {"accuracy": fixed(0.95)}, "gaet": {}},
        approvers={"ml-lead": {"delay_hours": fixed(5)}, "ml-laed": {"delay_hours": fixed(1)}},
        telemetry={
            "metrics": {"accuracy": fixed(0.95), "latency": fixed(10)},
            "faults": [
                {"kind": "drop", "metric": "accuracy", "stage": "prod", "probability": 1},
                {"kind": "drop", "metric": "acuracy", "stage": "canary", "probability": 1},
                {"kind": "drop", "metric": "accuracy", "stage": "dev", "probability": 1},
            ],
        },
        action_overrides={"nope": {"failure_probability": 0.5}},
    )
    warnings = scenario_warnings(spec, misfit)
    assert [w.split(": ")[0] for w in warnings] == [
        "candidates.tiers.hihg",
        "candidates.metrics.acuracy",
        "candidates.checks.unit-test",
        "candidates.stage_metrics.gaet",
        "approvers.ml-laed",
        "telemetry.metrics.latency",
        "telemetry.faults[1].stage",
        "telemetry.faults[1].metric",
        "telemetry.faults[2].stage",
        "action_overrides.nope",
    ]
    assert "'dev' is not a watched stage of this SOP (prod)" in warnings[-2]
    assert warnings[3] == "candidates.stage_metrics.gaet: 'gaet' is not a gate of this SOP (gate)"
    assert scenario_warnings(spec, scenario()) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"actions": {"failure_probability": 1}}, "must be below 1"),
        (
            {"approvers": {"ml-lead": {"delay_hours": fixed(1), "reject_probability": 1.5}}},
            "between 0 and 1",
        ),
        (
            {"approvers": {"ml-lead": {"delay_hours": fixed(1), "working_hours": [17, 9]}}},
            "0 <= start < end <= 24",
        ),
        ({"candidates__submitters": []}, "at least 1"),
        ({"candidates__tiers": {"low": 0}}, "positive weight"),
        ({"candidates__checks": {"scan": {"passed": 1e308, "failed": 1e308}}}, "finite"),
        # Whole numbers are never coerced: true is not 1 candidate, "40" is not 40.
        ({"candidates__count": True}, "whole number, got true"),
        ({"candidates__count": "40"}, "whole number, got a string"),
        ({"candidates__count": 100_001}, "at most 100,000"),
        ({"telemetry": {"watch_windows": 2.5}}, "whole number"),
        (
            {"approvers": {"ml-lead": {"delay_hours": fixed(1), "working_hours": [9, "17"]}}},
            "whole number, got a string",
        ),
        (
            {
                "telemetry": {
                    "faults": [
                        {"kind": "drop", "metric": "m", "probability": 1, "after_windows": -1}
                    ]
                }
            },
            "at least 0",
        ),
        (
            {"candidates__every_hours": {"dist": "uniform", "low": 10, "high": -10}},
            r"low \(10\) is more than high \(-10\)",
        ),
        (
            {
                "candidates__metrics": {
                    "accuracy": {"dist": "normal", "mean": 0.9, "sd": 0.01, "min": 1, "max": 0}
                }
            },
            r"min \(1\) is more than max \(0\)",
        ),
        ({"telemetry": {"window_minutes": 0}}, "more than 0"),
    ],
)
def test_scenario_values_that_cannot_run_are_refused(change, words) -> None:
    with pytest.raises(ValueError, match=words):
        scenario(**change)


def test_times_a_date_cannot_hold_stop_the_run_with_a_clear_error(spec) -> None:
    from app.simulate.clock import ScenarioRangeError

    far = scenario(candidates__every_hours=fixed(1e300))
    with pytest.raises(ScenarioRangeError, match="past what a date can hold"):
        simulate(spec, far, 0)
    # Telemetry windows too long for a date: only the check at the end of the run sees them.
    endless = scenario(telemetry__window_minutes=1e308)
    with pytest.raises(ScenarioRangeError, match="past what a date can hold"):
        simulate(spec, endless, 0)


def test_a_time_that_is_not_a_number_stops_the_run_too(spec) -> None:
    """max and min step over NaN: the check at the end of the run does not."""
    from app.simulate.clock import ScenarioRangeError
    from app.simulate.engine import Simulation
    from app.simulate.events import EventType

    run = Simulation(spec, scenario(), 0)
    run.log(5.0, EventType.DEPLOYED, "prod", 0)
    run.log(math.nan, EventType.DEPLOYED, "prod", 0)  # after a number: max keeps the number
    with pytest.raises(ScenarioRangeError, match="past what a date can hold"):
        run.run()


def test_an_approver_who_never_answers_in_working_hours_lets_the_gate_expire(spec) -> None:
    """An endless delay stays endless when moved to working hours: the gate times out."""
    never = {"dist": "uniform", "low": 1e308, "high": 1e308}
    slow = scenario(approvers={"ml-lead": {"delay_hours": never, "working_hours": [9, 17]}})
    result = simulate(spec, slow, 0)
    types = [e["type"] for e in result.events]
    assert "approval" not in types and "gate-passed" not in types
    assert types.count("gate-expired") == slow.candidates.count


def test_an_action_failing_past_the_attempt_limit_is_escalated(spec) -> None:
    from app.simulate.engine import MAX_ATTEMPTS

    faulty = scenario(
        telemetry={
            "window_minutes": 60,
            "watch_windows": 4,
            "metrics": {"accuracy": fixed(0.95)},
            "faults": [{"kind": "drop", "metric": "accuracy", "probability": 1, "value": 0}],
        },
        actions={"failure_probability": 0.99999},
    )
    done = [e for e in simulate(spec, faulty, 0).events if e["type"] == "action-done"]
    assert done and all(e["detail"]["escalated"] for e in done)
    assert {e["detail"]["attempts"] for e in done} == {MAX_ATTEMPTS}
    healthy = scenario(telemetry=faulty.telemetry.model_dump(mode="json"))
    done = [e for e in simulate(spec, healthy, 0).events if e["type"] == "action-done"]
    assert done and not any("escalated" in e["detail"] for e in done)


def _reversed_keys(value):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


@pytest.mark.parametrize("template", ["deployment-gate", "financial-credit-model"])
def test_the_order_of_keys_in_the_scenario_file_changes_nothing(template: str) -> None:
    from app.compiler.compile import compile_spec
    from app.model.templates import load_template
    from app.simulate.library import load_builtin

    spec = compile_spec(load_template(template))
    written = load_builtin(Scenario, f"{template}-month")
    shuffled = Scenario.model_validate(_reversed_keys(written.model_dump(mode="json")))
    assert simulate(spec, shuffled, 3).to_json() == simulate(spec, written, 3).to_json()


def test_a_single_run_reports_its_progress_without_changing_its_result() -> None:
    from app.compiler.compile import compile_spec
    from app.model.templates import load_template
    from app.simulate.library import load_builtin

    spec = compile_spec(load_template("deployment-gate"))
    scenario = load_builtin(Scenario, "deployment-gate-month")
    seen: list[tuple[int, int]] = []
    told = simulate(spec, scenario, 5, progress=lambda done, total: seen.append((done, total)))
    count = scenario.candidates.count
    assert seen[0] == (0, count) and all(total == count for _done, total in seen)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})
    assert told.to_json() == simulate(spec, scenario, 5).to_json()
