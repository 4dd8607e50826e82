"""The jobs of the GitLab export: templates, the promote path, the monitor and rollbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters.pipelines import Commented, Script
from exporters.promote_plan import Job, weight_text

if TYPE_CHECKING:
    from app.spec.schema import SpecStage

BASE_JOB = ".gatewright"
EVIDENCE_JOB = ".gatewright-evidence"
CHECK_JOB = ".gatewright-check"
APPROVE_JOB = ".gatewright-approve"
DEPLOY_JOB = ".gatewright-deploy"
BAKE_JOB = ".gatewright-bake"
MONITOR_JOB = ".gatewright-monitor"

PROMOTE_IF = (
    "$CI_PIPELINE_SOURCE != 'schedule' && $CI_PIPELINE_SOURCE != 'merge_request_event' "
    "&& $GATEWRIGHT_MONITOR != 'true' && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
)
MERGE_REQUEST_IF = "$CI_PIPELINE_SOURCE == 'merge_request_event'"
MONITOR_IF = "$CI_PIPELINE_SOURCE == 'schedule' || $GATEWRIGHT_MONITOR == 'true'"
KEEP = "never"
"""How long decisions and the evidence they were made on are kept: they are the audit trail."""
TIMEOUTS = {"evidence": 30, "check": 10, "approve": 10, "deploy": 60, "bake": 10, "monitor": 10}
"""Minutes each kind of job may run (a bake's wait is a delayed start, not run time)."""
LONGEST_DELAY = 7 * 24 * 60
"""GitLab delays a job (`start_in`) by a week at most."""
ROLLBACK_TIMEOUT = 60

# -- scripts (constants: every value comes from variables) ----------------------------------

EVIDENCE = Script(s.EVIDENCE_FROM_REPOSITORY)

CHECK = s.gate_script(
    """\
  echo "Approvals: from GitLab, read by the approve job (none count here)."
  echo "Submitter: the pipeline's user, $GITLAB_USER_LOGIN."
  set -- --no-approvals --submitted-by "$GITLAB_USER_LOGIN"
""",
    "EVIDENCE",
    """\
case "$status" in
  0) echo "Gate $GATE_ID ($GATE_NAME): promote" ;;
  1) echo "Gate $GATE_ID ($GATE_NAME): reject" ;;
  3) echo "Gate $GATE_ID ($GATE_NAME): hold: approvals are short or data is inconclusive" ;;
  *) echo "Gate $GATE_ID ($GATE_NAME): the input cannot be used (exit $status)" ;;
esac
exit "$status"
""",
)

APPROVE = s.gate_script(
    """\
  echo "Approvals: from GitLab, the approvals of this job's deployment to $CI_ENVIRONMENT_NAME."
  gatewright evidence fetch gitlab-deployment -o gatewright-deployment.json
  set -- --approvals-gitlab gatewright-deployment.json
""",
    "CHECKED",
    """\
case "$status" in
  0) echo "Gate $GATE_ID ($GATE_NAME): promote, with its approvals" ;;
  1) echo "Gate $GATE_ID ($GATE_NAME): reject" ;;
  3)
    echo "Gate $GATE_ID ($GATE_NAME): hold: approvals are short or data is inconclusive."
    if [ "$from" = platform ]; then
      echo "Approve the deployment to $CI_ENVIRONMENT_NAME in GitLab, then retry this job."
    else
      echo "Record the approvals in the evidence, then run the pipeline again."
    fi ;;
  *) echo "Gate $GATE_ID ($GATE_NAME): the input cannot be used (exit $status)" ;;
esac
exit "$status"
""",
)

DEPLOY = Script(
    'echo "Replace this script with your deployment of stage $STAGE_ID ($STAGE_NAME) to '
    '$CI_ENVIRONMENT_NAME at $TRAFFIC_PERCENT% of traffic"\n'
)

DELAYED_BAKE = Script(
    'echo "Stage $STAGE_ID at $TRAFFIC_PERCENT% of traffic: this job started $BAKE_MINUTES '
    'minutes after the deploy step (a delayed job)"\n'
)

BAKE_CHECK = Script(
    f"""\
{s.WATCH}case "$status" in
  0) echo "Stage $STAGE_ID is healthy after the bake: the rollout goes on" ;;
  1) echo "Stage $STAGE_ID fired the rollback of: $fired. The rollout stops here." ;;
  3) echo "Stage $STAGE_ID: too little telemetry to judge the bake; a person must look" ;;
  *) echo "Stage $STAGE_ID: the telemetry cannot be used (exit $status)" ;;
esac
exit "$status"
"""
)

MONITOR = Script(
    f"""\
{s.WATCH}case "$status" in
  0) echo "Stage $STAGE_ID: healthy" ;;
  1) echo "Stage $STAGE_ID: rollback; the rollback jobs of these policies run: $fired" ;;
  3) echo "Stage $STAGE_ID: inconclusive, too little telemetry to judge; a person must look" ;;
  *) echo "Stage $STAGE_ID: the telemetry cannot be used (exit $status)" ;;
esac
exit "$status"
"""
)

ROLLBACK_FIRED = Script(
    f"""\
fired=$(python -c "{s.FIRED_PY}" "{s.MONITOR_DIR}/$STAGE_ID.json")
case " $fired " in
  *" $ROLLBACK_POLICY "*)
    echo "Rollback $ROLLBACK_POLICY of stage $STAGE_ID (target: $ROLLBACK_TARGET) fired" ;;
  *)
    echo "Rollback $ROLLBACK_POLICY: its triggers did not fire; nothing to do"
    exit 0 ;;
esac
"""
)


def _action_line(number: int) -> Script:
    return Script(
        f'echo "Runbook action {number}: replace this line with $ACTION_{number}_ID '
        f'($ACTION_{number}_NAME), carried out by ${{ACTION_{number}_ROLE:-anyone}}"\n'
    )


def _check_line(number: int) -> Script:
    return Script(
        f'echo "Check {number}: replace this line with a check that $CHECK_{number}_ID '
        f'($CHECK_{number}_NAME) holds"\n'
    )


def _data(text: str) -> dict[str, Any]:
    """A variable holding user text: GitLab must not expand ``$`` references in it (and the
    characters no export shows as they are become U+FFFD: ``p.display_text``)."""
    return {"value": p.display_text(text), "expand": False}


def _minutes(minutes: int) -> str:
    return f"{minutes} minutes"


def _rules(kind: str, bake_minutes: int = 0) -> list[dict[str, Any]]:
    """Pushes to the default branch run the promote path; merge requests run the evidence
    and check jobs as a dry run, reported and never blocking (nothing deploys there). A bake
    starts its bake time after the deploy step (GitLab's delayed job), or is played by hand
    past GitLab's longest delay."""
    rule: dict[str, Any] = {"if": PROMOTE_IF, "when": "on_success"}
    if kind == "bake" and bake_minutes <= LONGEST_DELAY:
        rule = {"if": PROMOTE_IF, "when": "delayed", "start_in": _minutes(bake_minutes)}
    elif kind == "bake":
        rule = {"if": PROMOTE_IF, "when": "manual", "allow_failure": False}
    rules: list[dict[str, Any]] = [rule]
    if kind in ("evidence", "check"):
        rules.append({"if": MERGE_REQUEST_IF, "when": "on_success", "allow_failure": True})
    return rules


def _needs(job: Job) -> list[Any]:
    """What a job waits for: a deploy job also takes its gates' decisions, a bake its
    deploy step's time; an evidence job only waits (optionally: in a merge request
    nothing deploys)."""
    finals = {final for _gate, final in job.decisions} if job.kind == "deploy" else set()
    needs: list[Any] = []
    for need in job.needs:
        if job.kind == "evidence":
            needs.append({"job": need, "artifacts": False, "optional": True})
        elif job.kind == "deploy" and need not in finals:
            needs.append({"job": need, "artifacts": False})
        else:
            needs.append(need)
    for final in sorted(finals - set(job.needs)):
        needs.append(final)
    return needs


# -- templates ------------------------------------------------------------------------------


def base_templates(signed: bool = False, mlflow: bool = False) -> dict[str, Commented]:
    """The templates the jobs extend; ``mlflow``: the SOP's metrics name MLflow keys, so
    the check and approve jobs collect evidence from MLflow when it is configured."""
    reads_mlflow: dict[str, Any] = {"variables": {s.MLFLOW_JOB: "true"}} if mlflow else {}
    decided = {"when": "always", "expire_in": KEEP, "paths": [s.EVIDENCE_DIR, s.DECISIONS_DIR]}
    return {
        BASE_JOB: Commented(
            {
                "image": s.PYTHON_IMAGE,
                "before_script": [s.install(signed)],
                "timeout": _minutes(TIMEOUTS["check"]),
            },
            (
                "The jobs that run gatewright extend this: a Python image, and the runtime",
                "installed from this export after its sha256 is checked.",
            ),
        ),
        EVIDENCE_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "script": [EVIDENCE],
                "artifacts": {"when": "always", "expire_in": KEEP, "paths": [s.EVIDENCE_DIR]},
                "timeout": _minutes(TIMEOUTS["evidence"]),
            },
            (
                "YOUR EVALUATION GOES HERE: the one place where evidence is produced. Each",
                "evidence-<gate-id> job runs this script with GATE_ID and EVIDENCE_OUT set; it",
                "must write the gate's evidence to $EVIDENCE_OUT. Until you replace it, it",
                "takes the file committed at $GATEWRIGHT_EVIDENCE_DIR/<gate-id>.json.",
            ),
        ),
        CHECK_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "script": [s.trusting(s.with_mlflow(CHECK, mlflow), signed)],
                "artifacts": decided,
                **reads_mlflow,
            },
            (
                "Check jobs extend this: `gatewright check` on the gate's evidence. Under",
                "GATEWRIGHT_APPROVALS_FROM=platform it counts no approval (the approve job",
                "reads them from GitLab) and records the pipeline's user as the submitter.",
            ),
        ),
        APPROVE_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "script": [s.trusting(s.with_mlflow(APPROVE, mlflow), signed)],
                "artifacts": decided,
                **reads_mlflow,
            },
            (
                "Approve jobs extend this. Each deploys to its gate's approval environment",
                "(approve-<gate-id>), where GitLab's deployment approvals hold it until people",
                "approve (protected environment rules: gitlab/protected-environments.json);",
                "it then reads this deployment's approvals and decides again, and only a",
                "promote lets the stage deploy. A hold fails it: approve in GitLab, then",
                "retry the job.",
            ),
        ),
        DEPLOY_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "before_script": [s.install(signed), s.trusting(s.VERIFY_DEPLOY, signed)],
                "script": [DEPLOY],
                "after_script": [s.RECORD_DEPLOYED_AT],
                "artifacts": {"expire_in": KEEP, "paths": [s.DECISIONS_DIR, s.ROLLOUT_DIR]},
                "timeout": _minutes(TIMEOUTS["deploy"]),
            },
            (
                "Deploy jobs extend this. before_script refuses to deploy unless every gate",
                "into the stage promoted this candidate (GATEWRIGHT_MODEL and",
                "GATEWRIGHT_MODEL_VERSION, when set, must be what the gates decided on);",
                "after_script records when the step was deployed, for the bake after it.",
                "Replace `script` with your deployment; keep before_script and after_script.",
            ),
        ),
        BAKE_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "script": [DELAYED_BAKE, s.trusting(BAKE_CHECK, signed)],
                "artifacts": {"when": "always", "expire_in": KEEP, "paths": [s.MONITOR_DIR]},
                "timeout": _minutes(TIMEOUTS["bake"]),
            },
            (
                "Bake jobs extend this: started after the deploy step's bake time, they judge",
                "the stage with `gatewright monitor` on its telemetry.",
            ),
        ),
        MONITOR_JOB: Commented(
            {
                "extends": [BASE_JOB],
                "script": [s.trusting(MONITOR, signed)],
                "artifacts": {"when": "always", "expire_in": KEEP, "paths": [s.MONITOR_DIR]},
                # Exit 1 (rollback) is allowed so that the rollback jobs after it run; exit 2
                # (unusable telemetry) and 3 (too little) fail the pipeline: a person looks.
                "allow_failure": {"exit_codes": [1]},
            },
            ("Monitor jobs extend this: `gatewright monitor` on the stage's telemetry.",),
        ),
    }


