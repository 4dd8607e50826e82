"""Who a gate asks for approval in a simulation, and how they answer: looked up once per run."""

from __future__ import annotations

import random
from collections.abc import Iterator

from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec, SpecGate
from app.spec.types import person_key

Asker = tuple[
    str,
    frozenset[str] | None,
    float,
    float,
    Iterator[float],
    tuple[int, int] | None,
    list[str],
    list[str],
]
"""One approval rule as the simulation asks it: role, tiers, how its members respond
(respond and reject probabilities, delays, working hours), its members and their person
keys (in the same order)."""


def askers(spec: GateSpec, scenario: Scenario, gate: SpecGate, rng: random.Random) -> list[Asker]:
    """Who a gate asks for approval and how they answer (delays drawn from ``rng``), looked
    up once per run."""
    found = []
    for rule in gate.approval.rules:
        behaviour = scenario.approvers.get(rule.role, scenario.default_approvers)
        role = spec.role(rule.role)
        people = list(role.members) if role else []
        found.append(
            (
                rule.role,
                None if rule.tiers is None else frozenset(rule.tiers),
                behaviour.respond_probability,
                behaviour.reject_probability,
                behaviour.delay_hours.values(rng),
                behaviour.working_hours,
                people,
                [person_key(person) for person in people],
            )
        )
    return found


Asked = tuple[list[Asker], bool, list[str], list[str], frozenset[str]]
"""A gate's rules for one tier as the simulation asks them: the rules, whether they are
plain (every member answers and approves, at any hour), and their members, each member's
role and the members' person keys, rule after rule."""


def asked_at(rules: list[Asker], tier: str) -> Asked:
    """The rules of a gate that apply to ``tier``, with their members flattened."""
    applying = [rule for rule in rules if rule[1] is None or tier in rule[1]]
    plain = all(
        respond >= 1 and not reject and working_hours is None
        for _role, _tiers, respond, reject, _delays, working_hours, _people, _keys in applying
    )
    return (
        applying,
        plain,
        [person for rule in applying for person in rule[6]],
        [rule[0] for rule in applying for _person in rule[6]],
        frozenset(key for rule in applying for key in rule[7]),
    )
