"""The C heap kept for reuse while a backtest runs (glibc only; elsewhere nothing changes).

Each record batch makes numpy arrays of a few hundred KiB and frees them a moment later.
glibc hands memory that size back to the kernel as soon as it is freed (above its trim
threshold) and the next batch faults it in again, 4 KiB at a time: measured on the 1 M-row
CSV, a fifth of the backtest's CPU time went to those page faults. While a backtest runs,
freed memory stays in the heap (at most what the batches held at their peak), and it is
handed back when the backtest ends.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
DEFAULT_THRESHOLD = 128 << 10  # both, as glibc starts
KEPT_BYTES = 1 << 30  # while a backtest runs: never trim, allocate from the heap below 64 MiB
HEAP_BELOW = 64 << 20


@functools.cache
def _libc() -> Any:
    """glibc, or None (another C library: macOS, Windows, musl)."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
        libc = ctypes.CDLL(None)  # the process's own symbols, glibc's among them
    except (AttributeError, ValueError, OSError, TypeError):
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    return libc


@contextmanager
def heap_kept() -> Iterator[None]:
    """Run the block with freed memory kept in the heap; give it back afterwards."""
    libc = _libc()
    if libc is None or not libc.mallopt(M_TRIM_THRESHOLD, KEPT_BYTES):
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, HEAP_BELOW)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)
        libc.malloc_trim(0)
