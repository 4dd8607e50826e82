"""Evidence (what ``gatewright check`` reads) and telemetry (what ``gatewright monitor`` reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from app.spec.types import FileModel, Text


class Candidate(FileModel):
    model: Text = Field("", description="Model name, e.g. `credit-scorer`.")
    version: Text = Field("", description="Model version, e.g. `2.3.0`.")
    tier: Text | None = Field(
        None, description="Risk tier; missing or unknown means the strictest tier."
    )
    submitted_by: Text | None = Field(
        None, description="Person who submitted the candidate (cannot approve it under SoD)."
    )


class ApprovalRecord(FileModel):
    by: Text = Field(description="Person id, matched against role members.")
    role: Text = Field(description="Role the person approves for.")
    decision: Literal["approve", "reject"] = Field(description="`approve` or `reject`.")
    at: AwareDatetime = Field(description="When, with a timezone, e.g. `2026-11-20T10:00:00Z`.")


class Evidence(FileModel):
    """What a pipeline knows about a candidate at a gate.

    Values under ``metrics``, ``baseline`` and ``checks`` are taken as they come: a NaN, an
    infinity or a string where a number belongs is not a schema error but an *invalid*
    value, which the criterion's ``on_invalid`` policy decides.
    """

    candidate: Candidate = Field(default_factory=Candidate, description="The model at the gate.")
    metrics: dict[str, Any] = Field(default_factory=dict, description="Observed metric values.")
    baseline: dict[str, Any] = Field(
        default_factory=dict, description="Metric values of the model in production."
    )
    checks: dict[str, Any] = Field(default_factory=dict, description="Results of named checks.")
    artifacts: list[Text] = Field(default_factory=list, description="Artifacts that exist.")
    approvals: list[ApprovalRecord] = Field(
        default_factory=list, description="Approvals and rejections recorded so far."
    )
    now: AwareDatetime | None = Field(
        None, description="The time of the decision; default: the current time."
    )
    approvals_from: Literal["evidence", "github", "gitlab", "none"] | None = Field(
        None,
        description=(
            "Where the approvals came from, as `gatewright evidence collect` records it: "
            "`evidence` (recorded in an evidence file), `github` or `gitlab` (the platform's "
            "review history), `none` (a criteria check before the platform's approvals "
            "exist). The decision document repeats it."
        ),
    )


class TelemetryWindow(FileModel):
    at: datetime | Text = Field(description="When the window ends.")
    metrics: dict[str, Any] = Field(default_factory=dict, description="Metric values.")


class Telemetry(FileModel):
    """Telemetry windows for ``gatewright monitor``, oldest first."""

    windows: list[TelemetryWindow] = Field(description="Windows, oldest first.")
