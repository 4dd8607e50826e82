"""Monte Carlo: a scenario run many times with derived seeds, summarised by percentiles."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from typing import Any

from app.simulate.dora import (
    HOUR,
    failure_rate_level,
    frequency_level,
    lead_time_level,
    restore_level,
)
from app.simulate.engine import derive_seed, simulate
from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec

DORA_FIGURES = (
    "deployment_frequency_per_day",
    "lead_time_hours",
    "change_failure_rate",
    "time_to_restore_hours",
)
LEVELS: dict[str, Callable[[float], str]] = {
    "deployment_frequency_per_day": frequency_level,
    "lead_time_hours": lambda hours: lead_time_level(hours * HOUR),
    "change_failure_rate": failure_rate_level,
    "time_to_restore_hours": lambda hours: restore_level(hours * HOUR),
}
"""The DORA level of each figure's median (the hours figures in minutes, as levels take them)."""


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile of sorted or unsorted values."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "median": round(statistics.median(values), 4),
        "p10": round(percentile(values, 0.10), 4),
        "p90": round(percentile(values, 0.90), 4),
    }


def monte_carlo(
    spec: GateSpec,
    scenario: Scenario,
    seed: int,
    runs: int,
    progress: Callable[[int, int], None] | None = None,
    bakes: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Run ``runs`` simulations with seeds derived from ``seed``; medians and percentiles."""
    summaries = []
    for run in range(runs):
        summaries.append(simulate(spec, scenario, derive_seed(seed, run), bakes=bakes).summary())
        if progress:
            progress(run + 1, runs)
    dora = {
        figure: spread([s["dora"][figure] for s in summaries if s["dora"][figure] is not None])
        for figure in DORA_FIGURES
    }
    gates = {
        gate: {
            key: spread(
                [s["gates"][gate][key] for s in summaries if s["gates"][gate][key] is not None]
            )
            for key in ("passed", "rejected", "held", "wait_hours_median")
        }
        for gate in summaries[0]["gates"]
    }
    for figure, level in LEVELS.items():
        if dora[figure] is not None:
            dora[figure]["level"] = level(dora[figure]["median"])
    rollbacks = [r for s in summaries for r in s["rollbacks"]]
    runbooks: dict[str, dict[str, int]] = {}
    for r in rollbacks:
        counts = runbooks.setdefault(r["policy"], {"rollbacks": 0, "sla_missed": 0})
        counts["rollbacks"] += 1
        counts["sla_missed"] += r["sla_met"] is False
    return {
        "scenario": scenario.id,
        "seed": seed,
        "runs": runs,
        "dora": dora,
        "gates": gates,
        "rollbacks": {
            "total": len(rollbacks),
            "sla_met": sum(r["sla_met"] for r in rollbacks),
            "minutes": spread([r["minutes"] for r in rollbacks]),
            "by_runbook": runbooks,
        },
    }