# -- the promote path -----------------------------------------------------------------------


def _gate_variables(job: Job) -> dict[str, Any]:
    gate = job.gate
    assert gate is not None
    gate_id = gate.id
    variables: dict[str, Any] = {"GATE_ID": gate_id, "GATE_NAME": _data(gate.name)}
    if job.kind == "evidence":
        variables["EVIDENCE_OUT"] = s.evidence_file(gate_id)
    elif job.kind == "check":
        variables["EVIDENCE"] = s.evidence_file(gate_id)
        variables["DECIDED_ON"] = s.evidence_file(gate_id, ".checked")
        variables["DECISION"] = s.decision_file(gate_id)
    else:
        variables["CHECKED"] = s.evidence_file(gate_id, ".checked")
        variables["DECIDED_ON"] = s.evidence_file(gate_id, ".approved")
        variables["DECISION"] = s.decision_file(gate_id)
    return variables


def _gate_job(job: Job, role_names: dict[str, str], signed: bool) -> Commented:
    gate = job.gate
    assert gate is not None
    template = {"evidence": EVIDENCE_JOB, "check": CHECK_JOB, "approve": APPROVE_JOB}[job.kind]
    body: dict[str, Any] = {
        "stage": job.group,
        "extends": [template],
        "needs": _needs(job),
        "variables": _gate_variables(job),
    }
    if job.kind == "evidence":
        body["rules"] = _rules("evidence")
        lines = [f"Evidence of gate {gate.id}: the script is the {EVIDENCE_JOB} template's."]
        return Commented(body, tuple(lines))
    approvals = bool(gate.approval.rules)
    if job.kind == "check":
        # Exit 3 (hold) is allowed only where the approve job follows, which decides
        # again with the platform's approvals and fails on a hold: nothing is promoted on a hold.
        body["allow_failure"] = {"exit_codes": [3]} if approvals else False
        body["rules"] = _rules("check")
        back = f"; a rejected candidate goes back to {gate.on_reject}" if gate.on_reject else ""
        criteria = ", ".join(criterion.id for criterion in gate.criteria) or "none"
        lines = [
            f"Gate {gate.id} ({p.one_line(gate.name)}): {gate.from_} -> {gate.to}{back}.",
            f"Criteria: {criteria}.",
            f"Approval: {p.one_line(p.approval_words(gate.approval, role_names), 400)}.",
            "Exit 0 promote, 1 reject (the pipeline fails), 2 unusable input (fails),",
            "3 hold: allowed here, the approve job decides next."
            if approvals
            else "3 hold: fails the job; retry it once a person has looked at the data.",
        ]
        return Commented(body, tuple(lines))
    body["environment"] = {
        "name": job.environment,
        "action": "start",
        "deployment_tier": "other",
        "url": f"$CI_JOB_URL/artifacts/file/{s.decision_file(gate.id)}",
    }
    body["rules"] = _rules("approve")
    lines = [f"Approve {gate.id}: GitLab holds it for the approvals of {job.environment}."]
    return Commented(body, tuple(lines))


