"""What a ledger's ``monitor`` and ``rollback`` entries fit for a scenario (``gatewright
scenario from-ledger``): per watched stage, the chance that a stay in it ends in a rollback
(the scenario's telemetry faults), and how long rollbacks take against the plan's minutes
(the rollback actions' factor).

What those entries hold, and so what can be fitted:

- a ``monitor`` entry: the stage, the verdict (healthy, inconclusive, rollback), the
  triggers that fired or could not be judged, the plan to follow with its actions' minutes,
  and how many windows were judged. It names no candidate: the release watched is the
  last one promoted into the stage (a ``check`` entry promoting into it). A stay (one
  release in one stage, as the simulator watches it) ended in rollback when a verdict
  during it said so, healthy when one said healthy and none rollback; a stay with only
  inconclusive verdicts, or none, says nothing. The first fired trigger's metric is the
  fault's: each stage's faults strike with the recorded shares.
- a ``rollback`` entry: when the registry rollback was decided, the versions and alias. The
  time from the monitor's rollback verdict to it (what ``ledger stats`` counts as time to
  restore), against the minutes of the plan's actions, is the actions' factor.

Not recorded, so never fitted: the windows' telemetry values (and how often one was
missing), when in a stay a fault began, by how much the metric breached, and whether an
action failed (a rollback entry is written before the registry moves the alias).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.runtime.ledger import Ledger
from app.simulate.engine import watched_stages
from app.simulate.ledger_intact import not_as_recorded
from app.simulate.sample_fit import MIN_SAMPLES, fit_distribution, rounded
from app.spec.schema import GateSpec, SpecTrigger

MINUTE = 60.0
NOT_RECORDED = (
    ("telemetry values and how often one was missing",
     "the ledger does not record them (a monitor entry holds the verdict, the fired and "
     "unjudged triggers and how many windows were judged, not the windows' values)"),
    ("rollback action failures",
     "the ledger does not record them (a rollback entry is written before the registry "
     "moves the alias, and the move's outcome is not recorded)"),
)  # fmt: skip


@dataclass
class _Stay:
    """One release in one stage, as its monitor verdicts saw it."""

    healthy: bool = False
    watched: bool = False
    metric: str | None = None
    """The fired trigger's metric when a verdict said rollback (the stay ended there)."""


def _seconds(text: Any, seq: Any, kind: str, shown: str) -> float:
    try:
        return datetime.fromisoformat(text).timestamp()
    except (TypeError, ValueError):
        raise not_as_recorded(
            shown, seq, kind, f"its decision time is not one ({str(text)[:40]!r})"
        ) from None


def _plan_minutes(document: dict[str, Any]) -> float | None:
    """The total minutes of the recorded plan's actions; None when it is not as ``monitor``
    records it (the entry was edited)."""
    plan = document.get("plan")
    actions = plan.get("actions") if isinstance(plan, dict) else None
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return None
    minutes = [action.get("minutes") for action in actions]
    if not all(isinstance(m, int | float) and not isinstance(m, bool) for m in minutes):
        return None
    total = sum(minutes)  # not fsum: it raises on overflow, where this is infinite
    return total if math.isfinite(total) and min(minutes, default=0) >= 0 else None


