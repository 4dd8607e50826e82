"""The rollback jobs of the GitLab export: the runbook's steps in the SOP's order, and the
registry move after the people's steps the runbook puts before it (a chain of manual jobs,
one per step, each on a protected environment that only that step's role may deploy to; the
last of them is the move's own job)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters import restore_jobs
from exporters.gitlab_jobs import (
    BASE_JOB,
    MONITOR_IF,
    ROLLBACK_FIRED,
    ROLLBACK_TIMEOUT,
    _action_line,
    _check_line,
    _data,
    _minutes,
)
from exporters.pipelines import Commented, Script
from exporters.rollback_order import RollbackOrder, rollback_order

if TYPE_CHECKING:
    from app.spec.schema import SpecAction, SpecRollback

HANDED_OVER = Script(
    "echo \"The registry move of $ROLLBACK_POLICY waits in $MOVE_JOB for each people's step in "
    'order: first the manual job $APPROVAL_JOB, which only its role may run"\n'
)
"""The last line of a rollback job whose registry move waits for people."""
APPROVED = Script(
    'echo "Step $ACTION_NUMBER ($ACTION_ID, role $ACTION_ROLE) of $ROLLBACK_POLICY approved '
    'on the protected environment $APPROVAL_ENVIRONMENT"\n'
)
"""The script of a manual approval job: it ran, so a deployer of its environment played it."""
NO_STEPS = Script('echo "This rollback has no runbook steps: add yours here"\n')


def move_job_id(policy_id: str) -> str:
    """The manual job that moves the registry alias once people have done their steps."""
    return f"registry-{policy_id}"


def _actions(
    actions: Iterable[SpecAction], first: int, variables: dict[str, Any], lines: list[str]
) -> list[Script]:
    script = []
    for number, action in enumerate(actions, start=first):
        variables[f"ACTION_{number}_ID"] = action.id
        variables[f"ACTION_{number}_NAME"] = _data(action.name)
        if action.role:
            variables[f"ACTION_{number}_ROLE"] = action.role
        script.append(_action_line(number))
        role = f", {action.role}" if action.role else ""
        lines.append(
            f"  {number}. {p.one_line(action.name, 60)} ({action.id}{role}, {action.minutes:g} min)"
        )
    return script


def _checks(policy: SpecRollback, variables: dict[str, Any], lines: list[str]) -> list[Script]:
    script = []
    for number, check in enumerate(policy.checks, start=1):
        variables[f"CHECK_{number}_ID"] = check.id
        variables[f"CHECK_{number}_NAME"] = _data(check.name or check.id)
        script.append(_check_line(number))
        lines.append(f"  check: {p.one_line(check.name or check.id, 60)}")
    return script


def rollback_jobs(
    policy: SpecRollback,
    registry_policies: list[str] | None = None,
    signed: bool = False,
    components: Iterable[Any] = (),
    order: RollbackOrder | None = None,
) -> dict[str, Commented]:
    """The jobs of one policy, by id: ``rollback-<policy>``, and when the registry move
    waits for people one manual ``approve-<environment>`` job per people's step but the
    last, chained in runbook order, then the manual ``registry-<policy>`` of the last
    (``order``: where the move sits, from ``exporters.rollback_order``).
    ``registry_policies``: those that roll the last stage back to its previous stable
    version (`gatewright rollback` moves the MLflow alias, once per incident);
    ``components``: the spec's catalog."""
    registry = registry_policies or []
    order = order or rollback_order(policy, policy.id in registry, None)
    base = {
        "ROLLBACK_POLICY": policy.id,
        "STAGE_ID": policy.stage,
        "ROLLBACK_TARGET": policy.target,
    }
    variables: dict[str, Any] = dict(base)
    lines = [
        f"Rollback {policy.id} of stage {policy.stage} (target: {policy.target}).",
        "Triggers: "
        + "; ".join(f"{trigger.id} ({p.one_line(trigger.name, 60)})" for trigger in policy.triggers)
        + ".",
        *restore_jobs.comment_lines(policy, components),
        "It runs after the monitor job and goes on only if this policy fired;",
    ]
    script: list[Script] = [ROLLBACK_FIRED]
    if order.before:
        lines.append("runbook steps before the registry move, each line a placeholder:")
        script += _actions(order.before, 1, variables, lines)
    move_vars: dict[str, Any] = dict(base) if order.waits else variables
    move_lines: list[str] = [] if order.waits else lines
    moved: list[Script] = [ROLLBACK_FIRED] if order.waits else script
    if order.registry:
        move_vars[s.MLFLOW_JOB] = "true"
        move_vars["REGISTRY_POLICIES"] = " ".join(registry)
        moved.append(s.trusting(s.REGISTRY_ROLLBACK, signed))
        move_lines += [
            "`gatewright rollback` moves the MLflow alias GATEWRIGHT_MLFLOW_ALIAS of",
            "GATEWRIGHT_MLFLOW_MODEL back to the version promoted before (when set);",
        ]
    if plan := restore_jobs.plan_text(policy, components):
        move_vars["RESTORE_PLAN"] = _data(plan)
        moved.append(restore_jobs.RESTORE_PLAN)
    move_lines.append("runbook, each line a placeholder to replace:")
    moved += _actions(order.after, len(order.before) + 1, move_vars, move_lines)
    moved += _checks(policy, move_vars, move_lines)
    if not order.before and not order.after and not policy.checks:
        moved.append(NO_STEPS)
    minutes = p.timeout_minutes(policy)
    sla = [f"SLA: {minutes} minutes (the job times out then)."] if minutes else []
    job: dict[str, Any] = {
        "stage": "rollback",
        "extends": [BASE_JOB],
        "needs": [f"monitor-{policy.stage}"],
        "variables": variables,
        "script": script,
        "timeout": _minutes(minutes or ROLLBACK_TIMEOUT),
        "rules": [{"if": MONITOR_IF, "when": "on_success"}],
    }
    if not order.waits:
        return {f"rollback-{policy.id}": Commented(job, (*lines, *sla))}
    move_id = move_job_id(policy.id)
    *steps, last = order.approvals
    # The last person's step is the move's own manual job: gitlab-ci-local refuses a
    # pipeline whose automatic job needs an unplayed manual one, and GitLab holds a job
    # that needs an unplayed manual job, so each job of the chain is played by its role.
    jobs = [a.job for a in steps] + [move_id]
    variables |= {"MOVE_JOB": move_id, "APPROVAL_JOB": jobs[0]}
    script.append(HANDED_OVER)
    chain = " -> ".join(jobs)
    lines += [
        "The registry move waits for each people's step in order, each a manual job on its",
        f"own protected environment that only that step's role may run: {chain}.",
    ]
    timeout = _minutes(minutes or ROLLBACK_TIMEOUT)
    built = {f"rollback-{policy.id}": Commented(job, tuple(lines))}
    previous = f"rollback-{policy.id}"
    for approval in steps:
        approve: dict[str, Any] = {
            "stage": "rollback",
            "extends": [BASE_JOB],
            "needs": [f"monitor-{policy.stage}", previous],
            "variables": base
            | {
                "ACTION_NUMBER": str(approval.number),
                "ACTION_ID": approval.action,
                "ACTION_ROLE": approval.role,
                "APPROVAL_ENVIRONMENT": approval.environment,
            },
            "script": [ROLLBACK_FIRED, APPROVED],
            "environment": {
                "name": approval.environment,
                "action": "start",
                "deployment_tier": "other",
            },
            "timeout": timeout,
            # Played by hand, only by the deployers of its protected environment (this
            # step's role). Allowed to stay unplayed, so that a pipeline in which nothing
            # fired is not left blocked; the jobs that need it wait for it all the same.
            "rules": [{"if": MONITOR_IF, "when": "manual", "allow_failure": True}],
        }
        built[approval.job] = Commented(
            approve,
            (
                f"Step {approval.number} ({approval.action}) of rollback {policy.id}: a manual",
                "job that only the deployers of the protected environment",
                f"{approval.environment} (role {approval.role}, in",
                f"gitlab/protected-environments.json) may run, after {previous}.",
            ),
        )
        previous = approval.job
    move: dict[str, Any] = {
        "stage": "rollback",
        "extends": [BASE_JOB],
        "needs": [f"monitor-{policy.stage}", previous],
        "variables": move_vars
        | {
            "ACTION_NUMBER": str(last.number),
            "ACTION_ID": last.action,
            "ACTION_ROLE": last.role,
            "APPROVAL_ENVIRONMENT": last.environment,
        },
        "script": [moved[0], APPROVED, *moved[1:]],
        "environment": {"name": last.environment, "action": "start", "deployment_tier": "other"},
        "timeout": timeout,
        # The last person's step: played by hand, only by its role (see the chain above).
        "rules": [{"if": MONITOR_IF, "when": "manual", "allow_failure": True}],
    }
    head = [
        f"The registry move of rollback {policy.id}, played by the last people's step",
        f"({last.number}, {last.action}): a manual job that only the deployers of the protected",
        f"environment {last.environment} (role {last.role}) may run, after {previous}.",
    ]
    built[move_id] = Commented(move, (*head, *move_lines, *sla))
    return built
