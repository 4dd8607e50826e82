"""``check``: evidence -> promote / reject / hold, with the fail-closed semantics of the contract.

Nothing from a file is ever evaluated as code: operators are looked up in a fixed table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from math import isfinite
from typing import Any, Protocol

from app import __version__
from app.runtime.approvals import (
    ApprovalLike,
    ApprovalOutcome,
    ApprovalPolicy,
    Facts,
    approval_facts,
    outcome_of,
    plain,
)
from app.runtime.values import (
    MISSING,
    OPERATORS,
    Status,
    Verdict,
    number,
    same,
    unusable_check_value,
)
from app.spec.criteria import ArtifactCriterion, BaselineCriterion, CheckCriterion, MetricCriterion
from app.spec.schema import GateSpec, SpecGate
from app.spec.timestamps import utc_text


class CandidateLike(Protocol):
    @property
    def tier(self) -> str | None: ...
    @property
    def submitted_by(self) -> str | None: ...


class EvidenceLike(Protocol):
    """What the runtime reads of evidence: ``Evidence``, or the simulator's own records."""

    @property
    def candidate(self) -> CandidateLike: ...
    @property
    def metrics(self) -> dict[str, Any]: ...
    @property
    def baseline(self) -> dict[str, Any]: ...
    @property
    def checks(self) -> dict[str, Any]: ...
    @property
    def artifacts(self) -> list[str]: ...
    @property
    def approvals(self) -> list[ApprovalLike]: ...


@dataclass(slots=True)
class CriterionResult:
    """One criterion's outcome; its ``expected`` text is written only when someone reads it."""

    criterion: Any
    status: Status
    observed: Any
    base: Any = None  # baseline criteria: the baseline value compared against, when usable

    @property
    def id(self) -> str:
        return str(self.criterion.id)

    @property
    def severity(self) -> str:
        return str(self.criterion.severity)

    @property
    def policy(self) -> str:
        """For a missing or invalid value, its policy (``fail`` or ``hold``); else empty."""
        if self.status == Status.MISSING:
            return str(self.criterion.on_missing)
        return str(self.criterion.on_invalid) if self.status == Status.INVALID else ""

    @property
    def expected(self) -> str:
        """What would pass, as a reader sees it: ``>= 0.9``, ``== 'passed'``, ``present``..."""
        criterion = self.criterion
        if self.status == Status.SKIPPED:
            return f"applies to tiers {', '.join(criterion.tiers)}"
        form = criterion.form
        if form == "artifact":
            return "present"
        if form == "check":
            return f"== {_fmt(criterion.equals)}"
        if form == "metric":
            return f"{criterion.op} {criterion.value:g}"
        delta = criterion.delta
        sign = "+" if delta >= 0 else "-"
        if self.base is None:
            return f"{criterion.op} baseline {sign} {abs(delta):g}"
        threshold = self.base + delta
        return f"{criterion.op} {threshold:g} (baseline {self.base:g} {sign} {abs(delta):g})"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "severity": self.severity,
            "observed": json_safe(self.observed),
            "expected": self.expected,
        }


