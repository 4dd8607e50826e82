"""The scripts the pipeline exports generate behave: exit codes, specs, rollbacks.

The gate and monitor steps of the GitHub, GitLab and Argo exports are run with bash and
the real `gatewright` of the virtual environment against prepared evidence.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from app.model.templates import load_template
from exporters import argo, github, gitlab
from tests.exporters.pipelines_support import (
    FORMATS,
    SPEC_PATH,
    export_doc,
    tool_env,
    venv_tool,
)

# -- the generated scripts behave -----------------------------------------------------------

AN_HOUR_AGO = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
"""The pipelines decide at the runner's clock (no --at): approvals are recent."""
PROMOTE_EVIDENCE = {
    "candidate": {"model": "m", "version": "1.0.0", "tier": "low", "submitted_by": "ana"},
    "metrics": {"accuracy": 0.91},
    "baseline": {"accuracy": 0.9},
    "checks": {"ci-tests": "passed"},
    "artifacts": [],
    "approvals": [{"by": "ben", "role": "ml-engineer", "decision": "approve", "at": AN_HOUR_AGO}],
}
EVIDENCE_CASES = {
    "promote": PROMOTE_EVIDENCE,
    "reject": {**PROMOTE_EVIDENCE, "checks": {"ci-tests": "failed"}},
    "hold": {**PROMOTE_EVIDENCE, "approvals": []},
    "unusable": None,  # no evidence file at all
}


@pytest.fixture(scope="module")
def startup_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("startup")
    doc = load_template("startup-lightweight")
    for fmt in FORMATS:
        export_doc(doc, fmt, root / fmt)
    return {fmt: root / fmt for fmt in FORMATS}


