"""A run or drill that was asked to be recorded and could not be: its result is printed, then
exit 2 with one sentence saying why (a decision that leaves no record is not made)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.store import workspace as workspace_module
from app.store.workspace import Workspace
from tests.simulate.test_drills import perfect_answers, session, template_file, write_answers

SIMULATE = [
    "simulate",
    template_file("deployment-gate"),
    "--scenario",
    "deployment-gate-month",
    "--json",
]


@pytest.fixture
def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A workspace another process holds the write lock of (for longer than we wait)."""
    path = tmp_path / "locked.db"
    Workspace.open(str(path)).close()
    monkeypatch.setattr(workspace_module, "BUSY_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield path
    holder.execute("ROLLBACK")
    holder.close()


def test_a_simulation_the_locked_workspace_could_not_record_exits_2(capsys, locked) -> None:
    code = main([*SIMULATE, "--workspace", str(locked)])
    out, err = capsys.readouterr()
    assert code == 2
    assert json.loads(out)["scenario"] == "deployment-gate-month"  # the result is printed
    assert err.startswith("error: the simulation above was not saved in the workspace: ")
    assert "locked" in err and "--no-record" in err and "Traceback" not in err


def test_a_drill_the_locked_workspace_could_not_record_exits_2(capsys, locked, tmp_path) -> None:
    answers = write_answers(tmp_path, perfect_answers(session("engagement-drop")))
    args = [
        "drill",
        template_file("ecommerce-recommendation"),
        "--scenario",
        "engagement-drop",
        "--answers",
        str(answers),
    ]
    code = main([*args, "--json", "--workspace", str(locked)])
    out, err = capsys.readouterr()
    assert code == 2 and json.loads(out)["score"] == 100
    assert "error: the drill above was not saved in the workspace" in err
    code = main([*args, "--workspace", str(locked)])
    out, err = capsys.readouterr()
    assert code == 2 and "Debrief: 100 / 100 points" in out
    assert "not saved" in err


def test_not_recording_when_asked_not_to_is_no_error(capsys, locked) -> None:
    assert main([*SIMULATE, "--workspace", str(locked), "--no-record"]) == 0


def test_a_recorded_run_still_exits_0(capsys, tmp_path: Path) -> None:
    assert main([*SIMULATE, "--workspace", str(tmp_path / "w.db")]) == 0
    with Workspace.open(str(tmp_path / "w.db")) as workspace:
        assert len(workspace.runs()) == 1
