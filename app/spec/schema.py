"""The compiled gate specification (``GateSpec``): what pipelines run, sealed by a digest."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Literal, TypeVar

from pydantic import ConfigDict, Field

from app.spec.criteria import Approval, Criterion, Operator
from app.spec.types import Count, FileModel, Key, NonNegative, Number, Reference, Slug, Text

T = TypeVar("T")

API_VERSION = "gatewright/v1"
PREVIOUS_STABLE = "previous-stable"


class SpecException(FileModel):
    """One disclosed exception: a policy grant, a relaxed setting, a suppression or a
    written justification."""

    kind: Text = Field(
        description="`policy exception`, `relaxation`, `lint setting`, `suppression` or "
        "`justification`."
    )
    rule: Text = Field(description="The rule it concerns.")
    source: Text = Field(description="Who granted it: the policy, the lint settings, the SOP.")
    element: Text | None = Field(None, description="The node it applies to, if one.")
    setting: Text | None = Field(None, description="The level or options it sets.")
    reason: Text | None = Field(None, description="The written reason.")


class SpecMetadata(FileModel):
    name: Slug = Field(description="Id of the SOP the spec was compiled from.")
    title: Text = Field(description="Title of the SOP.")
    version: Text = Field(description="The SOP's semantic version.")
    source_digest: Text = Field(
        description=(
            "`sha256:<hex>` of the source document's canonical text, i.e. of the "
            "`.sop.json` file as Gatewright saves it."
        )
    )
    exceptions: list[SpecException] | None = Field(
        None,
        description=(
            "Every exception in force when the spec was compiled (policy grants, relaxed "
            "lint settings, suppressions, written justifications); absent when none. A "
            "field beyond CONTRACTS section 3, which allows extra metadata."
        ),
    )


class SpecRole(FileModel):
    id: Slug = Field(description="Role id, as approvals in evidence name it.")
    name: Text = Field(description="Readable role name.")
    members: list[Text] = Field(description="People who may approve for this role.")


class MetricSources(FileModel):
    """Where a metric is read in the systems a team runs (CONTRACTS section 3)."""

    mlflow: Reference | None = Field(
        None, description="Metric key in an MLflow run, when it differs from the metric id."
    )
    prometheus: Reference | None = Field(
        None, description="PromQL query returning one series: the metric in live telemetry."
    )


class SpecMetric(FileModel):
    id: Key = Field(description="Metric id, as criteria, triggers and evidence name it.")
    name: Text = Field(description="Readable metric name.")
    unit: Text = Field("", description="Unit shown next to values.")
    direction: Literal["higher", "lower"] = Field(description="Whether higher values are better.")
    sources: MetricSources | None = Field(None, description="Where the metric is read, if set.")


class SpecStage(FileModel):
    id: Slug = Field(description="Stage id.")
    name: Text = Field(description="Stage name.")
    order: int = Field(description="Position on the promote path, 1 for the entry stage.")
    environment: Text | None = Field(None, description="Kind of environment, when set.")


class SpecGate(FileModel):
    model_config = ConfigDict(populate_by_name=True)

    id: Slug = Field(description="Gate id, as `gatewright check --gate` names it.")
    name: Text = Field(description="Gate name.")
    from_: Slug = Field(alias="from", description="Stage a candidate leaves through this gate.")
    to: Slug = Field(description="Stage a promoted candidate enters.")
    on_reject: Slug | None = Field(description="Stage a rejected candidate goes back to.")
    criteria: list[Criterion] = Field(description="Criteria, in the order the SOP lists them.")
    approval: Approval = Field(description="Who must approve.")


class SpecTrigger(FileModel):
    id: Slug = Field(description="Trigger id.")
    name: Text = Field(description="Trigger name.")
    metric: Key = Field(description="Metric watched in telemetry windows.")
    op: Operator = Field(description="Comparison describing the BAD state.")
    value: Number = Field(description="Threshold of the bad state.")
    for_windows: Count = Field(description="Consecutive breached windows needed to fire.")
    on_missing: Literal["breach", "ignore"] = Field(
        description="Whether a window without a usable value is a breach or skipped."
    )


class SpecAction(FileModel):
    id: Slug = Field(description="Action id.")
    name: Text = Field(description="What to do.")
    role: Slug | None = Field(description="Role that carries it out.")
    minutes: NonNegative = Field(description="Expected minutes.")
    after_checks: Literal[True] | None = Field(
        None,
        description=(
            "Present (true) on a step that runs after the verifying checks: reviewing and "
            "documenting what was learned. A field beyond CONTRACTS section 3."
        ),
    )


class SpecComponent(FileModel):
    """A component of the system that rollbacks restore (the SOP's components catalog)."""

    id: Slug = Field(description="Component id, as restores name it.")
    name: Text = Field(description="Readable component name.")
    kind: Text = Field(
        description="model, dataset, feature-pipeline, api, configuration or service."
    )
    owner: Slug | None = Field(None, description="Role that owns the component, if set.")
    depends_on: list[Slug] = Field(
        default_factory=list, description="Components this one needs; restored before it."
    )


class SpecRestore(FileModel):
    """One component a rollback puts back, and where its safe version is found."""

    component: Slug = Field(description="Component id from the spec's `components`.")
    source: Literal["registry-alias", "dataset-version", "git-ref", "other"] = Field(
        description="Where the safe version is kept."
    )
    ref: Text = Field(description="The safe version: an alias, a dataset version, a git ref.")


class SpecRollback(FileModel):
    id: Slug = Field(description="Policy id: the first trigger that starts this runbook.")
    stage: Slug = Field(description="Stage whose telemetry the triggers watch.")
    triggers: list[SpecTrigger] = Field(description="Conditions that start this rollback.")
    target: Text = Field(
        description=(
            "`previous-stable` to redeploy the stage's previous stable version, or the id of "
            "the earlier stage to demote to."
        )
    )
    actions: list[SpecAction] = Field(description="The runbook's actions, in order.")
    checks: list[Criterion] = Field(description="Criteria verifying the system afterwards.")
    max_minutes: Number | None = Field(description="SLA: the rollback must finish within this.")
    restores: list[SpecRestore] = Field(
        default_factory=list,
        description=(
            "The components the rollback puts back, in order (dependencies first), each with "
            "where its safe version is found; absent when the SOP names none. A field beyond "
            "CONTRACTS section 3."
        ),
    )


class SpecSignature(FileModel):
    """Who compiled the spec: an Ed25519 signature of its digest (``compile --sign``)."""

    alg: Literal["ed25519"] = Field(description="Signature algorithm; always `ed25519`.")
    key: Text = Field(
        description="`sha256:<hex>` of the signing public key's 32 raw bytes (its fingerprint)."
    )
    value: Text = Field(description="Base64 of the signature of the `digest` string (UTF-8).")


class GateSpec(FileModel):
    """An executable gate specification compiled from an SOP document."""

    model_config = ConfigDict(populate_by_name=True)

    apiVersion: Literal["gatewright/v1"] = Field(description="Spec format version.")
    kind: Literal["GateSpec"] = Field(description="Always `GateSpec`.")
    metadata: SpecMetadata = Field(description="Where the spec comes from.")
    tiers: list[Slug] = Field(description="Risk tiers, least strict first.")
    roles: list[SpecRole] = Field(description="Roles and their members.")
    metrics: list[SpecMetric] = Field(
        default_factory=list, description="The SOP's metric catalog, with where each is read."
    )
    components: list[SpecComponent] = Field(
        default_factory=list,
        description=(
            "The system's components that rollbacks restore; absent when the SOP has none. A "
            "field beyond CONTRACTS section 3."
        ),
    )
    stages: list[SpecStage] = Field(description="Stages in promote-path order.")
    gates: list[SpecGate] = Field(description="Gates in promote-path order.")
    rollback: list[SpecRollback] = Field(description="Rollback policies.")
    digest: Text = Field(
        description=(
            "`sha256:<hex>` of the canonical JSON of the whole spec without this field and "
            "`signature` "
            '(sorted keys, separators (",", ":"), UTF-8).'
        )
    )
    signature: SpecSignature | None = Field(
        None,
        description=(
            "Present when compiled with `--sign`: commands given a trusted key (`--trust`, "
            "GATEWRIGHT_TRUST) run only a spec signed by one of them."
        ),
    )

    def model_post_init(self, context: Any, /) -> None:
        # Lookups by id, built once: check() runs many times per spec in a simulation. They
        # (and ``memo``) assume that a spec is not changed after it is made; nothing does.
        self.__pydantic_private__ = {
            "gates": {gate.id: gate for gate in self.gates},
            "roles": {role.id: role for role in self.roles},
            "members": {role.id: frozenset(role.members) for role in self.roles},
            "metrics": {metric.id: metric for metric in self.metrics},
            "components": {component.id: component for component in self.components},
            "memo": {},
        }

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, made once per key for this spec: lookups derived from it that the
        runtime asks for on every decision (the approval policy of a gate for a tier...)."""
        memo: dict[Hashable, Any] = self.__pydantic_private__["memo"]  # type: ignore[index]
        if key not in memo:
            memo[key] = build()
        return memo[key]  # type: ignore[no-any-return]

    def data(self) -> dict[str, Any]:
        """The spec as the JSON data it was made from, which its digest seals (the data
        ``compile`` writes): the fields it was given, no default added."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def gate(self, gate_id: str) -> SpecGate | None:
        return self.__pydantic_private__["gates"].get(gate_id)  # type: ignore[index]

    def role(self, role_id: str) -> SpecRole | None:
        return self.__pydantic_private__["roles"].get(role_id)  # type: ignore[index]

    def metric(self, metric_id: str) -> SpecMetric | None:
        return self.__pydantic_private__["metrics"].get(metric_id)  # type: ignore[index]

    def component(self, component_id: str) -> SpecComponent | None:
        return self.__pydantic_private__["components"].get(component_id)  # type: ignore[index]

    def members(self, role_id: str) -> frozenset[str]:
        return self.__pydantic_private__["members"].get(role_id, frozenset())  # type: ignore[index]

    def policies_for(self, stage_id: str) -> list[SpecRollback]:
        return self.memo(
            ("policies", stage_id),
            lambda: [policy for policy in self.rollback if policy.stage == stage_id],
        )

    def strictest_tier(self) -> str:
        return self.tiers[-1]

    def promote_path(self) -> list[SpecGate]:
        """The gates along the promote path from the entry stage (the first gate out of
        each stage); the last one's ``to`` is the SOP's last stage (production, mostly)."""
        by_source: dict[str, SpecGate] = {}
        for gate in self.gates:
            by_source.setdefault(gate.from_, gate)
        path: list[SpecGate] = []
        stage, seen = (self.stages[0].id if self.stages else ""), set()
        while stage in by_source and stage not in seen:
            seen.add(stage)
            path.append(by_source[stage])
            stage = by_source[stage].to
        return path
