"""The exported GitLab pipeline, run as exported by gitlab-ci-local (shell executor).

Each scenario is one gitlab-ci-local run of the startup-lightweight template's export in
a git repository on branch main, on a runner with only Python and PyPI (``runner_bin``):
every job installs the runtime wheel from the export. gitlab-ci-local exits 0 whatever
the jobs did, so each test reads its summary (PASS, WARN, FAIL per job that ran). Runs
take approvals from the evidence (GATEWRIGHT_APPROVALS_FROM=evidence: no GitLab API
here); gitlab-ci-local starts delayed jobs (the bakes) at once.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.model.templates import load_template
from tests.exporters.pipelines_support import export_doc
from tests.exporters.runner_support import (
    GITLAB_CI_LOCAL,
    OURS,
    git_repository,
    installed,
    need_tool,
    runner_env,
    startup_evidence,
    telemetry,
    write_json,
)

SUMMARY = re.compile(r"^ (PASS|WARN|FAIL) +([a-z0-9][a-z0-9-]*)(?=\s|$)", re.M)
"""A job's verdict in the summary (job ids are slugs: gitlab-ci-local's own warnings, such
as " WARN  Avoid overriding predefined variables", are not jobs)."""
EVIDENCE_MODE = ["--variable", "GATEWRIGHT_APPROVALS_FROM=evidence"]
PROMOTE_JOBS = [
    "deploy-development", "evidence-review-gate", "check-review-gate", "approve-review-gate",
    "deploy-staging", "evidence-release-gate", "check-release-gate", "approve-release-gate",
    "deploy-production-step-1", "bake-production-step-1", "deploy-production-step-2",
    "bake-production-step-2",
]  # fmt: skip


def stopped_at(results: dict[str, str], job: str) -> None:
    """``job`` failed and nothing after it passed: no deploy ran. (gitlab-ci-local 4.70.1
    runs a job whose needed job failed with an exit code outside its allow_failure
    exit_codes, which GitLab skips: the approve job then fails on its own check.)"""
    assert results[job] == "FAIL", results
    before = PROMOTE_JOBS[: PROMOTE_JOBS.index(job)]
    assert all(results[earlier] == "PASS" for earlier in before), results
    after = [later for later in results if later not in before and later != job]
    assert all(results[later] == "FAIL" for later in after), results
    assert not any(name.startswith("deploy-") for name in after), results


@dataclass
class Run:
    """What one gitlab-ci-local run did: each job's verdict, and the logs."""

    results: dict[str, str]
    output: str
    repo: Path

    def log(self, job: str) -> str:
        path = self.repo / ".gitlab-ci-local" / "output" / f"{job}.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def artifact(self, job: str, name: str) -> Any:
        path = self.repo / ".gitlab-ci-local" / "artifacts" / job / name
        return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def gitlab_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_tool(GITLAB_CI_LOCAL, "gitlab-ci-local")
    folder = tmp_path_factory.mktemp("gitlab-export")
    export_doc(load_template("startup-lightweight"), "gitlab", folder)
    return folder


@pytest.fixture
def repo(gitlab_export: Path, tmp_path: Path) -> Path:
    """A repository holding the export as a team commits it, with passing evidence and
    healthy telemetry; a test changes what it needs before running."""
    folder = tmp_path / "repo"
    shutil.copytree(gitlab_export, folder)
    for gate in ("review-gate", "release-gate"):
        write_json(folder / "evidence" / f"{gate}.json", startup_evidence(gate))
    write_json(folder / "telemetry" / "production.json", telemetry(0.0, 100))
    return folder


