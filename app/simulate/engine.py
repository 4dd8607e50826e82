"""The simulator: candidates move through the compiled spec's gates, releases are watched and
rolled back, and every event is logged with its simulated time.

Decisions are never re-implemented here: gates are decided by ``app.runtime.check`` and
production by ``app.runtime.monitor.StageWatch``, the code pipelines run.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import statistics
from dataclasses import dataclass, field
from typing import Any

from app.runtime import check
from app.runtime.evaluate import evaluate_criterion
from app.runtime.monitor import StageWatch
from app.simulate.clock import EPOCH, Process, Scheduler, at
from app.simulate.dora import Release, dora_metrics
from app.simulate.scenario import Approvers, Scenario, draw
from app.spec.evidence import ApprovalRecord, Candidate, Evidence
from app.spec.schema import GateSpec, SpecGate, SpecRollback

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
    events: list[dict[str, Any]]
    gates: dict[str, GateStats]
    releases: list[Release]
    rollbacks: list[dict[str, Any]]
    period_minutes: float
    candidates: int

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


def derive_seed(seed: int, run: int) -> int:
    """The seed of the ``run``-th Monte Carlo run: stable across Python versions."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{run}".encode()).digest()[:8], "big")


def gate_chain(spec: GateSpec) -> list[SpecGate]:
    """The gates along the promote path from the entry stage (first gate out of each stage)."""
    by_source: dict[str, SpecGate] = {}
    for gate in spec.gates:
        by_source.setdefault(gate.from_, gate)
    chain, stage, seen = [], spec.stages[0].id, set()
    while stage in by_source and stage not in seen:
        seen.add(stage)
        gate = by_source[stage]
        chain.append(gate)
        stage = gate.to
    return chain


