"""The kinds of event a simulation records, shared by the engine and whoever replays them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


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
