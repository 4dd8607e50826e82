"""monitor: consecutive windows, missing data under both policies, several triggers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from app.cli import main
from app.runtime import UnknownElementError, monitor
from app.spec.files import write_spec


def windows(*values, metric="accuracy") -> dict:
    return {
        "windows": [
            {"at": f"2026-11-21T10:0{i}:00Z", "metrics": {} if v is ... else {metric: v}}
            for i, v in enumerate(values)
        ]
    }


@pytest.fixture
def policy_spec(small_doc):
    """acc-drop fires after 2 consecutive windows under 0.85; latency needs 1, ignores gaps."""
    from app.compiler.compile import compile_data

    small_doc.set_document_field(
        "metrics",
        [
            {"id": "accuracy", "name": "Accuracy", "min": 0, "max": 1},
            {"id": "latency", "name": "Latency", "direction": "lower", "min": 0},
        ],
    )
    small_doc.set_field("acc-drop", "for_windows", 2)
    small_doc.add_node(
        {
            "kind": "trigger",
            "id": "slow",
            "name": "Slow",
            "metric": "latency",
            "op": ">",
            "value": 500,
            "on_missing": "ignore",
        }
    )
    small_doc.add_node(
        {"kind": "action", "id": "scale", "name": "Scale out", "role": "sre", "minutes": 3}
    )
    small_doc.add_node(
        {
            "kind": "check",
            "id": "fast",
            "name": "Fast again",
            "criteria": [{"id": "p95", "metric": "latency", "op": "<=", "value": 300}],
        }
    )
    small_doc.connect("prod", "slow", "monitor")
    small_doc.connect("slow", "scale", "rollback")
    small_doc.connect("scale", "fast", "next")
    small_doc.connect("fast", "prod", "next")
    return compile_data(small_doc)


@pytest.mark.parametrize(
    ("values", "decision"),
    [
        ((0.9, 0.9), "healthy"),
        ((0.8,), "healthy"),  # one window is not two
        ((0.8, 0.8), "rollback"),
        ((0.8, 0.9, 0.8), "healthy"),  # not consecutive at the end
        ((0.9, 0.8, 0.8), "rollback"),
        ((0.85, 0.85), "healthy"),  # < 0.85 is the bad state; 0.85 is fine
        ((0.8, ...), "rollback"),  # missing counts as a breach by default
        ((0.8, math.nan), "rollback"),  # so does NaN
        ((0.8, "bad"), "rollback"),  # and a string
        ((), "healthy"),
    ],
)
def test_accuracy_trigger(policy_spec, values, decision) -> None:
    assert monitor(policy_spec, "prod", windows(*values)).decision == decision


@pytest.mark.parametrize(
    ("values", "fired"),
    [
        ((600,), ["slow"]),
        ((600, ...), ["slow"]),  # ignore: the gap is skipped, 600 is still last
        ((600, ..., 100), []),
        ((..., ...), []),  # nothing usable: nothing fires
    ],
)
def test_ignore_policy_skips_windows(policy_spec, values, fired) -> None:
    telemetry = windows(*values, metric="latency")
    for window in telemetry["windows"]:
        window["metrics"]["accuracy"] = 0.95  # keep the accuracy trigger quiet
    assert monitor(policy_spec, "prod", telemetry).fired == fired


def test_several_triggers_fire_and_the_first_plan_is_given(policy_spec) -> None:
    telemetry = {
        "windows": [
            {"at": "1", "metrics": {"accuracy": 0.5, "latency": 900}},
            {"at": "2", "metrics": {"accuracy": 0.5, "latency": 900}},
        ]
    }
    result = monitor(policy_spec, "prod", telemetry)
    assert result.fired == ["acc-drop", "slow"]
    plan = result.to_json()["plan"]
    assert plan["policy"] == "acc-drop" and plan["target"] == "previous-stable"
    assert [a["id"] for a in plan["actions"]] == ["revert"]


def test_unknown_stage(policy_spec) -> None:
    with pytest.raises(UnknownElementError, match="no stage 'nope'"):
        monitor(policy_spec, "nope", windows())


def test_a_stage_without_triggers_is_healthy(policy_spec) -> None:
    assert monitor(policy_spec, "dev", windows(0.1, 0.1)).decision == "healthy"


def test_monitor_cli_exit_codes(policy_spec, tmp_path: Path, capsys) -> None:
    spec_path = tmp_path / "spec.json"
    write_spec(policy_spec, spec_path)
    telemetry = tmp_path / "t.json"
    telemetry.write_text(json.dumps(windows(0.5, 0.5)))
    assert main(["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry)]) == 1
    assert "ROLLBACK" in capsys.readouterr().out
    assert (
        main(
            ["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry), "--json"]
        )
        == 1
    )
    assert json.loads(capsys.readouterr().out)["decision"] == "rollback"
    telemetry.write_text(json.dumps(windows(0.95)))
    assert main(["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry)]) == 0
    assert main(["monitor", str(spec_path), "--stage", "zzz", "--telemetry", str(telemetry)]) == 2
    assert "no stage 'zzz'" in capsys.readouterr().err
