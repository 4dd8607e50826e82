"""Argo Rollouts export: per canary stage a `Rollout` (a weight, a pause for the bake and an
analysis per canary step) and an `AnalysisTemplate` with one Prometheus metric per trigger.

A metric's query is the SOP catalog's ``sources.prometheus``, never made up: a trigger
whose metric has none is left out, with a warning and a comment saying so. Names reach
comments only; every field holds ids, numbers and the queries (which may not hold
``{{``: Argo Rollouts would read it as an argument reference).
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exporters import pipelines as p
from exporters.pipelines import Commented, ExportRefusedError
from exporters.promote_plan import stage_rollout

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecStage, SpecTrigger
    from exporters.context import ExportContext

FOLDER = "argo-rollouts"
INTERVAL = "5m"
"""Time between two measurements: one telemetry window, as `gatewright monitor
--prometheus` steps by default."""
ADDRESS_ARG = "prometheus-address"
DEFAULT_ADDRESS = "http://prometheus.monitoring.svc.cluster.local:9090"
LABELS = {"app.kubernetes.io/managed-by": "gatewright"}


def rollout_file(stage_id: str) -> str:
    return f"{FOLDER}/{stage_id}-rollout.yaml"


def analysis_file(stage_id: str) -> str:
    return f"{FOLDER}/{stage_id}-analysis.yaml"


NAME_LIMIT = 63
"""The name is also the selector's `app` label value, which Kubernetes limits to 63."""


def resource_name(spec: GateSpec, stage_id: str) -> str:
    """``<sop>-<stage>``, the SOP's part shortened to fit 63 characters (the stage id, unique
    in the SOP, is kept whole, so two stages never share a name)."""
    room = NAME_LIMIT - len(stage_id) - 1
    prefix = spec.metadata.name[:room].rstrip("-") if room > 0 else ""
    return f"{prefix}-{stage_id}" if prefix else stage_id


def number_text(value: float) -> str:
    """A threshold as a plain decimal literal (no exponent, which expressions may not read)."""
    text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def conditions(trigger: SpecTrigger) -> dict[str, str]:
    """The trigger's BAD condition on the first value of the query's result, as Argo
    Rollouts' failureCondition; under ``on_missing: ignore`` a measurement without a usable
    value is neither failed nor successful (inconclusive: the rollout pauses for a person)."""
    bad = f"result[0] {trigger.op} {number_text(trigger.value)}"
    usable = "len(result) > 0 && !isNaN(result[0]) && !isInf(result[0])"
    if trigger.on_missing == "breach":
        return {
            "failureCondition": f"len(result) == 0 || isNaN(result[0]) || isInf(result[0]) || {bad}"
        }
    return {"successCondition": f"{usable} && !({bad})", "failureCondition": f"{usable} && {bad}"}


def _metric(trigger: SpecTrigger, query: str) -> Commented:
    windows = trigger.for_windows
    metric = {
        "name": trigger.id,
        "interval": INTERVAL,
        "count": windows,
        # Fails only when every one of the for_windows measurements is bad: that many
        # consecutive bad windows, as `gatewright monitor` fires.
        "failureLimit": windows - 1,
        **conditions(trigger),
        "provider": {"prometheus": {"address": f"{{{{args.{ADDRESS_ARG}}}}}", "query": query}},
    }
    missing = "is a breach" if trigger.on_missing == "breach" else "is inconclusive"
    lines = (
        f"Trigger {trigger.id} ({p.one_line(trigger.name, 60)}): {trigger.metric} "
        f"{trigger.op} {number_text(trigger.value)} for {windows} window(s) of {INTERVAL}; "
        f"a missing value {missing}.",
    )
    return Commented(metric, lines)


class StagePlan:
    """What one canary stage exports: its triggers with a query, the ones left out, why."""

    def __init__(self, spec: GateSpec, doc: Sop, stage: SpecStage) -> None:
        self.spec, self.stage = spec, stage
        self.rollout = stage_rollout(doc, stage.id)
        sources = {m.id: m.sources.prometheus for m in spec.metrics if m.sources}
        self.metrics: list[Commented] = []
        self.warnings: list[str] = []
        seen: set[str] = set()
        for policy in spec.rollback:
            if policy.stage != stage.id:
                continue
            for trigger in policy.triggers:
                if trigger.id in seen:
                    continue
                seen.add(trigger.id)
                query = sources.get(trigger.metric)
                where = f"stage {stage.id}, trigger {trigger.id}, metric {trigger.metric}"
                if not query or not query.strip():
                    self.warnings.append(
                        f"{where}: the metric has no Prometheus query (sources.prometheus in "
                        "the SOP's metric catalog), so the analysis leaves this trigger out; "
                        "add the query and export again"
                    )
                elif "{{" in query:
                    self.warnings.append(
                        f"{where}: the Prometheus query holds '{{{{', which Argo Rollouts reads "
                        "as an argument reference, so the analysis leaves this trigger out"
                    )
                else:
                    self.metrics.append(_metric(trigger, query))
        if not seen:
            self.warnings.append(
                f"stage {stage.id}: no trigger watches this canary stage, so its Rollout "
                "has no analysis: each step only waits its bake time"
            )
        elif not self.metrics:
            self.warnings.append(
                f"stage {stage.id}: none of its triggers has a usable Prometheus query, "
                "so its Rollout has no analysis: each step only waits its bake time"
            )
        for weight in self.rollout.weights:
            if weight != int(weight):
                self.warnings.append(
                    f"stage {stage.id}: the canary weight {weight:g}% is not a whole "
                    f"percentage, which Argo Rollouts needs; it is rounded up to "
                    f"{math.ceil(weight)}%"
                )

    @property
    def name(self) -> str:
        return resource_name(self.spec, self.stage.id)

    def steps(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for weight in self.rollout.weights:
            steps.append({"setWeight": math.ceil(weight)})
            if self.rollout.bake_minutes:
                steps.append({"pause": {"duration": f"{self.rollout.bake_minutes}m"}})
            if self.metrics:
                steps.append({"analysis": {"templates": [{"templateName": self.name}]}})
        if self.rollout.weights[-1] < 100:
            # The SOP stops short of all traffic: a person (or the next gate) promotes.
            steps.append({"pause": {}})
        return steps

    def rollout_document(self) -> dict[str, Any]:
        labels = {**LABELS, "gatewright.dev/sop": self.spec.metadata.name}
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {
                "name": self.name,
                "labels": {**labels, "gatewright.dev/stage": self.stage.id},
                "annotations": {"gatewright.dev/spec-digest": self.spec.digest},
            },
            "spec": {
                "revisionHistoryLimit": 3,
                "selector": {"matchLabels": {"app": self.name}},
                "workloadRef": {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": self.name,
                    "scaleDown": "progressively",
                },
                "strategy": {"canary": {"steps": self.steps()}},
            },
        }

    def analysis_document(self) -> dict[str, Any]:
        labels = {**LABELS, "gatewright.dev/sop": self.spec.metadata.name}
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {
                "name": self.name,
                "labels": {**labels, "gatewright.dev/stage": self.stage.id},
                "annotations": {"gatewright.dev/spec-digest": self.spec.digest},
            },
            "spec": {
                "args": [{"name": ADDRESS_ARG, "value": DEFAULT_ADDRESS}],
                "metrics": self.metrics,
            },
        }


