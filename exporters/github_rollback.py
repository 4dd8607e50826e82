"""The rollback jobs of the GitHub monitor workflow: the runbook's steps in the SOP's order,
and the registry move after the people the runbook puts before it (an approval
environment holds it until one of them approves)."""

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
    'echo "The registry move of $ROLLBACK_POLICY waits in job $MOVE_JOB for a reviewer of '
    'the environment $APPROVAL_ENVIRONMENT (the people of the steps above)"\n'
)
"""The last step of a rollback job whose registry move waits for people."""


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
    """The jobs of one policy, by id: ``rollback-<policy>``, and ``registry-<policy>`` when
    the registry move waits for people (``order``: where the move sits, as
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
    fields["env"] = env | {"MOVE_JOB": move_id, "APPROVAL_ENVIRONMENT": order.environment}
    body = head(fields, (monitor_job_id,), minutes or ROLLBACK_TIMEOUT)
    handed = {"name": "Hand the registry move over to the approvers", "run": HANDED_OVER}
    body["steps"] = [checkout(), *before, handed]
    roles = ", ".join(order.approvers)
    lines += [
        "It runs when the monitor lists this policy among those fired: the runbook's steps",
        f"before the registry move, each a placeholder. The move waits in {move_id} for",
        f"a reviewer of the environment {order.environment} (roles {roles}).",
    ]
    move = head(
        {
            "name": github_literal(f"Rollback after approval: {triggers}"),
            "if": _fired(monitor_job_id, policy.id),
            "runs-on": RUNNER,
            "environment": order.environment,
            "env": env | mlflow_env,
        },
        (monitor_job_id, f"rollback-{policy.id}"),
        minutes or ROLLBACK_TIMEOUT,
    )
    move["steps"] = [checkout(), *moved]
    move_lines = [
        f"The registry move of {policy.id}: GitHub holds this job until a required reviewer",
        f"of {order.environment} approves (.github/gatewright/environments.json). Then",
        "`gatewright rollback` moves the MLflow alias back (once per incident, when",
        "GATEWRIGHT_MLFLOW_MODEL is set), and the runbook's remaining steps and checks follow.",
    ]
    return {
        f"rollback-{policy.id}": Commented(body, tuple(lines)),
        move_id: Commented(move, tuple(move_lines)),
    }
