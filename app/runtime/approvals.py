"""Approvals at a gate: which records count, which are ignored and why, and what is still short.

Approver identity comes only from ``by`` matched against the spec's role members, compared
in one form (:func:`app.spec.types.person_key`: ``Isabel`` is ``isabel``). A valid rejection
rejects whatever else was recorded and in whatever order, and so does a valid ``revise``
(a rejection that says what must change); approvals are then assigned to the rules they can
count for (:mod:`app.runtime.matching`), each person once per gate.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, NamedTuple, Protocol

from app.runtime.matching import best_assignment
from app.spec.criteria import ApprovalRule
from app.spec.schema import GateSpec, SpecGate
from app.spec.types import person_key


class ApprovalLike(Protocol):
    """What the runtime reads of an approval record (``ApprovalRecord`` or the simulator's)."""

    @property
    def by(self) -> str: ...
    @property
    def role(self) -> str | None: ...
    @property
    def decision(self) -> str: ...
    @property
    def at(self) -> datetime: ...


ADVERSE_RANK = {"reject": 2, "revise": 1}
"""Decisions that send the candidate back, strongest first: of one person's, a rejection
outweighs a revise; among the same kind the latest (``at``) counts (:func:`_standing`)."""


def remarks(record: ApprovalLike) -> dict[str, Any]:
    """The record's ``comment`` and ``conditions`` when it has them (the simulator's records
    have neither), as the decision document repeats them."""
    found: dict[str, Any] = {}
    if comment := getattr(record, "comment", None):
        found["comment"] = comment
    if conditions := getattr(record, "conditions", None):
        found["conditions"] = tuple(conditions)
    return found


def _ignored(record: ApprovalLike, reason: str) -> dict[str, str]:
    """What the output says of an ignored record: who and why, and the decision when it
    is not an approval (an ignored rejection or revise must read as one)."""
    if record.decision == "approve":
        return {"by": record.by, "reason": reason}
    return {"by": record.by, "reason": reason, "decision": record.decision}


def _standing(record: ApprovalLike) -> tuple[Any, ...]:
    """What orders one person's records of one kind (and a rejection above a revise): the
    time, then their content (as :func:`remarks` gives it), so that the one that counts, the
    greatest, never depends on the order of the file."""
    return (
        ADVERSE_RANK.get(record.decision, 0),
        record.at,
        tuple(getattr(record, "conditions", None) or ()),
        getattr(record, "comment", None) or "",
        record.role or "",
        record.by,
    )


class Entry(dict[str, Any]):
    """One record as an outcome gives it (who, for which role, ...): a dict that cannot be
    changed, since outcomes are shared (it reads, compares and serializes as a dict)."""

    __slots__ = ()

    def _read_only(self, *_args: Any, **_kwargs: Any) -> None:
        raise TypeError("an approval outcome is shared and cannot be changed; copy it first")

    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[Entry], tuple[dict[str, Any]]]:
        return Entry, (dict(self),)  # unpickled whole, not item by item


@dataclass(frozen=True, slots=True)
class ApprovalOutcome:
    """What the approvals decide. Outcomes are remembered and shared by every caller that
    gives the same facts (:func:`evaluate_approvals`), so they cannot be changed: the lists
    are tuples and the entries read-only mappings (``to_json`` gives plain copies)."""

    status: str  # satisfied | pending | rejected | not_required
    counted: tuple[Entry, ...] = ()
    ignored: tuple[Entry, ...] = ()
    short: tuple[str, ...] = ()
    rejected_by: tuple[Entry, ...] = ()
    revised_by: tuple[Entry, ...] = ()
    """Valid ``revise`` records: who, for which role, their comment and conditions."""
    submitter_unknown: bool = False
    """Separation of duties applies but the candidate names no submitter: nothing can count."""