class Simulation:
    """One run of a scenario against a spec with one seed."""

    def __init__(self, spec: GateSpec, scenario: Scenario, seed: int) -> None:
        self.spec, self.scenario, self.seed = spec, scenario, seed
        self.rng = random.Random(seed)
        self.clock = Scheduler()
        self.chain = gate_chain(spec)
        self.events: list[dict[str, Any]] = []
        self.gates = {gate.id: GateStats() for gate in self.chain}
        self.releases: list[Release] = []
        self.rollbacks: list[dict[str, Any]] = []
        self.live: Any = None
        self.members = {role.id: role.members for role in spec.roles}
        people = scenario.candidates
        self.check_outcomes = [
            (name, list(outcomes), list(itertools.accumulate(outcomes.values())))
            for name, outcomes in people.checks.items()
        ]

    # -- logging -----------------------------------------------------------------------

    def log(self, event: str, element: str | None, candidate: int | None, **detail: Any) -> None:
        record: dict[str, Any] = {"t": round(self.clock.now, 3), "type": event}
        if element is not None:
            record["element"] = element
        if candidate is not None:
            record["candidate"] = candidate
        if detail:
            record["detail"] = detail
        self.events.append(record)

    # -- candidates --------------------------------------------------------------------

    def run(self) -> SimulationResult:
        self.clock.start(self.arrivals())
        self.clock.run()
        self.events.sort(key=lambda e: e["t"])  # stable: same-time events keep their order
        return SimulationResult(
            self.scenario.id,
            self.seed,
            self.events,
            self.gates,
            self.releases,
            self.rollbacks,
            max(self.clock.now, 1.0),
            self.scenario.candidates.count,
        )

    def arrivals(self) -> Process:
        people = self.scenario.candidates
        tiers = list(people.tiers) or [self.spec.strictest_tier()]
        cumulative = list(itertools.accumulate(people.tiers.values())) or [1.0]
        for index in range(people.count):
            if index:
                yield draw(people.every_hours, self.rng) * HOUR
            tier = self.rng.choices(tiers, cum_weights=cumulative)[0]
            submitter = self.rng.choice(people.submitters)
            self.clock.start(self.candidate(index, tier, submitter))

    def evidence(
        self, index: int, gate: SpecGate, tier: str, submitter: str, complete: bool = False
    ) -> Evidence:
        """What the pipeline knows about a candidate at a gate (drawn once per gate visit).

        ``complete``: after a person reviewed a hold, the missing data has been supplied.
        """
        people, rng = self.scenario.candidates, self.rng
        distributions = {**people.metrics, **people.stage_metrics.get(gate.id, {})}
        metrics = {
            name: round(draw(dist, rng), 6)
            for name, dist in distributions.items()
            if complete or rng.random() >= people.missing.get(name, 0.0)
        }
        checks = {
            name: rng.choices(outcomes, cum_weights=cumulative)[0]
            for name, outcomes, cumulative in self.check_outcomes
        }
        artifacts = [name for name, p in people.artifacts.items() if rng.random() < p]
        # Built with model_construct: the simulator made these values itself, so validating
        # them again would only cost time; check() still applies the full semantics.
        return Evidence.model_construct(
            candidate=Candidate.model_construct(
                model=f"candidate-{index}", version="1", tier=tier, submitted_by=submitter
            ),
            metrics=metrics,
            baseline=dict(people.baseline),
            checks=checks,
            artifacts=artifacts,
            approvals=[],
            now=at(self.clock.now),
        )

    def responses(self, gate: SpecGate, tier: str, submitter: str) -> list[tuple[float, Any]]:
        """When each asked approver answers (minutes from now) and what they answer."""
        planned = []
        for rule in gate.approval.rules:
            if rule.tiers is not None and tier not in rule.tiers:
                continue
            behaviour: Approvers = self.scenario.approvers.get(
                rule.role, self.scenario.default_approvers
            )
            people = [p for p in self.members.get(rule.role, []) if p != submitter]
            for person in people:
                if self.rng.random() >= behaviour.respond_probability:
                    continue
                delay = self.working_time(draw(behaviour.delay_hours, self.rng) * HOUR, behaviour)
                decision = (
                    "reject" if self.rng.random() < behaviour.reject_probability else ("approve")
                )
                planned.append((delay, (person, rule.role, decision)))
        planned.sort(key=lambda item: item[0])
        return planned

    def working_time(self, delay: float, behaviour: Approvers) -> float:
        if behaviour.working_hours is None:
            return delay
        start, end = behaviour.working_hours
        moment = self.clock.now + delay
        hour = (moment / HOUR) % 24
        if start <= hour < end:
            return delay
        wait = ((start - hour) % 24) * HOUR
        return delay + wait

    def candidate(self, index: int, tier: str, submitter: str) -> Process:
        arrived = self.clock.now
        self.log("candidate-arrived", self.spec.stages[0].id, index, tier=tier, submitter=submitter)
        for gate in self.chain:
            stats = self.gates[gate.id]
            stats.entered += 1
            entered = self.clock.now
            self.log("gate-entered", gate.id, index)
            evidence = self.evidence(index, gate, tier, submitter)
            decision = check(self.spec, gate.id, evidence)
            if any(
                r.status in ("missing", "invalid")
                and r.policy == "hold"
                and r.severity == "blocking"
                for r in decision.criteria
            ) and (decision.decision == "hold"):
                stats.held += 1
                self.log("gate-held", gate.id, index, reason="data needs a person's review")
                yield draw(self.scenario.hold_review, self.rng) * HOUR
                self.log("gate-reviewed", gate.id, index)
                evidence = self.evidence(index, gate, tier, submitter, complete=True)
                decision = check(self.spec, gate.id, evidence)
                if decision.decision == "reject":
                    stats.rejected += 1
                    stats.waits.append(self.clock.now - entered)
                    self.log("gate-rejected", gate.id, index, reasons=decision.reasons)
                    return
            elif decision.decision == "reject":
                stats.rejected += 1
                stats.waits.append(0.0)
                self.log("gate-rejected", gate.id, index, reasons=decision.reasons)
                return
            elif decision.decision == "hold":
                stats.held += 1
            outcome = yield from self.await_approvals(index, gate, evidence, entered)
            stats.waits.append(self.clock.now - entered)
            if outcome != "promote":
                stats.rejected += 1
                return
            stats.passed += 1
            yield draw(self.scenario.deploy_minutes, self.rng)
            self.log("deployed", gate.to, index)
        if self.chain:
            self.release(index, arrived)

    def await_approvals(
        self, index: int, gate: SpecGate, evidence: Evidence, entered: float
    ) -> Process:
        records: list[ApprovalRecord] = evidence.approvals
        deadline = entered + self.scenario.approval_timeout_hours * HOUR
        candidate = evidence.candidate
        planned = self.responses(gate, candidate.tier, candidate.submitted_by)
        needed = max((r.count for r in gate.approval.rules), default=0)
        for delay, (person, role, answer) in planned:
            if entered + delay > deadline:
                break
            yield max(0.0, entered + delay - self.clock.now)
            records.append(
                ApprovalRecord.model_construct(
                    by=person, role=role, decision=answer, at=at(self.clock.now)
                )
            )
            self.log("approval", gate.id, index, by=person, role=role, decision=answer)
            if answer == "approve" and len(records) < needed:
                continue
            evidence.now = at(self.clock.now)
            decision = check(self.spec, gate.id, evidence)
            if decision.decision != "hold":
                return self.decided(index, gate, decision.decision, decision.reasons)
        evidence.now = at(self.clock.now)
        decision = check(self.spec, gate.id, evidence)
        if decision.decision != "hold":
            return self.decided(index, gate, decision.decision, decision.reasons)
        yield max(0.0, deadline - self.clock.now)
        self.log("gate-expired", gate.id, index, waiting=decision.approvals.short)
        return "reject"

    def decided(self, index: int, gate: SpecGate, decision: str, reasons: list[str]) -> str:
        self.log(
            "gate-passed" if decision == "promote" else "gate-rejected",
            gate.id,
            index,
            reasons=reasons,
        )
        return decision

    # -- production --------------------------------------------------------------------

    def release(self, index: int, arrived: float) -> None:
        release = {
            "candidate": index,
            "arrived": arrived,
            "deployed": self.clock.now,
            "position": len(self.releases),
        }
        self.live = release
        self.releases.append(Release(index, arrived, self.clock.now))
        self.clock.start(self.watch(release))

    def watch(self, release: dict[str, Any]) -> Process:
        telemetry, rng = self.scenario.telemetry, self.rng
        stage = self.chain[-1].to
        watcher = StageWatch(self.spec, stage)
        faults = [f for f in telemetry.faults if rng.random() < f.probability][:1]
        fault = faults[0] if faults else None
        fault_start = release["deployed"] + (
            fault.after_windows * telemetry.window_minutes if fault else 0
        )
        if fault:
            self.log(
                "fault-injected",
                stage,
                release["candidate"],
                fault=fault.kind,
                metric=fault.metric,
                starts_in_windows=fault.after_windows,
            )
        for window in range(telemetry.watch_windows):
            yield telemetry.window_minutes
            if self.live is not release:
                return  # a newer release replaced this one
            metrics = {name: draw(dist, rng) for name, dist in telemetry.metrics.items()}
            if fault and fault.after_windows <= window < fault.after_windows + fault.windows:
                apply_fault(fault, metrics)
            watcher.observe(metrics)
            verdict = watcher.result()
            if verdict.plan is not None:
                self.log(
                    "trigger-fired",
                    verdict.fired[0],
                    release["candidate"],
                    fired=verdict.fired,
                    policy=verdict.plan.id,
                )
                yield from self.roll_back(release, verdict.plan, fault_start)
                return
        self.log("release-healthy", stage, release["candidate"])

    def roll_back(self, release: dict[str, Any], plan: SpecRollback, fault_start: float) -> Process:
        fired = self.clock.now
        rng, index = self.rng, release["candidate"]
        self.log("rollback-started", plan.id, index, target=plan.target)
        for action in plan.actions:
            timing = self.scenario.action_overrides.get(action.id, self.scenario.actions)
            attempts = 1
            while True:
                yield max(0.0, action.minutes * draw(timing.factor, rng))
                if rng.random() >= timing.failure_probability:
                    break
                self.log("action-failed", action.id, index, role=action.role, attempt=attempts)
                attempts += 1
            self.log("action-done", action.id, index, role=action.role, attempts=attempts)
        # After the rollback the system runs healthy telemetry again; checks and artifacts
        # come out as the scenario's pipeline usually reports them.
        people = self.scenario.candidates
        restored = Evidence.model_construct(
            candidate=Candidate.model_construct(),
            metrics={
                name: draw(dist, rng) for name, dist in self.scenario.telemetry.metrics.items()
            },
            baseline=dict(people.baseline),
            checks={
                name: rng.choices(outcomes, cum_weights=cumulative)[0]
                for name, outcomes, cumulative in self.check_outcomes
            },
            artifacts=[name for name, p in people.artifacts.items() if rng.random() < p],
            approvals=[],
            now=at(self.clock.now),
        )
        results = [evaluate_criterion(c, restored, self.spec.strictest_tier()) for c in plan.checks]
        passed = all(r.status in ("pass", "skipped") for r in results if r.severity == "blocking")
        self.log(
            "checks-run", plan.id, index, passed=passed, results={r.id: r.status for r in results}
        )
        minutes = self.clock.now - fired
        met = plan.max_minutes is None or minutes <= plan.max_minutes
        self.log("rollback-finished", plan.id, index, minutes=round(minutes, 3), sla_met=met)
        self.releases[release["position"]] = Release(
            index,
            release["arrived"],
            release["deployed"],
            failed=True,
            restore_minutes=self.clock.now - fault_start,
        )
        self.rollbacks.append(
            {
                "candidate": index,
                "policy": plan.id,
                "minutes": round(minutes, 3),
                "max_minutes": plan.max_minutes,
                "sla_met": met,
                "checks_passed": passed,
            }
        )
        if self.live is release:
            self.live = None


def apply_fault(fault: Any, metrics: dict[str, float]) -> None:
    if fault.kind == "missing":
        metrics.pop(fault.metric, None)
    elif fault.kind == "drop":
        metrics[fault.metric] = fault.value
    elif fault.kind == "spike":
        metrics[fault.metric] = metrics.get(fault.metric, 0.0) * fault.factor
    else:
        metrics[fault.metric] = metrics.get(fault.metric, 0.0) + fault.value


def simulate(spec: GateSpec, scenario: Scenario, seed: int = 0) -> SimulationResult:
    """One deterministic run: the same spec, scenario and seed give the same result."""
    return Simulation(spec, scenario, seed).run()


__all__ = ["EPOCH", "SimulationResult", "derive_seed", "gate_chain", "simulate"]
