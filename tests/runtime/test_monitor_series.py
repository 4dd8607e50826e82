"""A watch given its windows as series (the simulator's way) judges as window by window
(``monitor``'s way), and both as the contract says: a trigger fires when its last
``for_windows`` counted windows are all breached."""

from __future__ import annotations

import math
import operator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.runtime import as_spec
from app.runtime.monitor import StageWatch

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
       "==": operator.eq, "!=": operator.ne}  # fmt: skip

TRIGGERS = [
    # (id, metric, op, value, for_windows, on_missing)
    ("acc-drop", "accuracy", "<", 0.85, 2, "breach"),  # the small SOP's, made to need two
    ("acc-at-most", "accuracy", "<=", 0.5, 1, "ignore"),
    ("acc-exact", "accuracy", "==", 0.25, 2, "ignore"),
    ("lat-high", "latency", ">", 500, 1, "ignore"),
    ("lat-at-least", "latency", ">=", 900, 3, "breach"),
    ("lat-not", "latency", "!=", 100, 4, "ignore"),
]


@pytest.fixture
def watched_spec(small_doc):  # type: ignore[no-untyped-def]
    """The small SOP's production stage watched by triggers of every operator."""
    from app.compiler.compile import compile_data

    small_doc.set_document_field(
        "metrics",
        [
            {"id": "accuracy", "name": "Accuracy", "min": 0, "max": 1},
            {"id": "latency", "name": "Latency", "direction": "lower", "min": 0},
        ],
    )
    small_doc.set_field("acc-drop", "for_windows", 2)
    for tid, metric, op, value, needed, on_missing in TRIGGERS[1:]:
        small_doc.add_node(
            {
                "kind": "trigger",
                "id": tid,
                "name": tid,
                "metric": metric,
                "op": op,
                "value": value,
                "for_windows": needed,
                "on_missing": on_missing,
                "restores": [
                    {"component": "model", "source": "registry-alias", "ref": "model@stable"}
                ],
            }
        )
        small_doc.connect("prod", tid, "monitor")
        small_doc.connect(tid, "revert", "rollback")
    return as_spec(compile_data(small_doc))


def contract_fires(windows: list[dict[str, Any]], upto: int) -> list[str]:
    """The triggers that fire after the first ``upto`` windows, straight from the contract:
    a window breaches when its condition holds or (on_missing: breach) its value is
    missing or not a finite number; ``ignore`` leaves such a window uncounted."""
    fired = []
    for tid, metric, op, value, needed, on_missing in TRIGGERS:
        counted = []
        for window in windows[:upto]:
            raw = window.get(metric)
            number = isinstance(raw, int | float) and not isinstance(raw, bool)
            if number and math.isfinite(raw):
                counted.append(OPS[op](raw, value))
            elif on_missing == "breach":
                counted.append(True)
        if len(counted) >= needed and all(counted[-needed:]):
            fired.append(tid)
    return fired


VALUES = st.one_of(
    st.none(),  # missing from the window
    st.sampled_from([0.25, 0.5, 0.8, 0.85, 0.9, 100.0, 500.0, 900.0, 1000.0]),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-5, 1000),
    st.booleans(),
    st.sampled_from(["bad", "0.5", ""]),
)
WINDOWS = st.lists(
    st.fixed_dictionaries({"accuracy": VALUES, "latency": VALUES}).map(
        lambda window: {name: value for name, value in window.items() if value is not None}
    ),
    max_size=14,
)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(windows=WINDOWS, cuts=st.lists(st.integers(1, 5), max_size=6))
def test_series_judge_as_windows_one_by_one_and_as_the_contract(
    watched_spec, windows: list[dict[str, Any]], cuts: list[int]
) -> None:
    one_by_one = StageWatch(watched_spec, "prod")
    firsts = []  # the windows in which a trigger fired (a run reached what it needs)
    for index, window in enumerate(windows):
        if one_by_one.observe(window):
            firsts.append(index + 1)
        assert sorted(one_by_one.result().fired) == sorted(contract_fires(windows, index + 1))
    # A watch that stops at its first fire stops where the contract first says rollback.
    first = next((k for k in range(1, len(windows) + 1) if contract_fires(windows, k)), None)
    assert (firsts[0] if firsts else None) == first

    # The same windows as series cut in chunks; a watch stops where a trigger fires and
    # the next series starts after that window.
    series = StageWatch(watched_spec, "prod")
    stops, start, sizes = [], 0, iter(cuts)
    while start < len(windows):
        chunk = windows[start : start + next(sizes, len(windows))]
        columns = {
            metric: [window.get(metric) for window in chunk] for metric in ("accuracy", "latency")
        }
        fired = series.observe_series(columns, len(chunk))
        if fired is None:
            start += len(chunk)
            continue
        assert 1 <= fired <= len(chunk)
        start += fired
        stops.append(start)
        assert series.result() == StageWatch_after(watched_spec, windows[:start]).result()
    assert stops == firsts
    assert series.result() == one_by_one.result()
    assert series.windows == len(windows)


def StageWatch_after(spec: Any, windows: list[dict[str, Any]]) -> StageWatch:
    """A watch that has observed ``windows`` one by one."""
    watch = StageWatch(spec, "prod")
    for window in windows:
        watch.observe(window)
    return watch


def test_a_metric_without_a_series_is_missing_in_every_window(watched_spec) -> None:
    """No list for a metric: every window misses it (a breach for acc-drop after two)."""
    watch = StageWatch(watched_spec, "prod")
    assert watch.observe_series({"latency": [100.0, 100.0, 100.0]}, 3) == 2
    assert watch.result().fired == ["acc-drop"] and watch.windows == 2


def test_healthy_series_count_every_window(watched_spec) -> None:
    watch = StageWatch(watched_spec, "prod")
    columns = {"accuracy": [0.9] * 5, "latency": [100.0] * 5}
    assert watch.observe_series(columns, 5) is None
    result = watch.result()
    assert result.decision == "healthy" and result.windows == 5
    assert watch.observe_series({"accuracy": [0.8, 0.8], "latency": [100.0, 100.0]}, 2) == 2
    assert watch.result().fired == ["acc-drop"] and watch.windows == 7
