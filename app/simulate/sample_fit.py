"""Distributions fitted to observed values, for scenarios fitted to a decision ledger
(app.simulate.ledger_fit, app.simulate.ledger_watches)."""

from __future__ import annotations

import math
import statistics
from typing import Any

MIN_SAMPLES = 5
"""Fewer observations than this fit nothing: the base scenario's value is kept."""
DIGITS = 6
"""Significant digits a fitted value is written with."""


def rounded(value: float) -> float:
    """``value`` to DIGITS significant digits, as a fitted scenario writes it."""
    return float(f"{value:.{DIGITS}g}")


def fit_distribution(values: list[float]) -> dict[str, Any]:
    """A normal distribution, or a log-normal one for positive right-skewed values."""
    mean, sd = statistics.fmean(values), statistics.pstdev(values)
    if min(values) > 0 and sd > 0:
        skew = statistics.fmean(((v - mean) / sd) ** 3 for v in values)
        if skew > 1:
            logs = [math.log(v) for v in values]
            return {"dist": "lognormal", "median": rounded(math.exp(statistics.fmean(logs))),
                    "sigma": rounded(statistics.pstdev(logs))}  # fmt: skip
    return {"dist": "normal", "mean": rounded(mean), "sd": rounded(sd)}


def fit_first_of(delays: list[tuple[float, int]]) -> dict[str, Any]:
    """A member's log-normal delay (hours) from the first answers of ``k`` members each:
    the empirical distribution of the first answer, turned into a member's (``1 - (1 -
    p) ** (1 / k)``), regressed on the normal quantiles (log delay = log median + sigma z)."""
    ordered = sorted(delays)
    count, normal = len(ordered), statistics.NormalDist()
    points = []
    for index, (delay, members) in enumerate(ordered):
        first = (index + 0.5) / count
        member = 1 - (1 - first) ** (1 / max(members, 1))
        points.append((normal.inv_cdf(member), math.log(delay)))
    zs, logs = [z for z, _ in points], [y for _, y in points]
    spread = statistics.pvariance(zs)
    sigma = 0.0
    if spread > 0:
        mean_z, mean_log = statistics.fmean(zs), statistics.fmean(logs)
        sigma = max(0.0, sum((z - mean_z) * (y - mean_log) for z, y in points) / count / spread)
    median = math.exp(statistics.fmean(logs) - sigma * statistics.fmean(zs))
    return {"dist": "lognormal", "median": rounded(median), "sigma": rounded(sigma)}
