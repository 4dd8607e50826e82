"""Role rules: roles exist, have members, can satisfy the approvals asked of them, are asked
once per gate, are used."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from app.model.graph import SopGraph
from app.spec.types import person_id_problem, person_key
from app.validate.registry import Finding, rule
from app.validate.rules.governance import applies

if TYPE_CHECKING:
    from app.model.document import Sop


def approval_roles(doc: Sop) -> set[str]:
    return {r.role for gate in doc.nodes_of_kind("gate") for r in gate.approval.rules}


@rule(
    "person-id",
    "roles",
    "error",
    "Every role member is a person id: a platform login or an e-mail address.",
    "Write the member as the login or e-mail address they sign approvals with: ASCII "
    "letters, digits and . _ @ + -, starting with a letter or digit.",
)
def person_id(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for index, role in enumerate(doc.roles):
        for position, member in enumerate(role.members):
            if problem := person_id_problem(member):
                yield Finding(
                    f"role {role.name!r}: {problem}",
                    (role.id,),
                    where=("roles", index, "members", position),
                )


@rule(
    "member-listed-twice",
    "roles",
    "error",
    "No role lists the same person twice, in any case (`alice` and `Alice` are one person).",
    "Remove the second listing: a person counts once, however often they are listed.",
)
def member_listed_twice(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for index, role in enumerate(doc.roles):
        first: dict[str, str] = {}
        for position, member in enumerate(role.members):
            key = person_key(member)
            if key in first:
                yield Finding(
                    f"role {role.name!r} lists {member!r} again (as {first[key]!r} before); "
                    "person ids ignore case, so this is one person listed twice",
                    (role.id,),
                    where=("roles", index, "members", position),
                )
            else:
                first[key] = member


@rule(
    "role-defined",
    "roles",
    "error",
    "Every role named by an approval rule, an action or a component's owner is defined.",
    "Define the role (with its members) under roles, or choose an existing role.",
)
def role_defined(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    known = {role.id for role in doc.roles}
    for gate in doc.nodes_of_kind("gate"):
        for approval_rule in gate.approval.rules:
            if approval_rule.role not in known:
                yield Finding(
                    f"gate {gate.name!r} asks for approval by role {approval_rule.role!r}, "
                    "which is not defined",
                    (gate.id,),
                )
    for action in doc.nodes_of_kind("action"):
        if action.role is not None and action.role not in known:
            yield Finding(
                f"action {action.name!r} is assigned to role {action.role!r}, which is not defined",
                (action.id,),
            )
    for component in doc.components:
        if component.owner is not None and component.owner not in known:
            yield Finding(
                f"component {component.name!r} is owned by role {component.owner!r}, which is "
                "not defined",
                (component.id,),
            )


@rule(
    "role-has-members",
    "roles",
    "warning",
    "Roles that approve gates list their members, so that approvals can be verified.",
    "List the people (as they sign approvals) under the role's members.",
)
def role_has_members(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    used = approval_roles(doc)
    for role in doc.roles:
        if role.id in used and not role.members:
            yield Finding(
                f"role {role.name!r} approves gates but has no members, so no approval by it "
                "can be verified (gatewright check ignores them)",
                (role.id,),
            )


@lru_cache(maxsize=1024)
def _distinct_people_suffice(demands: tuple[tuple[int, frozenset[str]], ...]) -> bool:
    """Whether distinct people can meet every (count, eligible members) demand at once:
    the assignment ``check`` makes of approvers to rules, given every member approves."""
    from app.runtime.matching import best_assignment  # here: only gates with two rules ask

    people: dict[str, list[int]] = {}
    for index, (_count, members) in enumerate(demands):
        for person in sorted(members):
            people.setdefault(person, []).append(index)
    _assigned, loads = best_assignment(people, [count for count, _m in demands])
    return all(load >= count for load, (count, _m) in zip(loads, demands, strict=True))


@rule(
    "separation-feasible",
    "roles",
    "error",
    "Each gate's approvals can be given by enough distinct people (one person counts once).",
    "Add members to the role, or ask for fewer approvals.",
)
def separation_feasible(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    # People as check compares them: Alice in one role and alice in another are one person.
    members = {role.id: frozenset(map(person_key, role.members)) for role in doc.roles}
    for gate in doc.nodes_of_kind("gate"):
        approval = gate.approval
        reported: set[str] = set()
        for tier in doc.tiers:
            rules = [r for r in approval.rules if r.tiers is None or tier in r.tiers]
            rules = [r for r in rules if members.get(r.role)]  # others: role-* rules report
            short = [r for r in rules if r.count > len(members[r.role])]
            for r in short:
                message = (
                    f"gate {gate.name!r} asks for {r.count} approvals from role {r.role!r}, "
                    f"which has {len(members[r.role])} member(s)"
                )
                if message not in reported:
                    reported.add(message)
                    yield Finding(message, (gate.id,))
            if short or approval.mode == "any" or len(rules) < 2:
                continue
            demands = tuple((r.count, members[r.role]) for r in rules)
            if not _distinct_people_suffice(demands):
                total = sum(r.count for r in rules)
                message = (
                    f"gate {gate.name!r} needs {total} approvals from distinct people for tier "
                    f"{tier!r}, but its roles share members and cannot provide that many"
                )
                if gate.id not in reported:
                    reported.add(gate.id)
                    yield Finding(message, (gate.id,))


@rule(
    "approval-role-twice",
    "roles",
    "warning",
    "No gate has two approval rules for the same role that apply to the same tier (as a role "
    "rename or a hand edit can leave behind).",
    "Merge them into one rule with the count wanted (rules of one role for different tiers "
    "can stay apart).",
)
def approval_role_twice(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        approval = gate.approval
        by_role: dict[str, list[int]] = {}
        for index, approval_rule in enumerate(approval.rules):
            # Role ids compared exactly, as check looks a record's role up among the rules.
            by_role.setdefault(approval_rule.role, []).append(index)
        for role_id, indexes in by_role.items():
            shared = [
                t for t in doc.tiers if sum(applies(approval.rules[i], t) for i in indexes) > 1
            ]
            if not shared:
                continue  # one rule per tier: a different count for each tier
            indexes = [i for i in indexes if any(applies(approval.rules[i], t) for t in shared)]
            rules = [approval.rules[i] for i in indexes]
            counts = " and ".join(str(r.count) for r in rules)
            # As check reads them: under "all" every rule is met by other people, so the
            # counts add up; under "any" the smallest one alone promotes.
            effect = (
                "whose counts add up" if approval.mode == "all" else "the smallest alone promotes"
            )
            yield Finding(
                f"gate {gate.name!r} has {len(rules)} approval rules for role {role_id!r} "
                f"(counts {counts}) for tier(s) {', '.join(shared)}, {effect}; merge them into "
                "one rule with the count wanted",
                (gate.id,),
                where=("nodes", doc.node_position(gate.id), "approval", "rules", indexes[1]),
            )


@rule(
    "role-unused",
    "roles",
    "info",
    "Every defined role approves a gate or carries out an action.",
    "Give the role something to do, or remove it.",
)
def role_unused(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    used = approval_roles(doc) | {a.role for a in doc.nodes_of_kind("action") if a.role}
    for role in doc.roles:
        if role.id not in used:
            yield Finding(f"role {role.name!r} is defined but never used", (role.id,))
