"""A simulation scenario fitted to the decisions a ledger recorded (``gatewright scenario
from-ledger``), so that a process owner can simulate a change to the SOP against the reality
of a past period.

What the ledger holds, and what is fitted from it:

- arrivals: a candidate (model and version) arrives at its first decision; the count is the
  candidates of the period, the time between arrivals exponential with their mean gap;
  risk tiers and submitters as recorded;
- evidence: each candidate's first decision at a gate records what every criterion observed:
  metric values (a normal distribution, log-normal when positive and right-skewed, per gate
  when a metric is read at several), how often a metric was missing, check outcomes and
  artifact presence. Rejections by criteria follow from these, as they did in reality;
- approvers, per role: the time from a candidate's first decision at a gate to the first
  decision that counted the role's answer (a log-normal delay; with several members who
  may answer, the first answer is the earliest of theirs, which the fit allows for), and
  the share of those answers that rejected.

- watches and rollbacks (app.simulate.ledger_watches): per watched stage, the chance that a
  stay ends in rollback (the telemetry faults), and the rollback actions' factor.

The ledger does not keep approval times themselves, baselines, hold reviews, deployment
times, telemetry values or whether a rollback action failed: those, and whatever the
ledger has too little data for, are kept from the base scenario and listed in
``fitted_from.kept`` and the warnings.
Nothing is invented: without a base, what cannot be fitted keeps the scenario format's
defaults, and arrivals, which have none, must be fitted. Nor is anything fitted from an
edited ledger (app.simulate.ledger_intact).
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.runtime.ledger import Ledger, LedgerError
from app.simulate.ledger_intact import not_as_recorded, require_intact
from app.simulate.ledger_watches import WatchFit
from app.simulate.real_figures import decisions_of, ledger_stats
from app.simulate.sample_fit import MIN_SAMPLES, fit_distribution, fit_first_of, rounded
from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec
from app.spec.types import person_id_problem, person_key, text_problem

HOUR = 3600.0


@dataclass
class _Visit:
    """What a candidate's decisions at one gate showed: when it was first decided, the
    criteria results of that first decision, and each role's earliest counted answer."""

    first: float
    submitter: str | None
    results: list[Any] = field(default_factory=list)
    answers: dict[str, tuple[float, bool]] = field(default_factory=dict)
    """Role -> (when a decision first counted its answer, whether it rejected)."""

    def take(self, at: float, document: dict[str, Any]) -> None:
        results = document.get("criteria")
        if isinstance(results, list) and (at < self.first or not self.results):
            self.results = results  # an earlier decision (replayed with --at) comes later
        self.first = min(self.first, at)
        approvals = document.get("approvals")
        counted = approvals.get("counted") if isinstance(approvals, dict) else None
        for entry in counted if isinstance(counted, list) else []:
            role = entry.get("role") if isinstance(entry, dict) else None
            if isinstance(role, str) and (role not in self.answers or at < self.answers[role][0]):
                self.answers[role] = (at, entry.get("decision") == "reject")


NO_ANSWERS = '"counted":[]'
"""In a decision document as the ledger stores it (canonical JSON): no approval counted."""


@dataclass
class Fitted:
    """The fitted scenario and the warnings about what the ledger could not give."""

    scenario: Scenario
    warnings: list[str]


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _document(text: str, seq: Any, shown: str) -> dict[str, Any]:
    """The check decision document ``text`` of entry ``seq``; ``LedgerError`` when it is not
    one as ``gatewright check`` writes it (its criteria and counted approvals are lists)."""
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    approvals = found.get("approvals") if isinstance(found, dict) else None
    if not (
        isinstance(found, dict)
        and isinstance(found.get("criteria"), list)
        and isinstance(approvals, dict)
        and isinstance(approvals.get("counted"), list)
    ):
        raise not_as_recorded(
            shown,
            seq,
            "check",
            "its document is not JSON, or its criteria or counted approvals are not lists",
        )
    return found