def _stage_variables(job: Job) -> dict[str, Any]:
    stage = job.stage
    assert stage is not None
    variables: dict[str, Any] = {
        "STAGE_ID": stage.id,
        "STAGE_NAME": _data(stage.name),
        "TRAFFIC_PERCENT": weight_text(job.weight),
    }
    if job.kind == "deploy":
        variables["GATES"] = " ".join(gate for gate, _final in job.decisions)
    else:
        variables["BAKE_MINUTES"] = str(job.bake_minutes)
    return variables


def _stage_job(job: Job, signed: bool) -> Commented:
    stage = job.stage
    assert stage is not None
    step = f" step {job.step} of {job.steps}" if job.steps > 1 else ""
    body: dict[str, Any] = {
        "stage": job.group,
        "extends": [DEPLOY_JOB if job.kind == "deploy" else BAKE_JOB],
        "needs": _needs(job),
        "variables": _stage_variables(job),
    }
    if job.kind == "deploy":
        environment: dict[str, Any] = {"name": job.environment, "action": "start"}
        if job.decisions:
            environment["url"] = f"$CI_JOB_URL/artifacts/browse/{s.DECISIONS_DIR}/"
        body["environment"] = environment
        body["resource_group"] = f"gatewright-{job.environment}"
        body["rules"] = _rules("deploy")
        lines = [
            f"Stage {stage.id} ({p.one_line(stage.name)}){step}: deploys to the",
            f"environment {job.environment} at {weight_text(job.weight)}% of traffic; one "
            "deployment at a time (resource_group).",
        ]
        if job.decisions:
            lines.append("The environment's URL shows the decisions it deployed under.")
        return Commented(body, tuple(lines))
    # A delayed job starts when its time is up (GitLab keeps the delay); one played by
    # hand past GitLab's longest delay checks first that the bake time has passed.
    delayed = job.bake_minutes <= LONGEST_DELAY
    if not delayed:
        body["script"] = [s.BAKED, s.trusting(BAKE_CHECK, signed)] if job.monitored else [s.BAKED]
    elif not job.monitored:
        body["script"] = [DELAYED_BAKE]
    body["rules"] = _rules("bake", job.bake_minutes)
    wait = (
        f"starts {job.bake_minutes} minutes after the deploy step (a delayed job)"
        if delayed
        else f"is played by hand once {job.bake_minutes} minutes have passed (GitLab delays "
        "a job by a week at most); it refuses to judge earlier"
    )
    watch = (
        "then judges the stage with `gatewright monitor` on $GATEWRIGHT_TELEMETRY_DIR/"
        f"{stage.id}.json: a rollback or too little telemetry stops the rollout"
        if job.monitored
        else "(the stage has no rollback triggers to check)"
    )
    lines = [f"Bake of stage {stage.id}{step}: {wait};", f"{watch}."]
    return Commented(body, tuple(lines))