def evidence_file(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.json"
    if EVIDENCE_CASES[case] is not None:
        path.write_text(json.dumps(EVIDENCE_CASES[case]))
    return path


def run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # As GitHub and GitLab run them: bash with errexit and pipefail.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("promote", 0, "promotes the candidate"),
        ("reject", 1, "::error title=Gate rejected::"),
        ("hold", 1, "::warning title=Gate on hold::"),
        ("unusable", 2, "::error title=Gate could not decide::"),
    ],
)
def test_github_gate_step_maps_exit_codes(startup_exports, tmp_path, case, code, message) -> None:
    venv_tool("gatewright")
    folder = startup_exports["github"]
    job = yaml.safe_load((folder / github.PROMOTE_FILE).read_text())["jobs"]["gate-review-gate"]
    step = next(step for step in job["steps"] if step.get("name") == "Decide the gate")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = tool_env(
        SPEC=str(folder / job["env"]["SPEC"]),
        GATE_ID=job["env"]["GATE_ID"],
        EVIDENCE=str(evidence_file(tmp_path, case)),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
    )
    done = run_bash(step["run"], tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stdout
    assert f"## Gate `review-gate`: {case}" in summary.read_text()
    if case != "unusable":
        assert json.loads((tmp_path / "gatewright-decision.json").read_text())["decision"] == case


@pytest.mark.parametrize(("case", "code"), [("promote", 0), ("reject", 1), ("hold", 3)])
def test_gitlab_check_script_keeps_the_exit_code(startup_exports, tmp_path, case, code) -> None:
    venv_tool("gatewright")
    folder = startup_exports["gitlab"]
    ci = yaml.safe_load((folder / gitlab.CI_FILE).read_text())
    job = ci["check-review-gate"]
    assert job["allow_failure"] == {"exit_codes": [3]}
    approve = ci["approve-review-gate"]
    assert approve["rules"][0]["when"] == "manual"
    assert approve["rules"][0]["allow_failure"] is False
    assert approve["script"] == job["script"]
    pwned = tmp_path / "pwned"
    env = tool_env(
        GATEWRIGHT_SPEC=str(folder / SPEC_PATH),
        GATE_ID="review-gate",
        GATE_NAME=f"$(touch {pwned}) `touch {pwned}`",  # names arrive as data
        EVIDENCE=str(evidence_file(tmp_path, case)),
    )
    done = run_bash("\n".join(job["script"]), tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert f"$(touch {pwned})" in done.stdout
    assert not pwned.exists()


@pytest.mark.parametrize(("case", "code"), [("promote", 0), ("reject", 1), ("hold", 3)])
def test_argo_gate_container_runs_the_configmap_spec(startup_exports, tmp_path, case, code) -> None:
    tool = venv_tool("gatewright")
    folder = startup_exports["argo"]
    configmap = yaml.safe_load((folder / argo.CONFIGMAP_FILE).read_text())
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(configmap["data"]["spec.json"], encoding="utf-8")
    workflow = yaml.safe_load((folder / argo.WORKFLOW_FILE).read_text())
    template = next(t for t in workflow["spec"]["templates"] if t["name"] == "check-review-gate")
    container = template["container"]
    assert container["command"] == ["gatewright"]
    local = {argo.SPEC_FILE: str(spec_file), argo.EVIDENCE_FILE: str(evidence_file(tmp_path, case))}
    args = [local.get(arg, arg) for arg in container["args"]]
    done = subprocess.run([str(tool), *args], capture_output=True, text=True, check=False)
    assert done.returncode == code, done.stderr
    assert json.loads(done.stdout)["decision"] == case


@pytest.mark.parametrize(
    ("error_rate", "code", "message"),
    [
        (0.2, 1, "needs a rollback: play the job rollback-error-spike"),
        (0.0, 0, ""),
        (None, 3, "inconclusive, too little telemetry to judge"),
    ],
)
def test_gitlab_monitor_script_keeps_the_exit_code(
    startup_exports, tmp_path, error_rate, code, message
) -> None:
    venv_tool("gatewright")
    folder = startup_exports["gitlab"]
    job = yaml.safe_load((folder / gitlab.CI_FILE).read_text())["monitor-production"]
    assert job["allow_failure"] == {"exit_codes": [1]}  # 3 and 2 fail the pipeline
    telemetry = tmp_path / "telemetry.json"
    telemetry.write_text(json.dumps(telemetry_windows(error_rate)))
    env = tool_env(
        GATEWRIGHT_SPEC=str(folder / SPEC_PATH), STAGE_ID="production", TELEMETRY=str(telemetry)
    )
    done = run_bash("\n".join(job["script"]), tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stdout


def telemetry_windows(error_rate: float | None, count: int = 3) -> dict:
    """``count`` windows a minute apart (None: no window at all)."""
    if error_rate is None:
        return {"windows": []}
    metrics = {"error-rate": error_rate, "latency-p95-ms": 100}
    return {
        "windows": [{"at": f"2026-11-21T10:{i:02d}:00Z", "metrics": metrics} for i in range(count)]
    }


@pytest.mark.parametrize(
    ("error_rate", "decision", "policy", "code"),
    [
        (0.2, "rollback", "error-spike", 0),
        (0.0, "healthy", "", 0),
        (None, "inconclusive", "", 3),  # no data: the job fails so that a person looks
    ],
)
def test_github_monitor_step_names_the_rollback_to_run(
    startup_exports, tmp_path, error_rate, decision, policy, code
) -> None:
    venv_tool("gatewright")
    folder = startup_exports["github"]
    jobs = yaml.safe_load((folder / github.MONITOR_FILE).read_text())["jobs"]
    job = jobs["monitor-production"]
    step = next(step for step in job["steps"] if step.get("id") == "monitor")
    telemetry = tmp_path / "telemetry.json"
    telemetry.write_text(json.dumps(telemetry_windows(error_rate)))
    outputs = tmp_path / "outputs"
    env = tool_env(
        SPEC=str(folder / SPEC_PATH),
        STAGE_ID="production",
        TELEMETRY=str(telemetry),
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(outputs),
    )
    done = run_bash(step["run"], tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert outputs.read_text().splitlines() == [f"decision={decision}", f"policy={policy}"]
    if code:
        assert "::error title=Monitor inconclusive::" in done.stdout
    assert jobs["rollback-error-spike"]["if"] == (
        "needs['monitor-production'].outputs.policy == 'error-spike'"
    )
