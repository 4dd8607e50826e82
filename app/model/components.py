"""The system's components (002 step 2) and what a rollback restores of them (step 3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

from pydantic import Field, field_validator

from app.spec.types import FileModel, Name, Reference, Slug, Text

ComponentKind = Literal["model", "dataset", "feature-pipeline", "api", "configuration", "service"]
COMPONENT_KINDS: tuple[str, ...] = get_args(ComponentKind)
SourceKind = Literal["registry-alias", "dataset-version", "git-ref", "other"]
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)


class Component(FileModel):
    """A part of the AI system that a rollback may have to put back: a model, a dataset, a
    feature pipeline, an API, a configuration or a service."""

    id: Slug = Field(description="Identifier of the component, e.g. `scoring-model`.")
    name: Name = Field(description="Readable name, e.g. `Credit scoring model`.")
    kind: ComponentKind = Field(
        description="model, dataset, feature-pipeline, api, configuration or service."
    )
    owner: Slug | None = Field(
        None, description="Role that owns the component (a role id from the roles list)."
    )
    depends_on: list[Slug] = Field(
        default_factory=list,
        description=(
            "Ids of the components this one needs in order to work (a model depends on its "
            "feature pipeline); a rollback restores those first."
        ),
    )
    description: Text = Field("", description="What the component is and where it runs.")

    @field_validator("depends_on")
    @classmethod
    def _listed_once(cls, depends_on: list[str]) -> list[str]:
        seen: set[str] = set()
        for component_id in depends_on:
            if component_id in seen:
                raise ValueError(f"{component_id!r} is listed twice; list each dependency once")
            seen.add(component_id)
        return depends_on


class Restore(FileModel):
    """One component a rollback puts back, and where its safe version is found."""

    component: Slug = Field(description="Id of the component restored (from the catalog).")
    source: SourceKind = Field(
        description=(
            "Where the safe version is kept: `registry-alias` (a model registry alias), "
            "`dataset-version`, `git-ref` (a tag, branch or commit of configuration or code) "
            "or `other`."
        )
    )
    ref: Reference = Field(
        description=(
            "The safe version itself, e.g. `credit-scorer@previous-stable`, "
            "`applications-2026-11`, `refs/tags/api-v1.4.2`."
        )
    )


def restores_once(restores: list[Restore]) -> list[Restore]:
    """``restores`` when no component is listed twice, else ValueError saying which."""
    seen: set[str] = set()
    for restore in restores:
        if restore.component in seen:
            raise ValueError(
                f"component {restore.component!r} is restored twice; list it once, in the "
                "order it is put back"
            )
        seen.add(restore.component)
    return restores


def renamed_dependencies(
    components: Sequence[Component], old_id: str, new_id: str
) -> list[Component]:
    """The catalog with component ``old_id`` called ``new_id``, and every ``depends_on``
    naming it following; ValueError when a component already names ``new_id`` there too."""
    renamed = []
    for component in components:
        update: dict[str, Any] = {"id": new_id} if component.id == old_id else {}
        if old_id in component.depends_on:
            if new_id in component.depends_on:
                raise ValueError(
                    f"component {component.id!r} depends on both {old_id!r} and {new_id!r}; "
                    f"remove {new_id!r} from its dependencies first"
                )
            update["depends_on"] = [new_id if d == old_id else d for d in component.depends_on]
        renamed.append(component.model_copy(update=update) if update else component)
    return renamed


def renamed_restores(
    trigger_id: str, restores: Sequence[Restore], old_id: str, new_id: str
) -> list[Restore]:
    """``restores`` with ``old_id`` called ``new_id``, in the same order; ValueError when the
    trigger already restores ``new_id`` too."""
    if any(restore.component == new_id for restore in restores):
        raise ValueError(
            f"trigger {trigger_id!r} restores both {old_id!r} and {new_id!r}; remove "
            f"{new_id!r} from its restores first"
        )
    return [
        restore.model_copy(update={"component": new_id}) if restore.component == old_id else restore
        for restore in restores
    ]
