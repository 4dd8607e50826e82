"""Incident numbers varied per trainee within the ranges a drill declares (``vary``).

Each varied value keeps its window's breach of every trigger on the drill's stage as it
was, so the answer key never changes; alerts show the numbers through ``{metric@N}``
placeholders (the Nth window in time order, from 1)."""

from __future__ import annotations

import math
import random
import re
from typing import Any

from app.runtime.monitor import breach
from app.simulate.drill_file import DrillScenario
from app.spec.evidence import Telemetry
from app.spec.schema import GateSpec

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_-]+)@(\d+)\}")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _like(value: float, original: int | float) -> int | float:
    """``value`` written with as many decimals as ``original`` was."""
    if isinstance(original, int):
        return round(value)
    text = repr(float(original))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 6
    return round(value, decimals)


def fill(text: str, telemetry: Telemetry) -> str:
    """``text`` with each ``{metric@N}`` replaced by that window's value."""
    windows = telemetry.in_time_order()

    def value(match: re.Match[str]) -> str:
        metric, index = match.group(1), int(match.group(2))
        found = windows[index - 1].metrics.get(metric) if 0 < index <= len(windows) else None
        return f"{found:g}" if _number(found) else match.group(0)

    return PLACEHOLDER.sub(value, text)


def varied(spec: GateSpec, scenario: DrillScenario, seed: int) -> DrillScenario:
    """The drill as one trainee sees it: seed 0 keeps the numbers as written."""
    telemetry = scenario.telemetry
    if seed and scenario.vary:
        rng = random.Random(f"vary:{seed}")
        triggers = [t for p in spec.policies_for(scenario.stage) for t in p.triggers]
        windows = []
        for window in telemetry.windows:
            metrics = dict(window.metrics)
            for metric, share in sorted(scenario.vary.items()):
                old = metrics.get(metric)
                if not _number(old):
                    continue
                new = _like(old * (1 + rng.uniform(-share, share)), old)
                watching = [t for t in triggers if t.metric == metric]
                if all(breach(t, new) == breach(t, old) for t in watching):
                    metrics[metric] = new
            windows.append(window.model_copy(update={"metrics": metrics}))
        telemetry = telemetry.model_copy(update={"windows": windows})
    injects = [i.model_copy(update={"alert": fill(i.alert, telemetry)}) for i in scenario.injects]
    return scenario.model_copy(
        update={
            "telemetry": telemetry,
            "alerts": [fill(alert, telemetry) for alert in scenario.alerts],
            "injects": injects,
        }
    )
