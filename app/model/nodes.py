"""The five node kinds of an SOP graph: stage, gate, trigger, action and check."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from app.model.components import Restore, restores_once
from app.model.errors import DocumentStructureError
from app.spec.criteria import Approval, Criterion, Operator
from app.spec.types import Count, FileModel, Key, NonNegative, Number, Slug, Text, VisibleName

NODE_KINDS: tuple[str, ...] = ("stage", "gate", "trigger", "action", "check")
Environment = Literal["development", "validation", "staging", "production", "other"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)


class NodeBase(FileModel):
    """Fields every node carries."""

    KIND: ClassVar[str] = ""

    id: Slug = Field(description="Identifier, unique among the document's nodes and edges.")
    kind: str = Field(description="Node kind: stage, gate, trigger, action or check.")
    name: VisibleName = Field(description="Readable name shown on the canvas and in exports.")
    description: Text = Field("", description="What happens here, in a sentence or two.")
    note: Text = Field(
        "",
        description=(
            "A remark for the people who read or review the SOP (an open question, a "
            "reminder, a reference); shown on hover in the designer and in the PDF and "
            "Markdown exports, never used by validation or the compiled spec."
        ),
    )
    suppress: list[Slug] = Field(
        default_factory=list,
        description="Validation rule ids not to report on this node.",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_kind(cls, data: Any) -> Any:
        if isinstance(data, dict) and "kind" not in data and cls.KIND:
            return {"kind": cls.KIND, **data}
        return data

    def criterion_ids_unique(self, criteria: list[Any]) -> None:
        seen: set[str] = set()
        for index, criterion in enumerate(criteria):
            if criterion.id in seen:
                raise DocumentStructureError(
                    ("criteria", index, "id"),
                    f"node {self.id!r} has two criteria with id {criterion.id!r}; rename one",
                )
            seen.add(criterion.id)


class Strategy(FileModel):
    """How a release enters a stage."""

    type: Literal["direct", "shadow", "canary", "blue-green"] = Field(
        "direct",
        description=(
            "`direct` replaces the running model; `shadow` runs beside it without serving; "
            "`canary` serves a growing share of traffic; `blue-green` switches all at once "
            "with the old version kept warm."
        ),
    )
    steps: list[Number] = Field(
        default_factory=list,
        description="Canary traffic percentages, ascending, e.g. [5, 25, 50, 100].",
    )
    bake_minutes: NonNegative = Field(
        0, description="Minutes to watch each canary step (or the shadow run)."
    )

    @model_validator(mode="after")
    def _steps_make_sense(self) -> Strategy:
        if self.steps and self.type != "canary":
            raise ValueError("only a canary strategy has steps; remove them or use canary")
        if any(not 0 < step <= 100 for step in self.steps):
            raise ValueError("canary steps are traffic percentages between 0 and 100")
        if self.steps != sorted(self.steps):
            raise ValueError("canary steps must be in ascending order, e.g. [5, 25, 100]")
        return self


class Stage(NodeBase):
    """An environment a model lives in: development, validation, staging, production..."""

    KIND: ClassVar[str] = "stage"
    kind: Literal["stage"] = Field(description="Always `stage`.")
    environment: Environment | None = Field(
        None, description="Which kind of environment this stage is, if any."
    )
    strategy: Strategy = Field(
        default_factory=Strategy, description="How releases enter this stage."
    )


class Gate(NodeBase):
    """A decision point between two stages, with criteria and an approval rule."""

    KIND: ClassVar[str] = "gate"
    kind: Literal["gate"] = Field(description="Always `gate`.")
    criteria: list[Criterion] = Field(
        default_factory=list, description="Measurable conditions a candidate must meet."
    )
    approval: Approval = Field(
        default_factory=Approval, description="Who must approve before promotion."
    )
    separation_justification: Text = Field(
        "",
        description=(
            "Why the submitter may approve their own candidate here: required when the "
            "approval's `separation_of_duties` is false, and printed under Exceptions."
        ),
    )

    @model_validator(mode="after")
    def _unique_criteria(self) -> Gate:
        self.criterion_ids_unique(self.criteria)
        return self


class Trigger(NodeBase):
    """A condition on a stage's live telemetry that starts a rollback (describes the BAD state)."""

    KIND: ClassVar[str] = "trigger"
    kind: Literal["trigger"] = Field(description="Always `trigger`.")
    metric: Key = Field(description="Metric id from the catalog, watched in telemetry.")
    op: Operator = Field(description="Comparison that, when true, means the stage is unhealthy.")
    value: Number = Field(description="Threshold of the unhealthy condition.")
    for_windows: Count = Field(
        1, description="Consecutive breached telemetry windows needed to fire."
    )
    on_missing: Literal["breach", "ignore"] = Field(
        "breach",
        description="A window without a usable value counts as a breach, or is skipped.",
    )
    max_minutes: Number | None = Field(
        None, description="SLA: the rollback this trigger starts must finish within this."
    )
    restores: list[Restore] = Field(
        default_factory=list,
        description=(
            "The components the rollback this trigger starts puts back, in the order it "
            "puts them back (dependencies first), each with where its safe version is found."
        ),
    )

    @field_validator("max_minutes")
    @classmethod
    def _positive_sla(cls, minutes: float | None) -> float | None:
        if minutes is not None and minutes <= 0:
            raise ValueError(f"must be more than 0 minutes, got {minutes}")
        return minutes

    _restores_once = field_validator("restores")(classmethod(lambda cls, v: restores_once(v)))


