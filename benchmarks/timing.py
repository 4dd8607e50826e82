"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence

from app.runtime.collection import collection_paused


def median_seconds(work: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``work()``, with the garbage collector paused as timeit does."""
    for _ in range(warmup):
        work()
    return statistics.median(timed_once(work) for _ in range(repeat))


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


def report(name: str, value: str, ratio: float, baseline: str, target: str, ok: bool) -> None:
    verdict = "meets" if ok else "MISSES"
    print(f"{name}: {value}; {ratio:.2f}x {baseline} ({verdict} target {target})")
