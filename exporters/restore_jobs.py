"""The restore plan in exported rollback jobs: printed as data, never run as shell text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.spec.restore_plan import restore_plan_text
from app.spec.schema import SpecRollback
from exporters.pipelines import Script, one_line

RESTORE_PLAN = Script(
    "printf '%s\\n' 'This rollback restores, in order (dependencies first):' \"$RESTORE_PLAN\"\n"
)
"""Prints the plan from the RESTORE_PLAN variable (a constant script: the text is data)."""


def plan_text(policy: SpecRollback, components: Iterable[Any] = ()) -> str:
    """The policy's restores as numbered lines ("" when it restores nothing)."""
    return restore_plan_text(components, policy.restores)


def comment_lines(policy: SpecRollback) -> list[str]:
    """The plan for a job's comment block."""
    text = plan_text(policy)
    lines = [f"  {one_line(line, 200)}" for line in text.splitlines()]
    return ["Restores, in order:", *lines] if lines else []
