"""Generated SOP documents of any size, for benchmarks: a long promote path with runbooks."""

from __future__ import annotations

from typing import Any

MODEL = {"id": "model", "name": "Model", "kind": "model", "owner": "sre"}
RESTORE_MODEL = {"component": "model", "source": "registry-alias", "ref": "model@previous-stable"}


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
                "restores": [RESTORE_MODEL],
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
            {"id": "lead", "name": "Lead", "members": ["ann", "ben"], "model_team": False},
            {"id": "sre", "name": "SRE", "members": ["sam", "sue"], "model_team": False},
        ],
        "metrics": [
            {"id": "accuracy", "name": "Accuracy", "direction": "higher", "min": 0, "max": 1},
            {"id": "latency", "name": "Latency p95", "unit": "ms", "direction": "lower", "min": 0},
        ],
        "components": [MODEL],
        "nodes": nodes,
        "edges": edges,
        "layout": dict(sorted(layout.items())),
    }


def gate_chain(gates: int = 100) -> dict[str, Any]:
    """A valid document whose promote path passes ``gates`` gates, as a PDF stress test.

    Stages ``s-0`` ... ``s-<gates>`` alternate with gates that each carry four criteria
    (metric, baseline, check, artifact) and a tiered two-role approval, and reject back to
    the stage before them. Production (the last stage) is watched by one trigger whose
    runbook has two actions and a check.
    """
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def edge(source: str, target: str, kind: str) -> None:
        edges.append({"id": f"e{len(edges)}", "source": source, "target": target, "kind": kind})

    for i in range(gates + 1):
        last = i == gates
        nodes.append(
            {
                "id": f"s-{i}",
                "kind": "stage",
                "name": "Production" if last else f"Stage {i}",
                "environment": "production" if last else "staging",
            }
        )
        if last:
            break
        nodes.append(
            {
                "id": f"g-{i}",
                "kind": "gate",
                "name": f"Gate {i}: quality and approval",
                "description": f"Checks candidate quality before stage {i + 1}.",
                "criteria": [
                    {
                        "id": "acc",
                        "name": "Accuracy floor",
                        "metric": "accuracy",
                        "op": ">=",
                        "value": 0.9,
                    },
                    {
                        "id": "base",
                        "name": "No regression",
                        "metric": "accuracy",
                        "op": ">=",
                        "baseline": True,
                        "delta": -0.01,
                        "on_missing": "hold",
                    },
                    {
                        "id": "scan",
                        "name": "Security scan",
                        "check": "security-scan",
                        "equals": "passed",
                    },
                    {
                        "id": "card",
                        "name": "Model card",
                        "artifact": "model-card",
                        "tiers": ["high"],
                    },
                ],
                "approval": {
                    "rules": [
                        {"role": "lead", "count": 1},
                        {"role": "risk", "count": 2, "tiers": ["high"]},
                    ],
                    "window_hours": 72,
                },
            }
        )
        edge(f"s-{i}", f"g-{i}", "promote")
        edge(f"g-{i}", f"s-{i + 1}", "promote")
        edge(f"g-{i}", f"s-{i}", "reject")
    nodes += [
        {
            "id": "drop",
            "kind": "trigger",
            "name": "Accuracy drop",
            "metric": "accuracy",
            "op": "<",
            "value": 0.85,
            "for_windows": 3,
            "max_minutes": 30,
            "restores": [RESTORE_MODEL],
        },
        {
            "id": "revert",
            "kind": "action",
            "name": "Revert to previous version",
            "role": "sre",
            "minutes": 5,
        },
        {
            "id": "notify",
            "kind": "action",
            "name": "Notify stakeholders",
            "role": "lead",
            "minutes": 10,
        },
        {
            "id": "verify",
            "kind": "check",
            "name": "Verify recovery",
            "criteria": [{"id": "ok", "metric": "accuracy", "op": ">=", "value": 0.88}],
        },
    ]
    edge(f"s-{gates}", "drop", "monitor")
    edge("drop", "revert", "rollback")
    edge("revert", "notify", "next")
    edge("notify", "verify", "next")
    edge("verify", f"s-{gates}", "next")
    return {
        "format": "gatewright.sop/1",
        "id": "gate-chain",
        "title": f"Generated SOP with {gates} gates",
        "version": "1.0.0",
        "owner": "Benchmarks",
        "description": "A long promote path that stresses the PDF exporter.",
        "tiers": ["low", "medium", "high"],
        "roles": [
            {"id": "lead", "name": "Lead", "members": ["ann", "ben"], "model_team": True},
            {
                "id": "risk",
                "name": "Model risk",
                "members": ["rita", "raj", "rob"],
                "model_team": False,
            },
            {"id": "sre", "name": "SRE", "members": ["sam", "sue"], "model_team": False},
        ],
        "metrics": [
            {"id": "accuracy", "name": "Accuracy", "direction": "higher", "min": 0, "max": 1},
        ],
        "components": [MODEL],
        "nodes": nodes,
        "edges": edges,
    }
