"""Assigning approvers to approval rules so that the most rules are satisfied, each person once.

A small bipartite b-matching (people on one side, rules needing ``count`` people on the
other) by augmenting paths, in plain Python: the pipeline runtime stays light. Which rules
can be satisfied together is tried from the largest set down, so that a person who fits two
roles goes where they complete a rule, whatever the order the approvals were recorded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

EXHAUSTIVE_RULES = 10
"""Up to this many satisfiable rules every combination is tried (a gate has a handful);
beyond it rules are added greedily in the spec's order, which is maximal, not maximum."""


class _Matching:
    """People assigned to rules, grown one person at a time by augmenting paths."""

    def __init__(self, people: dict[str, Sequence[int]], rules: int) -> None:
        self.candidates: list[list[str]] = [[] for _ in range(rules)]
        for person, options in people.items():
            for rule in options:
                self.candidates[rule].append(person)
        self.assigned: dict[str, int] = {}
        self.loads = [0] * rules

    def grow(self, rule: int) -> bool:
        """Give ``rule`` one more person, moving others between rules if need be (every
        other rule keeps its load); False when no assignment can."""
        if self._augment(rule, set(), set()):
            self.loads[rule] += 1
            return True
        return False

    def _augment(self, rule: int, seen: set[str], explored: set[int]) -> bool:
        # A rule is explored once per search: its slots all have the same candidates, so a
        # second look finds nothing new, and the recursion is never deeper than the rules.
        explored.add(rule)
        for person in self.candidates[rule]:
            if person in seen:
                continue
            seen.add(person)
            current = self.assigned.get(person)
            if current is None or (
                current not in explored and self._augment(current, seen, explored)
            ):
                self.assigned[person] = rule
                return True
        return False

    def fill(self, rules: Sequence[int], counts: Sequence[int]) -> bool:
        """Bring each of ``rules`` to its count; False as soon as one cannot be."""
        for rule in rules:
            while self.loads[rule] < counts[rule]:
                if not self.grow(rule):
                    return False
        return True


def _satisfiable_together(
    people: dict[str, Sequence[int]], counts: Sequence[int], possible: list[int]
) -> tuple[tuple[int, ...], _Matching]:
    """The largest set of rules that can all be satisfied at once (the first in the rules'
    order among equally large ones), and a matching satisfying them."""
    if len(possible) > EXHAUSTIVE_RULES:
        chosen: list[int] = []
        matching = _Matching(people, len(counts))
        for rule in possible:
            trial = _Matching(people, len(counts))
            if trial.fill([*chosen, rule], counts):
                chosen.append(rule)
                matching = trial
        return tuple(chosen), matching
    for size in range(len(possible), 0, -1):
        for subset in combinations(possible, size):
            if sum(counts[rule] for rule in subset) > len(people):
                continue  # more approvals needed than there are people
            matching = _Matching(people, len(counts))
            if matching.fill(subset, counts):
                return subset, matching
    return (), _Matching(people, len(counts))


def _first_fit(
    people: dict[str, Sequence[int]], counts: Sequence[int]
) -> tuple[dict[str, int], list[int]] | None:
    """Each person to the first rule they fit that still needs someone (else their first
    rule): the usual case, approvals naming their roles, satisfies every rule at once, and
    then no assignment does better. So does the case where nobody fits two rules: each
    person then has one place, and there is no other assignment (a simulation asks while
    approvals are still coming in, with rules short). None when some rule is left short and
    someone could have gone elsewhere."""
    assigned: dict[str, int] = {}
    loads = [0] * len(counts)
    forced = True
    for person, options in people.items():
        chosen = options[0]
        if len(options) > 1:
            forced = False
            for rule in options:
                if loads[rule] < counts[rule]:
                    chosen = rule
                    break
        assigned[person] = chosen
        loads[chosen] += 1
    if not forced:
        for load, count in zip(loads, counts, strict=True):
            if load < count:
                return None
    return assigned, loads


def best_assignment(
    people: dict[str, Sequence[int]], counts: Sequence[int]
) -> tuple[dict[str, int], list[int]]:
    """Each person (a key of ``people``, with the indexes of the rules they may count for)
    assigned to one rule, and each rule's load.

    The assignment satisfies as many rules as can be satisfied together (a rule is
    satisfied when ``counts[rule]`` people count for it); the other rules then get as many
    of the remaining people as they can use, and anyone left over counts for the first rule
    they fit (more approvals than needed never hurt). Deterministic: the same people in
    the same order give the same assignment."""
    rules = len(counts)
    if not people:
        return {}, [0] * rules
    quick = _first_fit(people, counts)
    if quick is not None:
        return quick
    available = [0] * rules
    for options in people.values():
        for rule in options:
            available[rule] += 1
    possible = [rule for rule in range(rules) if available[rule] >= counts[rule]]
    together, matching = _satisfiable_together(people, counts, possible)
    for rule in range(rules):
        if rule not in together:
            while matching.loads[rule] < counts[rule] and matching.grow(rule):
                pass
    assigned, loads = matching.assigned, matching.loads
    for person, options in people.items():
        if person not in assigned and options:
            assigned[person] = options[0]
            loads[options[0]] += 1
    return assigned, loads