def plain(entries: tuple[Entry, ...]) -> list[dict[str, Any]]:
    """Entries as JSON-ready dicts of their own (a ``conditions`` list copied too)."""
    return [
        {key: list(value) if isinstance(value, tuple) else value for key, value in entry.items()}
        for entry in entries
    ]


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
    members: dict[str, frozenset[str]]  # role -> its members' person keys
    window: timedelta | None
    own: str | None  # the submitter's person key, when separation of duties forbids self-approval
    submitter_unknown: bool  # separation of duties applies, and no submitter is given
    rules_of_role: dict[str, tuple[int, ...]]  # role -> indexes of the rules naming it
    counts: list[int]  # each rule's count
    needed: int  # the fewest approvals that can satisfy the rules (0: none required)
    seen: dict[tuple[str | None, str], tuple[str, str | None, tuple[int, ...]]] = field(
        default_factory=dict
    )
    """(role, by as written) -> what :meth:`eligibility` found: the simulator asks again for
    the same people at every candidate."""
    outcomes: dict[tuple[_Fact, ...], ApprovalOutcome] = field(default_factory=dict)
    """What :func:`evaluate_approvals` found for the same facts (see there)."""

    @classmethod
    def of(cls, spec: GateSpec, gate: SpecGate, tier: str, submitter: str | None) -> ApprovalPolicy:
        """The policy, made once per spec, gate, tier and submitter."""
        own = None if submitter is None else person_key(submitter)
        key = ("approval-policy", gate.id, tier, own)
        return spec.memo(key, lambda: cls._make(spec, gate, tier, own))

    @classmethod
    def _make(cls, spec: GateSpec, gate: SpecGate, tier: str, own: str | None) -> ApprovalPolicy:
        approval = gate.approval
        rules = rules_for(gate, tier)
        known = frozenset(r.role for r in approval.rules if spec.role(r.role) is not None)
        window = approval.window_hours
        rules_of_role: dict[str, tuple[int, ...]] = {}
        for index, rule in enumerate(rules):
            rules_of_role[rule.role] = (*rules_of_role.get(rule.role, ()), index)
        sod = approval.separation_of_duties
        return cls(
            rules,
            approval.mode,
            known,
            frozenset(rules_of_role),
            {role: frozenset(map(person_key, spec.members(role))) for role in known},
            _window(window),
            own if sod else None,
            sod and own is None and bool(rules),
            rules_of_role,
            counts := [rule.count for rule in rules],
            (sum(counts) if approval.mode == "all" else min(counts)) if counts else 0,
        )

    def eligibility(self, role: str | None, by: str) -> tuple[str, str | None, tuple[int, ...]]:
        """``by``'s person key, and why they cannot count for ``role`` or the rules they can
        count for (:meth:`options`)."""
        found = self.seen.get((role, by))
        if found is None:
            person = person_key(by)
            found = self.seen[(role, by)] = (person, *self.options(role, person))
        return found

    def options(self, role: str | None, person: str) -> tuple[str | None, tuple[int, ...]]:
        """Why ``person`` (a person key) cannot count for ``role``, or the rules they can
        count for: those naming ``role``, or (no role given) every applicable rule whose
        role lists them."""
        members = self.members
        if role is not None:
            if role not in self.known_roles:
                return "unknown-role", ()
            if role not in self.applicable_roles:
                return "not-applicable-tier", ()
            if person not in members[role]:
                return "not-a-member", ()
            return None, self.rules_of_role[role]
        fits = tuple(
            index
            for index, rule in enumerate(self.rules)
            if person in members.get(rule.role, frozenset())
        )
        if fits:
            return None, fits
        elsewhere = any(person in people for people in members.values())
        return ("not-applicable-tier" if elsewhere else "not-a-member"), ()


def _window_start(now: datetime, window: timedelta | None) -> datetime | None:
    """The oldest time an approval may have at ``now``; None when nothing expires (no
    window, or one reaching back before the year 1)."""
    if window is None:
        return None
    try:
        return now - window
    except OverflowError:
        return None


