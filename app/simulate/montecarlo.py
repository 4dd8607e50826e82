"""Monte Carlo: a scenario run many times with derived seeds, summarised by percentiles."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from app.simulate.engine import derive_seed, simulate
from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec

DORA_FIGURES = (
    "deployment_frequency_per_day",
    "lead_time_hours",
    "change_failure_rate",
    "time_to_restore_hours",
)


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
) -> dict[str, Any]:
    """Run ``runs`` simulations with seeds derived from ``seed``; medians and percentiles."""
    summaries = []
    for run in range(runs):
        summaries.append(simulate(spec, scenario, derive_seed(seed, run)).summary())
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
    rollbacks = [r for s in summaries for r in s["rollbacks"]]
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
        },
    }
