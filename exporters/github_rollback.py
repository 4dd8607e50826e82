"""The rollback jobs of the GitHub monitor workflow: the runbook's steps in the SOP's order,
and the registry move after the people's steps the runbook puts before it (one job per
step, each held by its own environment until a person of that step's role approves)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters import restore_jobs
from exporters.github_jobs import RUNNER, checkout, head, runtime
from exporters.github_scripts import ACTION, VERIFY, github_literal
from exporters.pipelines import Commented, Script
from exporters.rollback_order import RollbackOrder, rollback_order

if TYPE_CHECKING:
    from app.spec.schema import SpecAction, SpecRollback

ROLLBACK_TIMEOUT = 60

HANDED_OVER = Script(
    "echo \"The registry move of $ROLLBACK_POLICY waits in job $MOVE_JOB for each people's "
    "step in order, first $APPROVAL_ENVIRONMENT (its role's reviewers approve)\"\n"
)
"""The last step of a rollback job whose registry move waits for people."""
APPROVED = Script(
    'echo "Step $ACTION_NUMBER ($ACTION_ID, role $ACTION_ROLE) of $ROLLBACK_POLICY approved '
    'in the environment $APPROVAL_ENVIRONMENT"\n'
)
"""The one step of an approval job: GitHub ran it, so a reviewer of its environment approved."""


def move_job_id(policy_id: str) -> str:
    """The job that moves the registry alias once people have approved."""
    return f"registry-{policy_id}"


def _action_steps(actions: Iterable[SpecAction], first: int) -> list[dict[str, Any]]:
    steps = []
    for number, action in enumerate(actions, start=first):
        env = {"ACTION_ID": action.id}
        if action.role:
            env["ACTION_ROLE"] = action.role
        steps.append(
            {"name": github_literal(f"Action {number}: {action.name}"), "env": env, "run": ACTION}
        )
    return steps


def _move_steps(
    policy: SpecRollback, monitor_job_id: str, registry: list[str], signed: bool
) -> list[dict[str, Any]]:
    return [
        runtime(),
        {
            "name": "Move the registry alias back to the version promoted before",
            "env": {
                "REGISTRY_POLICIES": " ".join(registry),
                "FIRED_POLICIES": f"${{{{ needs.{monitor_job_id}.outputs.policies }}}}",
            },
            "run": s.trusting(s.REGISTRY_ROLLBACK, signed),
        },
    ]


def _restore_steps(policy: SpecRollback, components: Iterable[Any]) -> list[dict[str, Any]]:
    # The component's name is the one user text in an env value: escaped as in a step's
    # name, and printed by a constant script. The safe version shows in the name only.
    return [
        {
            "name": github_literal(f"Restore {restore.number}: {restore_jobs.described(restore)}"),
            "env": {
                "RESTORE_COMPONENT": restore.component,
                "RESTORE_NAME": github_literal(restore.label),
                "RESTORE_SOURCE": restore.source,
            },
            "run": restore_jobs.RESTORE_STEP,
        }
        for restore in restore_jobs.steps(policy, components)
    ]


def _check_steps(policy: SpecRollback) -> list[dict[str, Any]]:
    return [
        {
            "name": github_literal(f"Check: {check.name or check.id}"),
            "env": {"CHECK_ID": check.id},
            "run": VERIFY,
        }
        for check in policy.checks
    ]


def _fired(monitor_job_id: str, policy_id: str) -> str:
    return f"contains(fromJSON(needs.{monitor_job_id}.outputs.policies), '{policy_id}')"


def rollback_jobs(
    policy: SpecRollback,
    monitor_job_id: str,
    registry_policies: list[str] | None = None,
    signed: bool = False,
    components: Iterable[Any] = (),
    order: RollbackOrder | None = None,
) -> dict[str, Commented]:
    """The jobs of one policy, by id: ``rollback-<policy>``, and when the registry move
    waits for people one ``approve-<environment>`` job per people's step, chained in
    runbook order, then ``registry-<policy>`` (``order``: where the move sits, as
    ``exporters.rollback_order`` computes it from the SOP). ``registry_policies``: those that
    roll the last stage back to its previous stable version (`gatewright rollback` moves
    the MLflow alias, once per incident); ``components``: the spec's catalog."""
    registry = registry_policies or []
    order = order or rollback_order(policy, policy.id in registry, None)
    triggers = ", ".join(trigger.name for trigger in policy.triggers)
    minutes = p.timeout_minutes(policy)
    env = {"ROLLBACK_POLICY": policy.id, "STAGE_ID": policy.stage, "ROLLBACK_TARGET": policy.target}
    mlflow_env = {s.MLFLOW_JOB: "true"} if order.registry else {}
    before = _action_steps(order.before, 1)
    moved: list[dict[str, Any]] = []
    if order.registry:
        moved = _move_steps(policy, monitor_job_id, registry, signed)
    moved += _restore_steps(policy, components)
    moved += _action_steps(order.after, len(order.before) + 1)
    moved += _check_steps(policy)
    target = (
        "redeploy the previous stable version"
        if policy.target == "previous-stable"
        else f"demote to {policy.target}"
    )
    sla = f"; SLA {minutes} minutes (the job times out then)" if minutes else ""
    lines = [f"Rollback policy {policy.id} of stage {policy.stage}: {target}{sla}."]
    fields: dict[str, Any] = {
        "name": github_literal(f"Rollback: {triggers}"),
        "if": _fired(monitor_job_id, policy.id),
        "runs-on": RUNNER,
    }
    if not order.waits:
        fields["env"] = env | mlflow_env
        body = head(fields, (monitor_job_id,), minutes or ROLLBACK_TIMEOUT)
        body["steps"] = [checkout(), *before, *moved]
        lines += (
            [
                "It runs when the monitor lists this policy among those fired. First `gatewright",
                "rollback` moves the MLflow alias back (once per incident, when",
                "GATEWRIGHT_MLFLOW_MODEL is set: see the header); each other step is a",
                "placeholder for one runbook action or check, in the SOP's order.",
            ]
            if order.registry and not order.before
            else [
                "It runs when the monitor lists this policy among those fired. `gatewright",
                "rollback` moves the MLflow alias back where the runbook puts it (once per",
                "incident, when GATEWRIGHT_MLFLOW_MODEL is set: see the header); each other",
                "step is a placeholder for one runbook action or check, in the SOP's order.",
            ]
            if order.registry
            else [
                "It runs when the monitor lists this policy among those fired. Each step is a",
                "placeholder for one runbook action or check, in the SOP's order.",
            ]
        )
        return {f"rollback-{policy.id}": Commented(body, tuple(lines))}
    move_id = move_job_id(policy.id)
    first = order.approvals[0]
    fields["env"] = env | {"MOVE_JOB": move_id, "APPROVAL_ENVIRONMENT": first.environment}
    body = head(fields, (monitor_job_id,), minutes or ROLLBACK_TIMEOUT)
    handed = {"name": "Hand the registry move over to the approvers", "run": HANDED_OVER}
    body["steps"] = [checkout(), *before, handed]
    chain = " -> ".join(a.job for a in order.approvals)
    lines += [
        "It runs when the monitor lists this policy among those fired: the runbook's steps",
        "before the registry move, each a placeholder. Then each people's step waits in",
        f"its own job, in order ({chain}), and the move in {move_id} after the last.",
    ]
    built = {f"rollback-{policy.id}": Commented(body, tuple(lines))}
    previous = f"rollback-{policy.id}"
    for approval in order.approvals:
        job = head(
            {
                "name": github_literal(f"Approve step {approval.number}: {triggers}"),
                "if": _fired(monitor_job_id, policy.id),
                "runs-on": RUNNER,
                "environment": approval.environment,
                "env": {
                    "ROLLBACK_POLICY": policy.id,
                    "ACTION_NUMBER": str(approval.number),
                    "ACTION_ID": approval.action,
                    "ACTION_ROLE": approval.role,
                    "APPROVAL_ENVIRONMENT": approval.environment,
                },
            },
            (monitor_job_id, previous),
            minutes or ROLLBACK_TIMEOUT,
        )
        job["steps"] = [{"name": "Say who approved this step", "run": APPROVED}]
        built[approval.job] = Commented(
            job,
            (
                f"Step {approval.number} ({approval.action}) of rollback {policy.id}: GitHub",
                f"holds this job until a required reviewer of {approval.environment} (role",
                f"{approval.role} only: .github/gatewright/environments.json) approves.",
            ),
        )
        previous = approval.job
    move = head(
        {
            "name": github_literal(f"Rollback after approval: {triggers}"),
            "if": _fired(monitor_job_id, policy.id),
            "runs-on": RUNNER,
            "env": env | mlflow_env,
        },
        (monitor_job_id, previous),
        minutes or ROLLBACK_TIMEOUT,
    )
    move["steps"] = [checkout(), *moved]
    move_lines = [
        f"The registry move of {policy.id}: it runs after {previous}, the last people's step,",
        "each approved in turn by its own role. Then `gatewright rollback` moves the MLflow",
        "alias back (once per incident, when GATEWRIGHT_MLFLOW_MODEL is set), and the",
        "runbook's remaining steps and checks follow.",
    ]
    built[move_id] = Commented(move, tuple(move_lines))
    return built