@dataclass
class Decision:
    gate: str
    decision: Verdict
    spec_digest: str
    criteria: list[CriterionResult]
    approvals: ApprovalOutcome
    reasons: list[str]
    codes: list[str]
    decided_at: datetime
    """The decision time: the machine's clock, or the time a replay asked for."""
    candidate: CandidateLike
    evidence_digest: str | None = None
    """``sha256:`` of the evidence's canonical JSON, when decided from evidence data."""
    signed_by: str | None = None
    """The fingerprint of the key that signed the spec, when it is signed."""
    approvals_from: str | None = None
    """Where the evidence's approvals came from, when `evidence collect` recorded it."""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "gate": self.gate,
            "decision": self.decision,
            "spec_digest": self.spec_digest,
            "criteria": [result.to_json() for result in self.criteria],
            "approvals": {
                "status": self.approvals.status,
                "counted": plain(self.approvals.counted),
                "ignored": plain(self.approvals.ignored),
            },
            "reasons": self.reasons,
            "codes": self.codes,
            "decided_at": utc_text(self.decided_at),
            "candidate": candidate_json(self.candidate),
            "evidence_digest": self.evidence_digest,
            "gatewright_version": __version__,
            "signed_by": self.signed_by,
        }
        if self.approvals_from is not None:
            document["approvals_from"] = self.approvals_from
        if conditions := self.conditions:
            document["conditions"] = conditions
        return document

    @property
    def conditions(self) -> list[dict[str, str]]:
        """Every condition the counted records set, with who set it, for which role, and
        with which decision (``approve``: the promotion comes with it; ``revise``: to meet
        before the candidate comes back along the reject path)."""
        return [
            {"by": entry["by"], "role": entry["role"], "decision": entry["decision"], "text": text}
            for entry in self.approvals.counted
            for text in entry.get("conditions", ())
        ]


def candidate_json(candidate: CandidateLike) -> dict[str, Any]:
    """The candidate as given: the fields the evidence set (the simulator's: tier, submitter)."""
    dump = getattr(candidate, "model_dump", None)
    if dump is not None:
        return dict(dump(mode="json", exclude_unset=True))
    fields = ("model", "version", "tier", "submitted_by")
    return {name: value for name in fields if (value := getattr(candidate, name, None)) is not None}


