"""DORA metrics from a simulation's releases, and the performance level each falls in.

Bands follow the clusters of the DORA State of DevOps reports, written as half-open
ranges so that every value has exactly one level:

| metric | elite | high | medium | low |
|---|---|---|---|---|
| deployment frequency | >= 1 per day | >= 1 per week | >= 1 per month | less |
| lead time for changes | < 1 day | < 1 week | < 1 month | more |
| change failure rate | <= 5% | <= 15% | <= 30% | more |
| time to restore | < 1 hour | < 1 day | < 1 week | more |
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HOUR = 60.0
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY


def frequency_level(per_day: float) -> str:
    if per_day >= 1:
        return "elite"
    if per_day >= 1 / 7:
        return "high"
    if per_day >= 1 / 30:
        return "medium"
    return "low"


def lead_time_level(minutes: float) -> str:
    return (
        "elite"
        if minutes < DAY
        else "high"
        if minutes < WEEK
        else ("medium" if minutes < MONTH else "low")
    )


def failure_rate_level(rate: float) -> str:
    return (
        "elite"
        if rate <= 0.05
        else "high"
        if rate <= 0.15
        else ("medium" if rate <= 0.30 else "low")
    )


def restore_level(minutes: float) -> str:
    return (
        "elite"
        if minutes < HOUR
        else "high"
        if minutes < DAY
        else ("medium" if minutes < WEEK else "low")
    )


@dataclass(frozen=True)
class Release:
    """A production deployment: when its candidate arrived and when it went live."""

    candidate: int
    arrived: float
    deployed: float
    failed: bool = False
    restore_minutes: float | None = None


def dora_metrics(releases: Sequence[Release], period_minutes: float) -> dict[str, Any]:
    """The four DORA figures with their levels; None where there is nothing to measure."""
    days = max(period_minutes, 1.0) / DAY
    per_day = len(releases) / days
    figures: dict[str, Any] = {
        "deployments": len(releases),
        "deployment_frequency_per_day": round(per_day, 4),
        "deployment_frequency_level": frequency_level(per_day),
        "lead_time_hours": None,
        "lead_time_level": None,
        "change_failure_rate": None,
        "change_failure_rate_level": None,
        "time_to_restore_hours": None,
        "time_to_restore_level": None,
    }
    if releases:
        lead = statistics.median(r.deployed - r.arrived for r in releases)
        rate = sum(r.failed for r in releases) / len(releases)
        figures.update(
            lead_time_hours=round(lead / HOUR, 4),
            lead_time_level=lead_time_level(lead),
            change_failure_rate=round(rate, 4),
            change_failure_rate_level=failure_rate_level(rate),
        )
    restores = [r.restore_minutes for r in releases if r.restore_minutes is not None]
    if restores:
        restore = statistics.median(restores)
        figures.update(
            time_to_restore_hours=round(restore / HOUR, 4),
            time_to_restore_level=restore_level(restore),
        )
    return figures


def figure_text(value: Any) -> str:
    """A figure at a sensible precision: three significant digits, no exponent."""
    if not isinstance(value, int | float):
        return str(value)
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.001 else f"{value:.2g}"
