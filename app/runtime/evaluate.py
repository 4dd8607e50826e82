"""``check``: evidence -> promote / reject / hold, with the fail-closed semantics of the contract.

Nothing from a file is ever evaluated as code: operators are looked up in a fixed table.
Approver identity comes only from ``by`` matched against the spec's role members.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.spec.criteria import ApprovalRule
from app.spec.evidence import ApprovalRecord, Evidence
from app.spec.schema import GateSpec, SpecGate

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
MISSING = object()


@dataclass
class CriterionResult:
    id: str
    status: str  # pass | fail | missing | invalid | skipped
    severity: str
    observed: Any
    expected: str
    policy: str = ""  # for missing/invalid: fail or hold

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "severity": self.severity,
            "observed": json_safe(self.observed),
            "expected": self.expected,
        }


@dataclass
class ApprovalOutcome:
    status: str  # satisfied | pending | rejected | not_required
    counted: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    rejected_by: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Decision:
    gate: str
    decision: str  # promote | reject | hold
    spec_digest: str
    criteria: list[CriterionResult]
    approvals: ApprovalOutcome
    reasons: list[str]
    codes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "decision": self.decision,
            "spec_digest": self.spec_digest,
            "criteria": [result.to_json() for result in self.criteria],
            "approvals": {
                "status": self.approvals.status,
                "counted": self.approvals.counted,
                "ignored": self.approvals.ignored,
            },
            "reasons": self.reasons,
            "codes": self.codes,
        }


def json_safe(value: Any) -> Any:
    """Observed values as JSON can hold them: NaN and infinities become strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is MISSING:
        return None
    if isinstance(value, dict | list):
        return str(value)[:80]
    return value


def _number(value: Any) -> float | int | None:
    """A usable number, or None for anything else (bool, string, NaN, infinity, an integer
    too large for a float...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:
        return None


def _same(left: Any, right: Any) -> bool:
    """Equality without Python's ``True == 1``: types must agree (numbers among themselves)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and left == right


def _fmt(value: Any) -> str:
    return (
        f"{value:g}"
        if isinstance(value, float)
        else repr(value)
        if isinstance(value, str)
        else str(value)
    )


def evaluate_criterion(criterion: Any, evidence: Evidence, tier: str) -> CriterionResult:
    """One criterion against the evidence (its tier applicability decided by the caller)."""

    def result(status: str, observed: Any, expected: str) -> CriterionResult:
        policy = (
            criterion.on_missing
            if status == "missing"
            else (criterion.on_invalid if status == "invalid" else "")
        )
        return CriterionResult(criterion.id, status, criterion.severity, observed, expected, policy)

    if criterion.tiers is not None and tier not in criterion.tiers:
        return result("skipped", None, f"applies to tiers {', '.join(criterion.tiers)}")
    form = criterion.form
    if form == "artifact":
        present = criterion.artifact in evidence.artifacts
        return result("pass" if present else "missing", present, "present")
    if form == "check":
        observed = evidence.checks.get(criterion.check, MISSING)
        expected = f"== {_fmt(criterion.equals)}"
        if observed is MISSING or observed is None:
            return result("missing", None, expected)
        if isinstance(observed, dict | list) or (
            isinstance(observed, float) and not math.isfinite(observed)
        ):
            return result("invalid", observed, expected)
        return result("pass" if _same(observed, criterion.equals) else "fail", observed, expected)
    raw = evidence.metrics.get(criterion.metric, MISSING)
    if form == "baseline":
        base_raw = evidence.baseline.get(criterion.metric, MISSING)
        sign = "+" if criterion.delta >= 0 else "-"
        expected = f"{criterion.op} baseline {sign} {abs(criterion.delta):g}"
        if raw is MISSING or raw is None or base_raw is MISSING or base_raw is None:
            return result("missing", None if raw is MISSING else raw, expected)
        value, base = _number(raw), _number(base_raw)
        if value is None or base is None:
            return result("invalid", raw if value is None else base_raw, expected)
        threshold = base + criterion.delta
        expected = (
            f"{criterion.op} {threshold:g} (baseline {base:g} {sign} {abs(criterion.delta):g})"
        )
        passed = OPERATORS[criterion.op](value, threshold)
        return result("pass" if passed else "fail", value, expected)
    expected = f"{criterion.op} {criterion.value:g}"
    if raw is MISSING or raw is None:
        return result("missing", None, expected)
    value = _number(raw)
    if value is None:
        return result("invalid", raw, expected)
    passed = OPERATORS[criterion.op](value, criterion.value)
    return result("pass" if passed else "fail", value, expected)


def _rules_for(gate: SpecGate, tier: str) -> list[ApprovalRule]:
    return [rule for rule in gate.approval.rules if rule.tiers is None or tier in rule.tiers]


