"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence

from app.runtime.process import collection_paused


def median_seconds(work: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``work()``, with the garbage collector paused as timeit does."""
    for _ in range(warmup):
        work()
    return statistics.median(timed_once(work) for _ in range(repeat))


def paired_medians(
    ours: Callable[[], object], floor: Callable[[], object], repeat: int = 7
) -> tuple[float, float]:
    """Median seconds of both, run alternately so that both see the same machine load."""
    ours(), floor()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for work, times in ((ours, samples[0]), (floor, samples[1])):
            times.append(timed_once(work))
    return statistics.median(samples[0]), statistics.median(samples[1])


def timed_once(work: Callable[[], object]) -> float:
    """Wall time of one ``work()`` after a collection, with the collector paused."""
    gc.collect()
    with collection_paused():
        start = time.perf_counter()
        work()
        return time.perf_counter() - start


def median_process_seconds(command: Sequence[str], repeat: int = 11) -> float:
    """Median wall time of running ``command`` as a fresh process."""
    samples = []
    for index in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        if index:  # the first run warms the file cache
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def paired_process_medians(
    ours: Sequence[str], floor: Sequence[str], repeat: int = 5
) -> tuple[float, float]:
    """Median wall times of two commands run as fresh processes, alternately so that both
    see the same machine load (a first run of each warms the file cache)."""
    samples: tuple[list[float], list[float]] = ([], [])
    for index in range(repeat + 1):
        for command, times in ((ours, samples[0]), (floor, samples[1])):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            if index:
                times.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def report(name: str, value: str, ratio: float, baseline: str, target: str, ok: bool) -> None:
    verdict = "meets" if ok else "MISSES"
    print(f"{name}: {value}; {ratio:.2f}x {baseline} ({verdict} target {target})")
