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


class StageWatch:
    """Watches one stage window by window; ``monitor`` and the simulator both use it."""

    def __init__(self, spec: GateSpec, stage: str) -> None:
        self.stage = stage
        self.policies = spec.policies_for(stage)
        self.runs = {t.id: 0 for p in self.policies for t in p.triggers}

    def observe(self, metrics: dict[str, Any]) -> bool:
        """Count one more window: a breach extends a trigger's run, a healthy window ends it.

        Returns whether a trigger has now fired (``result`` says which, and the plan)."""
        fired = False
        runs = self.runs
        for policy in self.policies:
            for trigger in policy.triggers:
                breached = _breached(trigger, metrics)
                if breached is None:
                    continue
                runs[trigger.id] = runs[trigger.id] + 1 if breached else 0
                fired = fired or runs[trigger.id] >= trigger.for_windows
        return fired

    def result(self) -> MonitorResult:
        result = MonitorResult(self.stage, "healthy", breaches=dict(self.runs))
        for policy in self.policies:
            for trigger in policy.triggers:
                if self.runs[trigger.id] >= trigger.for_windows:
                    result.fired.append(trigger.id)
                    if result.plan is None:
                        result.plan = policy
        if result.fired:
            result.decision = "rollback"
        return result


def watch(spec: GateSpec, stage: str, telemetry: Telemetry) -> MonitorResult:
    """The verdict after all windows, oldest first."""
    stage_watch = StageWatch(spec, stage)
    for window in telemetry.windows:
        stage_watch.observe(window.metrics)
    return stage_watch.result()
