"""The simulator: candidates move through the compiled spec's gates, releases are watched and
rolled back, and every event is logged with its simulated time.

Decisions are never re-implemented here: gates are decided by ``app.runtime``'s
``CompiledGate`` (the code behind ``check``, compiled once per gate) and production by
``app.runtime.monitor.StageWatch``, the code pipelines run.

Candidates do not share anything at a gate, so each one's walk through the gates (and through
any stage watched before production, a canary say) is worked out in one go, with explicit
times, when it arrives; the scheduler only orders what candidates share: production, where a
newer release replaces the one being watched.

Events are logged compactly as they are worked out (out of time order: a walk is worked out
ahead) and read in time order from the :class:`EventLog` when someone asks. Random values
come from each distribution's own generator, seeded from the run's (``app.simulate.draws``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections.abc import Callable, Iterator, Mapping
from itertools import islice, repeat
from typing import Any

from app.runtime.evaluate import CompiledGate, GateReview, compile_criterion
from app.runtime.monitor import MonitorResult, StageWatch
from app.runtime.process import collection_paused
from app.runtime.values import Status, Verdict
from app.simulate.approvers import Asked, asked_at, askers
from app.simulate.clock import EPOCH, Process, Scheduler, at, check_minute
from app.simulate.dora import Release
from app.simulate.events import EventLog, EventType
from app.simulate.results import HOUR, GateStats, SimulationResult
from app.simulate.scenario import Fault, Scenario
from app.simulate.submission import Entrant, EvidenceSource, Response, Submission
from app.spec.schema import GateSpec, SpecGate, SpecRollback
from app.spec.types import person_key

new_tuple = tuple.__new__
"""Makes a named tuple from all its fields without the Python call its constructor is."""

MAX_ATTEMPTS = 100
"""An action that failed this often is counted done (by escalation): a scenario whose
failure probability is close to 1 would otherwise repeat it nearly forever."""


def derive_seed(seed: int, run: int) -> int:
    """The seed of the ``run``-th Monte Carlo run: stable across Python versions."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{run}".encode()).digest()[:8], "big")


def gate_chain(spec: GateSpec) -> list[SpecGate]:
    """The gates along the promote path from the entry stage (first gate out of each stage)."""
    return spec.promote_path()


def watched_stages(spec: GateSpec) -> set[str]:
    """The stages a simulation watches: those on the promote path with rollback triggers
    (production, and any stage before it a candidate waits in, a canary say)."""
    return {policy.stage for policy in spec.rollback} & {gate.to for gate in gate_chain(spec)}


