"""Document-level catalogs: roles with their members, metrics, and canvas positions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, model_validator

from app.spec.schema import MetricSources
from app.spec.types import FileModel, Key, Name, Number, Slug, Text


class Role(FileModel):
    """A group of people who approve gates or carry out actions."""

    id: Slug = Field(description="Identifier of the role, e.g. `ml-lead`.")
    name: Name = Field(description="Readable name, e.g. `ML engineering lead`.")
    description: Text = Field("", description="What the role is responsible for.")
    members: list[Text] = Field(
        default_factory=list,
        description=(
            "Person ids (as they appear in approvals' `by`); a role without members "
            "cannot have its approvals verified."
        ),
    )
    model_team: StrictBool | None = Field(
        None,
        description=(
            "Whether the role belongs to the team that builds the model (true) or is "
            "independent of it (false); independent approval is judged from this, never "
            "from the role's name. Absent means not declared."
        ),
    )


class Metric(FileModel):
    """A measurable quantity that criteria and triggers compare against thresholds."""

    id: Key = Field(
        description=(
            "Identifier used by criteria and evidence, e.g. `accuracy` or `latency_p95_ms` "
            "(underscores allowed, as evidence keys)."
        )
    )
    name: Name = Field(description="Readable name, e.g. `Accuracy`.")
    unit: Text = Field("", description="Unit shown next to values, e.g. `ms` or `ratio`.")
    direction: Literal["higher", "lower"] = Field(
        "higher", description="Whether higher or lower values are better."
    )
    min: Number | None = Field(None, description="Smallest meaningful value, if bounded.")
    max: Number | None = Field(None, description="Largest meaningful value, if bounded.")
    sources: MetricSources | None = Field(
        None,
        description=(
            "Where the metric is read: `mlflow` (a run's metric key) and `prometheus` (a "
            "PromQL query returning one series)."
        ),
    )

    @model_validator(mode="after")
    def _range_ordered(self) -> Metric:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                f"metric {self.id!r} has min {self.min} above max {self.max}; swap them"
            )
        return self


class Position(FileModel):
    """Where a node sits on the canvas (scene coordinates of its centre)."""

    x: Number = Field(description="Horizontal position, growing to the right.")
    y: Number = Field(description="Vertical position, growing downwards.")
