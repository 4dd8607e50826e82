"""What a simulation run produces: the event log, per-gate statistics, releases, rollbacks."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from app.simulate.dora import Release, dora_metrics
from app.simulate.events import Event, EventLog

HOUR = 60.0


@dataclass
class GateStats:
    entered: int = 0
    passed: int = 0
    rejected: int = 0
    held: int = 0
    waits: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        waits = sorted(self.waits)
        return {
            "entered": self.entered,
            "passed": self.passed,
            "rejected": self.rejected,
            "held": self.held,
            "wait_hours_median": round(statistics.median(waits) / HOUR, 4) if waits else None,
            "wait_hours_p90": round(waits[int(0.9 * (len(waits) - 1))] / HOUR, 4)
            if waits
            else None,
        }


@dataclass
class SimulationResult:
    scenario: str
    seed: int
    log: EventLog
    gates: dict[str, GateStats]
    releases: list[Release]
    rollbacks: list[dict[str, Any]]
    period_minutes: float
    candidates: int

    @property
    def events(self) -> list[Event]:
        """The event log in time order (built from the run's log when first read)."""
        return self.log.events()

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "candidates": self.candidates,
            "simulated_days": round(self.period_minutes / (24 * HOUR), 4),
            "gates": {gate: stats.to_json() for gate, stats in self.gates.items()},
            "dora": dora_metrics(self.releases, self.period_minutes),
            "rollbacks": self.rollbacks,
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "events": self.events}
