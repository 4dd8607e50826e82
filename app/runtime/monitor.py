"""``monitor``: telemetry windows -> healthy, or rollback with the plan to follow."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from app.runtime.evaluate import OPERATORS
from app.spec.evidence import Telemetry
from app.spec.schema import GateSpec, SpecRollback, SpecTrigger


@dataclass
class MonitorResult:
    stage: str
    decision: str  # healthy | rollback
    fired: list[str] = field(default_factory=list)
    plan: SpecRollback | None = None
    breaches: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        plan = None
        if self.plan is not None:
            plan = {
                "policy": self.plan.id,
                "target": self.plan.target,
                "actions": [a.model_dump(mode="json") for a in self.plan.actions],
                "checks": [c.model_dump(mode="json", exclude_none=True) for c in self.plan.checks],
                "max_minutes": self.plan.max_minutes,
            }
        return {"stage": self.stage, "decision": self.decision, "fired": self.fired, "plan": plan}


def _breached(trigger: SpecTrigger, metrics: dict[str, Any]) -> bool | None:
    """True or False for a usable window; None when the window is skipped."""
    raw = metrics.get(trigger.metric)
    usable = not isinstance(raw, bool) and isinstance(raw, int | float) and math.isfinite(raw)
    if not usable:
        return True if trigger.on_missing == "breach" else None
    return OPERATORS[trigger.op](raw, trigger.value)


def consecutive_breaches(trigger: SpecTrigger, telemetry: Telemetry) -> int:
    """How many of the latest counted windows in a row are breached."""
    run = 0
    for window in reversed(telemetry.windows):
        breached = _breached(trigger, window.metrics)
        if breached is None:
            continue
        if not breached:
            break
        run += 1
    return run


def watch(spec: GateSpec, stage: str, telemetry: Telemetry) -> MonitorResult:
    result = MonitorResult(stage, "healthy")
    for policy in spec.policies_for(stage):
        for trigger in policy.triggers:
            run = consecutive_breaches(trigger, telemetry)
            result.breaches[trigger.id] = run
            if run >= trigger.for_windows:
                result.fired.append(trigger.id)
                if result.plan is None:
                    result.plan = policy
    if result.fired:
        result.decision = "rollback"
    return result
