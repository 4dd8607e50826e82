"""``monitor``: telemetry windows -> healthy, rollback with the plans to follow, or inconclusive.

Windows are judged in time order, whatever their order in the file; too few windows to
judge a trigger is inconclusive, never healthy.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from math import isfinite
from typing import Any

from app.runtime.evaluate import OPERATORS
from app.spec.evidence import Telemetry
from app.spec.schema import GateSpec, SpecRollback, SpecTrigger


def plan_json(plan: SpecRollback) -> dict[str, Any]:
    """One rollback policy as the monitor's output gives it (``restores`` and an action's
    ``after_checks`` only when the spec has them)."""
    return {
        "policy": plan.id,
        "target": plan.target,
        **(
            {"restores": [r.model_dump(mode="json") for r in plan.restores]}
            if plan.restores
            else {}
        ),
        "actions": [
            a.model_dump(mode="json", exclude={"after_checks"} if not a.after_checks else None)
            for a in plan.actions
        ],
        "checks": [c.model_dump(mode="json", exclude_none=True) for c in plan.checks],
        "max_minutes": plan.max_minutes,
    }


@dataclass
class MonitorResult:
    stage: str
    decision: str  # healthy | inconclusive | rollback
    fired: list[str] = field(default_factory=list)
    plan: SpecRollback | None = None
    plans: list[SpecRollback] = field(default_factory=list)
    """Every policy with a fired trigger, in the spec's order (``plan`` is the first)."""
    inconclusive: list[str] = field(default_factory=list)
    """Triggers with fewer counted windows than they need to be judged."""
    breaches: dict[str, int] = field(default_factory=dict)
    windows: int = 0
    """How many windows were judged."""

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "decision": self.decision,
            "fired": self.fired,
            "plan": None if self.plan is None else plan_json(self.plan),
            "plans": [plan_json(plan) for plan in self.plans],
            "inconclusive": self.inconclusive,
            "windows": self.windows,
        }


_Watched = tuple[
    SpecTrigger, str, str, Callable[[Any, Any], bool], float, int, Callable[..., Any] | None
]
_FLOATS = {float}
_EXTREME = {">=": max, ">": max, "<=": min, "<": min}
"""The value of a run that breaches a comparison if any does (none for == and !=)."""


def breach(trigger: SpecTrigger, raw: Any) -> bool | None:
    """Whether one window's value breaches ``trigger``: True or False for a usable value (a
    finite number), else as ``on_missing`` says (None: the window is skipped)."""
    usable = not isinstance(raw, bool) and isinstance(raw, int | float) and math.isfinite(raw)
    if not usable:
        return True if trigger.on_missing == "breach" else None
    return OPERATORS[trigger.op](raw, trigger.value)


def _scan(
    watched: _Watched, values: Sequence[Any] | None, count: int, run: int, counted: int
) -> tuple[int | None, int, int]:
    """One trigger over ``count`` windows of its metric (``values``, one per window, None
    for a missing value; no list: missing in every window), from a run of ``run`` breached
    windows and ``counted`` counted ones so far.

    Returns the window at which the run reaches what the trigger needs (the scan stops
    there; None: it never does), and the run and counted windows then."""
    trigger, _tid, _metric, compare, threshold, needed, extreme = watched
    if values and set(map(type, values)) == _FLOATS and all(map(isfinite, values)):
        # The usual windows, finite floats: a trigger without any breach (most watches) is
        # done without looking at the windows one by one.
        if extreme is not None and not compare(extreme(values), threshold):
            return None, 0, counted + count
        breaches: Sequence[bool | None] = list(map(compare, values, repeat(threshold, count)))
        if True not in breaches:
            return None, 0 if count else run, counted + count
    else:
        breaches = [breach(trigger, raw) for raw in values or repeat(None, count)]
    for window, breached in enumerate(breaches):
        if breached is None:
            continue
        counted += 1
        run = run + 1 if breached else 0
        if run >= needed:
            return window, run, counted
    return None, run, counted