def json_safe(value: Any) -> Any:
    """Observed values as JSON can hold them: NaN and infinities become strings, and so do
    unpaired surrogates (``\\ud800``), which no UTF-8 output can carry."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is MISSING:
        return None
    if isinstance(value, dict | list):
        return str(value)[:80]
    if isinstance(value, str) and not value.isascii():
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def _fmt(value: Any) -> str:
    return (
        f"{value:g}"
        if isinstance(value, float)
        else repr(value)
        if isinstance(value, str)
        else str(value)
    )


Program = Callable[[EvidenceLike, Any], CriterionResult]
"""One criterion compiled: evidence in, its result out (the tier, second, is not read)."""


def _artifact(criterion: Any) -> Program:
    name = criterion.artifact

    def run(evidence: EvidenceLike, _tier: Any = None) -> CriterionResult:
        present = name in evidence.artifacts
        return CriterionResult(criterion, Status.PASS if present else Status.MISSING, present)

    return run


def _check(criterion: Any) -> Program:
    name, equals = criterion.check, criterion.equals

    def run(evidence: EvidenceLike, _tier: Any = None) -> CriterionResult:
        observed = evidence.checks.get(name, MISSING)
        if observed.__class__ is str:  # the usual value, as same() compares it
            passed = equals.__class__ is str and observed == equals
            return CriterionResult(criterion, Status.PASS if passed else Status.FAIL, observed)
        if observed is MISSING or observed is None:
            return CriterionResult(criterion, Status.MISSING, None)
        if unusable_check_value(observed):
            return CriterionResult(criterion, Status.INVALID, observed)
        passed = same(observed, equals)
        return CriterionResult(criterion, Status.PASS if passed else Status.FAIL, observed)

    return run


def _baseline(criterion: Any) -> Program:
    name, compare, delta = criterion.metric, OPERATORS[criterion.op], criterion.delta

    def run(evidence: EvidenceLike, _tier: Any = None) -> CriterionResult:
        raw = evidence.metrics.get(name, MISSING)
        base_raw = evidence.baseline.get(name, MISSING)
        if raw.__class__ is float and base_raw.__class__ is float and isfinite(raw + base_raw):
            # the usual values, as number() reads them (a sum is finite when both are)
            passed = compare(raw, base_raw + delta)
            return CriterionResult(criterion, Status.PASS if passed else Status.FAIL, raw, base_raw)
        if raw is MISSING or raw is None or base_raw is MISSING or base_raw is None:
            return CriterionResult(criterion, Status.MISSING, None if raw is MISSING else raw)
        value, base = number(raw), number(base_raw)
        if value is None or base is None:
            return CriterionResult(criterion, Status.INVALID, raw if value is None else base_raw)
        passed = compare(value, base + delta)
        return CriterionResult(criterion, Status.PASS if passed else Status.FAIL, value, base)

    return run


def _metric(criterion: Any) -> Program:
    name, compare, threshold = criterion.metric, OPERATORS[criterion.op], criterion.value

    def run(evidence: EvidenceLike, _tier: Any = None) -> CriterionResult:
        raw = evidence.metrics.get(name, MISSING)
        if raw.__class__ is float and isfinite(raw):  # the usual value, as number() reads it
            return CriterionResult(
                criterion, Status.PASS if compare(raw, threshold) else Status.FAIL, raw
            )
        if raw is MISSING or raw is None:
            return CriterionResult(criterion, Status.MISSING, None)
        value = number(raw)
        if value is None:
            return CriterionResult(criterion, Status.INVALID, raw)
        passed = compare(value, threshold)
        return CriterionResult(criterion, Status.PASS if passed else Status.FAIL, value)

    return run


_FORMS: dict[type, Callable[[Any], Program]] = {
    MetricCriterion: _metric,
    BaselineCriterion: _baseline,
    CheckCriterion: _check,
    ArtifactCriterion: _artifact,
}

TieredProgram = Callable[[EvidenceLike, str], CriterionResult]


def compile_criterion(criterion: Any) -> TieredProgram:
    """The criterion as a function of (evidence, tier), its form and constants bound once."""
    run = _FORMS[type(criterion)](criterion)
    if criterion.tiers is None:
        return run
    tiers = frozenset(criterion.tiers)

    def tiered(evidence: EvidenceLike, tier: str) -> CriterionResult:
        if tier in tiers:
            return run(evidence)
        return CriterionResult(criterion, Status.SKIPPED, None)

    return tiered


def evaluate_criterion(criterion: Any, evidence: EvidenceLike, tier: str) -> CriterionResult:
    """One criterion against the evidence (its tier applicability decided by the caller)."""
    return compile_criterion(criterion)(evidence, tier)


class CompiledGate:
    """A gate's criteria and approval rule compiled once per spec (as CEL compiles an
    expression once): ``check``, the simulator and the per-row backtest decide with it."""

    def __init__(self, spec: GateSpec, gate: SpecGate) -> None:
        self.spec, self.gate = spec, gate
        self.programs = [compile_criterion(criterion) for criterion in gate.criteria]
        self.tiers = frozenset(spec.tiers)
        self.strictest = spec.strictest_tier()
        self.policies: dict[tuple[str, str | None], ApprovalPolicy] = {}
        """(tier, submitter as given) -> its approval policy: found once, asked per candidate."""
        self._applicable: dict[str, int] = {}
        self.conclusions: dict[tuple[int, CriteriaVerdict, Facts], Conclusion] = {}
        """(id of the approval policy, the criteria's verdict, the approvals' facts) -> what
        the review concludes: the same inputs conclude the same (see ``GateReview.verdict``);
        the policies are kept in ``policies``, so their ids stay theirs."""

    def applicable(self, tier: str) -> int:
        """How many blocking criteria apply to ``tier``: those a review does not skip."""
        found = self._applicable.get(tier)
        if found is None:
            found = self._applicable[tier] = sum(
                str(c.severity) == "blocking" and (c.tiers is None or tier in c.tiers)
                for c in self.gate.criteria
            )
        return found

    @classmethod
    def of(cls, spec: GateSpec, gate: SpecGate) -> CompiledGate:
        """The spec's own gates are compiled once per spec; any other gate (a copy without
        approvals, say) each time it is asked for."""
        if spec.gate(gate.id) is not gate:
            return cls(spec, gate)
        return spec.memo(("compiled-gate", gate.id), lambda: cls(spec, gate))

    def review(self, evidence: EvidenceLike) -> GateReview:
        """The candidate's review: criteria evaluated now, approvals as they arrive."""
        return GateReview(self, evidence)

    def decide(self, evidence: EvidenceLike, at: datetime | None = None) -> Decision:
        return GateReview(self, evidence).decision(at)


