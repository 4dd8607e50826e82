"""The scripts of the pipeline exports, run one by one with bash and this environment's
`gatewright`: exit codes, annotations, and names arriving as data. (Whole runs, on a
runner that installs the runtime from the export, are in test_gitlab_runs.py and
test_github_runs.py.)"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from app.model.templates import load_template
from exporters import argo, github, gitlab
from tests.exporters.argo_support import run_container
from tests.exporters.pipelines_support import (
    FORMATS,
    SPEC_PATH,
    export_doc,
    step_script,
    tool_env,
    venv_tool,
)
from tests.exporters.runner_support import startup_evidence, telemetry, write_json

EVIDENCE_CASES = {
    "promote": startup_evidence("review-gate"),
    "reject": startup_evidence("review-gate", checks={"ci-tests": "failed"}),
    "hold": startup_evidence("review-gate", approvals=False),
    "unusable": None,  # no evidence file at all
}


@pytest.fixture(scope="module")
def startup_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("startup")
    doc = load_template("startup-lightweight")
    for fmt in FORMATS:
        export_doc(doc, fmt, root / fmt)
    return {fmt: root / fmt for fmt in FORMATS}


def evidence_file(folder: Path, case: str) -> Path:
    path = folder / "gatewright-evidence" / "review-gate.json"
    if EVIDENCE_CASES[case] is not None:
        write_json(path, EVIDENCE_CASES[case])
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
        ("hold", 0, "::notice title=Gate waits for approval::"),
        ("unusable", 2, "does not exist"),
    ],
)
def test_github_check_step_maps_exit_codes(startup_exports, tmp_path, case, code, message) -> None:
    venv_tool("gatewright")
    folder = startup_exports["github"]
    workflow = yaml.safe_load((folder / github.PROMOTE_FILE).read_text())
    job = workflow["jobs"]["check-review-gate"]
    step = next(step for step in job["steps"] if step.get("name") == "Decide the gate")
    evidence_file(tmp_path, case)
    summary = tmp_path / "summary.md"
    env = tool_env(
        **job["env"],
        GATEWRIGHT_SPEC=str(folder / SPEC_PATH),
        GATEWRIGHT_APPROVALS_FROM="evidence",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTOR="ana",
    )
    done = run_bash(step_script(folder, step), tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stdout + done.stderr
    if case != "unusable":
        assert f"## Gate `review-gate`: {case}" in summary.read_text()
        decision = json.loads((tmp_path / job["env"]["DECISION"]).read_text())
        assert decision["decision"] == case and decision["approvals_from"] == "evidence"


@pytest.mark.parametrize(("case", "code"), [("promote", 0), ("reject", 1), ("hold", 3)])
def test_gitlab_check_script_keeps_the_exit_code(startup_exports, tmp_path, case, code) -> None:
    venv_tool("gatewright")
    folder = startup_exports["gitlab"]
    ci = yaml.safe_load((folder / gitlab.CI_FILE).read_text())
    job = ci["check-review-gate"]
    assert job["allow_failure"] == {"exit_codes": [3]}
    assert job["extends"] == [".gatewright-check"]
    script = ci[".gatewright-check"]["script"]
    evidence_file(tmp_path, case)
    pwned = tmp_path / "pwned"
    variables = {key: value for key, value in job["variables"].items() if isinstance(value, str)}
    env = tool_env(
        **variables,
        GATEWRIGHT_SPEC=str(folder / SPEC_PATH),
        GATEWRIGHT_APPROVALS_FROM="evidence",
        GATE_NAME=f"$(touch {pwned}) `touch {pwned}`",  # names arrive as data
    )
    done = run_bash("\n".join(script), tmp_path, env)
    assert done.returncode == code, done.stdout + done.stderr
    assert f"$(touch {pwned})" in done.stdout
    assert not pwned.exists()


def test_an_unknown_approvals_source_is_refused(startup_exports, tmp_path) -> None:
    folder = startup_exports["gitlab"]
    job = yaml.safe_load((folder / gitlab.CI_FILE).read_text())[".gatewright-check"]
    evidence_file(tmp_path, "promote")
    env = tool_env(GATEWRIGHT_APPROVALS_FROM="$(id) both", GATEWRIGHT_SPEC=str(folder / SPEC_PATH))
    done = run_bash("\n".join(job["script"]), tmp_path, env)
    assert done.returncode == 2
    assert "GATEWRIGHT_APPROVALS_FROM is '$(id) both'; use platform or evidence" in done.stderr


@pytest.mark.parametrize(("case", "code"), [("promote", 0), ("reject", 1), ("hold", 3)])
def test_argo_gate_container_runs_the_configmap_spec(startup_exports, tmp_path, case, code) -> None:
    venv_tool("gatewright")
    folder = startup_exports["argo"]
    configmap = yaml.safe_load((folder / argo.CONFIGMAP_FILE).read_text())
    root = tmp_path / "pod"
    (root / "spec").mkdir(parents=True)
    (root / "spec" / "spec.json").write_text(configmap["data"]["spec.json"], encoding="utf-8")
    if EVIDENCE_CASES[case] is not None:
        write_json(root / "evidence" / "evidence.json", EVIDENCE_CASES[case])
    workflow = yaml.safe_load((folder / argo.WORKFLOW_FILE).read_text())
    # the check after the approval: only a promote goes on (test_argo.py runs the one before)
    template = next(t for t in workflow["spec"]["templates"] if t["name"] == argo.CHECK)
    done = run_container(template["container"], root, {"gate": "review-gate"})
    assert done.returncode == code, done.stderr
    assert json.loads(done.stdout)["decision"] == case


def test_argo_init_container_checks_the_wheel_before_installing_it(
    startup_exports, tmp_path
) -> None:
    """The install step of the GitHub and GitLab jobs, run as the pod's init container:
    a wheel that is not the pinned one stops it before pip; the pinned one is installed
    into the emptyDir that the gate container finds on its PATH."""
    venv_tool("gatewright")
    folder = startup_exports["argo"]
    workflow = yaml.safe_load((folder / argo.WORKFLOW_FILE).read_text())
    template = next(t for t in workflow["spec"]["templates"] if t["name"] == argo.CHECK)
    (install,) = template["initContainers"]
    runtime = yaml.safe_load((folder / argo.RUNTIME_CONFIGMAP_FILE).read_text())
    (name,) = runtime["binaryData"]
    wheel = next((folder / SPEC_PATH).parent.glob("*.whl"))
    assert name == wheel.name
    root = tmp_path / "pod"
    (root / "runtime").mkdir(parents=True)
    (root / "runtime" / name).write_bytes(wheel.read_bytes() + b"tampered")
    done = run_container(install, root)
    assert done.returncode == 1 and "not the runtime this pipeline pins" in done.stderr
    assert not list((root / "lib").iterdir())
    (root / "runtime" / name).write_bytes(wheel.read_bytes())
    done = run_container(install, root)
    assert done.returncode == 0, done.stderr
    assert (root / "lib" / "bin" / "gatewright").is_file()
    assert (root / "lib" / "app" / "runtime").is_dir()


@pytest.mark.parametrize(
    ("error_rate", "latency", "decision"),
    [(0.2, 100, "rollback"), (0.0, 100, "healthy")],
)
def test_github_monitor_step_lists_the_fired_policies(
    startup_exports, tmp_path, error_rate, latency, decision
) -> None:
    venv_tool("gatewright")
    folder = startup_exports["github"]
    jobs = yaml.safe_load((folder / github.MONITOR_FILE).read_text())["jobs"]
    job = jobs["monitor-production"]
    step = next(step for step in job["steps"] if step.get("id") == "monitor")
    write_json(tmp_path / "telemetry" / "production.json", telemetry(error_rate, latency))
    outputs = tmp_path / "outputs"
    env = tool_env(
        **job["env"],
        GATEWRIGHT_SPEC=str(folder / SPEC_PATH),
        GATEWRIGHT_TELEMETRY_DIR="telemetry",
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(outputs),
    )
    done = run_bash(step_script(folder, step), tmp_path, env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert lines["decision"] == decision
    assert ("error-spike" in json.loads(lines["policies"])) == (decision == "rollback")
