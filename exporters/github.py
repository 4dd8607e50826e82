"""GitHub Actions export: promote and monitor workflows, environment payloads and the spec.

GitHub evaluates ``${{ ... }}`` in almost every workflow value (names, env, inputs), so
user text (names) only ever appears in ``name:`` fields, escaped with ``github_literal``,
and scripts are constants that read ids from ``env``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.spec.digest import json_text
from exporters import pipelines as p
from exporters.pipelines import Commented, Script

if TYPE_CHECKING:
    from app.model.document import Sop
    from exporters.context import ExportContext

PROMOTE_FILE = ".github/workflows/gatewright-promote.yml"
MONITOR_FILE = ".github/workflows/gatewright-monitor.yml"
ENVIRONMENTS_FILE = ".github/gatewright/environments.json"
RUNNER = "ubuntu-latest"
CHECKOUT = "actions/checkout@v4"
SETUP_PYTHON = "actions/setup-python@v5"
UPLOAD_ARTIFACT = "actions/upload-artifact@v4"
MONITOR_CRON = "*/15 * * * *"
MAX_WAIT_TIMER = 43_200  # GitHub's limit for an environment's wait timer, in minutes
MAX_REVIEWERS = 6  # GitHub's limit of required reviewers per environment

EXPRESSION_ESCAPE = "${{ '${{' }}"
"""GitHub's way to write a literal ``${{``: an expression whose value is that string."""
EVIDENCE_DIR_EXPR = "${{ inputs.evidence_dir || 'evidence' }}"
TELEMETRY_DIR_EXPR = "${{ inputs.telemetry_dir || 'telemetry' }}"
KNOWN_EXPRESSIONS = (
    EXPRESSION_ESCAPE,
    EVIDENCE_DIR_EXPR,
    TELEMETRY_DIR_EXPR,
    "${{ steps.monitor.outputs.decision }}",
    "${{ steps.monitor.outputs.policy }}",
)
"""Every ``${{`` the exporter writes on purpose; no other one can appear in a workflow."""


def github_literal(text: str) -> str:
    """User text that GitHub shows as written instead of evaluating ``${{ ... }}`` in it."""
    return text.replace("${{", EXPRESSION_ESCAPE)


def unescape_literal(text: str) -> str:
    """What GitHub shows for a value escaped with :func:`github_literal`."""
    return text.replace(EXPRESSION_ESCAPE, "${{")


# -- scripts (constants: every value comes from env) ----------------------------------------

INSTALL = Script('python -m pip install --disable-pip-version-check "$GATEWRIGHT_PIP_SPEC"\n')

DEPLOY = Script('echo "Replace this step with your deployment to $STAGE_ID"\n')

CHECK = Script(
    f"""\
status=0
gatewright check "$SPEC" --gate "$GATE_ID" --evidence "$EVIDENCE" --json \\
  > {p.DECISION_FILE} || status=$?
case "$status" in
  0) decision=promote ;;
  1) decision=reject ;;
  3) decision=hold ;;
  *) decision=unusable ;;
esac
{{
  echo "## Gate \\`$GATE_ID\\`: $decision"
  if [ -s {p.DECISION_FILE} ]; then
    echo '```json'
    cat {p.DECISION_FILE}
    echo '```'
  fi
}} >> "$GITHUB_STEP_SUMMARY"
case "$decision" in
  promote)
    echo "Gate $GATE_ID promotes the candidate." ;;
  reject)
    echo "::error title=Gate rejected::Gate $GATE_ID rejected the candidate (see the job summary)."
    exit 1 ;;
  hold)
    echo "::warning title=Gate on hold::Gate $GATE_ID holds: approvals short or data inconclusive."
    echo "Record what is missing in the evidence, then run the workflow again."
    exit 1 ;;
  *)
    echo "::error title=Gate could not decide::gatewright check exited $status: unusable input."
    exit "$status" ;;
esac
"""
)

MONITOR = Script(
    f"""\
status=0
gatewright monitor "$SPEC" --stage "$STAGE_ID" --telemetry "$TELEMETRY" --json \\
  > {p.MONITOR_FILE} || status=$?
case "$status" in
  0) decision=healthy ;;
  1) decision=rollback ;;
  3) decision=inconclusive ;;
  *)
    echo "::error title=Monitor could not decide::gatewright monitor exited $status: bad input."
    exit "$status" ;;
esac
policy=$(python -c '{p.POLICY_OF}' {p.MONITOR_FILE})
echo "decision=$decision" >> "$GITHUB_OUTPUT"
echo "policy=$policy" >> "$GITHUB_OUTPUT"
{{
  echo "## Stage \\`$STAGE_ID\\`: $decision"
  echo '```json'
  cat {p.MONITOR_FILE}
  echo '```'
}} >> "$GITHUB_STEP_SUMMARY"
if [ "$decision" = rollback ]; then
  echo "::warning title=Rollback::Stage $STAGE_ID needs rollback $policy: its job follows."
fi
if [ "$decision" = inconclusive ]; then
  echo "::error title=Monitor inconclusive::Stage $STAGE_ID has too little telemetry to judge."
  exit 3
fi
"""
)