def canary_plans(spec: GateSpec, doc: Sop) -> list[StagePlan]:
    plans = [StagePlan(spec, doc, stage) for stage in spec.stages]
    return [plan for plan in plans if plan.rollout.strategy == "canary"]


def _header(spec: GateSpec, spec_path: str, plan: StagePlan) -> list[str]:
    stage = plan.stage
    weights = ", ".join(f"{weight:g}%" for weight in plan.rollout.weights)
    return [
        *p.header_lines(spec, "argo-rollouts", spec_path),
        f"SOP title: {p.one_line(spec.metadata.title)}",
        f"Stage {stage.id} ({p.one_line(stage.name)}): canary steps {weights}, "
        f"{plan.rollout.bake_minutes} minutes of bake after each.",
        *([""] + [f"WARNING: {warning}." for warning in plan.warnings] if plan.warnings else []),
    ]


ROLLOUT_LINES = [
    "",
    "How to use it",
    "- This Rollout takes over your Deployment (workloadRef; scaleDown: progressively):",
    "  rename workloadRef.name and the selector's app label to your Deployment's, or",
    "  replace workloadRef with your pod template.",
    "- Each canary step sets the SOP's traffic weight, pauses for the bake time, then runs",
    "  the analysis of the AnalysisTemplate of the same name (beside this file): a failed",
    "  analysis aborts the rollout (all traffic back to the stable version), an",
    "  inconclusive one pauses it for a person. Without a traffic router (trafficRouting:",
    "  Istio, NGINX, SMI...) a weight is approximated by the share of pods.",
    "- When the SOP's last step is under 100%, the rollout ends on an indefinite pause:",
    "  promote it (kubectl argo rollouts promote NAME) once the next gate passes.",
    "- Apply: kubectl apply -f the AnalysisTemplate, then this file.",
]

ANALYSIS_LINES = [
    "",
    "How to use it",
    f"- {ADDRESS_ARG}: the Prometheus the queries run against; change its value below (or",
    "  pass it from the Rollout's analysis step args, or leave it empty and set",
    "  ARGO_ROLLOUTS_PROMETHEUS_ADDRESS on the Argo Rollouts controller).",
    "- One metric per trigger watching the stage: the query is the metric's",
    "  sources.prometheus from the SOP's catalog (one series; its first value is judged),",
    f"  measured every {INTERVAL}, for_windows times; the trigger's bad condition is the",
    "  failureCondition and the metric fails only when every measurement is bad",
    "  (failureLimit = for_windows - 1), as `gatewright monitor` fires. Edit a query in the",
    "  SOP (e.g. to select the canary's pods) and export again, never here.",
]


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write a Rollout and an AnalysisTemplate per canary stage, and the spec, into ``out``."""
    spec = p.require_spec(context, format_name)
    plans = canary_plans(spec, doc)
    if not plans:
        raise ExportRefusedError(
            f"cannot export {format_name}: the SOP has no canary stage (a stage whose "
            "strategy is canary), and Argo Rollouts' canary steps come from those"
        )
    parts: list[p.Part] = []
    for plan in plans:
        context.warnings.extend(plan.warnings)
        parts.append(
            (
                f"Writing the Rollout of {plan.stage.id}",
                rollout_file(plan.stage.id),
                lambda spec, spec_path, plan=plan: p.dump_yaml(
                    plan.rollout_document(), [*_header(spec, spec_path, plan), *ROLLOUT_LINES]
                ),
            )
        )
        parts.append(
            (
                f"Writing the AnalysisTemplate of {plan.stage.id}",
                analysis_file(plan.stage.id),
                lambda spec, spec_path, plan=plan: (
                    p.dump_yaml(
                        plan.analysis_document(),
                        [*_header(spec, spec_path, plan), *ANALYSIS_LINES],
                    )
                    if plan.metrics
                    else None
                ),
            )
        )
    return p.write_pipeline_export(format_name, out, context, parts)
