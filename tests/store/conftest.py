"""Every store test gets its own workspace file; the real user data folder is never touched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli.commands import cli
from app.cli.workspace_commands import register

register(cli)  # until commands.py wires the workspace commands in itself; harmless twice


@pytest.fixture(autouse=True)
def workspace_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The workspace file ``$GATEWRIGHT_WORKSPACE`` points to (not created yet)."""
    path = tmp_path / "home" / "workspace.db"
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(path))
    return path


def _drill_row(i: int = 0, trainee: str = "tom", sop_id: str = "small") -> dict[str, Any]:
    """The arguments of one ``record_drill`` call."""
    return {
        "sop_id": sop_id,
        "trainee": trainee,
        "scenario": f"scenario-{i % 3}",
        "answers": [
            {"step": "revert", "choice": "a", "ok": True},
            {"step": "verify", "ok": i % 2 == 0},
        ],
        "score": {"points": 4, "max": 5},
        "started_at": "2026-11-21T10:00:00Z",
        "finished_at": "2026-11-21T10:05:07Z",
        "seconds": 307.0,
    }


def _run_row(i: int = 0, sop_id: str = "small") -> dict[str, Any]:
    """The arguments of one ``record_run`` call."""
    return {
        "sop_id": sop_id,
        "scenario": "regression",
        "seed": i,
        "runs": 100,
        "parameters": {"releases": 20, "failure_rate": 0.1},
        "summary": {"promoted": 17, "rejected": 3, "mean_minutes": 42.5},
        "events": [{"t": 0, "kind": "submit"}, {"t": 5, "kind": "gate", "decision": "promote"}],
    }


@pytest.fixture
def drill_row() -> Callable[..., dict[str, Any]]:
    """``drill_row(i, trainee=..., sop_id=...)``: the arguments of one ``record_drill`` call."""
    return _drill_row


@pytest.fixture
def run_row() -> Callable[..., dict[str, Any]]:
    """``run_row(i, sop_id=...)``: the arguments of one ``record_run`` call."""
    return _run_row