class WatchFit:
    """The stays and rollbacks of one SOP's watched stages, read one ledger row at a time
    in time order."""

    def __init__(self, spec: GateSpec, shown: str) -> None:
        self.spec, self.shown = spec, shown
        triggers = {
            stage: [t for policy in spec.policies_for(stage) for t in policy.triggers]
            for stage in watched_stages(spec)
        }
        self.triggers: dict[str, list[SpecTrigger]] = {s: t for s, t in triggers.items() if t}
        self.watched = set(self.triggers)  # a stage no trigger watches never rolls back
        self.current: dict[str, _Stay] = {}
        self.healthy: Counter[str] = Counter()
        self.rolled_back: dict[str, Counter[str]] = {stage: Counter() for stage in self.watched}
        self.unjudged: Counter[str] = Counter()
        self.strangers: Counter[str] = Counter()
        """Per stage: rollbacks whose fired triggers this SOP does not have there."""
        self.detected: dict[str, tuple[float, float]] = {}
        """Per stage: a rollback verdict waiting for its rollback entry (when, plan minutes)."""
        self.factors: list[float] = []
        self.plan_actions: set[str] = set()

    def scan(self, ledger: Ledger, table: str, params: list[str]) -> None:
        """Read the promotions into, the verdicts on and the rollbacks of the watched
        stages (``table``: :func:`decisions_of`), in time order."""
        if not self.watched:
            return
        marks = ", ".join("?" * len(self.watched))
        rows = ledger.scan(
            "SELECT seq, kind, stage, decision, decided_at, CASE WHEN kind = 'monitor' "
            f"THEN document ELSE '' END FROM {table} AND stage IN ({marks}) AND ("
            "(kind = 'check' AND decision = 'promote') OR kind = 'monitor' OR "
            "kind = 'rollback') ORDER BY decided_at, seq",
            [*params, *sorted(self.watched)],
        )
        with closing(rows):  # an edited entry stops the reading while the ledger is open
            self.read(rows)

    def read(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for seq, kind, stage, decision, decided_at, document in rows:
            at = _seconds(decided_at, seq, kind, self.shown)
            if kind == "check":
                self._close(stage)
                self.current[stage] = _Stay()
                self.detected.pop(stage, None)  # the next deployment, not a rollback, restored
            elif kind == "monitor":
                self._verdict(seq, stage, decision, at, document)
            elif stage in self.detected:  # a rollback entry after a rollback verdict
                detected, planned = self.detected.pop(stage)
                if planned > 0:
                    ratio = max(0.0, at - detected) / MINUTE / planned
                    if math.isfinite(ratio):
                        self.factors.append(ratio)
        for stage in list(self.current):
            self._close(stage)

    def _verdict(self, seq: Any, stage: str, decision: str, at: float, text: str) -> None:
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        fired = document.get("fired") if isinstance(document, dict) else None
        planned = _plan_minutes(document) if isinstance(document, dict) else None
        if (
            decision not in ("healthy", "inconclusive", "rollback")
            or not isinstance(fired, list)
            or (decision == "rollback" and (not fired or planned is None))
        ):
            raise not_as_recorded(
                self.shown,
                seq,
                "monitor",
                "its verdict, fired triggers or plan are missing or not as written",
            )
        stay = self.current.setdefault(stage, _Stay())  # a release from before the period
        if stay.metric is not None:
            return  # it ended in rollback: later verdicts watch what the rollback left
        stay.watched = True
        if decision == "healthy":
            stay.healthy = True
        elif decision == "rollback":
            triggers = {t.id: t.metric for t in self.triggers[stage]}
            known = [triggers[name] for name in fired if isinstance(name, str) and name in triggers]
            if not known:
                self.strangers[stage] += 1
            stay.metric = known[0] if known else self.triggers[stage][0].metric
            self.detected[stage] = (at, planned or 0.0)
            actions = document["plan"]["actions"]  # type: ignore[index]  # _plan_minutes read it
            self.plan_actions.update(a["id"] for a in actions if isinstance(a.get("id"), str))

    def _close(self, stage: str) -> None:
        stay = self.current.pop(stage, None)
        if stay is None:
            return
        if stay.metric is not None:
            self.rolled_back[stage][stay.metric] += 1
        elif stay.healthy:
            self.healthy[stage] += 1
        elif stay.watched:
            self.unjudged[stage] += 1

    # -- the scenario -------------------------------------------------------------------

    def apply(
        self,
        data: dict[str, Any],
        fitted: list[str],
        warnings: list[str],
        keep: Callable[[str, str], None],
    ) -> None:
        """Put the fitted faults and action factor into the scenario ``data`` (its base's
        values where the ledger has fewer than 5 observations, with ``keep``)."""
        for what, why in NOT_RECORDED:
            keep(what, why)
        telemetry = data.setdefault("telemetry", {})
        base_faults: list[dict[str, Any]] = telemetry.get("faults", [])
        faults: dict[str, list[dict[str, Any]]] = {}
        for stage in sorted(self.watched):
            stays = self.healthy[stage] + sum(self.rolled_back[stage].values())
            if self.strangers[stage]:
                warnings.append(
                    f"faults at {stage}: {self.strangers[stage]} rollback verdicts name no "
                    f"trigger this SOP has there; counted as {self.triggers[stage][0].id}'s"
                )
            if stays < MIN_SAMPLES:
                unjudged = self.unjudged[stage]
                keep(
                    f"faults at {stage}",
                    f"{stays} watched stays ended healthy or in rollback"
                    + (f" ({unjudged} more only inconclusive)" if unjudged else ""),
                )
                continue
            faults[stage] = self._stage_faults(stage, stays, base_faults)
            rollbacks = sum(self.rolled_back[stage].values())
            fitted.append(
                f"faults at {stage}: {rollbacks} of {stays} watched stays ended in rollback"
                + (f" ({self.unjudged[stage]} only inconclusive left out)"
                   if self.unjudged[stage] else "")
            )  # fmt: skip
        if faults:
            rest = sorted(self.watched - set(faults))
            kept = [
                {**fault, "stage": stage}
                for fault in base_faults
                for stage in ([fault["stage"]] if fault.get("stage") else rest)
                if stage not in faults
            ]
            telemetry["faults"] = kept + [f for stage in sorted(faults) for f in faults[stage]]
        self._actions(data, fitted, keep)

    def _stage_faults(
        self, stage: str, stays: int, base: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The stage's faults, one per metric whose trigger fired, in trigger order: each
        strikes (when none before it did) with the chance that makes its share of the stays
        the recorded one. Its shape is the base's fault of that metric, else a drop past
        the trigger's threshold (the ledger records that it fired, not by how much)."""
        made, left, done = [], stays, set()
        for trigger in self.triggers[stage]:
            count = self.rolled_back[stage][trigger.metric]
            if not count or trigger.metric in done:
                continue
            done.add(trigger.metric)
            mine = (f for f in base if f.get("stage") in (None, stage))
            template = next((f for f in mine if f["metric"] == trigger.metric), None)
            fault = dict(template) if template else _breaching(trigger)
            fault.update(stage=stage, probability=rounded(count / left))
            made.append(fault)
            left -= count
        return made

    def _actions(
        self, data: dict[str, Any], fitted: list[str], keep: Callable[[str, str], None]
    ) -> None:
        if len(self.factors) < MIN_SAMPLES:
            keep(
                "rollback action timings",
                f"{len(self.factors)} rollbacks recorded after a monitor's rollback verdict",
            )
            return
        factor = fit_distribution(self.factors)
        data["actions"] = {**data.get("actions", {}), "factor": factor}
        overrides = data.get("action_overrides", {})
        for action in sorted(self.plan_actions & set(overrides)):
            overrides[action]["factor"] = factor  # the base's guess gives way to the fit
        fitted.append(
            f"rollback action timings: factor from {len(self.factors)} rollbacks, the time "
            "from the monitor's rollback verdict to the recorded rollback against the plan's "
            "minutes"
        )


def _breaching(trigger: SpecTrigger) -> dict[str, Any]:
    """A drop of the trigger's metric to a value in its bad state: the threshold itself,
    or past it by half its size (by 1 when it is 0) when the comparison is strict."""
    value = trigger.value
    step = abs(value) / 2 or 1
    if trigger.op in ("<", "!="):
        value -= step
    elif trigger.op == ">":
        value += step
    return {"kind": "drop", "metric": trigger.metric, "value": value}