def fit_scenario(
    spec: GateSpec,
    ledger: Ledger,
    base: Scenario | None,
    since: str | None = None,
    until: str | None = None,
) -> Fitted:
    """The scenario fitted to ``spec``'s decisions in ``ledger`` (from ``since``, up to
    ``until``: the ledger's sortable UTC times); ``base`` supplies what the ledger cannot.
    ``LedgerError`` when the ledger cannot be read or holds no decision of the SOP, and
    when arrivals cannot be fitted and there is no base to keep them from, and when the
    ledger was edited (app.simulate.ledger_intact)."""
    require_intact(ledger)
    sop = spec.metadata.name
    path = spec.promote_path()
    figures = ledger_stats(
        ledger, sop, path[-1].to if path else None, [g.id for g in spec.gates], since, until
    )  # LedgerError: unreadable, or nothing recorded for the SOP in the period
    table, params = decisions_of(sop, since, until)
    rows = ledger.scan(
        "SELECT seq, gate, model, version, tier, submitted_by, decided_at, document "
        f"FROM {table} AND kind = 'check' AND version IS NOT NULL ORDER BY seq",
        params,
    )
    fit = _Fit(spec, base, ledger.shown)
    with closing(rows):  # an entry not as recorded stops the reading while the ledger is open
        fit.read(rows)
    watches = WatchFit(spec, ledger.shown)
    watches.scan(ledger, table, params)
    data = fit.scenario_data(figures)
    watches.apply(data, fit.fitted, fit.warnings, fit.keep)
    if fit.missing_arrivals:
        raise LedgerError(
            f"{ledger.shown}: {fit.missing_arrivals}; give a base scenario (--base) to keep "
            "arrivals from"
        )
    data["fitted_from"] = {
        "ledger": ledger.shown if not text_problem(ledger.shown) else json.dumps(ledger.shown),
        "sop": sop,
        **({"since": since} if since else {}),
        **({"until": until} if until else {}),
        "first_decision": figures["period"]["from"],
        "last_decision": figures["period"]["to"],
        "decisions": figures["decisions"],
        "candidates": figures["candidates"],
        "gates": {
            gate: {
                name: stats[key]
                for name, key in (
                    ("decisions", "decisions"),
                    ("promote", "passed"),
                    ("reject", "rejected"),
                    ("hold", "held"),
                )
            }
            for gate, stats in figures["gates"].items()
            if spec.gate(gate) is not None
        },
        "fitted": fit.fitted,
        "kept": fit.kept,
    }
    try:
        return Fitted(Scenario.model_validate(data), fit.warnings)
    except ValidationError as error:  # values no scenario holds: an edited ledger
        problem = error.errors()[0]
        place = ".".join(str(part) for part in problem["loc"])
        raise LedgerError(
            f"{ledger.shown}: its decisions fit no scenario ({place}: {problem['msg']}) though "
            "its hash chain checks out: was the chain rewritten after an edit? Compare the "
            "last hash `gatewright ledger verify` prints with a copy kept elsewhere"
        ) from None


_EMPTY = Scenario.model_validate(
    {"format": "gatewright.scenario/1", "id": "empty", "title": "Empty",
     "candidates": {"count": 1, "every_hours": {"dist": "fixed", "value": 0}}}
)  # fmt: skip
"""Where the scenario format's defaults are read from when there is no base scenario."""