def _ignore_reason(
    record: ApprovalRecord,
    spec: GateSpec,
    gate: SpecGate,
    applicable: list[ApprovalRule],
    submitter: str | None,
    now: datetime,
) -> str | None:
    if spec.role(record.role) is None or all(r.role != record.role for r in gate.approval.rules):
        return "unknown-role"
    if all(rule.role != record.role for rule in applicable):
        return "not-applicable-tier"
    if record.by not in spec.members(record.role):
        return "not-a-member"
    if gate.approval.separation_of_duties and submitter is not None and record.by == submitter:
        return "self-approval"
    if record.at > now:
        return "future"
    window = gate.approval.window_hours
    if window is not None and record.at < now - timedelta(hours=window):
        return "expired"
    return None


def evaluate_approvals(
    spec: GateSpec, gate: SpecGate, evidence: Evidence, tier: str, now: datetime
) -> ApprovalOutcome:
    applicable = _rules_for(gate, tier)
    outcome = ApprovalOutcome(status="pending")
    seen: set[str] = set()
    by_role: dict[str, set[str]] = {}
    for record in evidence.approvals:
        reason = _ignore_reason(
            record, spec, gate, applicable, evidence.candidate.submitted_by, now
        )
        if reason is None and record.by in seen:
            reason = "duplicate-person"
        if reason is not None:
            outcome.ignored.append({"by": record.by, "reason": reason})
            continue
        seen.add(record.by)
        if record.decision == "reject":
            outcome.rejected_by.append({"by": record.by, "role": record.role})
            outcome.counted.append({"by": record.by, "role": record.role, "decision": "reject"})
            continue
        by_role.setdefault(record.role, set()).add(record.by)
        outcome.counted.append({"by": record.by, "role": record.role, "decision": "approve"})
    met = []
    for rule in applicable:
        have = len(by_role.get(rule.role, ()))
        met.append(have >= rule.count)
        if have < rule.count:
            outcome.short.append(f"{rule.count - have} more from {rule.role} ({have}/{rule.count})")
    if outcome.rejected_by:
        outcome.status = "rejected"
    elif not applicable:
        outcome.status = "not_required"
    elif all(met) if gate.approval.mode == "all" else any(met):
        outcome.status = "satisfied"
        outcome.short = []
    return outcome


def _criteria_reasons(results: list[CriterionResult]) -> tuple[list[str], list[str], list[str]]:
    """Sentences for blocking criteria that reject or hold, and their reason codes."""
    rejects: list[str] = []
    holds: list[str] = []
    codes: list[str] = []
    for r in results:
        if r.severity != "blocking" or r.status in ("pass", "skipped"):
            continue
        observed = _fmt(json_safe(r.observed))
        if r.status == "fail":
            rejects.append(f"{r.id}: observed {observed}, expected {r.expected}")
            codes.append(f"criterion-failed:{r.id}")
            continue
        if r.status == "missing":
            sentence = f"{r.id}: the value is missing; its on_missing policy is {r.policy}"
        else:
            sentence = (
                f"{r.id}: the value is invalid ({observed}); its on_invalid policy is {r.policy}"
            )
        (rejects if r.policy == "fail" else holds).append(sentence)
        codes.append(f"criterion-{r.status}-{r.policy}:{r.id}")
    return rejects, holds, codes


def decide(spec: GateSpec, gate: SpecGate, evidence: Evidence) -> Decision:
    tier = evidence.candidate.tier
    if tier not in spec.tiers:
        tier = spec.strictest_tier()
    now = evidence.now or datetime.now(UTC)
    results = [evaluate_criterion(c, evidence, tier) for c in gate.criteria]
    approvals = evaluate_approvals(spec, gate, evidence, tier, now)

    rejects, holds, codes = _criteria_reasons(results)
    for item in approvals.rejected_by:
        rejects.append(f"{item['by']} rejected the candidate for role {item['role']}")
        codes.append(f"approval-rejected:{item['by']}")
    if approvals.status == "pending":
        holds.append("approvals pending: " + "; ".join(approvals.short))
        codes.append("approvals-pending")
    if rejects:
        decision, reasons = "reject", rejects
    elif holds:
        decision, reasons = "hold", holds
    else:
        decision = "promote"
        applicable = sum(r.status != "skipped" and r.severity == "blocking" for r in results)
        reasons = [f"all {applicable} applicable blocking criteria pass"]
        if approvals.status == "satisfied":
            people = ", ".join(f"{c['by']} ({c['role']})" for c in approvals.counted)
            reasons.append(f"approvals satisfied by {people}")
        else:
            reasons.append(f"no approval is required for tier {tier!r}")
        codes.append("promoted")
    return Decision(gate.id, decision, spec.digest, results, approvals, reasons, codes)
