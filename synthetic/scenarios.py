"""Scenarios built from a compiled spec, for simulations of any size."""

from __future__ import annotations

from app.simulate.scenario import Scenario


def release_scenario(spec, count: int) -> Scenario:  # type: ignore[no-untyped-def]
    """Every candidate passes every gate (and the canary watch), so each one becomes a
    production release; a few of them fail there and are rolled back."""
    stage_metrics, checks, artifacts, baseline = {}, {}, {}, {}
    for gate in spec.gates:
        metrics = stage_metrics.setdefault(gate.id, {})
        for criterion in gate.criteria:
            if criterion.form == "metric":
                target = criterion.value
                up = criterion.op in (">=", ">")
                good = target + (abs(target) * 0.05 + 0.001) * (1 if up else -1)
                metrics[criterion.metric] = {"dist": "fixed", "value": good}
            elif criterion.form == "baseline":
                metrics.setdefault(criterion.metric, {"dist": "fixed", "value": 0.5})
                margin = -0.01 if criterion.op in (">=", ">") else 0.01
                baseline[criterion.metric] = 0.5 - criterion.delta + margin
            elif criterion.form == "check":
                checks[criterion.check] = {criterion.equals: 1}
            else:
                artifacts[criterion.artifact] = 1
    telemetry = {}
    for policy in spec.rollback:
        for trigger in policy.triggers:
            healthy = trigger.value * (1.2 if trigger.op in ("<", "<=") else 0.8)
            telemetry[trigger.metric] = {"dist": "normal", "mean": healthy, "sd": 0.0001}
    roles = sorted({r.role for g in spec.gates for r in g.approval.rules})
    return Scenario.model_validate(
        {
            "format": "gatewright.scenario/1",
            "id": "benchmark",
            "title": "Benchmark",
            "candidates": {
                "count": count,
                "every_hours": {"dist": "fixed", "value": 1},
                "tiers": {spec.tiers[-1]: 1},
                "submitters": ["nobody"],
                "stage_metrics": stage_metrics,
                "checks": checks,
                "artifacts": artifacts,
                "baseline": baseline,
            },
            "approvers": {r: {"delay_hours": {"dist": "exponential", "mean": 2}} for r in roles},
            "telemetry": {
                "window_minutes": 15,
                "watch_windows": 8,
                "metrics": telemetry,
                "faults": [
                    {
                        "kind": "drop" if t.op in ("<", "<=") else "spike",
                        "metric": t.metric,
                        "stage": p.stage,
                        "probability": 0.05,
                        "after_windows": 2,
                        "value": 0,
                        "factor": 10,
                    }
                    for p in spec.rollback
                    for t in p.triggers
                    if p.stage == spec.gates[-1].to  # production: every candidate is released
                ][:1],
            },
        }
    )
