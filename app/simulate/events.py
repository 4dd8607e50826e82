"""The kinds of event a simulation records, shared by the engine and whoever replays them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.process import collection_paused


class EventType(StrEnum):
    """What happened at a simulated minute. Members are strings, so the event log's JSON
    (``simulate --json``, the workspace's runs) holds the same text as before."""

    CANDIDATE_ARRIVED = "candidate-arrived"
    GATE_ENTERED = "gate-entered"
    GATE_HELD = "gate-held"
    GATE_REVIEWED = "gate-reviewed"
    APPROVAL = "approval"
    GATE_PASSED = "gate-passed"
    GATE_REJECTED = "gate-rejected"
    GATE_EXPIRED = "gate-expired"
    DEPLOYED = "deployed"
    FAULT_INJECTED = "fault-injected"
    STAGE_HEALTHY = "stage-healthy"
    RELEASE_HEALTHY = "release-healthy"
    TRIGGER_FIRED = "trigger-fired"
    ROLLBACK_STARTED = "rollback-started"
    ACTION_DONE = "action-done"
    ACTION_FAILED = "action-failed"
    CHECKS_RUN = "checks-run"
    ROLLBACK_FINISHED = "rollback-finished"


Event = dict[str, Any]
"""One record of the log: ``t`` (minutes), ``type`` (an :class:`EventType`), and
``element``, ``candidate`` and ``detail`` when the event has them. Kept a plain dict: a
10,000-release run records some 250,000 of them, and they are written out as JSON."""


Record = tuple[float, EventType, str, int, "dict[str, Any] | None"]
"""An event as the simulation writes it: minute, type, element, candidate, and its detail
(None when it has none)."""


class EventLog:
    """The log as a run writes it, compact: one :data:`Record` per event in the order
    written, and their minutes beside them. It is read (``events``) as dicts in time order,
    built once, when someone asks: a Monte Carlo run's summary never does."""

    __slots__ = ("_events", "records", "times")

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.times: list[float] = []
        """Each record's minute (kept apart: the latest and the order are read from them)."""
        self._events: list[Event] | None = None

    def __len__(self) -> int:
        return len(self.times)

    def latest(self) -> float:
        """The latest minute logged (0 for an empty log)."""
        return max(self.times, default=0.0)

    def earliest(self) -> float:
        """The earliest minute logged (0 for an empty log)."""
        return min(self.times, default=0.0)

    def events(self) -> list[Event]:
        """The events in time order, each minute rounded to three decimals (events of the
        same rounded minute in the order they were written). Some 250,000 in a 10,000-
        release run: the minutes are rounded and ordered as one numpy array."""
        if self._events is None:
            with collection_paused():  # many small acyclic objects, as in the run
                self._events = self._read()
        return self._events

    def _read(self) -> list[Event]:
        import numpy

        rounded = numpy.array(self.times, float).round(3)
        order = rounded.argsort(kind="stable")
        events = []
        append = events.append
        for t, (_t, kind, element, candidate, detail) in zip(
            rounded[order].tolist(), map(self.records.__getitem__, order.tolist()), strict=True
        ):
            if detail is None:
                append({"t": t, "type": kind, "element": element, "candidate": candidate})
            else:
                append(
                    {"t": t, "type": kind, "element": element, "candidate": candidate,
                     "detail": detail}
                )  # fmt: skip
        return events
