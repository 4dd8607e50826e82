"""Generated SOP documents of any size, for benchmarks: a long promote path with runbooks."""

from __future__ import annotations

from typing import Any


def large_document(units: int = 200) -> dict[str, Any]:
    """A valid document with ``5 * units + 1`` nodes and about ``7.5 * units`` edges.

    Each unit is a stage, the gate after it, and a trigger watching the stage with a
    one-action runbook ending in a check; every other gate has a second reject path.
    The last gate leads to production, which the last trigger watches.
    """
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    layout: dict[str, dict[str, int]] = {}

    def edge(source: str, target: str, kind: str) -> None:
        edges.append({"id": f"e{len(edges)}", "source": source, "target": target, "kind": kind})

    for i in range(units):
        stage, gate, trigger, action, check = (f"{k}-{i}" for k in ("s", "g", "t", "a", "c"))
        last = i == units - 1
        nodes.append(
            {
                "id": stage,
                "kind": "stage",
                "name": f"Stage {i}",
                **({"environment": "production"} if last else {}),
            }
        )
        nodes.append(
            {
                "id": gate,
                "kind": "gate",
                "name": f"Gate {i}",
                "criteria": [
                    {"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9},
                    {"id": "lat", "metric": "latency", "op": "<=", "value": 200},
                    {"id": "card", "artifact": "model-card"},
                ],
                "approval": {"rules": [{"role": "lead", "count": 1}]},
            }
        )
        nodes.append(
            {
                "id": trigger,
                "kind": "trigger",
                "name": f"Trigger {i}",
                "metric": "accuracy",
                "op": "<",
                "value": 0.8,
                "max_minutes": 30,
            }
        )
        nodes.append(
            {"id": action, "kind": "action", "name": f"Revert {i}", "role": "sre", "minutes": 5}
        )
        nodes.append(
            {
                "id": check,
                "kind": "check",
                "name": f"Verify {i}",
                "criteria": [{"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.85}],
            }
        )
        for column, node_id in enumerate((stage, gate)):
            layout[node_id] = {"x": (2 * i + column) * 190, "y": 0}
        for row, node_id in enumerate((trigger, action, check), start=1):
            layout[node_id] = {"x": 2 * i * 190, "y": row * 130}
        edge(stage, gate, "promote")
        edge(gate, "production" if last else f"s-{i + 1}", "promote")
        edge(gate, stage, "reject")
        if i % 2 and i > 1:
            edge(gate, f"s-{i - 2}", "reject")
        edge("production" if last else stage, trigger, "monitor")
        edge(trigger, action, "rollback")
        edge(action, check, "next")
        edge(check, stage, "next")
    nodes.append(
        {"id": "production", "kind": "stage", "name": "Production", "environment": "production"}
    )
    layout["production"] = {"x": 2 * units * 190, "y": 0}
    return {
        "format": "gatewright.sop/1",
        "id": "large",
        "title": "Generated SOP",
        "version": "1.0.0",
        "tiers": ["low", "medium", "high"],
        "roles": [
            {"id": "lead", "name": "Lead", "members": ["ann", "ben"]},
            {"id": "sre", "name": "SRE", "members": ["sam", "sue"]},
        ],
        "metrics": [
            {"id": "accuracy", "name": "Accuracy", "direction": "higher", "min": 0, "max": 1},
            {"id": "latency", "name": "Latency p95", "unit": "ms", "direction": "lower", "min": 0},
        ],
        "nodes": nodes,
        "edges": edges,
        "layout": dict(sorted(layout.items())),
    }
