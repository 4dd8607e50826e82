"""What the canvas shows at a point of a simulation: derived by replaying events from zero.

Replaying from the start makes stepping back exact and keeps the player stateless: the
state after event ``i`` is a pure function of ``events[: i + 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


def replay(events: list[dict[str, Any]], upto: int) -> CanvasState:
    state = CanvasState()
    for event in events[: upto + 1]:
        apply(state, event)
    return state


def apply(state: CanvasState, event: dict[str, Any]) -> None:
    state.minutes = event["t"]
    kind, element = event["type"], event.get("element")
    candidate = event.get("candidate")
    detail = event.get("detail", {})
    if kind in ("candidate-arrived", "gate-entered", "deployed") and candidate is not None:
        state.where[candidate] = element
        if kind == "gate-entered":
            state.glow[element] = LIT["gate-wait"]
            state.waiting[element] = []
        if kind == "deployed":
            state.glow[element] = LIT["stage"]
    elif kind == "approval":
        state.waiting.setdefault(element, []).append(
            f"{detail.get('by')} ({detail.get('role')}): {detail.get('decision')}"
        )
        state.verdicts[element] = "approvals: " + "; ".join(state.waiting[element])
    elif kind in ("gate-passed", "gate-rejected", "gate-expired", "gate-held"):
        state.glow[element] = LIT[
            "gate-pass"
            if kind == "gate-passed"
            else "gate-reject"
            if kind != "gate-held"
            else "gate-wait"
        ]
        reasons = detail.get("reasons") or detail.get("waiting") or [detail.get("reason", "")]
        state.verdicts[element] = f"{kind.removeprefix('gate-')}: " + "; ".join(
            str(r) for r in reasons if r
        )
        if kind in ("gate-rejected", "gate-expired") and candidate is not None:
            state.where.pop(candidate, None)
    elif kind == "trigger-fired":
        for trigger in detail.get("fired", [element]):
            state.glow[trigger] = LIT["trigger"]
    elif kind in ("action-done", "action-failed"):
        state.glow[element] = LIT["action"] if kind == "action-done" else LIT["trigger"]
    elif kind == "checks-run":
        state.glow[element] = LIT["check"]
    elif kind in ("rollback-finished", "release-healthy") and candidate is not None:
        state.where.pop(candidate, None)
        if kind == "rollback-finished":
            state.glow = {k: v for k, v in state.glow.items() if v not in (LIT["action"],)}