def run(repo: Path, runner_bin: Path, *args: str) -> Run:
    git_repository(repo)
    done = subprocess.run(
        [str(GITLAB_CI_LOCAL), "--shell-isolation", "--force-shell-executor", *args],
        cwd=repo,
        env=runner_env(runner_bin),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    results = {job: verdict for verdict, job in SUMMARY.findall(output)}
    assert results, f"gitlab-ci-local ran no job:\n{output[-3000:]}"
    return Run(results, output, repo)


def test_passing_evidence_promotes_through_every_stage(repo, runner_bin) -> None:
    done = run(repo, runner_bin, *EVIDENCE_MODE)
    assert done.results == dict.fromkeys(PROMOTE_JOBS, "PASS"), done.output[-3000:]
    decision = done.artifact("approve-release-gate", "gatewright-decisions/release-gate.json")
    assert decision["decision"] == "promote"
    assert decision["approvals_from"] == "evidence"
    assert decision["candidate"]["version"] == "2.0.0"
    assert "gate release-gate promoted ranker 2.0.0: deploying it" in done.log(
        "deploy-production-step-1"
    )
    assert "at 10% of traffic" in done.log("deploy-production-step-1")
    assert "at 100% of traffic" in done.log("deploy-production-step-2")
    assert '"decision": "healthy"' in done.log("bake-production-step-1")
    # The runner got the runtime from the export, and nothing heavier.
    assert "gatewright-runtime" in installed(runner_bin.parent)
    assert not installed(runner_bin.parent) & (OURS - {"gatewright-runtime"})


def test_violating_evidence_fails_the_check_and_nothing_deploys(repo, runner_bin) -> None:
    evidence = startup_evidence("review-gate", checks={"ci-tests": "failed"})
    write_json(repo / "evidence" / "review-gate.json", evidence)
    done = run(repo, runner_bin, *EVIDENCE_MODE)
    stopped_at(done.results, "check-review-gate")
    assert "Gate review-gate (Peer review gate): reject" in done.log("check-review-gate")


def test_a_hold_stops_before_deploying_and_approving_lets_it_through(repo, runner_bin) -> None:
    write_json(
        repo / "evidence" / "review-gate.json", startup_evidence("review-gate", approvals=False)
    )
    held = run(repo, runner_bin, *EVIDENCE_MODE)
    assert held.results == {
        "deploy-development": "PASS",
        "evidence-review-gate": "PASS",
        "check-review-gate": "WARN",
        "approve-review-gate": "FAIL",
    }, held.output[-3000:]
    assert "Record the approvals in the evidence" in held.log("approve-review-gate")
    # A reviewer approves: the approval is recorded, and the pipeline runs again up to the
    # stage it unlocks.
    write_json(repo / "evidence" / "review-gate.json", startup_evidence("review-gate"))
    approved = run(repo, runner_bin, *EVIDENCE_MODE, "--needs", "deploy-staging")
    assert approved.results == {
        "deploy-development": "PASS",
        "evidence-review-gate": "PASS",
        "check-review-gate": "PASS",
        "approve-review-gate": "PASS",
        "deploy-staging": "PASS",
    }, approved.output[-3000:]
    counted = approved.artifact("approve-review-gate", "gatewright-decisions/review-gate.json")
    assert counted["approvals"]["counted"][0]["by"] == "ben"


def test_unusable_evidence_fails_with_exit_2(repo, runner_bin) -> None:
    (repo / "evidence" / "review-gate.json").write_text('{"metrics": {"accuracy": 0.9,}}')
    done = run(repo, runner_bin, *EVIDENCE_MODE)
    stopped_at(done.results, "check-review-gate")
    log = done.log("check-review-gate")
    assert "invalid JSON" in log and "Traceback" not in log


def test_the_monitor_on_healthy_telemetry_rolls_nothing_back(repo, runner_bin) -> None:
    done = run(repo, runner_bin, "--variable", "GATEWRIGHT_MONITOR=true")
    assert done.results == {
        "monitor-production": "PASS",
        "rollback-error-spike": "PASS",
        "rollback-slow-responses": "PASS",
    }, done.output[-3000:]
    for policy in ("error-spike", "slow-responses"):
        log = done.log(f"rollback-{policy}")
        assert "its triggers did not fire; nothing to do" in log
        assert "Runbook action 1" not in log


def test_the_monitor_runs_every_fired_rollback(repo, runner_bin) -> None:
    write_json(repo / "telemetry" / "production.json", telemetry(0.5, 5000))
    done = run(repo, runner_bin, "--variable", "GATEWRIGHT_MONITOR=true")
    assert done.results == {
        "monitor-production": "WARN",
        "rollback-error-spike": "PASS",
        "rollback-slow-responses": "PASS",
    }, done.output[-3000:]
    for policy in ("error-spike", "slow-responses"):
        log = done.log(f"rollback-{policy}")
        assert f"Rollback {policy} of stage production (target: previous-stable) fired" in log
        assert "Runbook action 1: replace this line with" in log


MERGE_REQUEST = ["--variable", "CI_PIPELINE_SOURCE=merge_request_event"]
DRY_RUN_JOBS = ["evidence-review-gate", "check-review-gate", "evidence-release-gate",
                "check-release-gate"]  # fmt: skip


def test_a_merge_request_checks_every_gate_as_a_dry_run_and_deploys_nothing(
    repo, runner_bin
) -> None:
    """A merge request runs each gate's evidence and check jobs and nothing else: a
    violating gate is reported (WARN: allowed to fail), the other gates are still
    checked, and no approve, deploy, bake, monitor or rollback job runs."""
    evidence = startup_evidence("review-gate", checks={"ci-tests": "failed"})
    write_json(repo / "evidence" / "review-gate.json", evidence)
    done = run(repo, runner_bin, *MERGE_REQUEST, *EVIDENCE_MODE)
    assert done.results == {
        "evidence-review-gate": "PASS",
        "check-review-gate": "WARN",
        "evidence-release-gate": "PASS",
        "check-release-gate": "PASS",
    }, done.output[-3000:]
    assert "Gate review-gate (Peer review gate): reject" in done.log("check-review-gate")
    assert (
        done.artifact("check-release-gate", "gatewright-decisions/release-gate.json")["decision"]
        == "promote"
    )
    assert not list((repo / ".gitlab-ci-local" / "output").glob("deploy-*"))
