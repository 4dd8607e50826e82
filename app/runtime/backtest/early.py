"""A CSV file's reading started before its backtest asks for it.

`gatewright backtest` starts reading the history file before it loads the spec and the
models it decides with (a tenth of a second and more of Python imports, on one core):
meanwhile Arrow decodes the file's first segment on the other. The backtest of the same
file in this process then takes that reading up (``taken``) instead of starting its own.

Only what ``backtest`` would do anyway is done ahead (open the file, read its header,
start Arrow's reading), and nothing is reported here: when anything goes wrong, or the
file is no longer the one that was opened, the reading is dropped and the backtest reads
the file itself, and says what is wrong as it always does. This module needs only the
standard library, numpy and pyarrow.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO

import pyarrow as pa

from app.runtime.backtest.arrow_reading import Ahead, csv_tables
from app.runtime.backtest.reading import (
    HEADER_BLOCK_BYTES,
    _Lines,
    _open,
    csv_header,
    results_format,
)


@dataclass
class CsvReading:
    """An open CSV file, its header, and Arrow's reading of its segments (under way)."""

    path: str
    stream: BinaryIO
    size: int
    header: list[str]
    header_line: int
    tables: Ahead
    identity: tuple[int, ...]

    def close(self) -> None:
        try:
            self.tables.close()
        finally:
            self.stream.close()


_waiting: CsvReading | None = None
_lock = threading.Lock()


def start(path: str | os.PathLike[str]) -> None:
    """Start reading the CSV file at ``path`` for the next backtest of it in this process
    (a reading already waiting is dropped). Other formats, and files the backtest would
    refuse, are left to the backtest."""
    discard()
    name = os.fspath(path)
    try:
        if results_format(name) != "csv":
            return
        stream, size = _open(name)
    except Exception:  # the backtest finds it again and reports it
        return
    try:
        identity = _identity(os.fstat(stream.fileno()))
        reader, header = csv_header(_Lines(stream, HEADER_BLOCK_BYTES))
        with _lock:
            _one_core_for_arrow()
        tables = csv_tables(stream, header, reader.line_num, parallel=True)
    except Exception:
        with _lock:
            _all_cores_for_arrow()
        stream.close()
        return
    global _waiting
    with _lock:
        _waiting = CsvReading(name, stream, size, header, reader.line_num, tables, identity)


_arrow_threads: int | None = None
"""Arrow's thread count before ``start`` lowered it; None when it is as it was (changed
under ``_lock``)."""


def _one_core_for_arrow() -> None:
    """Until the backtest takes the reading up, Arrow decodes on one core and the imports
    run on the other: with Arrow's threads on both cores, the imports (which the backtest
    waits for) were slowed by more than the reading gained (on 2 cores, four paired runs
    of 9 to 13 processes: the median process 1-14% faster this way, never slower)."""
    global _arrow_threads
    if _arrow_threads is None:
        _arrow_threads = pa.cpu_count()
        pa.set_cpu_count(1)


def _all_cores_for_arrow() -> None:
    global _arrow_threads
    if _arrow_threads is not None:
        pa.set_cpu_count(_arrow_threads)
        _arrow_threads = None


def taken(path: str | os.PathLike[str]) -> CsvReading | None:
    """The reading started for ``path``, if it is still the same file (same device, inode,
    size and modification time); the caller reads it and closes it. None otherwise."""
    global _waiting
    with _lock:
        reading, _waiting = _waiting, None
        _all_cores_for_arrow()
    if reading is None:
        return None
    try:
        same = reading.path == os.fspath(path) and reading.identity == _identity(os.stat(path))
    except OSError:
        same = False
    if not same:
        reading.close()
        return None
    return reading


def discard() -> None:
    """Drop a reading nobody took (the command stopped before its backtest)."""
    global _waiting
    with _lock:
        reading, _waiting = _waiting, None
        _all_cores_for_arrow()
    if reading is not None:
        reading.close()


def _identity(info: Any) -> tuple[int, ...]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
