"""The restore plan in exported rollback jobs: printed as data, never run as shell text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.spec.restore_plan import RestoreStep, restore_steps
from app.spec.schema import SpecRollback
from exporters.content import one_line as flat
from exporters.pipelines import Script, one_line

RESTORE_PLAN = Script(
    "printf '%s\\n' 'This rollback restores, in order (dependencies first):' \"$RESTORE_PLAN\"\n"
)
"""Prints the plan from the RESTORE_PLAN variable (a constant script: the text is data)."""


RESTORE_STEP = Script(
    "printf 'Restore %s from its safe version (%s, named in this step) before the next step; "
    'replace this line with the restore itself\\n\' "$RESTORE_NAME" "$RESTORE_SOURCE"\n'
)
"""One restore, in order: the step's name says what and from where, and the step prints
the component's name from RESTORE_NAME (GitHub)."""


def steps(policy: SpecRollback, components: Iterable[Any]) -> list[RestoreStep]:
    """The policy's restores, numbered in order, each named from the spec's ``components``."""
    return restore_steps(components, policy.restores)


def described(step: RestoreStep) -> str:
    """``Model API (model-api) from git ref refs/tags/v1``: one line whatever the text."""
    return f"{step.label} from {flat(step.where)}"


def plan_line(step: RestoreStep) -> str:
    """``2. Model API (model-api) from git ref refs/tags/v1``."""
    return f"{step.number}. {described(step)}"


def plan_text(policy: SpecRollback, components: Iterable[Any]) -> str:
    """The policy's restores as numbered lines ("" when it restores nothing)."""
    return "\n".join(plan_line(step) for step in steps(policy, components))


def comment_lines(policy: SpecRollback, components: Iterable[Any]) -> list[str]:
    """The plan for a job's comment block."""
    text = plan_text(policy, components)
    lines = [f"  {one_line(line, 200)}" for line in text.splitlines()]
    return ["Restores, in order:", *lines] if lines else []