class _Fit:
    """The observations of one SOP's check decisions, and what they fit."""

    def __init__(self, spec: GateSpec, base: Scenario | None, shown: str) -> None:
        self.spec, self.base, self.shown = spec, base, shown
        self.arrivals: dict[tuple[str, str], float] = {}
        self.tiers: Counter[str] = Counter()
        self.submitters: Counter[str] = Counter()
        self.visits: dict[tuple[str, str, str], _Visit] = {}
        self.fitted: list[str] = []
        self.kept: list[str] = []
        self.warnings: list[str] = []
        self.missing_arrivals = ""
        self.strangers: set[str] = set()

    def read(self, rows: Iterable[tuple[Any, ...]]) -> None:
        known_gates = {gate.id for gate in self.spec.gates}
        for seq, gate, model, version, tier, submitter, decided_at, document in rows:
            try:
                at = _seconds(decided_at)
            except (TypeError, ValueError):
                raise not_as_recorded(
                    self.shown, seq, "check", f"its decision time is not one ({decided_at!r:.40})"
                ) from None
            candidate = (model or "", version)
            if candidate not in self.arrivals:
                self.arrivals[candidate] = at
                if tier in self.spec.tiers:
                    self.tiers[tier] += 1
                if submitter and not person_id_problem(submitter):
                    self.submitters[submitter] += 1
            self.arrivals[candidate] = min(self.arrivals[candidate], at)
            if gate not in known_gates:
                if gate not in self.strangers:
                    self.strangers.add(gate)
                    self.warnings.append(
                        f"gate {gate!r}: recorded in the ledger but not a gate of this SOP; "
                        "its decisions count as arrivals only"
                    )
                continue
            key = (gate, *candidate)
            visit = self.visits.get(key)
            if visit is None:
                visit = self.visits[key] = _Visit(at, submitter)
            elif at >= visit.first and NO_ANSWERS in document:
                continue  # neither the first decision nor one with answers: nothing to read
            visit.take(at, _document(document, seq, self.shown))

    # -- the scenario -------------------------------------------------------------------

    def scenario_data(self, figures: dict[str, Any]) -> dict[str, Any]:
        data = (
            self.base.model_dump(mode="json", exclude_none=True, exclude={"fitted_from"})
            if self.base is not None
            else {}
        )
        sop = self.spec.metadata.name
        data.update(
            format="gatewright.scenario/1",
            id=f"{sop[:50].rstrip('-')}-from-ledger",
            title=f"Fitted to the ledger: {figures['period']['from'][:10]} to "
            f"{figures['period']['to'][:10]}",
            description=(
                f"Arrivals, evidence and approvers fitted to {figures['decisions']} recorded "
                f"decisions about {figures['candidates']} candidates"
                + (f"; the rest kept from the scenario {self.base.id}." if self.base else ".")
            ),
            sop=sop,
        )
        candidates = data.setdefault("candidates", {})
        self._arrivals(candidates)
        self._people(candidates)
        self._evidence(candidates)
        data["approvers"] = self._approvers(data.get("approvers", {}))
        watched = sorted({t.metric for policy in self.spec.rollback for t in policy.triggers})
        unseen = [m for m in watched if m not in data.get("telemetry", {}).get("metrics", {})]
        if unseen:
            self.warnings.append(
                f"telemetry: no production values for the watched metric(s) {', '.join(unseen)} "
                "(the ledger does not record telemetry, and the base scenario has none): "
                "simulated watches will find them missing; give --base with telemetry"
            )
        for what in ("baseline values", "hold reviews", "deployment times",
                     "the approval timeout"):  # fmt: skip
            self.kept.append(f"{what}: the ledger does not record them")
        return data

    def keep(self, what: str, why: str) -> None:
        source = f"the scenario {self.base.id}" if self.base else "the scenario format's default"
        self.kept.append(f"{what}: {why}")
        self.warnings.append(f"{what}: {why}; kept {source}")

    def _arrivals(self, candidates: dict[str, Any]) -> None:
        times = sorted(self.arrivals.values())
        if len(times) < 2:
            why = f"{len(times)} candidate recorded, too few to fit the time between arrivals"
            if self.base is None:
                self.missing_arrivals = why
                return
            self.keep("arrivals", why)
            return
        gaps = [(later - earlier) / HOUR for earlier, later in itertools.pairwise(times)]
        mean = statistics.fmean(gaps)
        candidates["count"] = min(len(times), 100_000)
        candidates["every_hours"] = {"dist": "exponential", "mean": rounded(mean)}
        self.fitted.append(
            f"arrivals: {len(times)} candidates, exponential time between arrivals with "
            f"the mean of {len(gaps)} gaps ({mean:.4g} hours)"
        )
        if len(gaps) < MIN_SAMPLES:
            self.warnings.append(
                f"arrivals: only {len(times)} candidates recorded; the time between arrivals "
                "is a rough estimate"
            )

    def _people(self, candidates: dict[str, Any]) -> None:
        if self.tiers:
            total = sum(self.tiers.values())
            candidates["tiers"] = {t: rounded(n / total) for t, n in sorted(self.tiers.items())}
            self.fitted.append(f"risk tiers: the share of each among {total} candidates")
        else:
            self.keep("risk tiers", "no candidate names a tier of this SOP")
        if self.submitters:
            candidates["submitters"] = sorted(self.submitters)
            people = len(self.submitters)
            self.fitted.append(
                f"submitters: the {people} recorded ({'person' if people == 1 else 'people'})"
            )
        else:
            self.keep("submitters", "no candidate names who submitted it")

    def _criteria(self) -> dict[str, dict[str, tuple[str, str]]]:
        """Per gate: criterion id -> (form, what it reads)."""
        found: dict[str, dict[str, tuple[str, str]]] = {}
        for gate in self.spec.gates:
            for criterion in gate.criteria:
                form = "metric" if criterion.form == "baseline" else criterion.form
                found.setdefault(gate.id, {})[criterion.id] = (form, getattr(criterion, form))
        return found

    def _evidence(self, candidates: dict[str, Any]) -> None:
        criteria = self._criteria()
        values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        seen: Counter[str] = Counter()
        absent: Counter[str] = Counter()
        checks: dict[str, Counter[str]] = defaultdict(Counter)
        artifacts: dict[str, list[bool]] = defaultdict(list)
        for (gate, *_candidate), visit in self.visits.items():
            read: set[tuple[str, str]] = set()
            for result in visit.results:  # the evidence as first submitted
                known = criteria.get(gate, {})
                if not isinstance(result, dict) or not isinstance(result.get("id"), str):
                    continue
                if result["id"] not in known:
                    continue
                form, name = criteria[gate][result["id"]]
                status, observed = result.get("status"), result.get("observed")
                if status == "skipped" or (form, name) in read:
                    continue
                read.add((form, name))
                if form == "metric":
                    seen[name] += 1
                    if status == "missing":
                        absent[name] += 1
                    elif _finite(observed):
                        values[name][gate].append(float(observed))
                elif form == "check" and isinstance(observed, str) and status != "missing":
                    if not text_problem(observed):  # an outcome no scenario file may hold
                        checks[name][observed] += 1
                elif form == "artifact":
                    artifacts[name].append(status == "pass")
        self._metrics(candidates, values, seen, absent)
        for name, outcomes in sorted(checks.items()):
            total = sum(outcomes.values())
            if total < MIN_SAMPLES:
                self.keep(f"check {name}", f"{total} outcomes recorded")
                continue
            candidates.setdefault("checks", {})[name] = {
                outcome: rounded(n / total) for outcome, n in sorted(outcomes.items())
            }
            self.fitted.append(f"check {name}: the share of each of {total} outcomes")
        for name, present in sorted(artifacts.items()):
            if len(present) < MIN_SAMPLES:
                self.keep(f"artifact {name}", f"{len(present)} observations recorded")
                continue
            share = sum(present) / len(present)
            candidates.setdefault("artifacts", {})[name] = rounded(share)
            self.fitted.append(f"artifact {name}: present in {sum(present)} of {len(present)}")

    def _metrics(
        self,
        candidates: dict[str, Any],
        values: dict[str, dict[str, list[float]]],
        seen: Counter[str],
        absent: Counter[str],
    ) -> None:
        for name in sorted(seen):
            per_gate = values.get(name, {})
            pooled = [v for gate_values in per_gate.values() for v in gate_values]
            if len(pooled) < MIN_SAMPLES:
                self.keep(f"metric {name}", f"{len(pooled)} values recorded")
                continue
            candidates.setdefault("metrics", {})[name] = fit_distribution(pooled)
            self.fitted.append(f"metric {name}: {len(pooled)} values recorded at the gates")
            overrides = candidates.setdefault("stage_metrics", {})
            for gate in list(overrides):  # the base's values per gate give way to the fit
                overrides[gate].pop(name, None)
                if not overrides[gate]:
                    del overrides[gate]
            if len(per_gate) > 1:
                for gate, gate_values in sorted(per_gate.items()):
                    if len(gate_values) >= MIN_SAMPLES:
                        overrides.setdefault(gate, {})[name] = fit_distribution(gate_values)
                        self.fitted.append(f"metric {name} at {gate}: {len(gate_values)} values")
            share = absent[name] / seen[name]
            missing = candidates.setdefault("missing", {})
            if share > 0:
                missing[name] = rounded(share)
            else:
                missing.pop(name, None)

    def _approvers(self, kept: dict[str, Any]) -> dict[str, Any]:
        members = {role.id: {person_key(m) for m in role.members} for role in self.spec.roles}
        delays: dict[str, list[tuple[float, int]]] = defaultdict(list)
        answers: dict[str, list[bool]] = defaultdict(list)
        for visit in self.visits.values():
            own = person_key(visit.submitter) if visit.submitter else None
            for role, (at, rejected) in visit.answers.items():
                if role not in members:
                    continue
                answers[role].append(rejected)
                delay = (at - visit.first) / HOUR
                if delay > 0:  # 0: answered before the gate was first checked
                    delays[role].append((delay, len(members[role] - {own})))
        approvers = dict(kept)
        asked = {rule.role for gate in self.spec.gates for rule in gate.approval.rules}
        for role in sorted(members):
            if len(answers.get(role, [])) < MIN_SAMPLES:
                if role in asked:
                    self.keep(f"approvers {role}", f"{len(answers.get(role, []))} answers recorded")
                continue
            behaviour = dict(approvers.get(role, {}))
            # The recorded delays include off hours, and only answers that came are seen.
            behaviour.pop("working_hours", None)
            behaviour.pop("respond_probability", None)
            rejects = sum(answers[role])
            behaviour["reject_probability"] = rounded(rejects / len(answers[role]))
            fitted = f"approvers {role}: {rejects} of {len(answers[role])} answers rejected"
            if len(delays[role]) >= MIN_SAMPLES:
                behaviour["delay_hours"] = fit_first_of(delays[role])
                fitted += f"; delay from {len(delays[role])} times to the first answer"
            elif "delay_hours" not in behaviour:
                default = (self.base or _EMPTY).default_approvers.delay_hours
                behaviour["delay_hours"] = default.model_dump(mode="json", exclude_none=True)
                self.keep(f"approvers {role} delay", f"{len(delays[role])} delays recorded")
            approvers[role] = behaviour
            self.fitted.append(fitted)
        return approvers
