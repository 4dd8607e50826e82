"""GitHub Actions export: promote, dry-run and monitor workflows, two local actions (the
runtime install, and the evidence step a team replaces), environment payloads, the spec
and the runtime wheel. Jobs and scripts are in ``exporters.github_jobs``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.spec.digest import json_text
from exporters import github_jobs as jobs
from exporters import github_rollback
from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters.github_scripts import (
    EXPRESSIONS,
    STACK_EXPRESSIONS,
    TELEMETRY_DIR_EXPR,
    github_literal,
    unescape_literal,
)
from exporters.pipelines import Commented
from exporters.promote_plan import (
    approval_environment,
    bake_environment,
    promote_jobs,
    stage_environments,
    stage_rollout,
)
from exporters.rollback_order import approval_words, rollback_orders, waiting_words

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec
    from exporters.context import ExportContext

PROMOTE_FILE = ".github/workflows/gatewright-promote.yml"
MONITOR_FILE = ".github/workflows/gatewright-monitor.yml"
DRY_RUN_FILE = ".github/workflows/gatewright-dry-run.yml"
RUNTIME_ACTION_FILE = f"{jobs.RUNTIME_ACTION}/action.yml"
EVIDENCE_ACTION_FILE = f"{jobs.EVIDENCE_ACTION}/action.yml"
SCRIPT_ACTION_FILES = {
    kind: f"{path}/action.yml" for kind, (path, _about) in jobs.SCRIPT_ACTIONS.items()
}
ENVIRONMENTS_FILE = ".github/gatewright/environments.json"
MAX_REVIEWERS = 6  # GitHub's limit of required reviewers per environment
TRUSTED_KEY = s.TRUSTED_KEY
KNOWN_EXPRESSIONS = EXPRESSIONS

__all__ = ["KNOWN_EXPRESSIONS", "export", "github_literal", "unescape_literal"]


def _string_input(description: str, default: str = "") -> dict[str, Any]:
    return {"description": description, "required": False, "default": default, "type": "string"}


PROMOTE_HEADER = [
    "",
    "How the SOP is enforced here",
    "- For each gate: evidence-<gate-id> (it runs .github/actions/gatewright-evidence: YOUR",
    "  EVALUATION GOES THERE; until then it takes evidence/<gate-id>.json from the",
    "  repository), check-<gate-id> (`gatewright check` on that evidence, passed on as an",
    "  artifact) and, on gates with approval rules, approve-<gate-id>. Then deploy jobs (a",
    "  canary: one per step, traffic weight in TRAFFIC_PERCENT, each followed by a bake job",
    "  that waits, then runs `gatewright monitor`). Jobs install the runtime wheel of this",
    "  export (.github/actions/gatewright-runtime checks its sha256 first).",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(p.CHECK_EXIT_CODES)],
    "  Reject and unusable input fail the workflow; a hold goes on only to the approve job,",
    "  which decides again and passes only on promote.",
    "- Approvals (GATEWRIGHT_APPROVALS_FROM, under env: below): `platform`, the default,",
    "  binds approve-<gate-id> to the GitHub environment of the same name, whose required",
    "  reviewers GitHub waits for; the job then reads this run's reviews of that environment",
    "  through the REST API with the job's token, and the workflow's actor is the",
    "  submitter. GitHub lets any one reviewer approve an environment: `gatewright check`",
    "  enforces the rest (k-of-n per role, separation of duties, windows); when approvals",
    "  are short, more reviewers approve and the job is re-run. An API that cannot be read",
    "  fails the job. `evidence` takes the approvals recorded in the evidence file instead.",
    "- Deploy jobs verify the gates' decisions before deploying: a promote of this spec for",
    "  this candidate (the model and version inputs, when given, must match). Decisions go",
    "  to each job's summary and are kept as artifacts.",
    "- approve-<gate-id> jobs wait for the required reviewers of the environment of the",
    "  same name (.github/gatewright/environments.json), then decide again with this run's",
    "  reviews of it. Deploy jobs deploy to their stage's environment, one run at a time",
    "  (concurrency); replace only their placeholder step. Bake jobs wait on the bake-<stage>",
    "  environment's timer and refuse to judge the stage earlier.",
    "- .github/gatewright/environments.json: the environments to create, with reviewers.",
    "- The workflow runs on demand (workflow_dispatch). To promote on every push, add",
    "  `push: {branches: [main]}` under `on:`; the evidence folder is then evidence/.",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(s.STACK_HELP)],
]


def _spec_env(spec: GateSpec, spec_path: str) -> dict[str, Any]:
    """Where the steps find the spec, and the key it must be signed by when it is."""
    key_path = p.trusted_key_of(spec, spec_path)
    return {"GATEWRIGHT_SPEC": spec_path, **({TRUSTED_KEY: key_path} if key_path else {})}


def _stack_env(mlflow: bool) -> dict[str, Any]:
    """The secrets connecting the stack (the ledger, Prometheus, and MLflow when ``mlflow``,
    with the registered model and alias to edit here); unset, each leaves the steps on the
    files of the repository."""
    names = ["GATEWRIGHT_LEDGER", "PROMETHEUS_URL"]
    if mlflow:
        names += ["MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN"]
    env: dict[str, Any] = {name: STACK_EXPRESSIONS[name] for name in names}
    if mlflow:
        env["GATEWRIGHT_MLFLOW_MODEL"] = Commented(
            "", ("The registered MLflow model (empty: no MLflow evidence or registry rollback).",)
        )
        env["GATEWRIGHT_MLFLOW_ALIAS"] = Commented(
            "", ("The alias the last stage serves (empty: champion).",)
        )
    return env


def promote_workflow(spec: GateSpec, spec_path: str, doc: Sop) -> str:
    mlflow = s.reads_mlflow(spec)
    built = {job.id: jobs.promote_job(job, mlflow) for job in promote_jobs(spec, doc)}
    workflow = {
        "name": f"Gatewright promote: {spec.metadata.name}",
        "on": {
            "workflow_dispatch": {
                "inputs": {
                    "evidence_dir": _string_input(
                        "Folder with one <gate-id>.json evidence file per gate", p.EVIDENCE_DIR
                    ),
                    "model": _string_input("Model to deploy (empty: what the gates decided on)"),
                    "version": _string_input(
                        "Version to deploy (empty: what the gates decided on)"
                    ),
                }
            }
        },
        "permissions": {},
        "env": {
            **_spec_env(spec, spec_path),
            "GATEWRIGHT_APPROVALS_FROM": Commented(
                "platform",
                (
                    "platform: the reviews of each gate's approval environment; evidence: the",
                    "approvals recorded in the evidence. A change here is a reviewed commit.",
                ),
            ),
            "GATEWRIGHT_MODEL": "${{ inputs.model }}",
            "GATEWRIGHT_MODEL_VERSION": "${{ inputs.version }}",
            "GATEWRIGHT_BAKE_MINUTES": Commented(
                "", ("Minutes a bake must have lasted; empty: the SOP's bake time.",)
            ),
            "GATEWRIGHT_TELEMETRY_DIR": p.TELEMETRY_DIR,
            **_stack_env(mlflow),
        },
        "concurrency": {
            "group": f"gatewright-promote-{spec.metadata.name}",
            "cancel-in-progress": False,
        },
        "jobs": built,
    }
    header = [
        *p.header_lines(spec, "github", spec_path),
        *PROMOTE_HEADER,
        "",
        *s.evidence_usage(spec_path),
    ]
    return p.dump_yaml(workflow, header)


DRY_RUN_HEADER = [
    "",
    "Pull requests run every gate's check as a dry run: the evidence step, then",
    "`gatewright check` on the criteria alone (no approvals). Reported in each job's summary,",
    "never blocking (continue-on-error) and never deploying.",
]


def dry_run_workflow(spec: GateSpec, spec_path: str) -> str:
    workflow = {
        "name": f"Gatewright dry run: {spec.metadata.name}",
        "on": {"pull_request": {}},
        "permissions": {},
        "env": _spec_env(spec, spec_path),
        "jobs": {f"dry-run-{g.id}": jobs.dry_run_job(g) for g in spec.gates},
    }
    header = [*p.header_lines(spec, "github", spec_path), *DRY_RUN_HEADER]
    return p.dump_yaml(workflow, header)


MONITOR_HEADER = [
    "",
    "On demand, each monitored stage runs `gatewright monitor` on telemetry/<stage-id>.json",
    "(the telemetry_dir input changes the folder); the rollback job of every policy that",
    "fired runs its runbook steps, placeholders to replace with your own commands. Where the",
    "runbook puts people's steps (an action with a role) before the registry move",
    "(`gatewright rollback`), each of those steps waits in its own job, in runbook order,",
    "bound to the environment rollback-<policy>-<action-id>: GitHub holds it until a",
    "required reviewer of that step's role (.github/gatewright/environments.json) approves;",
    "registry-<policy> moves the alias after the last. Nothing else is bound to an",
    "environment, so that required reviewers delay no other rollback step.",
    "To run it on a schedule, add `schedule: [{cron: '*/15 * * * *'}]` under `on:` once",
    "the telemetry step reads live telemetry: on a committed file every run would decide",
    "the same, and start the same rollback again.",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(s.STACK_HELP)],
]


def monitor_workflow(spec: GateSpec, spec_path: str, doc: Sop | None = None) -> str:
    built: dict[str, Any] = {}
    policies = p.policies_for(spec)
    orders = rollback_orders(spec, doc)
    for stage in p.monitored_stages(spec):
        monitor_id = f"monitor-{stage.id}"
        built[monitor_id] = jobs.monitor_job(stage)
        for policy in policies[stage.id]:
            built |= github_rollback.rollback_jobs(
                policy,
                monitor_id,
                s.registry_policies(spec),
                spec.signature is not None,
                spec.components,
                orders[policy.id],
            )
    workflow = {
        "name": f"Gatewright monitor: {spec.metadata.name}",
        "on": {
            "workflow_dispatch": {
                "inputs": {
                    "telemetry_dir": _string_input(
                        "Folder with one <stage-id>.json telemetry file per stage", p.TELEMETRY_DIR
                    )
                }
            },
        },
        "permissions": {},
        "env": {
            **_spec_env(spec, spec_path),
            "GATEWRIGHT_TELEMETRY_DIR": TELEMETRY_DIR_EXPR,
            **_stack_env(bool(s.registry_policies(spec))),
        },
        "concurrency": {
            "group": f"gatewright-monitor-{spec.metadata.name}",
            "cancel-in-progress": False,
        },
        "jobs": built,
    }
    header = [*p.header_lines(spec, "github", spec_path), *MONITOR_HEADER]
    return p.dump_yaml(workflow, header)


def _action_file(data: dict[str, Any], spec: GateSpec, spec_path: str, about: str) -> str:
    header = [*p.header_lines(spec, "github", spec_path), "", about]
    return p.dump_yaml(data, header)


# -- environment protection payloads --------------------------------------------------------


def _branch_policy() -> dict[str, bool]:
    return {"protected_branches": True, "custom_branch_policies": False}


ENVIRONMENT_NOTES = {
    "stage": (
        "Deploy jobs of these stages deploy here, without reviewers: people approve on the "
        "gates' approval environments, so that a canary's steps do not each wait for them."
    ),
    "bake": (
        "The bake jobs of the stage wait here: the wait timer is the SOP's bake time, counted "
        "after each deploy step; the job then refuses to judge the stage earlier than that, "
        "so a timer left unset fails instead of skipping the bake."
    ),
    "approval": (
        "The approve job of the gate waits here for a required reviewer, then reads this "
        "run's reviews of this environment and gatewright check decides. Replace each null "
        "id with the numeric id of the GitHub team (or set type to User and give a user id) "
        "whose members hold the role; GitHub lets any one listed reviewer approve, so "
        "gatewright check still enforces the quorum. prevent_self_review stops whoever "
        "started the run from approving it, GitHub's nearest match to the SOP's separation "
        "of duties (gatewright check enforces the SOP's own rule on the submitter, the "
        "workflow's actor)."
    ),
    "rollback": (
        "One people's step before the registry move of a rollback (job registry-<policy> of "
        "the monitor workflow): its approve-rollback-<policy>-<action> job waits here until "
        "a reviewer of that step's role approves, after the step before it; the move runs "
        "after the last. Replace each null id as for the gates."
    ),
}
"""What each kind of environment is for, said once for the file (`gatewright.kind`)."""


def _environment(name: str, payload: dict[str, Any], note: dict[str, Any]) -> dict[str, Any]:
    return {
        "environment_name": name,
        "request": f"PUT /repos/{{owner}}/{{repo}}/environments/{name}",
        "payload": payload,
        "gatewright": note,
    }


def _reviewers(roles: list[str], role_names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "type": "Team",
            "id": None,
            "gatewright_role": role,
            "gatewright_role_name": role_names.get(role, role),
        }
        for role in roles
    ]


def environments(spec: GateSpec, doc: Sop) -> dict[str, Any]:
    """``PUT /repos/{owner}/{repo}/environments/{environment_name}`` payloads: the stages'
    environments, each canary or shadow stage's bake environment, and one approval
    environment per gate with approval rules."""
    role_names = p.role_names_of(spec)
    entries = [
        _environment(
            name,
            {"deployment_branch_policy": _branch_policy()},
            {"kind": "stage", "stages": stages},
        )
        for name, stages in stage_environments(spec).items()
    ]
    for stage in spec.stages:
        bake = stage_rollout(doc, stage.id).bake_minutes
        if not bake:
            continue
        note: dict[str, Any] = {"kind": "bake", "stage": stage.id, "bake_minutes": bake}
        if bake > jobs.LONGEST_WAIT:
            note["notes"] = [
                f"GitHub waits {jobs.LONGEST_WAIT} minutes at most: re-run the bake job once "
                f"the {bake} minutes are over."
            ]
        payload = {
            "wait_timer": min(bake, jobs.LONGEST_WAIT),
            "deployment_branch_policy": _branch_policy(),
        }
        entries.append(_environment(bake_environment(stage), payload, note))
    for gate in spec.gates:
        roles = p.approval_role_ids(gate.approval)
        if not roles:
            continue
        reviewers = _reviewers(roles, role_names)
        note = {
            "kind": "approval",
            "gate": gate.id,
            "approval": p.approval_words(gate.approval, role_names),
        }
        if len(reviewers) > MAX_REVIEWERS:
            note["notes"] = [f"GitHub accepts at most {MAX_REVIEWERS} reviewers: merge some teams."]
        payload = {
            "prevent_self_review": gate.approval.separation_of_duties,
            "reviewers": reviewers,
            "deployment_branch_policy": _branch_policy(),
        }
        entries.append(_environment(approval_environment(gate), payload, note))
    members = {role.id: list(role.members) for role in spec.roles}
    for order in rollback_orders(spec, doc).values():
        if not order.waits:
            continue
        for approval in order.approvals:
            reviewers = [
                {**reviewer, "gatewright_members": members.get(reviewer["gatewright_role"], [])}
                for reviewer in _reviewers([approval.role], role_names)
            ]
            note = {
                "kind": "rollback",
                "rollback": order.policy,
                "step": approval.action,
                "releases": p.one_line(approval_words(approval, role_names), 400),
                "waits_for": p.one_line(waiting_words(order, role_names), 400),
            }
            payload = {"reviewers": reviewers, "deployment_branch_policy": _branch_policy()}
            entries.append(_environment(approval.environment, payload, note))
    document = p.payload_document(
        (
            "GitHub environments for the SOP, as payloads for PUT "
            "/repos/{owner}/{repo}/environments/{environment_name}: the environments deploy "
            "jobs deploy to, each canary or shadow stage's bake environment, one approval "
            "environment per gate with approval rules, and one per rollback whose registry "
            "move waits for people. Fill in the reviewer ids, drop the "
            "gatewright_* fields if your tooling is strict, then apply each payload, e.g. gh "
            "api --method PUT repos/OWNER/REPO/environments/NAME --input FILE."
        ),
        spec,
        entries,
    )
    document["kinds"] = ENVIRONMENT_NOTES
    return document


# -- entry point ----------------------------------------------------------------------------


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the workflows, the local actions, the environment payloads, the spec and the
    runtime wheel into the folder ``out``."""
    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            (
                "Writing the promote workflow",
                PROMOTE_FILE,
                lambda spec, spec_path: promote_workflow(spec, spec_path, doc),
            ),
            ("Writing the dry-run workflow", DRY_RUN_FILE, dry_run_workflow),
            (
                "Writing the monitor workflow",
                MONITOR_FILE,
                lambda spec, spec_path: (
                    monitor_workflow(spec, spec_path, doc) if spec.rollback else None
                ),
            ),
            (
                "Writing the runtime action",
                RUNTIME_ACTION_FILE,
                lambda spec, spec_path: _action_file(
                    jobs.runtime_action(spec_path, spec.signature is not None),
                    spec,
                    spec_path,
                    "Installs the runtime wheel of this export; the workflows use it.",
                ),
            ),
            (
                "Writing the evidence action",
                EVIDENCE_ACTION_FILE,
                lambda spec, spec_path: _action_file(
                    jobs.evidence_action(),
                    spec,
                    spec_path,
                    "YOUR EVALUATION GOES HERE: the one step that produces a gate's evidence.",
                ),
            ),
            *[
                (
                    f"Writing the {kind} action",
                    name,
                    lambda spec, spec_path, kind=kind: _action_file(
                        jobs.script_action(kind, spec.signature is not None, s.reads_mlflow(spec)),
                        spec,
                        spec_path,
                        "The step every job of its kind runs; the jobs give it ids through env.",
                    ),
                )
                for kind, name in SCRIPT_ACTION_FILES.items()
            ],
            (
                "Writing the environment payloads",
                ENVIRONMENTS_FILE,
                lambda spec, _spec_path: json_text(environments(spec, doc)),
            ),
        ],
        runtime=True,
    )
