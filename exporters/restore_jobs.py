"""The restore plan in exported rollback jobs: printed as data, never run as shell text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.spec.restore_plan import RestoreStep, restore_plan_text, restore_steps
from app.spec.schema import SpecRollback
from exporters.pipelines import Script, one_line

RESTORE_PLAN = Script(
    "printf '%s\\n' 'This rollback restores, in order (dependencies first):' \"$RESTORE_PLAN\"\n"
)
"""Prints the plan from the RESTORE_PLAN variable (a constant script: the text is data)."""


RESTORE_STEP = Script(
    'echo "Restore $RESTORE_COMPONENT from its safe version ($RESTORE_SOURCE, named in this '
    'step) before the next step; replace this line with the restore itself"\n'
)
"""One restore, in order: the step's name says what and from where (GitHub)."""


def steps(policy: SpecRollback) -> list[RestoreStep]:
    """The policy's restores, numbered in order."""
    return restore_steps((), policy.restores)


def plan_text(policy: SpecRollback, components: Iterable[Any] = ()) -> str:
    """The policy's restores as numbered lines ("" when it restores nothing)."""
    return restore_plan_text(components, policy.restores)


def comment_lines(policy: SpecRollback) -> list[str]:
    """The plan for a job's comment block."""
    text = plan_text(policy)
    lines = [f"  {one_line(line, 200)}" for line in text.splitlines()]
    return ["Restores, in order:", *lines] if lines else []