CriteriaVerdict = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""What the criteria say: sentences that reject, sentences that hold, and their codes."""

Conclusion = tuple[Verdict, tuple[str, ...], tuple[str, ...], ApprovalOutcome]
"""A review's decision at one moment: the verdict, its reasons and codes, the approvals."""

CONCLUSIONS_KEPT = 4096
"""Conclusions a :class:`CompiledGate` remembers (then it starts again)."""


def _criteria_reasons(results: list[CriterionResult]) -> CriteriaVerdict:
    """Sentences for blocking criteria that reject or hold, and their reason codes."""
    rejects: list[str] = []
    holds: list[str] = []
    codes: list[str] = []
    for r in results:
        if r.status in _CLEAR or r.severity != "blocking":
            continue
        observed = _fmt(json_safe(r.observed))
        if r.status == Status.FAIL:
            rejects.append(f"{r.id}: observed {observed}, expected {r.expected}")
            codes.append(f"criterion-failed:{r.id}")
            continue
        if r.status == Status.MISSING:
            sentence = f"{r.id}: the value is missing; its on_missing policy is {r.policy}"
        else:
            sentence = (
                f"{r.id}: the value is invalid ({observed}); its on_invalid policy is {r.policy}"
            )
        (rejects if r.policy == "fail" else holds).append(sentence)
        codes.append(f"criterion-{r.status}-{r.policy}:{r.id}")
    if not codes:
        return _CLEAN
    return tuple(rejects), tuple(holds), tuple(codes)


_CLEAR = frozenset((Status.PASS, Status.SKIPPED))
_CLEAN: CriteriaVerdict = ((), (), ())


