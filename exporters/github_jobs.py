"""The jobs and local actions of the GitHub export: the promote path, the dry run, the monitor.

Scripts and the expressions the export may write are in ``exporters.github_scripts``; each
kind of job's script is written once, in a local action (a signed export's pass --trust).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters.github_scripts import (
    APPROVE,
    BAKE_CHECK,
    CHECK,
    DEPLOY,
    DEPLOYED_AT,
    DRY_RUN,
    EVIDENCE_DIR_EXPR,
    MONITOR,
    TOKEN_EXPR,
    github_literal,
)
from exporters.pipelines import Commented, Script
from exporters.promote_plan import Job, bake_environment, weight_text

if TYPE_CHECKING:
    from app.spec.schema import SpecGate, SpecStage

RUNNER = "ubuntu-latest"
CHECKOUT = "actions/checkout@v4"
SETUP_PYTHON = "actions/setup-python@v5"
UPLOAD_ARTIFACT = "actions/upload-artifact@v4"
DOWNLOAD_ARTIFACT = "actions/download-artifact@v4"
RUNTIME_ACTION = ".github/actions/gatewright-runtime"
EVIDENCE_ACTION = ".github/actions/gatewright-evidence"
SCRIPT_ACTIONS = {
    "check": (".github/actions/gatewright-check", "Decides a gate: `gatewright check`."),
    "approve": (
        ".github/actions/gatewright-approve",
        "Decides a gate again with the approvals of its approval environment.",
    ),
    "dry-run": (
        ".github/actions/gatewright-dry-run",
        "Decides a gate's criteria alone, for a pull request.",
    ),
    "deploy-guard": (
        ".github/actions/gatewright-deploy-guard",
        "Refuses to deploy anything but the candidate the gates into the stage promoted.",
    ),
    "bake-check": (
        ".github/actions/gatewright-bake-check",
        "Judges a stage on its telemetry after a bake: `gatewright monitor`.",
    ),
    "monitor": (
        ".github/actions/gatewright-monitor",
        "Watches a stage: `gatewright monitor`, with the decision and the fired policies.",
    ),
}
"""The steps every job of a kind runs, each once in a local action (the jobs give them
their values through env), instead of a copy of the script in every job."""
KEEP_DAYS = 90
"""Days decisions and evidence are kept as artifacts (GitHub's longest default retention)."""
TIMEOUTS = {"evidence": 30, "check": 10, "approve": 10, "deploy": 60, "bake": 10, "monitor": 10}
LONGEST_WAIT = 43_200
"""GitHub's longest environment wait timer, in minutes (30 days)."""

# -- pieces ---------------------------------------------------------------------------------


def checkout() -> dict[str, Any]:
    return {"name": "Check out the repository", "uses": CHECKOUT}


def runtime() -> dict[str, Any]:
    return {
        "name": "Install the Gatewright runtime from this export",
        "uses": f"./{RUNTIME_ACTION}",
    }


def upload(name: str, paths: list[str]) -> dict[str, Any]:
    return {
        "name": "Keep the evidence and the decision for the audit trail",
        "if": "always()",
        "uses": UPLOAD_ARTIFACT,
        "with": {
            "name": name,
            "path": "\n".join(paths),
            "if-no-files-found": "ignore",
            "retention-days": KEEP_DAYS,
        },
    }


def download(name: str, path: str) -> dict[str, Any]:
    return {
        "name": f"Fetch {name}",
        "uses": DOWNLOAD_ARTIFACT,
        "with": {"name": name, "path": path},
    }


def artifact_of(job_id: str) -> str:
    return f"gatewright-{job_id}"


def deployed_at_of(job_id: str) -> str:
    return f"${{{{ needs.{job_id}.outputs.deployed_at }}}}"


def head(job: dict[str, Any], needs: tuple[str, ...], minutes: int) -> dict[str, Any]:
    """The keys every job starts with, in the order people read them."""
    body = {"name": job.pop("name")}
    if needs:
        body["needs"] = list(needs)
    body.update(job)
    body["timeout-minutes"] = minutes
    body.setdefault("permissions", {"contents": "read"})
    return body


# -- the promote path -----------------------------------------------------------------------


def _gate_job(job: Job, mlflow: bool = False) -> Commented | dict[str, Any]:
    gate = job.gate
    assert gate is not None
    gate_id = gate.id
    approvals = bool(gate.approval.rules)
    if job.kind == "evidence":
        out = s.evidence_file(gate_id)
        body = head(
            {"name": github_literal(f"Evidence: {gate.name}"), "runs-on": RUNNER},
            job.needs,
            TIMEOUTS["evidence"],
        )
        body["steps"] = [
            checkout(),
            {
                "name": f"Produce the evidence (your evaluation goes in {EVIDENCE_ACTION})",
                "uses": f"./{EVIDENCE_ACTION}",
                "with": {"gate-id": gate_id, "evidence-dir": EVIDENCE_DIR_EXPR, "output": out},
            },
            upload(artifact_of(job.id), [out]),
        ]
        return body  # the workflow's header says what it does, once
    env: dict[str, Any] = {"GATE_ID": gate_id}
    if job.kind == "check":
        env |= {
            "EVIDENCE": s.evidence_file(gate_id),
            "DECIDED_ON": s.evidence_file(gate_id, ".checked"),
            "DECISION": s.decision_file(gate_id),
            "APPROVE_JOB": "true" if approvals else "false",
        }
        fetch = download(artifact_of(f"evidence-{gate_id}"), s.EVIDENCE_DIR)
        name = f"Gate: {gate.name}"
    else:
        env |= {
            "CHECKED": s.evidence_file(gate_id, ".checked"),
            "DECIDED_ON": s.evidence_file(gate_id, ".approved"),
            "DECISION": s.decision_file(gate_id),
            "APPROVAL_ENVIRONMENT": job.environment,
            "GITHUB_TOKEN": TOKEN_EXPR,
        }
        fetch = download(artifact_of(f"check-{gate_id}"), ".")
        name = f"Approve: {gate.name}"
    fields: dict[str, Any] = {"name": github_literal(name), "runs-on": RUNNER}
    if job.kind == "approve":
        fields["environment"] = job.environment
        # The review history endpoint needs the actions scope (read) of the job's token.
        fields["permissions"] = {"contents": "read", "actions": "read"}
    if mlflow:  # this job installs the mlflow extra and collects evidence from MLflow
        env[s.MLFLOW_JOB] = "true"
    fields["env"] = env
    body = head(fields, job.needs, TIMEOUTS[job.kind])
    paths = [s.EVIDENCE_DIR, s.DECISIONS_DIR]
    body["steps"] = [
        checkout(),
        runtime(),
        fetch,
        {
            "name": "Decide the gate" if job.kind == "check" else "Decide with the approvals",
            "uses": f"./{SCRIPT_ACTIONS[job.kind][0]}",
        },
        upload(artifact_of(job.id), paths),
    ]
    if job.kind == "check":
        back = f"; a rejected candidate goes back to {gate.on_reject}" if gate.on_reject else ""
        criteria = ", ".join(criterion.id for criterion in gate.criteria) or "none"
        lines = [
            f"Gate {gate_id}: {gate.from_} -> {gate.to}{back}.",
            f"Criteria: {criteria}.",
            f"Approval: {p.approval_words(gate.approval)}.",
        ]
    else:
        return body  # the workflow's header says what an approve job does, once
    return Commented(body, tuple(lines))


def _stage_job(job: Job) -> Commented:
    stage = job.stage
    assert stage is not None
    step = f" ({job.step}/{job.steps})" if job.steps > 1 else ""
    env = {"STAGE_ID": stage.id, "TRAFFIC_PERCENT": weight_text(job.weight)}
    if job.kind == "deploy":
        fields: dict[str, Any] = {
            "name": github_literal(f"Deploy: {stage.name}{step}"),
            "runs-on": RUNNER,
            "outputs": {"deployed_at": "${{ steps.rollout.outputs.deployed_at }}"},
            "environment": job.environment,
            "concurrency": {
                "group": f"gatewright-deploy-{job.environment}",
                "cancel-in-progress": False,
            },
            "env": env | {"GATES": " ".join(gate for gate, _final in job.decisions)},
        }
        body = head(fields, job.needs, TIMEOUTS["deploy"])
        steps = [checkout(), runtime()]
        steps += [download(artifact_of(final), ".") for _gate, final in job.decisions]
        steps += [
            {
                "name": "Refuse anything but the candidate the gates promoted",
                "uses": f"./{SCRIPT_ACTIONS['deploy-guard'][0]}",
            },
            {"name": "Deploy (placeholder: replace with your deployment)", "run": DEPLOY},
            {"name": "Record when the step was deployed", "id": "rollout", "run": DEPLOYED_AT},
        ]
        body["steps"] = steps
        lines = [
            f"Stage {stage.id}{step}: {weight_text(job.weight)}% of traffic. Replace only the "
            "placeholder step.",
        ]
        return Commented(body, tuple(lines))
    deploy_id = job.needs[0]
    fields = {
        "name": github_literal(f"Bake: {stage.name}{step}"),
        "runs-on": RUNNER,
        "environment": bake_environment(stage),
        "env": env
        | {"BAKE_MINUTES": str(job.bake_minutes), "DEPLOYED_AT": deployed_at_of(deploy_id)},
    }
    body = head(fields, job.needs, TIMEOUTS["bake"])
    steps: list[dict[str, Any]] = [checkout()]
    if job.monitored:
        steps.append(runtime())
    steps.append({"name": "Refuse to judge before the bake is over", "run": s.BAKED})
    if job.monitored:
        steps.append(
            {
                "name": "Judge the stage on its telemetry",
                "uses": f"./{SCRIPT_ACTIONS['bake-check'][0]}",
            }
        )
    body["steps"] = steps
    watch = (
        f"then judges the stage with `gatewright monitor` on telemetry/{stage.id}.json"
        if job.monitored
        else "(the stage has no rollback triggers to check)"
    )
    lines = [
        f"Bake of stage {stage.id}{step}: {job.bake_minutes} minutes (the wait timer of "
        f"{bake_environment(stage)}), {watch}.",
    ]
    return Commented(body, tuple(lines))


def promote_job(job: Job, mlflow: bool = False) -> Commented | dict[str, Any]:
    """A job of the promote path; ``mlflow``: the SOP's metrics name MLflow keys."""
    if job.kind in ("evidence", "check", "approve"):
        return _gate_job(job, mlflow)
    return _stage_job(job)


def dry_run_job(gate: SpecGate) -> dict[str, Any]:
    gate_id = gate.id
    body = head(
        {
            "name": github_literal(f"Dry run: {gate.name}"),
            "runs-on": RUNNER,
            # Reported, never blocking: a dry run's failure shows, the pull request stays open.
            "continue-on-error": True,
            "env": {
                "GATE_ID": gate_id,
                "EVIDENCE": s.evidence_file(gate_id),
                "DECIDED_ON": s.evidence_file(gate_id, ".checked"),
                "DECISION": s.decision_file(gate_id),
            },
        },
        (),
        TIMEOUTS["evidence"],
    )
    body["steps"] = [
        checkout(),
        runtime(),
        {
            "name": "Produce the evidence",
            "uses": f"./{EVIDENCE_ACTION}",
            "with": {"gate-id": gate_id, "output": s.evidence_file(gate_id)},
        },
        {
            "name": "Decide the gate's criteria (no approvals, nothing deployed)",
            "uses": f"./{SCRIPT_ACTIONS['dry-run'][0]}",
        },
        upload(artifact_of(f"dry-run-{gate_id}"), [s.EVIDENCE_DIR, s.DECISIONS_DIR]),
    ]
    return body  # the workflow's header says what a dry run does


# -- monitoring -----------------------------------------------------------------------------


def monitor_job(stage: SpecStage) -> Commented:
    body = head(
        {
            "name": github_literal(f"Monitor: {stage.name}"),
            "runs-on": RUNNER,
            "outputs": {
                "decision": "${{ steps.monitor.outputs.decision }}",
                "policies": "${{ steps.monitor.outputs.policies }}",
            },
            "env": {"STAGE_ID": stage.id},
        },
        (),
        TIMEOUTS["monitor"],
    )
    body["steps"] = [
        checkout(),
        runtime(),
        {"name": "Watch the stage", "id": "monitor", "uses": f"./{SCRIPT_ACTIONS['monitor'][0]}"},
        upload(artifact_of(f"monitor-{stage.id}"), [s.MONITOR_DIR]),
    ]
    lines = [
        f"Stage {stage.id}: `gatewright monitor` on telemetry/{stage.id}.json.",
        "0 healthy; 1 rollback: the job succeeds with a warning and lists every fired policy,",
        "whose rollback jobs run; 3 too little telemetry and 2 unusable: the job fails.",
    ]
    return Commented(body, tuple(lines))


# -- local actions --------------------------------------------------------------------------


def runtime_action(spec_path: str, signed: bool = False) -> dict[str, Any]:
    wheel = s.runtime_wheel()
    return {
        "name": "Gatewright runtime",
        "description": (
            "Sets up Python and installs the Gatewright runtime wheel of this export, after "
            "checking it against the sha256 pinned here."
        ),
        "runs": {
            "using": "composite",
            "steps": [
                {
                    "name": "Set up Python",
                    "uses": SETUP_PYTHON,
                    "with": {"python-version": s.PYTHON_VERSION},
                },
                {
                    "name": "Install the runtime",
                    "shell": "bash",
                    "env": {
                        "GATEWRIGHT_RUNTIME": s.wheel_path(spec_path),
                        "GATEWRIGHT_RUNTIME_SHA256": wheel.sha256,
                    },
                    "run": s.install(signed),
                },
            ],
        },
    }


def script_action(kind: str, signed: bool, mlflow: bool = False) -> dict[str, Any]:
    """The local action holding the one script every job of ``kind`` runs (with the job's
    env: ids and paths only)."""
    scripts = {
        "check": CHECK,
        "approve": APPROVE,
        "dry-run": DRY_RUN,
        "deploy-guard": s.VERIFY_DEPLOY,
        "bake-check": BAKE_CHECK,
        "monitor": MONITOR,
    }
    step: dict[str, Any] = {"name": SCRIPT_ACTIONS[kind][1], "shell": "bash"}
    action: dict[str, Any] = {"name": f"Gatewright {kind}", "description": SCRIPT_ACTIONS[kind][1]}
    if kind == "monitor":
        step["id"] = "monitor"
        action["outputs"] = {
            name: {"description": about, "value": f"${{{{ steps.monitor.outputs.{name} }}}}"}
            for name, about in (
                ("decision", "healthy or rollback"),
                ("policies", "the fired policies, a JSON list"),
            )
        }
    step["run"] = s.trusting(s.with_mlflow(scripts[kind], mlflow), signed)
    action["runs"] = {"using": "composite", "steps": [step]}
    return action


def evidence_action() -> dict[str, Any]:
    return {
        "name": "Gatewright evidence",
        "description": (
            "YOUR EVALUATION GOES HERE: writes the evidence of one gate to the output path. "
            "Until replaced it takes the file committed at <evidence-dir>/<gate-id>.json."
        ),
        "inputs": {
            "gate-id": {"description": "Id of the gate whose evidence to write.", "required": True},
            "evidence-dir": {
                "description": "Folder of the committed evidence files.",
                "required": False,
                "default": p.EVIDENCE_DIR,
            },
            "output": {"description": "Where to write the evidence.", "required": True},
        },
        "runs": {
            "using": "composite",
            "steps": [
                {
                    "name": "Take the committed evidence (replace with your evaluation)",
                    "shell": "bash",
                    "env": {
                        "GATE_ID": "${{ inputs.gate-id }}",
                        "GATEWRIGHT_EVIDENCE_DIR": "${{ inputs.evidence-dir }}",
                        "EVIDENCE_OUT": "${{ inputs.output }}",
                    },
                    "run": Script(s.EVIDENCE_FROM_REPOSITORY),
                }
            ],
        },
    }