def _window(hours: float | None) -> timedelta | None:
    """``window_hours`` as a timedelta; None (nothing expires) when it is none or longer
    than any time a date can hold."""
    if hours is None:
        return None
    try:
        return timedelta(hours=hours)
    except OverflowError:
        return None


def evaluate_approvals(
    policy: ApprovalPolicy, records: list[ApprovalLike], now: datetime
) -> ApprovalOutcome:
    """The approvals outcome at ``now`` from the records so far, in any order.

    A record is ignored, with the first reason that applies, when its role is not one of the
    gate's (``unknown-role``) or not one for this tier (``not-applicable-tier``), its person is
    not a member of the role (``not-a-member``; a record without a role: of any applicable
    rule's role) or is the submitter under separation of duties (``self-approval``), it is
    dated after ``now`` (``future``) or before the approval window (``expired``), or its person
    already counts at this gate (``duplicate-person``). Any other rejection rejects: one that
    names a role its person cannot approve for still does when they may approve for another
    applicable rule. A ``revise`` is a rejection that asks for changes: the same rules decide
    whether it counts, and one person's adverse records count once (:data:`ADVERSE_RANK`).
    The remaining approvals are assigned to rules so that the most rules are satisfied.
    """
    return outcome_of(policy, approval_facts(policy, records, now))


Facts = tuple[tuple[Any, ...], ...]
"""The records as far as their outcome goes: one :class:`_Fact`'s fields per record."""


def approval_facts(policy: ApprovalPolicy, records: list[ApprovalLike], now: datetime) -> Facts:
    """What the outcome at ``now`` depends on: per record who, for which role, what, whether
    it is dated after ``now`` or before the window, its rank (its place in :func:`_standing`
    order, which stands in for its time, when its person has other records) and its remarks.
    The same facts give the same outcome, so they are the key it is remembered by (a
    simulation asks again and again)."""
    window = policy.window
    oldest = None if window is None else _window_start(now, window)
    count = len(records)
    ranks: list[int] = [0] * count
    # A rank only ever orders one person's records (see _outcome): with one record per
    # person it is 0 for every record, and the outcome is remembered for any order.
    if count > 1 and len(set(map(_person, map(_BY, records)))) < count:
        standings = [_standing(record) for record in records]
        for place, index in enumerate(sorted(range(count), key=standings.__getitem__)):
            ranks[index] = place
    return tuple(
        [
            (
                record.by,
                record.role,
                record.decision,
                "future"
                if record.at > now
                else ("expired" if oldest is not None and record.at < oldest else None),
                rank,
                getattr(record, "comment", None),
                tuple(getattr(record, "conditions", None) or ()),
            )
            for record, rank in zip(records, ranks, strict=True)
        ]
    )


_BY = attrgetter("by")
_person = functools.lru_cache(maxsize=4096)(person_key)
"""``person_key``, remembered: the same approvers are read again and again."""


def outcome_of(policy: ApprovalPolicy, facts: Facts) -> ApprovalOutcome:
    """The outcome of ``facts`` (:func:`approval_facts`), worked out once per policy."""
    known = policy.outcomes.get(facts)
    if known is None:
        if len(policy.outcomes) >= OUTCOMES_KEPT:
            policy.outcomes.clear()
        known = policy.outcomes[facts] = _outcome(policy, [_Fact(*fact) for fact in facts])
    return known


OUTCOMES_KEPT = 4096
"""Approval outcomes an :class:`ApprovalPolicy` remembers (then it starts again): the
simulator's approvers are a handful of people, a backtest's rows may each name others."""


class _Fact(NamedTuple):
    """What an approval record says, as far as its outcome goes: :func:`_outcome` sees the
    records only through these fields, which are also the key outcomes are remembered by,
    so a field an outcome is to depend on is added here (and nowhere else)."""

    by: str
    role: str | None
    decision: str
    timing: str | None  # "future", "expired" or None (dated within the window)
    rank: int  # the record's place among all in :func:`_standing` order (0 for all when
    # no person has two records: a rank only orders one person's records)
    comment: str | None
    conditions: tuple[str, ...]