ACTION = Script(
    'echo "Replace this step with runbook action $ACTION_ID (role: ${ACTION_ROLE:-none})"\n'
)

VERIFY = Script('echo "Replace this step with a check that $CHECK_ID holds after the rollback"\n')


# -- shared job pieces ----------------------------------------------------------------------


def _tool_steps() -> list[dict[str, Any]]:
    return [
        {"name": "Check out the repository", "uses": CHECKOUT},
        {"name": "Set up Python", "uses": SETUP_PYTHON, "with": {"python-version": "3.11"}},
        {"name": "Install gatewright", "run": INSTALL},
    ]


def _upload(name: str, path: str) -> dict[str, Any]:
    return {
        "name": "Keep the decision for the audit trail",
        "if": "always()",
        "uses": UPLOAD_ARTIFACT,
        "with": {"name": name, "path": path, "if-no-files-found": "ignore"},
    }


def _common_head() -> dict[str, Any]:
    return {
        "permissions": {"contents": "read"},
        "env": {"GATEWRIGHT_PIP_SPEC": p.PIP_SPEC},
    }


# -- the promote workflow -------------------------------------------------------------------


def _deploy_job(step: p.PathStep) -> Commented:
    stage = step.data
    job: dict[str, Any] = {"name": github_literal(f"Deploy: {stage['name']}")}
    if step.needs:
        job["needs"] = [need.job_id for need in step.needs]
    job.update(
        {
            "runs-on": RUNNER,
            "environment": stage["id"],
            "env": {"STAGE_ID": stage["id"]},
            "steps": [
                {"name": "Check out the repository", "uses": CHECKOUT},
                {"name": "Deploy (placeholder: replace with your deployment)", "run": DEPLOY},
            ],
        }
    )
    lines = [
        f"Stage {stage['id']}: deploys to the GitHub environment {stage['id']}.",
        "Only the placeholder step is yours to replace; keep the gate logic in the gate jobs.",
    ]
    return Commented(job, tuple(lines))


def _gate_job(step: p.PathStep, spec_path: str) -> Commented:
    gate = step.data
    job: dict[str, Any] = {"name": github_literal(f"Gate: {gate['name']}")}
    if step.needs:
        job["needs"] = [need.job_id for need in step.needs]
    job.update(
        {
            "runs-on": RUNNER,
            "env": {
                "SPEC": spec_path,
                "GATE_ID": gate["id"],
                "EVIDENCE": f"{EVIDENCE_DIR_EXPR}/{gate['id']}.json",
            },
            "steps": [
                *_tool_steps(),
                {"name": "Decide the gate", "run": CHECK},
                _upload(f"gatewright-decision-{gate['id']}", p.DECISION_FILE),
            ],
        }
    )
    criteria = ", ".join(criterion["id"] for criterion in gate["criteria"]) or "none"
    back = f"; a rejected candidate goes back to {gate['on_reject']}" if gate["on_reject"] else ""
    lines = [
        f"Gate {gate['id']}: {gate['from']} -> {gate['to']}{back}.",
        f"Criteria: {criteria}.",
        f"Approval: {p.approval_words(gate['approval'])}.",
    ]
    return Commented(job, tuple(lines))


PROMOTE_HEADER = [
    "",
    "How the SOP is enforced here",
    "- Each stage has a deploy job bound to the GitHub environment of the same name; its",
    "  deploy step is a placeholder: replace it with your deployment.",
    "- Between two stages a gate job runs `gatewright check` on evidence/<gate-id>.json",
    "  (produce it earlier in the pipeline, or commit it; the evidence_dir input changes",
    "  the folder). The decision JSON goes to the job summary and is kept as an artifact.",
    "- 0 promote: the next deploy job runs. 1 reject and 2 unusable input: the job fails.",
    "  3 hold: the job writes a warning and fails too, so that the next stage never runs",
    "  on a held candidate; record the missing approvals in the evidence and run the",
    "  workflow again. Failing closed is deliberate: a skipped job would look like success.",
    "- GitHub cannot express k-of-n approvals, approvals from several roles, or separation",
    "  of duties in workflow YAML: any ONE required reviewer of an environment can approve.",
    *[f"  {line}" for line in p.QUORUM_LINES],
    "- .github/gatewright/environments.json holds the environment settings (required",
    "  reviewers per role, prevent_self_review, wait timers) to apply with the REST API;",
    "  GitHub's review then comes on top of the quorum, never instead of it.",
    "- The workflow runs on demand (workflow_dispatch). To promote on every push, add",
    "  `push: {branches: [main]}` under `on:`; the evidence folder is then evidence/.",
]


