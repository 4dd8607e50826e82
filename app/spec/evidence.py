"""Evidence (what ``gatewright check`` reads) and telemetry (what ``gatewright monitor`` reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from app.spec.timestamps import Timestamp, utc_text
from app.spec.types import FileModel, PersonId, Text


class Candidate(FileModel):
    model: Text = Field("", description="Model name, e.g. `credit-scorer`.")
    version: Text = Field("", description="Model version, e.g. `2.3.0`.")
    tier: Text | None = Field(
        None, description="Risk tier; missing or unknown means the strictest tier."
    )
    submitted_by: PersonId | None = Field(
        None,
        description=(
            "Person id (login or e-mail) of who submitted the candidate: under separation of "
            "duties they cannot approve it, and without it such a gate holds."
        ),
    )


class ApprovalRecord(FileModel):
    by: PersonId = Field(
        description="Person id (login or e-mail), matched without case against role members."
    )
    role: Text | None = Field(
        None,
        description=(
            "Role the person approves for; left out, `check` counts them for an applicable "
            "rule whose role lists them."
        ),
    )
    decision: Literal["approve", "reject"] = Field(description="`approve` or `reject`.")
    at: Timestamp = Field(
        description="When, in ISO 8601 with a timezone, e.g. `2026-11-20T10:00:00Z`."
    )


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
    now: Timestamp | None = Field(
        None,
        description=(
            "Ignored, with a warning: evidence cannot set the decision time, which is the "
            "machine's clock or `check --at`."
        ),
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
    at: Timestamp = Field(
        description="When the window ends, in ISO 8601 with a timezone; one time per window."
    )
    metrics: dict[str, Any] = Field(default_factory=dict, description="Metric values.")


class Telemetry(FileModel):
    """Telemetry windows for ``gatewright monitor``, judged in time order."""

    windows: list[TelemetryWindow] = Field(
        description="Windows in any order: they are judged by `at`, oldest first."
    )

    @field_validator("windows")
    @classmethod
    def _one_window_per_time(cls, windows: list[TelemetryWindow]) -> list[TelemetryWindow]:
        first: dict[datetime, int] = {}
        for index, window in enumerate(windows):
            earlier = first.setdefault(window.at, index)
            if earlier != index:
                raise ValueError(
                    f"$.windows[{index}].at ends at {utc_text(window.at)}, as "
                    f"$.windows[{earlier}].at does; give each window its own time"
                )
        return windows

    def in_time_order(self, until: datetime | None = None) -> list[TelemetryWindow]:
        """The windows oldest first, without those after ``until`` (when given)."""
        ordered = sorted(self.windows, key=lambda window: window.at)
        if until is None:
            return ordered
        return [window for window in ordered if window.at <= until]
