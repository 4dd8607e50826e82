"""What a rollback restores, in order, as people read it (PDF, drills, pipeline logs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.spec.types import name_with_id

SOURCE_WORDS = {
    "registry-alias": "model registry alias",
    "dataset-version": "dataset version",
    "git-ref": "git ref",
    "other": "kept at",
}
"""How each kind of safe-version source reads before its value."""


@dataclass(frozen=True)
class RestoreStep:
    """One component put back: its place in the order, what it is, and its safe version."""

    number: int
    component: str
    name: str
    kind: str | None
    """None when the component is not in the catalog given (a spec's policy alone)."""
    owner: str | None
    source: str
    ref: str

    @property
    def where(self) -> str:
        """``git ref refs/tags/v1``: where the safe version is found."""
        return f"{SOURCE_WORDS.get(self.source, self.source)} {self.ref}"

    @property
    def label(self) -> str:
        """The component by its name, on one line, with its id in parentheses when the
        two differ (``Model API (model-api)``); the id alone when it is not in the catalog."""
        return name_with_id(self.name, self.component)

    def line(self) -> str:
        kind = f" ({self.kind})" if self.kind else ""
        return f"{self.number}. {self.name}{kind} from {self.where}"


def restore_steps(components: Iterable[Any], restores: Iterable[Any]) -> list[RestoreStep]:
    """The restores in order, each with its catalog entry (document's or spec's components;
    an unknown component is shown by its id)."""
    catalog = {component.id: component for component in components}
    steps = []
    for number, restore in enumerate(restores, start=1):
        known = catalog.get(restore.component)
        steps.append(
            RestoreStep(
                number=number,
                component=restore.component,
                name=known.name if known else restore.component,
                kind=known.kind if known else None,
                owner=known.owner if known else None,
                source=restore.source,
                ref=restore.ref,
            )
        )
    return steps


def restore_plan_text(components: Iterable[Any], restores: Iterable[Any]) -> str:
    """The plan as lines of text, in order ("" when the rollback restores nothing)."""
    return "\n".join(step.line() for step in restore_steps(components, restores))
