"""Each stage's bake time, from the SOP document (the compiled spec does not carry it)."""

from __future__ import annotations

from typing import Any


def stage_bakes(doc: Any) -> dict[str, float]:
    """Minutes a candidate stays in each stage that bakes: a canary's bake for each of its
    steps, a shadow run's (or any other strategy's) bake once."""
    bakes: dict[str, float] = {}
    for node in doc.nodes:
        strategy = getattr(node, "strategy", None) if node.kind == "stage" else None
        if strategy is None or not strategy.bake_minutes:
            continue
        steps = len(strategy.steps) if strategy.type == "canary" and strategy.steps else 1
        bakes[node.id] = float(strategy.bake_minutes) * steps
    return bakes
