"""The compiler: a valid SOP document -> a deterministic, digest-sealed gate specification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.model.document import Sop
from app.model.graph import SopGraph, document_graph
from app.model.io import dumps_document
from app.spec.digest import sha256_digest, spec_digest
from app.spec.schema import API_VERSION, PREVIOUS_STABLE, GateSpec
from app.validate.diagnostics import Diagnostic
from app.validate.engine import validate
from app.validate.governed import exceptions
from app.validate.policy import Policy


class CompileRefusedError(Exception):
    """The document has validation errors; a spec is only compiled from a valid SOP."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity == "error"]
        super().__init__(
            f"the SOP has {len(errors)} validation error(s); fix them before compiling "
            f"(first: {errors[0].rule}: {errors[0].message})"
        )


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


def _gates(doc: Sop, graph: SopGraph, order: list[str]) -> list[dict[str, Any]]:
    gates = []
    for gate_id in order:
        if graph.kind(gate_id) != "gate":
            continue
        gate = doc.node(gate_id)
        (source,) = [s for _e, s in graph.in_edges(gate_id, "promote")]
        (target,) = [t for _e, t in graph.out_edges(gate_id, "promote")]
        rejects = [t for _e, t in graph.out_edges(gate_id, "reject")]
        gates.append(
            {
                "id": gate.id,
                "name": gate.name,
                "from": source,
                "to": target,
                "on_reject": rejects[0] if rejects else None,
                "criteria": [_dump(criterion) for criterion in gate.criteria],
                "approval": _dump(gate.approval),
            }
        )
    return gates


def _actions(steps: list[Any]) -> list[dict[str, Any]]:
    """The runbook's actions in order; those after its last check are marked (review and
    documentation, 002 step 7)."""
    last_check = max((i for i, s in enumerate(steps) if s.kind == "check"), default=len(steps))
    return [
        {
            "id": s.id,
            "name": s.name,
            "role": s.role,
            "minutes": s.minutes,
            **({"after_checks": True} if index > last_check else {}),
        }
        for index, s in enumerate(steps)
        if s.kind == "action"
    ]


def _components(doc: Sop) -> list[dict[str, Any]]:
    return [
        component.model_dump(mode="json", exclude_defaults=True, exclude={"description"})
        for component in doc.components
    ]


def _rollback(doc: Sop, graph: SopGraph) -> list[dict[str, Any]]:
    policies: dict[tuple[Any, ...], dict[str, Any]] = {}
    for trigger in doc.nodes_of_kind("trigger"):
        book = graph.runbooks[trigger.id]
        restores = [_dump(restore) for restore in trigger.restores]
        for stage in graph.monitored_by.get(trigger.id, []):
            # Triggers that share a runbook make one policy only when they restore the same.
            key = (stage, tuple(book.steps), book.target, repr(restores))
            policy = policies.get(key)
            if policy is None:
                steps = [doc.node(step) for step in book.steps]
                policy = policies[key] = {
                    "id": trigger.id,
                    "stage": stage,
                    "triggers": [],
                    "target": PREVIOUS_STABLE if book.target == stage else book.target,
                    "actions": _actions(steps),
                    "checks": [_dump(c) for s in steps if s.kind == "check" for c in s.criteria],
                    "max_minutes": None,
                    **({"restores": restores} if restores else {}),
                }
            policy["triggers"].append(
                {
                    "id": trigger.id,
                    "name": trigger.name,
                    "metric": trigger.metric,
                    "op": trigger.op,
                    "value": trigger.value,
                    "for_windows": trigger.for_windows,
                    "on_missing": trigger.on_missing,
                }
            )
            if trigger.max_minutes is not None:
                current = policy["max_minutes"]
                policy["max_minutes"] = (
                    min(current, trigger.max_minutes) if current else (trigger.max_minutes)
                )
    return list(policies.values())


def compile_data(
    doc: Sop, settings: Mapping[str, Any] | None = None, policy: Policy | None = None
) -> dict[str, Any]:
    """The spec as plain JSON data (digest included), or :class:`CompileRefusedError`."""
    diagnostics = validate(doc, settings, policy=policy)
    if any(d.severity == "error" for d in diagnostics):
        raise CompileRefusedError(diagnostics)
    graph = document_graph(doc)
    order = graph.promote_order()
    data: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "GateSpec",
        "metadata": {
            "name": doc.id,
            "title": doc.title,
            "version": doc.version,
            "source_digest": sha256_digest(dumps_document(doc).encode("utf-8")),
        },
        "tiers": list(doc.tiers),
        "roles": [
            {"id": role.id, "name": role.name, "members": list(role.members)} for role in doc.roles
        ],
        "metrics": [
            _dump(metric.model_copy(update={"min": None, "max": None})) for metric in doc.metrics
        ],
        **({"components": _components(doc)} if doc.components else {}),
        "stages": [
            {
                "id": stage_id,
                "name": doc.node(stage_id).name,
                "order": index,
                **({"environment": env} if (env := doc.node(stage_id).environment) else {}),
            }
            for stage_id, index in graph.stage_orders().items()
        ],
        "gates": _gates(doc, graph, order),
        "rollback": _rollback(doc, graph),
    }
    if disclosed := exceptions(doc, settings, policy):
        data["metadata"]["exceptions"] = disclosed
    data["digest"] = spec_digest(data)
    return data


def compile_spec(
    doc: Sop, settings: Mapping[str, Any] | None = None, policy: Policy | None = None
) -> GateSpec:
    """The spec as a model (validated against its own schema)."""
    return GateSpec.model_validate(compile_data(doc, settings, policy))