def promote_workflow(spec: dict[str, Any], spec_path: str) -> str:
    jobs: dict[str, Any] = {}
    for step in p.promote_path(spec):
        job = _deploy_job(step) if step.kind == "deploy" else _gate_job(step, spec_path)
        jobs[step.job_id] = job
    workflow = {
        "name": f"Gatewright promote: {spec['metadata']['name']}",
        "on": {
            "workflow_dispatch": {
                "inputs": {
                    "evidence_dir": {
                        "description": "Folder with one <gate-id>.json evidence file per gate",
                        "required": False,
                        "default": p.EVIDENCE_DIR,
                        "type": "string",
                    }
                }
            }
        },
        **_common_head(),
        "concurrency": {
            "group": f"gatewright-promote-{spec['metadata']['name']}",
            "cancel-in-progress": False,
        },
        "jobs": jobs,
    }
    header = [*p.header_lines(spec, "github", spec_path), *PROMOTE_HEADER]
    return p.dump_yaml(workflow, header)


# -- the monitor workflow -------------------------------------------------------------------


def _monitor_job(stage: dict[str, Any], spec_path: str) -> Commented:
    job = {
        "name": github_literal(f"Monitor: {stage['name']}"),
        "runs-on": RUNNER,
        "outputs": {
            "decision": "${{ steps.monitor.outputs.decision }}",
            "policy": "${{ steps.monitor.outputs.policy }}",
        },
        "env": {
            "SPEC": spec_path,
            "STAGE_ID": stage["id"],
            "TELEMETRY": f"{TELEMETRY_DIR_EXPR}/{stage['id']}.json",
        },
        "steps": [
            *_tool_steps(),
            {"name": "Watch the stage", "id": "monitor", "run": MONITOR},
            _upload(f"gatewright-monitor-{stage['id']}", p.MONITOR_FILE),
        ],
    }
    lines = [
        f"Stage {stage['id']}: `gatewright monitor` on telemetry/{stage['id']}.json.",
        "0 healthy; 1 rollback: the job succeeds with a warning and names the policy, so that",
        "its rollback job runs; 3 inconclusive (too little or no telemetry: no data is never",
        "healthy) and 2 unusable telemetry: the job fails, so that a person looks.",
    ]
    return Commented(job, tuple(lines))


def _rollback_job(policy: dict[str, Any], monitor_job: str) -> Commented:
    triggers = ", ".join(trigger["name"] for trigger in policy["triggers"])
    steps: list[dict[str, Any]] = [{"name": "Check out the repository", "uses": CHECKOUT}]
    for number, action in enumerate(policy["actions"], start=1):
        env = {"ACTION_ID": action["id"]}
        if action.get("role"):
            env["ACTION_ROLE"] = action["role"]
        steps.append(
            {
                "name": github_literal(f"Action {number}: {action['name']}"),
                "env": env,
                "run": ACTION,
            }
        )
    for check in policy["checks"]:
        steps.append(
            {
                "name": github_literal(f"Check: {check.get('name') or check['id']}"),
                "env": {"CHECK_ID": check["id"]},
                "run": VERIFY,
            }
        )
    job: dict[str, Any] = {
        "name": github_literal(f"Rollback: {triggers}"),
        "needs": [monitor_job],
        "if": f"needs['{monitor_job}'].outputs.policy == '{policy['id']}'",
        "runs-on": RUNNER,
    }
    minutes = p.timeout_minutes(policy)
    if minutes:
        job["timeout-minutes"] = minutes
    job["env"] = {
        "ROLLBACK_POLICY": policy["id"],
        "STAGE_ID": policy["stage"],
        "ROLLBACK_TARGET": policy["target"],
    }
    job["steps"] = steps
    target = (
        "redeploy the previous stable version"
        if policy["target"] == "previous-stable"
        else f"demote to {policy['target']}"
    )
    sla = f"; SLA {minutes} minutes (the job times out then)" if minutes else ""
    lines = [
        f"Rollback policy {policy['id']} of stage {policy['stage']}: {target}{sla}.",
        "Each step is a placeholder for one runbook action or check, in the SOP's order.",
    ]
    return Commented(job, tuple(lines))


MONITOR_HEADER = [
    "",
    "Every 15 minutes (and on demand) each monitored stage runs `gatewright monitor` on",
    "telemetry/<stage-id>.json (the telemetry_dir input changes the folder). When a trigger",
    "fires, the rollback job of the policy it names runs its runbook steps, which are",
    "placeholders to replace with your own commands. Rollback jobs are not bound to an",
    "environment, so that required reviewers never delay a rollback.",
]