def _outcome(policy: ApprovalPolicy, records: list[_Fact]) -> ApprovalOutcome:
    own = policy.own
    # Each record's fate, in the records' order: (counted?, what the output says of it).
    fates: list[tuple[bool, dict[str, Any]]] = [(False, {})] * len(records)
    rejected: dict[str, tuple[int, _Fact, tuple[int, ...]]] = {}
    approving: dict[str, list[tuple[int, _Fact, tuple[int, ...]]]] = {}
    eligibility = policy.eligibility
    for index, record in enumerate(records):
        person, reason, options = eligibility(record.role, record.by)
        adverse = record.decision != "approve"
        if reason is not None and adverse and record.role is not None:
            # Fail closed: a rejection counts from anyone who could approve the candidate,
            # whatever role it names (a mislabelled rejection must not let it through).
            person, fallback, options = eligibility(None, record.by)
            reason = reason if fallback is not None else None
        if reason is None:
            reason = "self-approval" if own is not None and person == own else record.timing
        if reason is not None:
            fates[index] = (False, _ignored(record, reason))
        elif adverse:
            held = rejected.get(person)
            if held is None or record.rank > held[1].rank:
                rejected[person] = (index, record, options)
                if held is not None:
                    fates[held[0]] = (False, _ignored(held[1], "duplicate-person"))
            else:
                fates[index] = (False, _ignored(record, "duplicate-person"))
        elif person in approving:
            approving[person].append((index, record, options))
        else:
            approving[person] = [(index, record, options)]

    rejected_by: list[Entry] = []
    revised_by: list[Entry] = []
    rules = policy.rules
    for person, (index, record, options) in rejected.items():
        named = any(rules[rule].role == record.role for rule in options)
        role = record.role if named else rules[options[0]].role  # a role they may approve for
        entry = {"by": record.by, "role": role, "decision": record.decision, **remarks(record)}
        if record.decision == "revise":
            revised_by.append(Entry(entry))
        else:
            rejected_by.append(Entry({"by": record.by, "role": role}))
        fates[index] = (True, entry)
        for duplicate, other, _options in approving.pop(person, ()):
            fates[duplicate] = (False, _ignored(other, "duplicate-person"))

    people = {
        person: entries[0][2] if len(entries) == 1 else sorted({o for e in entries for o in e[2]})
        for person, entries in approving.items()
    }
    assignment, loads = best_assignment(people, policy.counts)
    for person, entries in approving.items():
        rule = assignment[person]
        chosen = True
        if len(entries) > 1:  # the latest record naming the rule counts, whatever the order
            entries = sorted(entries, key=lambda entry: entry[1].rank, reverse=True)
        for index, record, options in entries:
            if chosen and rule in options:
                counted = {"by": record.by, "role": rules[rule].role, "decision": "approve"}
                fates[index] = (True, {**counted, **remarks(record)})
                chosen = False
            else:
                fates[index] = (False, _ignored(record, "duplicate-person"))
    met = [load >= count for load, count in zip(loads, policy.counts, strict=True)]
    if rejected_by or revised_by:
        status = "rejected"
    elif not rules:
        status = "not_required"
    elif (all(met) if policy.mode == "all" else any(met)) and not policy.submitter_unknown:
        status = "satisfied"
    else:
        status = "pending"
    short = (
        ()
        if status == "satisfied"
        else tuple(
            f"{rule.count - load} more from {rule.role} ({load}/{rule.count})"
            for load, rule, done in zip(loads, rules, met, strict=True)
            if not done
        )
    )
    return ApprovalOutcome(
        status,
        tuple(Entry(entry) for counts, entry in fates if counts),
        tuple(Entry(entry) for counts, entry in fates if not counts),
        short,
        tuple(rejected_by),
        tuple(revised_by),
        policy.submitter_unknown,
    )