class Simulation:
    """One run of a scenario against a spec with one seed."""

    def __init__(
        self,
        spec: GateSpec,
        scenario: Scenario,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
        bakes: Mapping[str, float] | None = None,
    ) -> None:
        self.spec, self.scenario, self.seed = spec, scenario, seed
        self.progress = progress
        self.bakes = dict(bakes or {})
        """Minutes a candidate stays in a stage before production (the stage's bake time)."""
        """Told (arrived, total) as candidates arrive, about a hundred times a run."""
        self.rng = random.Random(seed)
        self.clock = Scheduler()
        self.chain = gate_chain(spec)
        self.events = EventLog()
        self.records, self.times = self.events.records, self.events.times
        """The log's records and their minutes, appended to directly by the walks."""
        """The log in the order it was written, each event's ``t`` the exact minute (rounded
        and put in time order at the end)."""
        self.latest = 0.0
        self.gates = {gate.id: GateStats() for gate in self.chain}
        self.compiled = {gate.id: CompiledGate.of(spec, gate) for gate in self.chain}
        """Each gate's decision function, compiled once for the run."""
        self.plan_checks: dict[str, tuple[EvidenceSource, list[Any]]] = {}
        """Per rollback plan: what its checks read after a rollback, and the checks."""
        self.factors: dict[str, Callable[[], float]] = {}
        """Per rollback action: how its durations are drawn (its timing's factor)."""
        self.releases: list[Release] = []
        self.rollbacks: list[dict[str, Any]] = []
        self.live: Any = None
        self.watches: dict[str, tuple[StageWatch, list[tuple[str, Iterator[float]]]]] = {}
        """Per watched stage: its watch (restarted for each release) and the telemetry its
        triggers read, with how each is drawn."""
        people = scenario.candidates
        self.sources = {
            gate.id: EvidenceSource(
                gate.criteria,
                {**people.metrics, **people.stage_metrics.get(gate.id, {})},
                people.missing,
                people.checks,
                people.artifacts,
                people.baseline,
                self.rng,
            )
            for gate in self.chain
        }
        final = self.chain[-1].to if self.chain else None
        self.watched_on_the_way = watched_stages(spec) - {final}
        """Stages before production with rollback triggers: candidates wait out their watch."""
        self.askers = {gate.id: askers(spec, scenario, gate, self.rng) for gate in self.chain}
        self.asked: dict[tuple[str, str], Asked] = {}
        """(gate, tier) -> the gate's rules that apply to the tier (see :data:`Asked`)."""
        self.deploy = scenario.deploy_minutes.sampler(self.rng)
        self.hold_review = scenario.hold_review.sampler(self.rng)
        self.steps = [
            (
                gate,
                gate.to,
                self.bakes.get(gate.to, 0.0) if gate is not self.chain[-1] else 0.0,
                gate.to in self.watched_on_the_way,
            )
            for gate in self.chain
        ]
        """Each gate of the walk with the stage it leads to, that stage's bake time (none for
        production) and whether the candidate waits out its watch there."""

    # -- logging -----------------------------------------------------------------------

    def log(self, t: float, event: EventType, element: str, candidate: int, **detail: Any) -> None:
        """Record an event at simulated minute ``t`` (checked in ``run``); the candidates'
        walks append their many events directly. The detail is given only when it has one."""
        self.times.append(t)
        self.records.append((t, event, element, candidate, detail or None))

    # -- candidates --------------------------------------------------------------------

    def run(self) -> SimulationResult:
        self.clock.start(self.arrivals())
        self.clock.run()
        log = self.events
        # Every logged time is a date: none negative, none past the latest, none NaN (which
        # max and min step over, and which makes the sum NaN).
        check_minute(sum(log.times) / len(log) if len(log) else 0.0)
        self.latest = check_minute(log.latest())
        check_minute(log.earliest())
        return SimulationResult(
            self.scenario.id,
            self.seed,
            log,
            self.gates,
            self.releases,
            self.rollbacks,
            max(self.clock.now, self.latest, 1.0),
            self.scenario.candidates.count,
        )

    def arrivals(self) -> Process:
        people = self.scenario.candidates
        # In the spec's tier order (unknown tiers last, by name), not the file's key order.
        rank = {tier: index for index, tier in enumerate(self.spec.tiers)}
        tiers = sorted(people.tiers, key=lambda t: (rank.get(t, len(rank)), t))
        cumulative = list(itertools.accumulate(people.tiers[t] for t in tiers)) or [1.0]
        tiers = tiers or [self.spec.strictest_tier()]
        every = max(1, people.count // 100)
        gap = people.every_hours.sampler(self.rng)
        keys: dict[str, str] = {}
        single_tier, submitters = len(tiers) == 1, people.submitters
        for index in range(people.count):
            if index:
                yield gap() * HOUR
            if self.progress is not None and index % every == 0:
                self.progress(index, people.count)
            # A single tier or submitter is no draw.
            tier = tiers[0] if single_tier else self.rng.choices(tiers, cum_weights=cumulative)[0]
            submitter = submitters[0] if len(submitters) == 1 else self.rng.choice(submitters)
            key = keys.get(submitter)
            if key is None:
                key = keys[submitter] = person_key(submitter)
            self.clock.start(self.candidate(index, Entrant(tier, submitter, key)))

    def candidate(self, index: int, entrant: Entrant) -> Process:
        """A candidate's walk through the gates, then its release when it reaches the end."""
        arrived = t = self.clock.now
        first = self.spec.stages[0].id
        detail = {"tier": entrant.tier, "submitter": entrant.submitted_by}
        records, deploy, times = self.records, self.deploy, self.times
        times.append(t)
        records.append((t, EventType.CANDIDATE_ARRIVED, first, index, detail))
        for gate, to, bake, watched_here in self.steps:
            left = self.through_gate(index, gate, entrant, t)
            if left is None:
                return
            took = deploy()
            t = left + (took if took > 0.0 else 0.0)  # max(0.0, took), without the call
            times.append(t)
            records.append((t, EventType.DEPLOYED, to, index, None))
            # A stage before production keeps the candidate for its bake time at least
            # (an A/B test that bakes a week is a week, however soon its watch is done).
            baked = t + bake
            if watched_here:
                watched = self.watch_before_production(index, to, t)
                if watched is None:
                    return
                t = watched
            if baked > t:
                t = baked
        if self.chain:
            yield t - self.clock.now
            self.release(index, arrived)

    def through_gate(self, index: int, gate: SpecGate, entrant: Entrant, t: float) -> float | None:
        """The minute the candidate leaves ``gate`` promoted, or None when it is rejected."""
        gate_id = gate.id
        stats, source = self.gates[gate_id], self.sources[gate_id]
        stats.entered += 1
        entered = t
        records, times = self.records, self.times
        times.append(t)
        records.append((t, EventType.GATE_ENTERED, gate_id, index, None))
        compiled = self.compiled[gate_id]
        review = compiled.review(source.draw(entrant))
        outcome = review.criteria_outcome
        if outcome == Verdict.HOLD:
            stats.held += 1
            self.log(t, EventType.GATE_HELD, gate_id, index, reason="data needs a person's review")
            t += max(0.0, self.hold_review()) * HOUR
            self.log(t, EventType.GATE_REVIEWED, gate_id, index)
            review = compiled.review(source.draw(entrant, complete=True))
            outcome = review.criteria_outcome
        elif outcome == Verdict.PROMOTE and review.needs_approvals:
            stats.held += 1  # check says hold while approvals are pending
        if outcome == Verdict.REJECT:
            decision, reasons = "reject", list(review.verdict(at(t))[1])
        else:
            t, decision, reasons = self.await_approvals(index, review, entered, t)
        stats.waits.append(t - entered)
        if decision != "promote":
            stats.rejected += 1
            if reasons is not None:
                self.log(t, EventType.GATE_REJECTED, gate_id, index, reasons=reasons)
            return None
        stats.passed += 1
        times.append(t)
        records.append((t, EventType.GATE_PASSED, gate_id, index, {"reasons": reasons}))
        return t

    def await_approvals(
        self, index: int, review: GateReview, entered: float, asked: float
    ) -> tuple[float, str, list[str] | None]:
        """Approvers answer over time; the gate is decided again once their answers can count.

        Returns when the gate decided, what, and why (None when it timed out, logged here)."""
        gate, evidence = review.gate, review.evidence
        records: list[Response] = evidence.approvals  # type: ignore[assignment]
        deadline = entered + self.scenario.approval_timeout_hours * HOUR
        t = asked
        needed = review.approvals_needed
        log, logged = self.records.append, self.times.append
        gate_id, approval = gate.id, EventType.APPROVAL
        for moment, person, role, answer in self.responses(gate, evidence.candidate, asked):
            if moment > deadline:
                break
            t = moment  # none is before ``asked``, and they come in time order
            when = at(t)
            records.append(new_tuple(Response, (person, role, answer, when, None, ())))
            logged(t)
            log((t, approval, gate_id, index, {"by": person, "role": role, "decision": answer}))
            if answer == "approve" and len(records) < needed:
                continue
            decision, reasons, _codes, _approvals = review.verdict(when)
            if decision != "hold":
                return t, decision, list(reasons)
        decision, reasons, _codes, approvals = review.verdict(at(t))
        if decision != "hold":
            return t, decision, list(reasons)
        t = max(t, deadline)
        self.log(t, EventType.GATE_EXPIRED, gate.id, index, waiting=list(approvals.short))
        return t, "reject", None

    def responses(
        self, gate: SpecGate, entrant: Entrant, asked: float
    ) -> list[tuple[float, str, str, str]]:
        """Each asked approver's answer, in time order: when, who, for which role, what."""
        tier = entrant.tier
        found = self.asked.get((gate.id, tier))
        if found is None:
            found = self.asked[(gate.id, tier)] = asked_at(self.askers[gate.id], tier)
        rules, plain, people, roles, keys = found
        rng, submitter = self.rng, entrant.key
        if plain and submitter not in keys:
            # The usual gate: every member answers, and approves (one delay each, drawn
            # rule by rule as below).
            waits: list[float] = []
            for rule in rules:
                waits += islice(rule[4], len(rule[6]))
            return sorted(
                zip(
                    [asked + (wait if wait > 0.0 else 0.0) * HOUR for wait in waits],
                    people,
                    roles,
                    repeat("approve"),
                )
            )
        planned: list[tuple[float, str, str, str]] = []
        for role, _tiers, respond, reject, delays, working_hours, members, member_keys in rules:
            # One delay per member, drawn whether or not they answer.
            waits = list(islice(delays, len(members)))
            for person, key, wait in zip(members, member_keys, waits, strict=True):
                if key == submitter or (respond < 1 and rng.random() >= respond):
                    continue
                moment = asked + (wait if wait > 0.0 else 0.0) * HOUR  # max(0.0, wait), faster
                if working_hours is not None:
                    moment = self.working_time(moment, working_hours)
                answer = "reject" if reject and rng.random() < reject else "approve"
                planned.append((moment, person, role, answer))
        planned.sort()
        return planned

    @staticmethod
    def working_time(moment: float, working_hours: tuple[int, int]) -> float:
        """``moment``, moved to the next start of working hours when it falls outside them."""
        start, end = working_hours
        if not math.isfinite(moment):
            return moment  # never: past any deadline
        hour = (moment / HOUR) % 24
        if start <= hour < end:
            return moment
        return moment + ((start - hour) % 24) * HOUR

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
        """Production telemetry, window by window, until a trigger fires or the watch ends.

        The windows are worked out ahead; the watch then waits to the window that decides and
        stops silently if a newer release replaced this one meanwhile."""
        stage, index = self.chain[-1].to, release["candidate"]
        deployed = release["deployed"]
        decided, verdict, fault_start = self.stage_telemetry(index, stage, deployed)
        yield decided - self.clock.now
        if self.live is not release:
            return  # a newer release replaced this one
        if verdict is None:
            self.log(decided, EventType.RELEASE_HEALTHY, stage, index)
            return
        restored = self.roll_back(index, stage, verdict, decided)
        self.releases[release["position"]] = Release(
            index, release["arrived"], deployed, failed=True, restore_minutes=restored - fault_start
        )
        yield restored - self.clock.now
        if self.live is release:
            self.live = None

    def watch_before_production(self, index: int, stage: str, t: float) -> float | None:
        """A stage watched before production (a canary, an A/B test): the candidate stays
        for its telemetry windows. Returns when it moves on, or None when a trigger fired
        and the stage was rolled back (the candidate goes no further)."""
        decided, verdict, _fault_start = self.stage_telemetry(index, stage, t)
        if verdict is None:
            self.log(decided, EventType.STAGE_HEALTHY, stage, index)
            return decided
        self.roll_back(index, stage, verdict, decided)
        return None

    def stage_telemetry(
        self, index: int, stage: str, deployed: float
    ) -> tuple[float, MonitorResult | None, float]:
        """Draw a fault (at most one) and the telemetry of ``stage`` from ``deployed`` on.

        Returns when the watch decides, its verdict (None: no trigger fired), and when the
        fault started."""
        telemetry, rng = self.scenario.telemetry, self.rng
        faults = [
            f
            for f in telemetry.faults
            if (f.stage is None or f.stage == stage) and rng.random() < f.probability
        ][:1]
        fault = faults[0] if faults else None
        fault_start = deployed
        if fault:
            fault_start += fault.after_windows * telemetry.window_minutes
            self.log(
                deployed,
                EventType.FAULT_INJECTED,
                stage,
                index,
                fault=fault.kind,
                metric=fault.metric,
                starts_in_windows=fault.after_windows,
            )
        windows, verdict = self.telemetry_verdict(stage, fault)
        return deployed + windows * telemetry.window_minutes, verdict, fault_start

    def telemetry_verdict(
        self, stage: str, fault: Fault | None
    ) -> tuple[int, MonitorResult | None]:
        """How many windows until the watch decides, and its verdict then: the watch's result
        when a trigger fired, else None (nothing to roll back, whether the watch was healthy
        or too short to judge: the simulation goes on alike).

        Only the metrics the stage's triggers read are drawn, as at gates."""
        telemetry = self.scenario.telemetry
        found = self.watches.get(stage)
        if found is None:
            watcher = StageWatch(self.spec, stage)
            drawn = [
                (name, telemetry.metrics[name].values(self.rng))
                for name in sorted(telemetry.metrics)
                if name in watcher.metrics
            ]
            found = self.watches[stage] = (watcher, drawn)
        watcher, drawn = found
        watcher.restart()
        count = telemetry.watch_windows
        # The whole watch is drawn, then judged metric by metric.
        columns = {name: list(islice(values, count)) for name, values in drawn}
        if fault:
            apply_fault(fault, columns)
        fired = watcher.observe_series(columns, count)
        if fired is None:
            return count, None
        return fired, watcher.result()

    def roll_back(self, index: int, stage: str, verdict: MonitorResult, fired: float) -> float:
        """Run the fired trigger's plan from minute ``fired``: its actions in order (with
        their durations and failed attempts), then its checks. Returns when it is done."""
        plan: SpecRollback = verdict.plan  # type: ignore[assignment]
        rng, t = self.rng, fired
        self.log(
            t, EventType.TRIGGER_FIRED, verdict.fired[0], index, fired=verdict.fired, policy=plan.id
        )
        self.log(t, EventType.ROLLBACK_STARTED, plan.id, index, target=plan.target)
        for action in plan.actions:
            timing = self.scenario.action_overrides.get(action.id, self.scenario.actions)
            factor = self.factors.get(action.id)
            if factor is None:
                factor = self.factors[action.id] = timing.factor.sampler(rng)
            attempts, done = 1, {"role": action.role}
            while True:
                t += max(0.0, action.minutes * factor())
                if rng.random() >= timing.failure_probability:
                    break
                if attempts == MAX_ATTEMPTS:
                    done["escalated"] = True  # failed again: counted done, see MAX_ATTEMPTS
                    break
                self.log(
                    t, EventType.ACTION_FAILED, action.id, index, role=action.role, attempt=attempts
                )
                attempts += 1
            self.log(t, EventType.ACTION_DONE, action.id, index, **done, attempts=attempts)
        # After the rollback the system runs healthy telemetry again; checks and artifacts
        # come out as the scenario's pipeline usually reports them.
        tier = self.spec.strictest_tier()
        found = self.plan_checks.get(plan.id)
        if found is None:
            people = self.scenario.candidates
            source = EvidenceSource(
                plan.checks,
                self.scenario.telemetry.metrics,
                {},
                people.checks,
                people.artifacts,
                people.baseline,
                rng,
            )
            programs = [compile_criterion(c) for c in plan.checks]
            found = self.plan_checks[plan.id] = (source, programs)
        source, programs = found
        restored: Submission = source.draw(Entrant(tier, ""))
        results = [program(restored, tier) for program in programs]
        passed = all(
            r.status in (Status.PASS, Status.SKIPPED) for r in results if r.severity == "blocking"
        )
        statuses = {r.id: r.status for r in results}
        self.log(t, EventType.CHECKS_RUN, plan.id, index, passed=passed, results=statuses)
        minutes = t - fired
        met = plan.max_minutes is None or minutes <= plan.max_minutes
        self.log(
            t, EventType.ROLLBACK_FINISHED, plan.id, index, minutes=round(minutes, 3), sla_met=met
        )
        self.rollbacks.append(
            {
                "candidate": index,
                "stage": stage,
                "policy": plan.id,
                "minutes": round(minutes, 3),
                "max_minutes": plan.max_minutes,
                "sla_met": met,
                "checks_passed": passed,
            }
        )
        return t


def apply_fault(fault: Fault, columns: dict[str, list[Any]]) -> None:
    """Strike the windows ``fault`` lasts in its metric's values (a metric no trigger reads
    has none: the fault changes nothing there)."""
    values = columns.get(fault.metric)
    if values is None:
        return
    for window in range(fault.after_windows, min(fault.after_windows + fault.windows, len(values))):
        if fault.kind == "missing":
            values[window] = None
        elif fault.kind == "drop":
            values[window] = float(fault.value)
        elif fault.kind == "spike":
            values[window] *= fault.factor
        else:
            values[window] += fault.value


def simulate(
    spec: GateSpec,
    scenario: Scenario,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    bakes: Mapping[str, float] | None = None,
) -> SimulationResult:
    """One deterministic run: the same spec, scenario and seed give the same result.
    ``progress(arrived, total)`` is told how far the candidates' arrivals have got;
    ``bakes`` (``stage_bakes(doc)``) holds each stage's bake time in minutes."""
    with collection_paused():  # events are many small acyclic objects
        return Simulation(spec, scenario, seed, progress, bakes).run()


__all__ = ["EPOCH", "GateStats", "SimulationResult", "derive_seed", "gate_chain", "simulate"]
