"""Drill files that cannot lie: refused mistakes, the answer key, `drills list`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.simulate.test_drills import DRILLS, drill, drill_cli, template_file


def written(tmp_path: Path, drill_id: str, change: Any, name: str = "mine.json") -> Path:
    data = drill(drill_id).model_dump(mode="json", exclude_none=True)
    change(data)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def key(capsys, drill_id: str, scenario: str | None = None) -> tuple[int, str, str]:
    sop = template_file(drill(drill_id).sop or "")
    return drill_cli(capsys, sop, "--scenario", scenario or drill_id, "--key", "--json")


def refused(capsys, drill_id: str, path: Path) -> str:
    code, out, err = key(capsys, drill_id, str(path))
    assert code == 2 and out == "", err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("drill_id", DRILLS)
def test_every_shipped_drill_declares_what_the_sop_computes(capsys, drill_id: str) -> None:
    code, out, err = key(capsys, drill_id)
    assert code == 0 and err == "", err  # no warning either
    answers = json.loads(out)
    expected = drill(drill_id).expect
    assert expected == ("false-alarm" if answers["trigger"] == "none" else "incident")


@pytest.mark.parametrize("drill_id", DRILLS)
def test_reversing_the_windows_does_not_change_the_key(capsys, tmp_path, drill_id) -> None:
    _, before, _ = key(capsys, drill_id)
    path = written(tmp_path, drill_id, lambda d: d["telemetry"]["windows"].reverse())
    code, after, err = key(capsys, drill_id, str(path))
    assert code == 0, err
    assert json.loads(after) == json.loads(before)


@pytest.mark.parametrize("drill_id", DRILLS)
def test_the_json_key_is_an_answers_file_that_scores_full_marks(capsys, tmp_path, drill_id) -> None:
    _, out, _ = key(capsys, drill_id)
    answers = tmp_path / "key.json"
    answers.write_text(out, encoding="utf-8")
    sop = template_file(drill(drill_id).sop or "")
    code, result, err = drill_cli(
        capsys, sop, "--scenario", drill_id, "--answers", str(answers), "--json", "--no-record"
    )
    assert code == 0, err
    scored = json.loads(result)
    assert scored["score"] == scored["max_score"] and scored["passed"] is True


def test_a_metric_the_telemetry_never_reports_is_refused(capsys, tmp_path: Path) -> None:
    """`acuracy` in the windows while `requires` says `accuracy` used to make the incident
    a false alarm, with exit 0."""

    def misspell(data: dict[str, Any]) -> None:
        for window in data["telemetry"]["windows"]:
            window["metrics"]["adverse-impact-ratoi"] = window["metrics"].pop(
                "adverse-impact-ratio"
            )

    line = refused(capsys, "bias-detected", written(tmp_path, "bias-detected", misspell))
    assert "$.telemetry" in line and "$.requires[0]" in line
    assert "'adverse-impact-ratio'" in line and "did you mean 'adverse-impact-ratoi'" in line


@pytest.mark.parametrize("at", ["yesterday 10am", "2026-04-15T00:00:00", "2026-04-15", ""])
def test_a_window_time_without_a_timezone_is_refused(capsys, tmp_path: Path, at: str) -> None:
    def set_time(data: dict[str, Any]) -> None:
        data["telemetry"]["windows"][3]["at"] = at

    line = refused(capsys, "bias-detected", written(tmp_path, "bias-detected", set_time))
    assert "$.telemetry.windows[3].at" in line


def test_an_incident_one_breached_window_short_is_refused(capsys, tmp_path: Path) -> None:
    """The bias trigger needs two breached windows in a row: with one, the SOP computes a
    false alarm, which the drill's `expect` contradicts."""

    def shorten(data: dict[str, Any]) -> None:
        data["telemetry"]["windows"] = data["telemetry"]["windows"][:-3]

    line = refused(capsys, "bias-detected", written(tmp_path, "bias-detected", shorten))
    assert "$.expect" in line and "declares 'incident'" in line and "a false alarm" in line
    assert "at most 1 window(s) in a row" in line
    assert "financial-credit-model.sop.json" in line


def test_a_false_alarm_that_fires_is_refused(capsys, tmp_path: Path) -> None:
    def lengthen(data: dict[str, Any]) -> None:
        data["telemetry"]["windows"][4]["metrics"]["latency-p95-ms"] = 640

    line = refused(
        capsys,
        "false-alarm-latency-blip",
        written(tmp_path, "false-alarm-latency-blip", lengthen),
    )
    assert "declares 'false-alarm'" in line and "an incident" in line


def test_a_drill_without_expect_runs_with_a_warning(capsys, tmp_path: Path) -> None:
    path = written(tmp_path, "bias-detected", lambda d: d.pop("expect"))
    code, out, err = key(capsys, "bias-detected", str(path))
    assert code == 0 and json.loads(out)["decision"] == "rollback"
    assert err.startswith(f"warning: drill {path}: $.expect:") and '"incident"' in err


def test_the_text_key_shows_what_the_trainee_sees_and_why(capsys) -> None:
    sop = template_file("rollback-procedure")
    code, out, _ = drill_cli(capsys, sop, "--scenario", "false-alarm-latency-blip", "--key")
    assert code == 0
    assert "Expected: a false alarm: no trigger fires" in out
    assert "evidence: 'Latency spike' needs latency-p95-ms > 500 for 2 windows in a row" in out
    assert "decision   Do not roll back; keep watching  [wait] (50 pt, critical)" in out
    assert "model lesson: isolated one-window spikes" in out


def test_drills_list_names_the_sops_each_applies_to(capsys) -> None:
    from app.cli import main

    assert main(["drills", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["drills"]}
    assert set(rows) == set(DRILLS)
    assert rows["engagement-drop"]["applies_to"] == ["ecommerce-recommendation"]
    assert "rollback-procedure" in rows["false-alarm-latency-blip"]["applies_to"]
    assert all(r["written_for"] in r["applies_to"] for r in rows.values())
    assert main(["drills", "list", "--sop", template_file("startup-lightweight")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("engagement-drop"))
    assert line.rstrip().endswith("-")  # applies to no SOP given
    assert "startup-lightweight" in next(x for x in out.splitlines() if x.startswith("data-pipe"))


@pytest.mark.parametrize("drill_id", DRILLS)
def test_a_story_does_not_read_out_the_runbook(drill_id: str) -> None:
    """The briefing is shown during the drill: it names no runbook action, and a story whose
    target restores the previous release does not say the release was not at fault."""
    from tests.simulate.test_drills import session

    live = session(drill_id)
    text = " ".join([live.scenario.story, *live.scenario.alerts]).casefold()
    for action in live.plan.actions if live.plan else []:
        assert action.name.casefold() not in text, action.name
    if live.plan and live.plan.target == "previous-stable":
        assert "did not change" not in text
