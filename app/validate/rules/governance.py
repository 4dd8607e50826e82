"""Governance rules: gates that can block, criteria that decide, approvals kept simple and
exceptions to separation of duties written down."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from app.model.graph import SopGraph
from app.runtime.values import OPERATORS
from app.validate.registry import Finding, rule
from app.validate.rules.data import criteria_of

if TYPE_CHECKING:
    from app.model.document import Sop


def applies(item: Any, tier: str) -> bool:
    """Whether a criterion or approval rule applies to candidates of ``tier``."""
    return item.tiers is None or tier in item.tiers


def final_gates(doc: Sop, graph: SopGraph) -> list[str]:
    """Gates that promote into the last stage: a production stage, or a stage that
    promotes nowhere (where the promote path ends)."""
    gates = []
    for gate in doc.nodes_of_kind("gate"):
        for _e, target in graph.out_edges(gate.id, "promote"):
            if graph.kind(target) != "stage":
                continue
            stage = doc.node(target)
            if stage.environment == "production" or not graph.out_edges(target, "promote"):
                gates.append(gate.id)
                break
    return gates


def _tiers_without(doc: Sop, criteria: list[Any], wanted: Callable[[Any], bool]) -> list[str]:
    return [t for t in doc.tiers if not any(wanted(c) and applies(c, t) for c in criteria)]


def _blocking(criterion: Any) -> bool:
    return criterion.severity == "blocking"


@rule(
    "gate-has-blocking-criterion",
    "governance",
    "error",
    "Every gate has, for every risk tier, at least one blocking criterion (advisory criteria "
    "only report; a gate without a blocking one promotes anything).",
    "Make at least one criterion that applies to every tier blocking, or add one.",
)
def gate_has_blocking_criterion(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        if not gate.criteria:
            continue  # gate-has-criteria reports it
        missing = _tiers_without(doc, gate.criteria, _blocking)
        if missing:
            yield Finding(
                f"gate {gate.name!r} has no blocking criterion for tier(s) "
                f"{', '.join(missing)}, so it promotes any candidate of them",
                (gate.id,),
            )


@rule(
    "last-gate-has-blocking-metric",
    "governance",
    "error",
    "The gate into the last stage (production) has, for every risk tier, at least one "
    "blocking criterion on a measured metric (a threshold or a baseline comparison); checks "
    "and artifacts alone are not measurable criteria.",
    "Add a blocking metric criterion (e.g. `error-rate <= 0.01`) that applies to every tier.",
)
def last_gate_has_blocking_metric(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate_id in final_gates(doc, graph):
        gate = doc.node(gate_id)
        blocking_tiers = set(doc.tiers) - set(_tiers_without(doc, gate.criteria, _blocking))
        missing = [
            t
            for t in _tiers_without(
                doc, gate.criteria, lambda c: _blocking(c) and c.form in ("metric", "baseline")
            )
            if t in blocking_tiers  # tiers with nothing blocking: gate-has-blocking-criterion
        ]
        if missing:
            yield Finding(
                f"gate {gate.name!r} into the last stage has no blocking metric criterion for "
                f"tier(s) {', '.join(missing)}: nothing measured can stop a candidate there",
                (gate_id,),
            )


def criterion_verdict(op: str, value: float, low: float, high: float) -> str | None:
    """``"never fails"`` or ``"always fails"`` when ``metric op value`` cannot vary over
    the metric's range ``[low, high]`` (infinite ends for unbounded metrics), else None."""
    compare = OPERATORS[op]
    ends = [x for x in (low, high) if math.isfinite(x)]
    if op in ("==", "!="):
        if low != high:
            return None  # a continuous range holds values on both sides
        return "never fails" if compare(low, value) else "always fails"
    # The other operators are monotone: the range's two ends are its worst and best cases.
    worst, best = (low, high) if op in (">=", ">") else (high, low)
    if worst in ends and compare(worst, value):
        return "never fails"
    if best in ends and not compare(best, value):
        return "always fails"
    return None


@rule(
    "criterion-decides",
    "governance",
    "error",
    "A metric criterion of a gate or check can both pass and fail within its metric's "
    "catalog range (`accuracy >= 0` never fails when accuracy's min is 0).",
    "Choose a threshold strictly inside the metric's range, on the side that rejects "
    "bad candidates.",
)
def criterion_decides(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    catalog = {metric.id: metric for metric in doc.metrics}
    for node, criterion in criteria_of(doc):
        metric = catalog.get(criterion.metric) if criterion.form == "metric" else None
        if metric is None:
            continue
        low = -math.inf if metric.min is None else metric.min
        high = math.inf if metric.max is None else metric.max
        if not low <= criterion.value <= high:
            continue  # threshold-in-range reports it
        verdict = criterion_verdict(criterion.op, criterion.value, low, high)
        if verdict:
            yield Finding(
                f"criterion {criterion.id!r} of {node.name!r} ({criterion.metric} "
                f"{criterion.op} {criterion.value:g}) {verdict} for any {metric.name!r} between "
                f"{metric.min if metric.min is not None else '-'} and "
                f"{metric.max if metric.max is not None else '-'}, so it decides nothing",
                (node.id,),
            )


@rule(
    "approval-rules-limit",
    "governance",
    "warning",
    "A gate asks for no more approval rules than a limit (option `max_rules`, default 4): "
    "unnecessary approvals slow deployment without adding control.",
    "Merge roles that review the same thing, or move approvals to the gate where their "
    "review belongs.",
    options={"max_rules": 4},
)
def approval_rules_limit(
    doc: Sop, graph: SopGraph, options: Mapping[str, Any]
) -> Iterator[Finding]:
    limit = options.get("max_rules", 4)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return
    for gate in doc.nodes_of_kind("gate"):
        count = len(gate.approval.rules)
        if count > limit:
            yield Finding(
                f"gate {gate.name!r} has {count} approval rules, more than the limit of {limit}",
                (gate.id,),
            )


@rule(
    "separation-of-duties-justified",
    "governance",
    "error",
    "A gate that lets the submitter approve their own candidate "
    "(`separation_of_duties: false`) says why, in `separation_justification`.",
    "Write the reason in the gate's `separation_justification` (it is printed under "
    "Exceptions), or set `separation_of_duties` back to true.",
)
def separation_of_duties_justified(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for gate in doc.nodes_of_kind("gate"):
        if not gate.approval.separation_of_duties and not gate.separation_justification.strip():
            yield Finding(
                f"gate {gate.name!r} lets submitters approve their own candidates "
                "(separation_of_duties is false) without a written justification",
                (gate.id,),
            )
