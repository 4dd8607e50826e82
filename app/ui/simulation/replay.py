"""What the canvas shows at a point of a simulation: derived by replaying events from zero.

Replaying from the start makes stepping back exact and keeps the player stateless: the
state after event ``i`` is a pure function of ``events[: i + 1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.simulate.events import Event, EventType

LIT = {
    "trigger": "#dc2626",
    "action": "#7c3aed",
    "check": "#16a34a",
    "gate-wait": "#f59e0b",
    "gate-pass": "#16a34a",
    "gate-reject": "#dc2626",
    "stage": "#2563eb",
}


@dataclass
class CanvasState:
    """Where candidates are, which elements glow, and the clock."""

    minutes: float = 0.0
    where: dict[int, str] = field(default_factory=dict)  # candidate -> element id
    glow: dict[str, str] = field(default_factory=dict)  # element id -> colour
    verdicts: dict[str, str] = field(default_factory=dict)  # gate id -> last verdict text
    waiting: dict[str, list[str]] = field(default_factory=dict)  # gate -> approvers so far

    def tokens(self) -> dict[str, list[int]]:
        """Element id -> candidates there, sorted."""
        placed: dict[str, list[int]] = {}
        for candidate, element in sorted(self.where.items()):
            placed.setdefault(element, []).append(candidate)
        return placed


def replay(events: list[Event], upto: int) -> CanvasState:
    state = CanvasState()
    for event in events[: upto + 1]:
        apply(state, event)
    return state


def apply(state: CanvasState, event: Event) -> None:
    """Move the canvas state on by one event; kinds that show nothing only move the clock."""
    state.minutes = event["t"]
    show = _SHOW.get(event["type"])
    if show is not None:
        show(state, event.get("element"), event.get("candidate"), event.get("detail", {}))


def _placed(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
    if candidate is not None:
        state.where[candidate] = element


def _entered_gate(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
    if candidate is not None:
        state.where[candidate] = element
        state.glow[element] = LIT["gate-wait"]
        state.waiting[element] = []


def _deployed(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
    if candidate is not None:
        state.where[candidate] = element
        state.glow[element] = LIT["stage"]


def _approval(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
    state.waiting.setdefault(element, []).append(
        f"{detail.get('by')} ({detail.get('role')}): {detail.get('decision')}"
    )
    state.verdicts[element] = "approvals: " + "; ".join(state.waiting[element])


def _verdict(colour: str, word: str, leaves: bool) -> Callable[..., None]:
    """A gate's outcome: its colour, the verdict line, and whether the candidate leaves."""

    def show(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
        state.glow[element] = LIT[colour]
        reasons = detail.get("reasons") or detail.get("waiting") or [detail.get("reason", "")]
        state.verdicts[element] = f"{word}: " + "; ".join(str(r) for r in reasons if r)
        if leaves and candidate is not None:
            state.where.pop(candidate, None)

    return show


def _trigger_fired(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
    for trigger in detail.get("fired", [element]):
        state.glow[trigger] = LIT["trigger"]


def _lit(colour: str) -> Callable[..., None]:
    def show(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
        state.glow[element] = LIT[colour]

    return show


def _left(rolled_back: bool) -> Callable[..., None]:
    """A candidate's story ends: healthy, or rolled back (its runbook stops glowing)."""

    def show(state: CanvasState, element: Any, candidate: Any, detail: Any) -> None:
        if candidate is None:
            return
        state.where.pop(candidate, None)
        if rolled_back:
            state.glow = {k: v for k, v in state.glow.items() if v != LIT["action"]}

    return show


_SHOW: dict[str, Callable[[CanvasState, Any, Any, Any], None]] = {
    EventType.CANDIDATE_ARRIVED: _placed,
    EventType.GATE_ENTERED: _entered_gate,
    EventType.DEPLOYED: _deployed,
    EventType.APPROVAL: _approval,
    EventType.GATE_PASSED: _verdict("gate-pass", "passed", leaves=False),
    EventType.GATE_REJECTED: _verdict("gate-reject", "rejected", leaves=True),
    EventType.GATE_EXPIRED: _verdict("gate-reject", "expired", leaves=True),
    EventType.GATE_HELD: _verdict("gate-wait", "held", leaves=False),
    EventType.TRIGGER_FIRED: _trigger_fired,
    EventType.ACTION_DONE: _lit("action"),
    EventType.ACTION_FAILED: _lit("trigger"),
    EventType.CHECKS_RUN: _lit("check"),
    EventType.ROLLBACK_FINISHED: _left(rolled_back=True),
    EventType.RELEASE_HEALTHY: _left(rolled_back=False),
}
"""What each kind of event shows on the canvas; the others only move the clock."""
