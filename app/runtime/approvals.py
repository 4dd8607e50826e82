"""Approvals at a gate: which records count, which are ignored and why, and what is still short.

Approver identity comes only from ``by`` matched against the spec's role members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from app.spec.criteria import ApprovalRule
from app.spec.schema import GateSpec, SpecGate


class ApprovalLike(Protocol):
    """What the runtime reads of an approval record (``ApprovalRecord`` or the simulator's)."""

    @property
    def by(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def decision(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass(slots=True)
class ApprovalOutcome:
    status: str  # satisfied | pending | rejected | not_required
    counted: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    short: list[str] = field(default_factory=list)
    rejected_by: list[dict[str, str]] = field(default_factory=list)


def rules_for(gate: SpecGate, tier: str) -> list[ApprovalRule]:
    """The approval rules that apply to a candidate of ``tier``."""
    return [rule for rule in gate.approval.rules if rule.tiers is None or tier in rule.tiers]


@dataclass(slots=True)
class ApprovalPolicy:
    """What decides a gate's approvals for one candidate, looked up once per candidate."""

    rules: list[ApprovalRule]  # the rules that apply to the candidate's tier
    mode: str
    known_roles: frozenset[str]  # the gate's roles that the spec defines
    applicable_roles: frozenset[str]
    members: dict[str, frozenset[str]]
    window: timedelta | None
    own: str | None  # the submitter, when separation of duties forbids self-approval

    @classmethod
    def of(cls, spec: GateSpec, gate: SpecGate, tier: str, submitter: str | None) -> ApprovalPolicy:
        """The policy, made once per spec, gate, tier and submitter."""
        key = ("approval-policy", gate.id, tier, submitter)
        return spec.memo(key, lambda: cls._make(spec, gate, tier, submitter))

    @classmethod
    def _make(
        cls, spec: GateSpec, gate: SpecGate, tier: str, submitter: str | None
    ) -> ApprovalPolicy:
        approval = gate.approval
        rules = rules_for(gate, tier)
        known = frozenset(r.role for r in approval.rules if spec.role(r.role) is not None)
        window = approval.window_hours
        return cls(
            rules,
            approval.mode,
            known,
            frozenset(rule.role for rule in rules),
            {role: spec.members(role) for role in known},
            timedelta(hours=window) if window is not None else None,
            submitter if approval.separation_of_duties else None,
        )


def evaluate_approvals(
    policy: ApprovalPolicy, records: list[ApprovalLike], now: datetime
) -> ApprovalOutcome:
    """The approvals outcome at ``now`` from the records so far, oldest first.

    A record is ignored, with the first reason that applies, when its role is not one of the
    gate's (``unknown-role``) or not one for this tier (``not-applicable-tier``), its person is
    not a member of the role (``not-a-member``) or is the submitter under separation of duties
    (``self-approval``), it is dated after ``now`` (``future``) or before the approval window
    (``expired``), or its person already counted at this gate (``duplicate-person``).
    """
    oldest = now - policy.window if policy.window is not None else None
    own, members = policy.own, policy.members
    outcome = ApprovalOutcome("pending", [], [], [], [])
    seen: set[str] = set()
    by_role: dict[str, set[str]] = {}
    for record in records:
        by, role, at = record.by, record.role, record.at
        if role not in policy.known_roles:
            reason: str | None = "unknown-role"
        elif role not in policy.applicable_roles:
            reason = "not-applicable-tier"
        elif by not in members[role]:
            reason = "not-a-member"
        elif own is not None and by == own:
            reason = "self-approval"
        elif at > now:
            reason = "future"
        elif oldest is not None and at < oldest:
            reason = "expired"
        elif by in seen:
            reason = "duplicate-person"
        else:
            reason = None
        if reason is not None:
            outcome.ignored.append({"by": by, "reason": reason})
            continue
        seen.add(by)
        if record.decision == "reject":
            outcome.rejected_by.append({"by": by, "role": role})
            outcome.counted.append({"by": by, "role": role, "decision": "reject"})
            continue
        by_role.setdefault(role, set()).add(by)
        outcome.counted.append({"by": by, "role": role, "decision": "approve"})
    applicable = policy.rules
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
    elif all(met) if policy.mode == "all" else any(met):
        outcome.status = "satisfied"
        outcome.short = []
    return outcome
