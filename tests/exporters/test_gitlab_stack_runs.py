"""The exported GitLab pipeline run by gitlab-ci-local with the stack's variables set: the
decision ledger (GATEWRIGHT_LEDGER, an SQLite file) and a real Prometheus (PROMETHEUS_URL)
serving the last hour of the model's telemetry. The repository holds no telemetry file,
so a bake or monitor that fell back to files would fail."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.exporters.pipelines_support import export_doc
from tests.exporters.runner_support import (
    GITLAB_CI_LOCAL,
    need_tool,
    startup_evidence,
    telemetry,
    write_json,
)
from tests.exporters.stack_support import (
    MODEL,
    mlflow_server,
    promoted_before,
    recent_prometheus,
    registered_versions,
    startup_on_prometheus,
)
from tests.exporters.test_gitlab_runs import EVIDENCE_MODE, PROMOTE_JOBS, run

MONITOR = ["--variable", "GATEWRIGHT_MONITOR=true"]


@pytest.fixture(scope="module")
def gitlab_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_tool(GITLAB_CI_LOCAL, "gitlab-ci-local")
    folder = tmp_path_factory.mktemp("gitlab-stack-export")
    export_doc(startup_on_prometheus(), "gitlab", folder)
    return folder


@pytest.fixture
def repo(gitlab_export: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    shutil.copytree(gitlab_export, folder)
    for gate in ("review-gate", "release-gate"):
        write_json(folder / "evidence" / f"{gate}.json", startup_evidence(gate))
    return folder


def stack(**values: str) -> list[str]:
    return [arg for key, value in values.items() for arg in ("--variable", f"{key}={value}")]


def ledger(*args: str) -> subprocess.CompletedProcess[str]:
    """`gatewright ledger ...` as a person reads the ledger afterwards."""
    tool = Path(sys.executable).parent / "gatewright"
    return subprocess.run([str(tool), "ledger", *args], capture_output=True, text=True)


def entries(path: Path) -> list[dict[str, Any]]:
    done = ledger("list", "--ledger", str(path), "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    return listed["entries"] if isinstance(listed, dict) else listed


def test_the_promote_path_records_every_decision_and_bakes_on_prometheus(
    repo, runner_bin, tmp_path
) -> None:
    path = tmp_path / "decisions it's.db"  # a quote and a space reach the jobs intact
    with recent_prometheus(tmp_path / "prometheus") as url:
        done = run(
            repo,
            runner_bin,
            *EVIDENCE_MODE,
            *stack(GATEWRIGHT_LEDGER=str(path), PROMETHEUS_URL=url),
        )
    assert done.results == dict.fromkeys(PROMOTE_JOBS, "PASS"), done.output[-3000:]
    for bake in ("bake-production-step-1", "bake-production-step-2"):
        assert '"decision": "healthy"' in done.log(bake)
    recorded = [(e["kind"], e.get("gate") or e.get("stage"), e["decision"]) for e in entries(path)]
    for gate in ("review-gate", "release-gate"):
        assert recorded.count(("check", gate, "promote")) == 2  # the check and the approve
    assert recorded.count(("monitor", "production", "healthy")) == 2  # each bake
    verified = ledger("verify", "--ledger", str(path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_monitor_reads_prometheus_healthy_then_rolls_back_after_errors_rise(
    repo, runner_bin, tmp_path
) -> None:
    path = tmp_path / "ledger.db"
    with recent_prometheus(tmp_path / "healthy") as url:
        healthy = run(
            repo, runner_bin, *MONITOR, *stack(GATEWRIGHT_LEDGER=str(path), PROMETHEUS_URL=url)
        )
    assert healthy.results == {
        "monitor-production": "PASS",
        "rollback-error-spike": "PASS",
        "rollback-slow-responses": "PASS",
    }, healthy.output[-3000:]
    assert "its triggers did not fire; nothing to do" in healthy.log("rollback-error-spike")
    # Half an hour ago the error rate rose to 0.5 (the trigger: above 0.05, two windows).
    with recent_prometheus(tmp_path / "errors", errors_since=30) as url:
        fired = run(
            repo, runner_bin, *MONITOR, *stack(GATEWRIGHT_LEDGER=str(path), PROMETHEUS_URL=url)
        )
    assert fired.results == {
        "monitor-production": "WARN",  # exit 1 (rollback) is allowed: the rollbacks follow
        "rollback-error-spike": "PASS",
        "rollback-slow-responses": "PASS",
    }, fired.output[-3000:]
    log = fired.log("rollback-error-spike")
    assert "Rollback error-spike of stage production (target: previous-stable) fired" in log
    # No registry model is configured: the job says so and its runbook rolls back.
    assert "No registry model (MLFLOW_TRACKING_URI, GATEWRIGHT_MLFLOW_MODEL)" in log
    assert "Runbook action 1: replace this line with" in log
    assert "its triggers did not fire" in fired.log("rollback-slow-responses")
    assert [(e["kind"], e["decision"]) for e in entries(path)] == [
        ("monitor", "healthy"),
        ("monitor", "rollback"),
    ]


# -- MLflow: evidence at the gates, and the registry rollback -------------------------------


@pytest.fixture(scope="module")
def mlflow_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_tool(GITLAB_CI_LOCAL, "gitlab-ci-local")
    folder = tmp_path_factory.mktemp("gitlab-mlflow-export")
    export_doc(startup_on_prometheus(mlflow=True), "gitlab", folder)
    return folder


def test_evidence_comes_from_mlflow_and_the_rollback_moves_the_alias_back(
    mlflow_export, runner_bin, tmp_path
) -> None:
    """A real `mlflow server` (SQLite backend) reached over HTTP by the runner's MLflow
    client: the gates decide on version 3's run (its val_accuracy, the champion's as the
    baseline), the ledger records it, and when errors rise the rollback job moves the
    alias champion back from 3 to 2, the version promoted before."""
    repo = tmp_path / "repo"
    shutil.copytree(mlflow_export, repo)
    for gate in ("review-gate", "release-gate"):
        write_json(repo / "evidence" / f"{gate}.json", startup_evidence(gate))
    write_json(repo / "telemetry" / "production.json", telemetry(0.0, 100))
    path = tmp_path / "ledger.db"
    (tmp_path / "mlflow").mkdir()
    with mlflow_server(tmp_path / "mlflow") as tracking:
        client = registered_versions(tracking)
        promoted_before(repo / "gatewright" / "spec.json", path, "2", tmp_path)
        variables = stack(
            GATEWRIGHT_LEDGER=str(path),
            MLFLOW_TRACKING_URI=tracking,
            GATEWRIGHT_MLFLOW_MODEL=MODEL,
        )
        promoted = run(
            repo, runner_bin, *EVIDENCE_MODE, *variables, *stack(GATEWRIGHT_MODEL_VERSION="3")
        )
        assert promoted.results == dict.fromkeys(PROMOTE_JOBS, "PASS"), promoted.output[-3000:]
        assert "Evidence: from MLflow, version 3 of ranker." in promoted.log("check-review-gate")
        checked = promoted.artifact(
            "check-review-gate", "gatewright-evidence/review-gate.checked.json"
        )
        assert checked["metrics"]["accuracy"] == 0.95  # the run's, not the committed 0.91
        assert checked["baseline"]["accuracy"] == 0.92  # the champion's run
        assert checked["candidate"]["version"] == "3"
        client.set_registered_model_alias(MODEL, "champion", "3")  # what the deploy did
        write_json(repo / "telemetry" / "production.json", telemetry(0.5, 100))
        fired = run(repo, runner_bin, "--variable", "GATEWRIGHT_MONITOR=true", *variables)
        assert fired.results == {
            "monitor-production": "WARN",
            "rollback-error-spike": "PASS",
            "rollback-slow-responses": "PASS",
        }, fired.output[-3000:]
        holder = client.get_model_version_by_alias(MODEL, "champion").version
    assert str(holder) == "2", fired.log("rollback-error-spike")[-3000:]
    recorded = [(e["kind"], e["decision"]) for e in entries(path)]
    assert recorded[-1][0] == "rollback", recorded
