"""The approver-to-rule assignment on its own: the most rules satisfied, each person once."""

from __future__ import annotations

import itertools
import random

import pytest

from app.runtime.matching import EXHAUSTIVE_RULES, best_assignment


def satisfied(people: dict[str, list[int]], counts: list[int]) -> int:
    assigned, loads = best_assignment(people, counts)
    assert set(assigned) == {p for p, options in people.items() if options}
    assert all(assigned[p] in people[p] for p in assigned)  # only rules they fit
    assert loads == [sum(1 for rule in assigned.values() if rule == r) for r in range(len(counts))]
    return sum(load >= count for load, count in zip(loads, counts, strict=True))


def brute_force(people: dict[str, list[int]], counts: list[int]) -> int:
    """The most rules any assignment satisfies, by trying them all (small cases only)."""
    names = list(people)
    best = 0
    for choice in itertools.product(*[[None, *people[n]] for n in names]):
        loads = [0] * len(counts)
        for rule in choice:
            if rule is not None:
                loads[rule] += 1
        best = max(best, sum(load >= c for load, c in zip(loads, counts, strict=True)))
    return best


@pytest.mark.parametrize(
    ("people", "counts", "expected"),
    [
        ({"alice": [0, 1], "bob": [0]}, [1, 1], 2),  # alice must go to rule 1
        ({"bob": [0], "alice": [0, 1]}, [1, 1], 2),  # whatever the order
        ({"alice": [0, 1]}, [1, 1], 1),  # one person, two roles: counts once
        ({"a": [0, 1], "b": [0, 1], "c": [0]}, [2, 1], 2),  # counts above one
        ({"a": [0, 1], "b": [0, 1]}, [2, 2], 1),  # not enough people for both
        ({"a": [1], "b": [0, 1], "c": [0, 2], "d": [2]}, [1, 1, 1], 3),  # a chain of moves
        ({}, [1], 0),
        ({"a": [0]}, [2], 0),
    ],
)
def test_the_assignment_satisfies_the_most_rules(people, counts, expected) -> None:
    assert satisfied(people, counts) == expected


def test_it_matches_brute_force_on_random_small_cases() -> None:
    rng = random.Random(7)
    for _ in range(300):
        rules = rng.randint(1, 4)
        counts = [rng.randint(1, 3) for _ in range(rules)]
        people = {
            f"p{i}": sorted(rng.sample(range(rules), rng.randint(1, rules)))
            for i in range(rng.randint(0, 6))
        }
        assert satisfied(people, counts) == brute_force(people, counts), (people, counts)


def test_surplus_approvers_still_count_once() -> None:
    assigned, loads = best_assignment({"a": [0], "b": [0], "c": [0]}, [2])
    assert loads == [3] and len(assigned) == 3


def test_many_people_and_rules_stay_bounded() -> None:
    """Thousands of approvers in a long chain of overlapping roles: no deep recursion."""
    rules = EXHAUSTIVE_RULES + 4  # past the exhaustive search: greedy in rule order
    people = {f"p{i}": [i % rules, (i + 1) % rules] for i in range(1000)}
    assigned, loads = best_assignment(people, [40] * rules)
    assert all(load >= 40 for load in loads) and len(assigned) == 1000


def test_rules_competing_for_few_people_are_decided_quickly() -> None:
    """Ten rules of one approval each, and five people who fit them all: five rules."""
    people = {f"p{i}": list(range(EXHAUSTIVE_RULES)) for i in range(5)}
    assert satisfied(people, [1] * EXHAUSTIVE_RULES) == 5
