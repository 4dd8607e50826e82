"""monitor: consecutive windows, missing data under both policies, several triggers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.runtime import UnknownElementError, monitor
from app.spec.files import write_spec
from tests.cli import run as run_cli


def windows(*values, metric="accuracy", **others) -> dict:
    """Windows a minute apart holding ``metric`` (``...``: missing) and ``others``."""
    return {
        "windows": [
            {
                "at": f"2026-11-21T10:{i:02d}:00Z",
                "metrics": {**others, **({} if v is ... else {metric: v})},
            }
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
            "restores": [{"component": "model", "source": "registry-alias", "ref": "model@stable"}],
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
        ((0.8,), "inconclusive"),  # one window is not two
        ((0.9,), "inconclusive"),  # nor is a healthy one
        ((0.8, 0.8), "rollback"),
        ((0.8, 0.9, 0.8), "healthy"),  # not consecutive at the end
        ((0.9, 0.8, 0.8), "rollback"),
        ((0.85, 0.85), "healthy"),  # < 0.85 is the bad state; 0.85 is fine
        ((0.8, ...), "rollback"),  # missing counts as a breach by default
        ((0.8, math.nan), "rollback"),  # so does NaN
        ((0.8, "bad"), "rollback"),  # and a string
        ((), "inconclusive"),  # no data is never healthy
    ],
)
def test_accuracy_trigger(policy_spec, values, decision) -> None:
    assert monitor(policy_spec, "prod", windows(*values, latency=100)).decision == decision


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
    telemetry = windows(*values, metric="latency", accuracy=0.95)  # accuracy stays quiet
    result = monitor(policy_spec, "prod", telemetry)
    assert result.fired == fired
    # Only skipped windows: the latency trigger has nothing to judge.
    assert result.decision == ("inconclusive" if values == (..., ...) else result.decision)
    assert (result.inconclusive == ["slow"]) == (values == (..., ...))


def test_several_triggers_fire_and_the_first_plan_is_given(policy_spec) -> None:
    telemetry = windows(0.5, 0.5, latency=900)
    result = monitor(policy_spec, "prod", telemetry)
    assert result.fired == ["acc-drop", "slow"]
    payload = result.to_json()
    plan = payload["plan"]
    assert plan["policy"] == "acc-drop" and plan["target"] == "previous-stable"
    assert [a["id"] for a in plan["actions"]] == ["revert"]
    assert [p["policy"] for p in payload["plans"]] == ["acc-drop", "slow"]
    assert payload["plans"][0] == plan


def test_unknown_stage(policy_spec) -> None:
    with pytest.raises(UnknownElementError, match="no stage 'nope'"):
        monitor(policy_spec, "nope", windows())


def test_a_stage_without_triggers_is_healthy(policy_spec) -> None:
    assert monitor(policy_spec, "dev", windows(0.1, 0.1)).decision == "healthy"
    assert monitor(policy_spec, "dev", windows()).decision == "inconclusive"


def test_monitor_cli_exit_codes(policy_spec, tmp_path: Path, capsys) -> None:
    spec_path = tmp_path / "spec.json"
    write_spec(policy_spec, spec_path)
    telemetry = tmp_path / "t.json"
    telemetry.write_text(json.dumps(windows(0.5, 0.5, latency=100)))
    assert main(["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry)]) == 1
    assert "ROLLBACK" in capsys.readouterr().out
    assert (
        main(
            ["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry), "--json"]
        )
        == 1
    )
    assert json.loads(capsys.readouterr().out)["decision"] == "rollback"
    telemetry.write_text(json.dumps(windows(0.95, 0.95, latency=100)))
    assert main(["monitor", str(spec_path), "--stage", "prod", "--telemetry", str(telemetry)]) == 0
    assert main(["monitor", str(spec_path), "--stage", "zzz", "--telemetry", str(telemetry)]) == 2
    assert "no stage 'zzz'" in capsys.readouterr().err


# -- through the command line: time order, no data, strict times, --at, plans ---------------


@pytest.fixture
def monitor_cli(policy_spec, tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    spec_path = tmp_path / "spec.json"
    write_spec(policy_spec, spec_path)

    def run(telemetry: dict | str, *extra: str) -> tuple[int, Any, str]:
        """Exit code, the JSON printed (--json; else the text), standard error."""
        path = tmp_path / "telemetry.json"
        path.write_text(telemetry if isinstance(telemetry, str) else json.dumps(telemetry))
        args = ["monitor", spec_path, "--stage", "prod", "--telemetry", path, *extra]
        code, out, err = run_cli(capsys, *args)
        assert "Traceback" not in err
        if "--json" not in extra:
            return code, out, err
        return code, (json.loads(out) if out else None), err

    return run


def test_no_window_is_inconclusive_never_healthy(monitor_cli) -> None:
    code, result, _ = monitor_cli({"windows": []}, "--json")
    assert code == 3 and result["decision"] == "inconclusive"
    assert result["inconclusive"] == ["acc-drop", "slow"] and result["windows"] == 0
    code, _, _ = monitor_cli({"windows": []})
    assert code == 3


def test_too_few_windows_for_a_trigger_is_inconclusive(monitor_cli) -> None:
    code, result, _ = monitor_cli(windows(0.5, latency=100), "--json")
    assert code == 3 and result["inconclusive"] == ["acc-drop"] and result["fired"] == []


def test_windows_are_judged_in_time_order_not_file_order(monitor_cli) -> None:
    """The three newest windows breach; the oldest, healthy, is listed last."""
    telemetry = windows(0.95, 0.5, 0.5, 0.5, latency=100)
    telemetry["windows"].reverse()
    code, result, _ = monitor_cli(telemetry, "--json")
    assert code == 1 and result["fired"] == ["acc-drop"]
    # and the other way round: breaches long ago, then healthy windows, is healthy
    telemetry = windows(0.5, 0.5, 0.95, 0.95, latency=100)
    telemetry["windows"].reverse()
    assert monitor_cli(telemetry)[0] == 0


def test_at_leaves_out_later_windows(monitor_cli) -> None:
    telemetry = windows(0.95, 0.95, 0.5, 0.5, latency=100)  # 10:00 to 10:03
    assert monitor_cli(telemetry)[0] == 1
    code, result, _ = monitor_cli(telemetry, "--json", "--at", "2026-11-21T10:02:00Z")
    assert code == 0 and result["windows"] == 3
    code, result, _ = monitor_cli(telemetry, "--json", "--at", "2026-11-21T11:01:30+01:00")
    assert code == 0 and result["windows"] == 2  # 10:01:30 UTC
    code, _, err = monitor_cli(telemetry, "--at", "2026-11-21T10:02:00")
    assert code == 2 and "--at" in err


@pytest.mark.parametrize(
    ("at", "fragment"),
    [
        ("yesterday", "$.windows[1].at"),
        (1763719200, "$.windows[1].at"),
        ("2026-11-21T10:01:00", "$.windows[1].at"),
        (None, "$.windows[1].at"),
        ("2026-11-21T10:00:00Z", "$.windows[1].at ends at 2026-11-21T10:00:00Z, as $.windows[0]"),
        ("2026-11-21T11:00:00+01:00", "as $.windows[0].at does"),  # the same moment
    ],
)
def test_window_times_are_required_strict_and_distinct(monitor_cli, at, fragment) -> None:
    telemetry = windows(0.95, 0.95, latency=100)
    if at is None:
        del telemetry["windows"][1]["at"]
    else:
        telemetry["windows"][1]["at"] = at
    code, result, err = monitor_cli(telemetry, "--json")
    assert (code, result) == (2, None) and fragment in err


def test_every_fired_policy_is_listed(monitor_cli) -> None:
    code, result, _ = monitor_cli(windows(0.5, 0.5, latency=900), "--json")
    assert code == 1 and result["fired"] == ["acc-drop", "slow"]
    assert result["plan"]["policy"] == "acc-drop"
    assert [plan["policy"] for plan in result["plans"]] == ["acc-drop", "slow"]
    code, text, _ = monitor_cli(windows(0.5, 0.5, latency=900))
    assert code == 1 and "policy acc-drop: target previous-stable" in text
    assert "policy slow: target previous-stable" in text and "Scale out [sre, 3 min]" in text


def test_a_restarted_watch_judges_as_a_new_one(policy_spec) -> None:
    """The simulator keeps one watch per stage and restarts it for each release: nothing
    of the windows before the restart counts after it."""
    from app.runtime import as_spec
    from app.runtime.monitor import StageWatch

    spec = as_spec(policy_spec)
    used = StageWatch(spec, "prod")
    for window in (0.5, 0.5):  # acc-drop fires
        used.observe({"accuracy": window, "latency": 900})
    assert used.result().decision == "rollback"
    used.restart()
    fresh = StageWatch(spec, "prod")
    for watch in (used, fresh):
        assert watch.observe({"accuracy": 0.5, "latency": 100}) is False  # one breach of two
        assert watch.observe({"accuracy": 0.95, "latency": 100}) is False
    assert used.result() == fresh.result()
    assert used.result().decision == "healthy" and used.result().windows == 2