class GateReview:
    """One candidate at one gate, decided again as approvals arrive.

    The criteria read only the evidence's data, which does not change while a candidate
    waits for approvers, so they are evaluated once; each ``decision`` re-reads the approvals
    recorded so far in ``evidence.approvals``. ``decide`` is a review decided once.
    """

    __slots__ = ("_verdict", "approval", "compiled", "criteria", "evidence", "gate", "spec", "tier")

    def __init__(self, compiled: CompiledGate, evidence: EvidenceLike) -> None:
        self.compiled, self.spec, self.gate = compiled, compiled.spec, compiled.gate
        self.evidence = evidence
        tier = evidence.candidate.tier
        self.tier: str = tier if tier in compiled.tiers else compiled.strictest
        self.criteria = [program(evidence, self.tier) for program in compiled.programs]
        self._verdict = _criteria_reasons(self.criteria)
        submitter = evidence.candidate.submitted_by
        approval = compiled.policies.get((self.tier, submitter))
        if approval is None:
            approval = ApprovalPolicy.of(compiled.spec, compiled.gate, self.tier, submitter)
            compiled.policies[(self.tier, submitter)] = approval
        self.approval = approval

    @property
    def criteria_outcome(self) -> Verdict:
        """What the criteria alone decide: ``reject``, ``hold`` (a data policy asks a person
        to look), or ``promote`` as far as they are concerned."""
        rejects, holds, _codes = self._verdict
        return Verdict.REJECT if rejects else (Verdict.HOLD if holds else Verdict.PROMOTE)

    @property
    def needs_approvals(self) -> bool:
        """Whether an approval rule applies to this candidate's tier."""
        return bool(self.approval.rules)

    @property
    def approvals_needed(self) -> int:
        """The fewest approvals that can satisfy the gate for this tier (0: none required).

        Until that many have been recorded the approvals can only be pending, or rejected by a
        rejection, so a caller may wait for them before asking for a ``decision`` again."""
        return self.approval.needed

    def verdict(self, now: datetime) -> Conclusion:
        """The decision at ``now`` without its document: the verdict, reasons, codes and
        approvals outcome (shared: read-only) that :meth:`decision` puts in one. The same
        criteria verdict and approval facts conclude the same, so it is worked out once."""
        policy = self.approval
        facts = approval_facts(policy, self.evidence.approvals, now)
        conclusions = self.compiled.conclusions
        key = (id(policy), self._verdict, facts)
        found = conclusions.get(key)
        if found is None:
            if len(conclusions) >= CONCLUSIONS_KEPT:
                conclusions.clear()
            found = conclusions[key] = self._conclude(outcome_of(policy, facts))
        return found

    def _conclude(self, approvals: ApprovalOutcome) -> Conclusion:
        rejects, holds, codes = (list(part) for part in self._verdict)
        for item in approvals.rejected_by:
            rejects.append(f"{item['by']} rejected the candidate for role {item['role']}")
            codes.append(f"approval-rejected:{item['by']}")
        back = self.gate.on_reject
        for item in approvals.revised_by:
            rejects.append(
                f"{item['by']} asked for a revision for role {item['role']}"
                + _conditions_count(item, "to meet")
                + (f"; the candidate goes back to {back}" if back else "")
            )
        if approvals.revised_by:
            codes.append("revise-requested")
        if approvals.status == "pending" and approvals.submitter_unknown:
            holds.append(
                "candidate.submitted_by is missing: under separation of duties no approval "
                "can be verified without knowing who submitted the candidate"
            )
            codes.append("submitter-unknown")
        if approvals.status == "pending" and approvals.short:
            holds.append("approvals pending: " + "; ".join(approvals.short))
            codes.append("approvals-pending")
        if rejects:
            decision, reasons = Verdict.REJECT, rejects
        elif holds:
            decision, reasons = Verdict.HOLD, holds
        else:
            decision = Verdict.PROMOTE
            applicable = self.compiled.applicable(self.tier)
            reasons = [f"all {applicable} applicable blocking criteria pass"]
            if approvals.status == "satisfied":
                people = ", ".join(f"{c['by']} ({c['role']})" for c in approvals.counted)
                reasons.append(f"approvals satisfied by {people}")
                for item in approvals.counted:
                    if "conditions" in item:
                        reasons.append(
                            f"{item['by']} ({item['role']}) approved"
                            + _conditions_count(item, "that the promotion comes with")
                        )
            else:
                reasons.append(f"no approval is required for tier {self.tier!r}")
            codes.append("promoted")
        return decision, tuple(reasons), tuple(codes), approvals

    def decision(self, now: datetime | None = None) -> Decision:
        """The decision at ``now`` (default: the machine's clock; evidence never sets it)."""
        evidence = self.evidence
        when = now or datetime.now(UTC)
        decision, reasons, codes, approvals = self.verdict(when)
        return Decision(
            self.gate.id,
            decision,
            self.spec.digest,
            self.criteria,
            approvals,
            list(reasons),
            list(codes),
            when,
            evidence.candidate,
            # Where the approvals came from (a platform, or the evidence file), as
            # `evidence collect` recorded it: the decision document repeats it.
            approvals_from=getattr(evidence, "approvals_from", None),
        )


def _conditions_count(item: Mapping[str, Any], what: str) -> str:
    """`` with 2 conditions <what>`` for a counted record that sets conditions, else ``""``."""
    count = len(item.get("conditions", ()))
    return f" with {count} condition{'s' if count != 1 else ''} {what}" if count else ""


def decide(
    spec: GateSpec, gate: SpecGate, evidence: EvidenceLike, at: datetime | None = None
) -> Decision:
    """The decision on ``evidence`` at ``gate`` at time ``at`` (default: the machine's
    clock): promote, reject or hold."""
    return CompiledGate.of(spec, gate).decide(evidence, at)
