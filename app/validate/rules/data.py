"""Data rules: metrics exist, thresholds are in range and point the right way, tiers exist."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop

_TOWARDS_LOWER = {"<", "<="}
_TOWARDS_HIGHER = {">", ">="}


def criteria_of(doc: Sop) -> list[tuple[Any, Any]]:
    """Every (node, criterion) of gates and checks, in document order (built once per
    content change: several rules read it)."""
    return doc.derived("validate.criteria", _criteria)


def _criteria(doc: Sop) -> list[tuple[Any, Any]]:
    return [
        (node, criterion)
        for node in doc.nodes
        if node.kind in ("gate", "check")
        for criterion in node.criteria
    ]


def thresholds_of(doc: Sop, baselines: bool = False) -> list[tuple[Any, str, str, Any, str]]:
    """(node, metric, op, value, label) for metric criteria (and baseline ones) and triggers.

    A baseline criterion's value is its delta, relative to the baseline.
    """
    every = doc.derived("validate.thresholds", _thresholds)
    return [entry[:5] for entry in every if baselines or not entry[5]]


def _thresholds(doc: Sop) -> list[tuple[Any, str, str, Any, str, bool]]:
    found = []
    for node, criterion in criteria_of(doc):
        form = criterion.form
        if form == "metric":
            label = f"criterion {criterion.id!r} of {node.name!r}"
            found.append((node, criterion.metric, criterion.op, criterion.value, label, False))
        elif form == "baseline":
            label = f"criterion {criterion.id!r} of {node.name!r} (baseline)"
            found.append((node, criterion.metric, criterion.op, criterion.delta, label, True))
    for trigger in doc.nodes_of_kind("trigger"):
        label = f"trigger {trigger.name!r}"
        found.append((trigger, trigger.metric, trigger.op, trigger.value, label, False))
    return found


@rule(
    "metric-defined",
    "data",
    "error",
    "Every metric criterion and trigger names a metric of the catalog.",
    "Add the metric to the document's metric catalog, or choose one that is there.",
)
def metric_defined(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    known = {metric.id for metric in doc.metrics}
    for node, criterion in criteria_of(doc):
        metric = criterion.metric if criterion.form in ("metric", "baseline") else None
        if metric is not None and metric not in known:
            yield Finding(
                f"criterion {criterion.id!r} of {node.name!r} uses metric {metric!r}, "
                "which is not in the catalog",
                (node.id,),
            )
    for trigger in doc.nodes_of_kind("trigger"):
        if trigger.metric not in known:
            yield Finding(
                f"trigger {trigger.name!r} watches metric {trigger.metric!r}, "
                "which is not in the catalog",
                (trigger.id,),
            )


@rule(
    "threshold-in-range",
    "data",
    "error",
    "Thresholds lie within their metric's min and max.",
    "Use a threshold between the metric's min and max (e.g. accuracy is between 0 and 1).",
)
def threshold_in_range(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    catalog = {metric.id: metric for metric in doc.metrics}
    for node, metric_id, _op, value, label in thresholds_of(doc):
        metric = catalog.get(metric_id)
        if metric is None:
            continue
        low = metric.min if metric.min is not None else float("-inf")
        high = metric.max if metric.max is not None else float("inf")
        if not low <= value <= high:
            bounds = f"{metric.min if metric.min is not None else '-'} to "
            bounds += f"{metric.max if metric.max is not None else '-'}"
            yield Finding(
                f"{label} uses {value:g} for {metric.name!r}, outside its range {bounds}",
                (node.id,),
            )


@rule(
    "threshold-direction",
    "data",
    "warning",
    "Gate and check thresholds hold the line in the metric's good direction; triggers watch "
    "its bad direction.",
    "For a higher-is-better metric, gates use >= and triggers use <; the reverse for "
    "lower-is-better.",
)
def threshold_direction(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    catalog = {metric.id: metric for metric in doc.metrics}
    for node, metric_id, op, value, label in thresholds_of(doc, baselines=True):
        metric = catalog.get(metric_id)
        if metric is None:
            continue
        bad_ops = _TOWARDS_LOWER if metric.direction == "higher" else _TOWARDS_HIGHER
        if node.kind == "trigger":  # a trigger describes the BAD state
            bad_ops = _TOWARDS_HIGHER if metric.direction == "higher" else _TOWARDS_LOWER
            meaning = "fires when the metric is good"
        else:
            meaning = "lets worse models through"
        if op in bad_ops:
            yield Finding(
                f"{label}: {metric_id} {op} {value:g} {meaning} ({metric.name!r} is "
                f"{metric.direction}-is-better)",
                (node.id,),
            )


@rule(
    "criterion-tier-known",
    "data",
    "error",
    "Tiers named by criteria and approval rules are tiers of the document.",
    "Use one of the document's tiers, or add the tier to `tiers`.",
)
def criterion_tier_known(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    known = set(doc.tiers)
    listed = ", ".join(doc.tiers)
    for node, criterion in criteria_of(doc):
        for tier in criterion.tiers or ():
            if tier not in known:
                yield Finding(
                    f"criterion {criterion.id!r} of {node.name!r} names tier {tier!r}, "
                    f"which is not one of {listed}",
                    (node.id,),
                )
    for gate in doc.nodes_of_kind("gate"):
        for approval_rule in gate.approval.rules:
            for tier in approval_rule.tiers or ():
                if tier not in known:
                    yield Finding(
                        f"an approval rule of {gate.name!r} names tier {tier!r}, "
                        f"which is not one of {listed}",
                        (gate.id,),
                    )


@rule(
    "trigger-metric-queried",
    "data",
    "warning",
    "Once the SOP reads telemetry from Prometheus, every trigger on a stage watches a metric "
    "with a Prometheus query.",
    "Give the trigger's metric a Prometheus query in the metric catalog (sources.prometheus).",
)
def trigger_metric_queried(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    catalog = {metric.id: index for index, metric in enumerate(doc.metrics)}
    queried = {metric.id for metric in doc.metrics if metric.sources and metric.sources.prometheus}
    if not queried:
        return  # telemetry comes from files: no metric needs a query
    for trigger in doc.nodes_of_kind("trigger"):
        stages = graph.monitored_by.get(trigger.id, [])
        if not stages or trigger.metric not in catalog or trigger.metric in queried:
            continue  # unwatched triggers and unknown metrics are other rules' findings
        yield Finding(
            f"trigger {trigger.name!r} watches {trigger.metric!r}, which has no Prometheus "
            f"query, while {', '.join(sorted(queried))} "
            f"{'has one' if len(queried) == 1 else 'have one'}: `monitor --prometheus` "
            "cannot judge this trigger",
            (trigger.id,),
            where=("metrics", catalog[trigger.metric]),
        )
