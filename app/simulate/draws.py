"""Values drawn in bulk: each distribution of a run draws from its own numpy generator.

A simulation of 10,000 releases draws about half a million values; drawn one at a time
through ``random.Random`` they took a tenth of the run. Here a distribution bound to a run
gets a generator seeded from the run's own (so the same seed gives the same values), draws
a block of values at a time and hands them out one by one. A block's values do not depend
on the block's size: numpy fills an array value by value from the same stream.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.random import Generator

FIRST_BLOCK, LARGEST_BLOCK = 16, 4096
"""Blocks grow fourfold from 16 values to 4,096: a distribution drawn a few times a run
costs little, one drawn for every telemetry window costs one numpy call per 4,096 values."""


def generator(rng: random.Random) -> Generator:
    """A numpy generator seeded with 128 bits from ``rng`` (so from the run's seed)."""
    from numpy.random import PCG64, Generator

    return Generator(PCG64(rng.getrandbits(128)))


def drawn(rng: random.Random, draw: Callable[[Generator, int], list[float]]) -> Iterator[float]:
    """The endless values ``draw(generator, count)`` gives (``count`` floats at a time),
    from a generator seeded from ``rng`` when this is called."""
    numbers = generator(rng)

    def blocks() -> Iterator[list[float]]:
        size = FIRST_BLOCK
        while True:
            yield draw(numbers, size)
            size = min(size * 4, LARGEST_BLOCK)

    return itertools.chain.from_iterable(blocks())