class StageWatch:
    """Watches one stage window by window, oldest first; ``monitor`` and the simulator both
    use it."""

    def __init__(self, spec: GateSpec, stage: str) -> None:
        self.stage = stage
        self.policies = spec.policies_for(stage)
        self.triggers: list[_Watched] = spec.memo(
            ("watched-triggers", stage),
            lambda: [
                (t, t.id, t.metric, OPERATORS[t.op], t.value, t.for_windows, _EXTREME.get(t.op))
                for p in self.policies
                for t in p.triggers
            ],
        )
        """Each trigger with its id, metric, comparison, threshold and run, looked up once
        per spec: the simulator watches some 20,000 stages a run."""
        self.metrics = sorted({watched[2] for watched in self.triggers})
        """The metrics the triggers read."""
        self._none = {t[1]: 0 for t in self.triggers}
        self.restart()

    def restart(self) -> None:
        """Watch afresh: no window seen (the simulator watches each release with one)."""
        self.runs = self._none.copy()
        self.counted = self._none.copy()
        self.windows = 0

    def observe(self, metrics: Mapping[str, Any]) -> bool:
        """Count one more window: a breach extends a trigger's run, a healthy window ends it.

        Returns whether a trigger has now fired (``result`` says which, and the plan)."""
        columns = {name: (metrics.get(name),) for name in self.metrics}
        return self.observe_series(columns, 1) is not None

    def observe_series(self, columns: Mapping[str, Sequence[Any]], count: int) -> int | None:
        """Count ``count`` more windows, given as one list of values per metric (index: the
        window; None or no list: missing), until a trigger fires.

        Returns how many windows were counted when one fired (the watch stops after that
        window; ``result`` says which fired), or None when none did (all were counted)."""
        runs, counted = self.runs, self.counted
        scans = []
        first: int | None = None
        for watched in self.triggers:
            tid = watched[1]
            scan = _scan(watched, columns.get(watched[2]), count, runs[tid], counted[tid])
            scans.append(scan)
            if scan[0] is not None and (first is None or scan[0] < first):
                first = scan[0]
        if first is not None:
            # The watch stops at the first window a trigger fired in: the others are counted
            # up to that window only.
            scans = [
                scan
                if scan[0] == first
                else _scan(
                    watched,
                    None if values is None else values[: first + 1],
                    first + 1,
                    runs[watched[1]],
                    counted[watched[1]],
                )
                for watched, scan in zip(self.triggers, scans, strict=True)
                for values in (columns.get(watched[2]),)
            ]
        for watched, (_fired, run, seen) in zip(self.triggers, scans, strict=True):
            runs[watched[1]], counted[watched[1]] = run, seen
        if first is None:
            self.windows += count
            return None
        self.windows += first + 1
        return first + 1

    def result(self) -> MonitorResult:
        """The verdict so far: rollback when a trigger fired, else inconclusive when a
        trigger has too few counted windows (or no window came at all), else healthy."""
        result = MonitorResult(
            self.stage, "healthy", breaches=dict(self.runs), windows=self.windows
        )
        for policy in self.policies:
            for trigger in policy.triggers:
                if self.runs[trigger.id] >= trigger.for_windows:
                    result.fired.append(trigger.id)
                    if not result.plans or result.plans[-1] is not policy:
                        result.plans.append(policy)
                elif self.counted[trigger.id] < trigger.for_windows:
                    result.inconclusive.append(trigger.id)
        if result.plans:
            result.decision, result.plan = "rollback", result.plans[0]
        elif result.inconclusive or not self.windows:
            result.decision = "inconclusive"
        return result


def watch(
    spec: GateSpec, stage: str, telemetry: Telemetry, until: datetime | None = None
) -> MonitorResult:
    """The verdict after the windows up to ``until`` (default: all), in time order."""
    stage_watch = StageWatch(spec, stage)
    for window in telemetry.in_time_order(until):
        stage_watch.observe(window.metrics)
    return stage_watch.result()
