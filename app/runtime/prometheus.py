"""Telemetry read from Prometheus for `monitor --prometheus` (CONTRACTS section 8), over HTTP
with the standard library.

Each metric a stage's triggers watch is read once through its catalog query
(``sources.prometheus``), as a range query over the last ``for_windows`` steps ending at
the decision time (the longest ``for_windows`` of the triggers that watch it). Each step
is one window; a step with no sample is a missing value, so the trigger's ``on_missing``
applies. What cannot be judged honestly is a :class:`TelemetryError` (one sentence, exit
2): a trigger whose metric has no query, a query that answers with several series, a
Prometheus that cannot be reached or refuses the query. It is never read as healthy.
"""

from __future__ import annotations

import base64
import math
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.runtime.platform_api import PlatformError, get_json
from app.spec.evidence import Telemetry
from app.spec.schema import GateSpec

DEFAULT_STEP = "5m"
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}
MAX_STEP_SECONDS = 365 * 86400
MAX_POINTS = 11_000
"""The most points Prometheus answers for one series in a range query."""


class TelemetryError(ValueError):
    """Telemetry that cannot be read or used: ``source`` (the spec, or the Prometheus server)
    and one sentence saying why."""

    def __init__(self, message: str, source: str = "") -> None:
        super().__init__(message)
        self.source = source


def parse_step(text: str) -> timedelta:
    """A Prometheus duration (``30s``, ``5m``, ``1h30m``) as a timedelta; ValueError saying
    why when it is not one, is zero or is longer than a year."""
    if not text or _DURATION.sub("", text) != "" or len(text) > 32:
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit (ms, s, m, h, d, w, y), "
            "e.g. 30s, 5m or 1h30m"
        )
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(text))
    if seconds < 0.001:
        raise ValueError(f"{text!r} is no time at all: a step must be longer than zero")
    if seconds > MAX_STEP_SECONDS:
        raise ValueError(f"{text!r} is longer than a year: use a shorter step")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class PrometheusServer:
    """Where Prometheus answers: a base URL (``http://host:9090``, or with a path prefix),
    credentials in the URL become HTTP basic authentication and are never shown."""

    url: str

    @property
    def shown(self) -> str:
        """The URL as messages name it: without its user name and password."""
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.hostname or ""
        if ":" in netloc:  # an IPv6 address
            netloc = f"[{netloc}]"
        try:
            port = parts.port
        except ValueError:
            port = None
        if port is not None:
            netloc = f"{netloc}:{port}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def _headers(self) -> dict[str, str]:
        parts = urllib.parse.urlsplit(self.url)
        if parts.username is None:
            return {}
        user = urllib.parse.unquote(parts.username)
        password = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    def range_query(
        self, query: str, start: datetime, end: datetime, step: timedelta, what: str
    ) -> list[Any]:
        """The ``result`` of a range query (a list of series), or TelemetryError."""
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TelemetryError(
                f"{self.shown or self.url!r} is not the http(s) URL of a Prometheus server",
                "--prometheus",
            )
        params = urllib.parse.urlencode(
            {
                "query": query,
                "start": _seconds(start),
                "end": _seconds(end),
                "step": f"{step.total_seconds():g}",
            }
        )
        netloc = parts.netloc.rpartition("@")[2]
        base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        url = f"{base}/api/v1/query_range?{params}"
        source = f"Prometheus at {self.shown}"
        try:
            answer = get_json(url, self._headers(), what, "")
        except PlatformError as error:
            raise TelemetryError(str(error), source) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        if (
            not isinstance(answer, dict)
            or answer.get("status") != "success"
            or not isinstance(data, dict)
            or data.get("resultType") != "matrix"
            or not isinstance(data.get("result"), list)
        ):
            raise TelemetryError(
                f"cannot read {what}: the answer is not a range query's matrix (is this the "
                "Prometheus HTTP API?)",
                source,
            )
        return data["result"]


def _seconds(moment: datetime) -> str:
    return f"{moment.timestamp():.3f}"


def _milliseconds(value: Any) -> int:
    return round(float(value) * 1000)


def _sample(value: Any) -> float | None:
    """A sample's value (Prometheus writes them as strings: ``"0.93"``, ``"NaN"``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def telemetry(
    spec: GateSpec,
    stage: str,
    server: PrometheusServer,
    at: datetime | None = None,
    step: timedelta | None = None,
) -> Telemetry:
    """The stage's telemetry windows, one per step, the last one ending at ``at`` (default
    now); a metric with no sample at a step is absent from that window."""
    end = (at or datetime.now(UTC)).astimezone(UTC)
    end = end.replace(microsecond=end.microsecond // 1000 * 1000)  # Prometheus keeps ms
    step = step or parse_step(DEFAULT_STEP)
    spans: dict[str, int] = {}
    for policy in spec.policies_for(stage):
        for trigger in policy.triggers:
            spans[trigger.metric] = max(spans.get(trigger.metric, 0), trigger.for_windows)
    count = max(spans.values(), default=0)
    if count > MAX_POINTS:
        widest = max(spans, key=spans.__getitem__)
        raise TelemetryError(
            f"a trigger on metric {widest!r} of stage {stage!r} needs {count:,} windows in a "
            f"row, more than the {MAX_POINTS:,} points Prometheus answers for one series"
        )
    times = [end - step * (count - 1 - number) for number in range(count)]
    windows: dict[int, dict[str, Any]] = {_milliseconds(t.timestamp()): {} for t in times}
    for metric_id, span in spans.items():
        metric = spec.metric(metric_id)
        query = metric.sources.prometheus if metric and metric.sources else None
        if not query:
            raise TelemetryError(
                f"metric {metric_id!r} has no Prometheus query (sources.prometheus in the "
                f"SOP's metric catalog), so the triggers of stage {stage!r} that watch it "
                "cannot be judged from Prometheus"
            )
        what = f"metric {metric_id!r}"
        series = server.range_query(query, end - step * (span - 1), end, step, what)
        if len(series) > 1:
            labels = [_labels(item) for item in series[:3]]
            raise TelemetryError(
                f"metric {metric_id!r}: its Prometheus query {query!r} answers with "
                f"{len(series)} series ({'; '.join(labels)}{'; …' if len(series) > 3 else ''}), "
                "not one: aggregate it (e.g. avg(...) or max(...)) or select one series"
            )
        for item in series:
            values = item.get("values") if isinstance(item, dict) else None
            for point in values if isinstance(values, list) else []:
                if not isinstance(point, list) or len(point) != 2:
                    continue
                window = windows.get(_milliseconds(point[0]))
                value = _sample(point[1])
                if window is not None and value is not None:
                    window[metric_id] = value
    return Telemetry.model_validate(
        {
            "windows": [
                {"at": time.isoformat().replace("+00:00", "Z"), "metrics": metrics}
                for time, metrics in zip(times, windows.values(), strict=True)
            ]
        }
    )


def _labels(series: Any) -> str:
    metric = series.get("metric") if isinstance(series, dict) else None
    if not isinstance(metric, dict) or not metric:
        return "{}"
    text = ", ".join(f"{key}={value!r}" for key, value in sorted(metric.items()))
    return "{" + (text if len(text) <= 120 else text[:119] + "…") + "}"
