"""A small discrete-event scheduler: processes are generators that yield how long they wait."""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any

Process = Generator[float, None, None]

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)
"""Simulated time 0: a Monday at midnight UTC (working hours are counted from it)."""


_EPOCH_SECONDS = EPOCH.timestamp()
LAST_MINUTE = (datetime(9999, 1, 1, tzinfo=UTC) - EPOCH).total_seconds() / 60
"""The latest simulated minute a date can hold (dates end with the year 9999)."""


class ScenarioRangeError(ValueError):
    """The scenario's numbers carry simulated time out of what a date can hold."""


def check_minute(minutes: float) -> float:
    """``minutes`` itself, when a date can hold it; else a :class:`ScenarioRangeError`."""
    if not 0 <= minutes <= LAST_MINUTE:  # also NaN and the infinities
        raise ScenarioRangeError(
            f"simulated time reaches {minutes:g} minutes, past what a date can hold (the year "
            "9999): the scenario's arrival gaps, delays, windows or action times are too large"
        )
    return minutes


def at(minutes: float) -> datetime:
    """The moment ``minutes`` of simulated time after ``EPOCH``."""
    if not 0 <= minutes <= LAST_MINUTE:
        check_minute(minutes)  # says why
    return datetime.fromtimestamp(_EPOCH_SECONDS + minutes * 60, UTC)


class Scheduler:
    """Runs processes in time order; ties run in the order they were scheduled."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Process]] = []
        self._sequence = 0

    def start(self, process: Process, delay: float = 0.0) -> None:
        self._push(self.now + delay, process)

    def _push(self, time: float, process: Process) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (time, self._sequence, process))

    def run(self) -> None:
        while self._queue:
            time, _sequence, process = heapq.heappop(self._queue)
            self.now = time
            try:
                wait = next(process)
            except StopIteration:
                continue
            self._push(time + max(0.0, wait), process)


def duration_text(seconds: Any) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a number of seconds (``?`` for anything else)."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        return "?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
