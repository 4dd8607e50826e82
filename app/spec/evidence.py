"""Evidence (what ``gatewright check`` reads) and telemetry (what ``gatewright monitor`` reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator, WithJsonSchema, field_validator, model_validator

from app.spec.timestamps import Timestamp, utc_text
from app.spec.types import BIDI_CONTROLS, FileModel, PersonId, Text, json_type_name, text_problem

COMMENT_MAX = 10_000
"""Characters an approval's comment may hold (a platform review comment fits)."""
CONDITION_MAX = 500
"""Characters one condition may hold: one line a person can act on and check off."""
CONDITIONS_MAX = 50
"""Conditions one approval may set."""
ApprovalDecision = Literal["approve", "reject", "revise"]
"""What an approver may record; ``revise`` sends the candidate back, as ``reject`` does,
with the conditions to meet (reason code ``revise-requested``)."""


def _remark_problem(value: Any, limit: int, *, lines: bool) -> str | None:
    """Why ``value`` cannot be a comment (``lines``: it may hold line breaks and tabs) or a
    condition (one line, not blank): not a string, too long, or holding a character that
    would hide or reorder what a reader sees (controls, bidi controls, surrogates)."""
    if not isinstance(value, str):
        return f"must be a string, got {json_type_name(value)}"
    if len(value) > limit:
        return f"must be at most {limit:,} characters, got {len(value):,}"
    # Line breaks and tabs become spaces one for one, so positions stay those of the text.
    shown = value.translate({9: 32, 10: 32, 13: 32}) if lines else value
    if problem := text_problem(shown, one_line=True):
        return problem
    if found := BIDI_CONTROLS.search(value):
        return (
            f"holds a bidirectional control character (U+{ord(found.group()):04X}) at "
            f"position {found.start() + 1}; remove it"
        )
    if not lines and not _visible(value):
        return "must not be blank: say what has to be done, or leave the condition out"
    return None


def _visible(text: str) -> bool:
    """Whether ``text`` shows something: not only spaces or invisible characters (U+200B)."""
    return any(char.isprintable() and not char.isspace() for char in text)


def comment_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an approval's comment, or None."""
    return _remark_problem(value, COMMENT_MAX, lines=True)


def _check_comment(value: Any) -> str:
    if problem := comment_problem(value):
        raise ValueError(problem)
    return value


def _check_condition(value: Any) -> str:
    if problem := _remark_problem(value, CONDITION_MAX, lines=False):
        raise ValueError(problem)
    return value


Comment = Annotated[
    str,
    PlainValidator(_check_comment),
    WithJsonSchema({"type": "string", "maxLength": COMMENT_MAX}),
]
"""Free text of an approval: line breaks and tabs allowed; no other control characters,
no bidirectional controls, no unpaired surrogates."""
Condition = Annotated[
    str,
    PlainValidator(_check_condition),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": CONDITION_MAX}),
]
"""One condition: one line, not blank, no control or bidirectional control characters."""


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
    decision: ApprovalDecision = Field(
        description=(
            "`approve`, `reject`, or `revise` (send the candidate back along the reject path "
            "with `conditions` to meet; counted like a rejection)."
        )
    )
    at: Timestamp = Field(
        description="When, in ISO 8601 with a timezone, e.g. `2026-11-20T10:00:00Z`."
    )
    comment: Comment | None = Field(
        None,
        description=(
            "Why, in the approver's words (line breaks allowed); the decision document "
            "repeats it for a record that counts."
        ),
    )
    conditions: list[Condition] | None = Field(
        None,
        max_length=CONDITIONS_MAX,
        description=(
            "With `approve`: conditions the promotion comes with; with `revise`: what must "
            "change before the candidate comes back. One line each; the decision document "
            "lists them with who set them. A rejection carries none."
        ),
    )

    @model_validator(mode="after")
    def _conditions_fit_the_decision(self) -> ApprovalRecord:
        if self.decision == "reject" and self.conditions:
            raise ValueError(
                "a rejection carries no conditions: record decision `revise` to send the "
                "candidate back with conditions to meet"
            )
        if self.decision == "revise" and not self.conditions and not _visible(self.comment or ""):
            raise ValueError(
                "a `revise` says what must change: give `conditions` (one line each) or a `comment`"
            )
        return self


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
