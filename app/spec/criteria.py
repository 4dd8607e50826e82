"""Criteria and approval rules: the decision vocabulary shared by SOP documents and gate specs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    PlainValidator,
    StrictBool,
    Tag,
    WithJsonSchema,
    field_validator,
)

from app.spec.types import Count, FileModel, Key, Name, Number, Slug, json_type_name

Operator = Literal[">=", ">", "<=", "<", "==", "!="]
OPERATORS: tuple[str, ...] = (">=", ">", "<=", "<", "==", "!=")
Severity = Literal["blocking", "advisory"]
DataPolicy = Literal["fail", "hold"]


class CriterionBase(FileModel):
    """What every criterion carries, whatever its form."""

    id: Slug = Field(description="Identifier of the criterion, unique within its gate or check.")
    name: Name = Field("", description="Readable name shown in the designer and the PDF.")
    severity: Severity = Field(
        "blocking",
        description="`blocking` criteria decide the outcome; `advisory` ones are only reported.",
    )
    tiers: list[Slug] | None = Field(
        None,
        description="Risk tiers this criterion applies to; absent means every tier.",
    )
    on_missing: DataPolicy = Field(
        "fail",
        description="What a missing value means: `fail` rejects, `hold` asks a person to look.",
    )
    on_invalid: DataPolicy = Field(
        "fail",
        description=(
            "What an unusable value (NaN, infinity, wrong type) means: `fail` rejects, "
            "`hold` asks a person to look."
        ),
    )

    @field_validator("tiers")
    @classmethod
    def _tiers_unique(cls, tiers: list[str] | None) -> list[str] | None:
        if tiers is not None and len(set(tiers)) != len(tiers):
            raise ValueError("lists a tier twice; name each tier once")
        return tiers

    @property
    def form(self) -> str:
        raise NotImplementedError


class MetricCriterion(CriterionBase):
    """Passes when ``evidence.metrics[metric] op value``."""

    metric: Key = Field(description="Metric id from the document's metric catalog.")
    op: Operator = Field(description="Comparison operator.")
    value: Number = Field(description="Threshold the observed metric is compared with.")

    @property
    def form(self) -> str:
        return "metric"


def _must_be_true(value: Any) -> bool:
    if value is not True:
        raise ValueError(f"must be true (compare with the baseline), got {json_type_name(value)}")
    return True


class BaselineCriterion(CriterionBase):
    """Passes when ``evidence.metrics[metric] op evidence.baseline[metric] + delta``."""

    metric: Key = Field(description="Metric id from the document's metric catalog.")
    op: Operator = Field(description="Comparison operator.")
    baseline: Annotated[
        Literal[True], PlainValidator(_must_be_true), WithJsonSchema({"const": True})
    ] = Field(description="Always true: compare with the baseline (the model in production).")
    delta: Number = Field(
        0, description="Added to the baseline value before comparing (may be negative)."
    )

    @property
    def form(self) -> str:
        return "baseline"


JsonScalar = Annotated[
    str | bool | int | float,
    Field(description="A JSON string, number or boolean."),
]


class CheckCriterion(CriterionBase):
    """Passes when ``evidence.checks[check] == equals``."""

    check: Key = Field(description="Name of a check the pipeline reports, e.g. `security-scan`.")
    equals: JsonScalar = Field("passed", description="Value the check must report, e.g. `passed`.")

    @property
    def form(self) -> str:
        return "check"


class ArtifactCriterion(CriterionBase):
    """Passes when ``artifact`` is listed in ``evidence.artifacts``."""

    artifact: Key = Field(
        description="Artifact that must be present, e.g. `model-card`, `data-card`, `lineage`."
    )

    @property
    def form(self) -> str:
        return "artifact"


def criterion_form(data: Any) -> str | None:
    """The union tag of a raw criterion or model (``metric-criterion``...), from its keys."""
    if isinstance(data, CriterionBase):
        return f"{data.form}-criterion"
    if not isinstance(data, dict):
        return None
    for key, form in (("artifact", "artifact"), ("check", "check"), ("baseline", "baseline")):
        if key in data:
            return f"{form}-criterion"
    if "delta" in data:
        return "baseline-criterion"
    if "metric" in data:
        return "metric-criterion"
    return None


Criterion = Annotated[
    Annotated[MetricCriterion, Tag("metric-criterion")]
    | Annotated[BaselineCriterion, Tag("baseline-criterion")]
    | Annotated[CheckCriterion, Tag("check-criterion")]
    | Annotated[ArtifactCriterion, Tag("artifact-criterion")],
    Discriminator(
        criterion_form,
        custom_error_type="criterion_form",
        custom_error_message=(
            "a criterion needs `metric` with `op` and `value` (or `baseline: true`), "
            "`check` with `equals`, or `artifact`"
        ),
    ),
]
"""One of the four criterion forms, told apart by the keys present."""


class ApprovalRule(FileModel):
    """``count`` approvals from members of ``role``."""

    role: Slug = Field(description="Role whose members may approve.")
    count: Count = Field(1, description="How many distinct members must approve (1 or more).")
    tiers: list[Slug] | None = Field(
        None, description="Risk tiers this rule applies to; absent means every tier."
    )


class Approval(FileModel):
    """Who must approve before a gate promotes."""

    mode: Literal["all", "any"] = Field(
        "all", description="`all`: every applicable rule must be met; `any`: at least one."
    )
    rules: list[ApprovalRule] = Field(
        default_factory=list, description="Approval rules; none means no approval is required."
    )
    separation_of_duties: StrictBool = Field(
        True, description="When true, the submitter of a candidate cannot approve it."
    )
    window_hours: Number | None = Field(
        None,
        description="Approvals older than this many hours before `now` no longer count.",
    )

    @field_validator("window_hours")
    @classmethod
    def _window_positive(cls, hours: float | None) -> float | None:
        if hours is not None and hours <= 0:
            raise ValueError(f"must be more than 0 hours, got {hours}; use null for no window")
        return hours