def monitor_workflow(spec: dict[str, Any], spec_path: str) -> str:
    jobs: dict[str, Any] = {}
    for stage in p.monitored_stages(spec):
        monitor_job = f"monitor-{stage['id']}"
        jobs[monitor_job] = _monitor_job(stage, spec_path)
        for policy in p.policies_for(spec, stage["id"]):
            jobs[f"rollback-{policy['id']}"] = _rollback_job(policy, monitor_job)
    workflow = {
        "name": f"Gatewright monitor: {spec['metadata']['name']}",
        "on": {
            "schedule": [{"cron": MONITOR_CRON}],
            "workflow_dispatch": {
                "inputs": {
                    "telemetry_dir": {
                        "description": "Folder with one <stage-id>.json telemetry file per stage",
                        "required": False,
                        "default": p.TELEMETRY_DIR,
                        "type": "string",
                    }
                }
            },
        },
        **_common_head(),
        "concurrency": {
            "group": f"gatewright-monitor-{spec['metadata']['name']}",
            "cancel-in-progress": False,
        },
        "jobs": jobs,
    }
    header = [*p.header_lines(spec, "github", spec_path), *MONITOR_HEADER]
    return p.dump_yaml(workflow, header)


# -- environment protection payloads --------------------------------------------------------


def environments(spec: dict[str, Any], doc: Sop) -> dict[str, Any]:
    """``PUT /repos/{owner}/{repo}/environments/{environment_name}`` payloads, per stage."""
    role_names = p.role_names_of(spec)
    entries = []
    for stage in spec["stages"]:
        gates = p.gates_into(spec, stage["id"])
        roles = list(
            dict.fromkeys(role for gate in gates for role in p.approval_role_ids(gate["approval"]))
        )
        reviewers = [
            {"type": "Team", "id": None, "gatewright_role": role, "gatewright_role_name": name}
            for role in roles
            for name in [role_names.get(role, role)]
        ]
        separation = any(
            gate["approval"].get("separation_of_duties", True)
            for gate in gates
            if gate["approval"].get("rules")
        )
        bake = min(p.stage_bake_minutes(doc, stage["id"]), MAX_WAIT_TIMER)
        payload: dict[str, Any] = {
            "wait_timer": bake,
            "prevent_self_review": separation,
            "reviewers": reviewers,
            "deployment_branch_policy": (
                {"protected_branches": True, "custom_branch_policies": False} if gates else None
            ),
        }
        notes = []
        if reviewers:
            notes.append(
                "Replace each null id with the numeric id of the GitHub team (or set type to "
                "User and give a user id) whose members hold the role; GitHub lets any one "
                "listed reviewer approve, so gatewright check still enforces the quorum."
            )
        if len(reviewers) > MAX_REVIEWERS:
            notes.append(f"GitHub accepts at most {MAX_REVIEWERS} reviewers: merge some teams.")
        if separation:
            notes.append(
                "prevent_self_review stops whoever started the run from approving it, GitHub's "
                "nearest match to the SOP's separation of duties (gatewright check enforces "
                "the SOP's own rule on candidate.submitted_by)."
            )
        if bake:
            notes.append(
                "wait_timer is the stage's bake time from the SOP (canary or shadow strategy)."
            )
        if not gates:
            notes.append("Entry stage: no gate leads here, so no reviewers and any branch.")
        entries.append(
            {
                "environment_name": stage["id"],
                "request": f"PUT /repos/{{owner}}/{{repo}}/environments/{stage['id']}",
                "payload": payload,
                "gatewright": p.stage_note(stage, gates, role_names, notes),
            }
        )
    return p.payload_document(
        (
            "GitHub environment protection for each stage of the SOP, as payloads for "
            "PUT /repos/{owner}/{repo}/environments/{environment_name}. Fill in the reviewer "
            "ids, drop the gatewright_* fields if your tooling is strict, then apply each "
            "payload, e.g. gh api --method PUT repos/OWNER/REPO/environments/NAME --input FILE."
        ),
        spec,
        entries,
    )


# -- entry point ----------------------------------------------------------------------------


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the workflows, the environment payloads and the spec into the folder ``out``."""
    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            ("Writing the promote workflow", PROMOTE_FILE, promote_workflow),
            (
                "Writing the monitor workflow",
                MONITOR_FILE,
                lambda spec, spec_path: (
                    monitor_workflow(spec, spec_path) if spec["rollback"] else None
                ),
            ),
            (
                "Writing the environment payloads",
                ENVIRONMENTS_FILE,
                lambda spec, _spec_path: json_text(environments(spec, doc)),
            ),
        ],
    )
