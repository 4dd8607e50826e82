"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import gc
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def median_seconds(work: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``work()``, with the garbage collector paused as timeit does."""
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            work()
            samples.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return statistics.median(samples)


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