class Action(NodeBase):
    """One step of a rollback runbook, carried out by a role in an expected time."""

    KIND: ClassVar[str] = "action"
    kind: Literal["action"] = Field(description="Always `action`.")
    role: Slug | None = Field(None, description="Role responsible for carrying out the step.")
    minutes: NonNegative = Field(0, description="Expected minutes the step takes.")
    automation: Literal["manual", "registry-rollback"] = Field(
        "manual",
        description=(
            "Who carries the step out: `manual` (a person), or `registry-rollback` (the "
            "exported pipeline's rollback job runs `gatewright rollback`, which moves the "
            "model's registry alias back to the version promoted before; the pipelines do "
            "this for previous-stable rollbacks of the last stage, after the people of the "
            "steps before it release it). The maturity "
            "assessment counts a step as automated only when a pipeline job carries it out."
        ),
    )


class Check(NodeBase):
    """A verification after a rollback, holding criteria like a gate."""

    KIND: ClassVar[str] = "check"
    kind: Literal["check"] = Field(description="Always `check`.")
    criteria: list[Criterion] = Field(
        default_factory=list, description="Conditions the restored system must meet."
    )

    @model_validator(mode="after")
    def _unique_criteria(self) -> Check:
        self.criterion_ids_unique(self.criteria)
        return self


def node_tag(data: Any) -> str | None:
    """The union tag of a raw node or model (``stage-node``...), from its ``kind``."""
    kind = data.kind if isinstance(data, NodeBase) else None
    if isinstance(data, dict):
        kind = data.get("kind")
    return f"{kind}-node" if isinstance(kind, str) and kind in NODE_KINDS else None


Node = Annotated[
    Annotated[Stage, Tag("stage-node")]
    | Annotated[Gate, Tag("gate-node")]
    | Annotated[Trigger, Tag("trigger-node")]
    | Annotated[Action, Tag("action-node")]
    | Annotated[Check, Tag("check-node")],
    Discriminator(
        node_tag,
        custom_error_type="node_kind",
        custom_error_message="`kind` must be one of stage, gate, trigger, action, check",
    ),
]
"""Any node, told apart by its ``kind``."""

NODE_CLASSES: dict[str, type[NodeBase]] = {
    cls.KIND: cls for cls in (Stage, Gate, Trigger, Action, Check)
}