def promote_job(job: Job, role_names: dict[str, str], signed: bool = False) -> Commented:
    if job.kind in ("evidence", "check", "approve"):
        return _gate_job(job, role_names, signed)
    return _stage_job(job, signed)


# -- monitoring and rollbacks ---------------------------------------------------------------


def monitor_job(stage: SpecStage, signed: bool = False) -> Commented:
    job = {
        "stage": "monitor",
        "extends": [MONITOR_JOB],
        "variables": {
            "STAGE_ID": stage.id,
            "STAGE_NAME": _data(stage.name),
        },
        "rules": [{"if": MONITOR_IF, "when": "on_success"}],
    }
    lines = [
        f"Monitor {stage.id} ({p.one_line(stage.name)}) on its telemetry: exit 0",
        "healthy, 1 rollback (the rollback job of every fired policy runs), 2 unusable,",
        "3 too little telemetry to judge.",
    ]
    return Commented(job, tuple(lines))


HEADER = [
    "",
    "How the SOP is enforced here",
    "- Pushes to the default branch run the promote path. For each gate: evidence-<gate-id>",
    f"  (the {EVIDENCE_JOB} template: YOUR EVALUATION GOES THERE; until then it takes",
    "  $GATEWRIGHT_EVIDENCE_DIR/<gate-id>.json from the repository), check-<gate-id>",
    "  (`gatewright check` on that evidence) and, on gates with approval rules,",
    "  approve-<gate-id>. Then deploy-<stage-id> jobs (a canary: one per step, each followed",
    "  by a bake: a wait, then `gatewright monitor`). Every job installs the runtime wheel",
    "  in this export after checking its sha256; nothing else of Gatewright is installed.",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(p.CHECK_EXIT_CODES)],
    "  Reject and unusable input fail the pipeline; a hold is allowed only before an",
    "  approve job, which decides again and passes only on promote.",
    "- Approvals (GATEWRIGHT_APPROVALS_FROM): `platform`, the default, reads them in the",
    "  approve job from GitLab: the job deploys to the gate's approval environment",
    "  (approve-<gate-id>), whose protected-environment rules hold it until people approve;",
    "  it then reads that deployment's approvals through the API and the pipeline's user is",
    "  the submitter. A hold is resolved by approving in GitLab and retrying the job. An",
    "  unreachable API fails the job. `evidence` takes the approvals recorded in the",
    "  evidence file instead (a local run with gitlab-ci-local, or no API access).",
    "  Either way `gatewright check` enforces what GitLab cannot express: k-of-n per role,",
    "  separation of duties, approval windows.",
    "- Deploy jobs verify, before deploying, that each gate into their stage promoted this",
    "  candidate on this spec (GATEWRIGHT_MODEL / GATEWRIGHT_MODEL_VERSION, when set, must",
    "  match); decisions and evidence are kept as artifacts.",
    "- Merge requests run every evidence and check job as a dry run: reported (a failure",
    "  is allowed), never deploying.",
    "- gitlab/protected-environments.json: the environments and approval rules to create;",
    "  fill in the group ids.",
    "- Scheduled pipelines (or GATEWRIGHT_MONITOR=true) run the monitor jobs instead; the",
    "  rollback job of every fired policy runs. Schedule it once its telemetry is live:",
    "  on a committed file every run would decide the same. Where the runbook puts people's",
    "  steps (an action with a role) before the registry move (`gatewright rollback`), the",
    "  move waits in the manual job registry-<policy> on the protected environment",
    "  rollback-<policy>, which only those roles' groups may run (see",
    "  gitlab/protected-environments.json).",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(s.STACK_HELP)],
]
