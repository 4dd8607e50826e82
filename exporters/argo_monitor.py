"""The Argo monitor: a CronWorkflow that runs `gatewright monitor` per watched stage and the
runbook of every rollback policy that fired, then fails the run so that someone notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from exporters import argo_pods as pods
from exporters import pipeline_scripts as scripts
from exporters import pipelines as p
from exporters import restore_jobs
from exporters.pipelines import Commented, Script
from exporters.rollback_order import RollbackOrder, rollback_order, rollback_orders

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecAction, SpecRollback, SpecStage

MONITOR_FILE = "argo/monitor-cronworkflow.yaml"
SCHEDULE = "*/15 * * * *"
TELEMETRY_DIR = "/gatewright/telemetry"
NO_TELEMETRY = '{"windows": []}'
REGISTRY_TEMPLATE = "registry-rollback"
APPROVAL_TEMPLATE = "await-rollback-approval"
"""The template of the suspend steps before a registry move that waits for people."""


def approval_step(action_id: str) -> str:
    """The suspend step of one people's step before the move: ``await-<action id>``."""
    return f"await-{action_id}"


MONITOR = Script(
    f"""\
{scripts.WATCH}printf '%s' "$fired" > fired
named=false
for policy in $POLICIES; do
  case " $fired " in
    *" $policy "*) printf true > "fired-$policy"; named=true ;;
    *) printf false > "fired-$policy" ;;
  esac
done
case "$status" in
  0) ;;
  1) [ "$named" = true ] || exit 1 ;;
  *) exit "$status" ;;
esac
"""
)
"""The monitor of the GitHub and GitLab jobs (scripts.WATCH: Prometheus when PROMETHEUS_URL
is set, else the stage's telemetry file; the ledger when GATEWRIGHT_LEDGER is), then
``fired`` (the fired policies) and ``fired-<policy>`` (true or false) for each policy in
$POLICIES. Healthy and rollback let the run go on to the runbooks; inconclusive (3),
unusable input (2), or a rollback naming none of the policies fail the step."""


def telemetry_file(stage_id: str) -> str:
    return f"{TELEMETRY_DIR}/{stage_id}.json"


def cron_name(spec: GateSpec) -> str:
    # CronWorkflow names are limited to 52 characters (Argo adds a timestamp to runs).
    return spec.metadata.name[:44].rstrip("-") + "-monitor"


def _telemetry_param(stage_id: str) -> str:
    return f"telemetry-{stage_id}"


def _monitor_template(stage: SpecStage, policies: list[SpecRollback], signed: bool) -> Any:
    ids = [policy.id for policy in policies]
    env = pods.value_env(
        STAGE_ID=stage.id, POLICIES=" ".join(ids), GATEWRIGHT_TELEMETRY_DIR=TELEMETRY_DIR
    ) + pods.secret_env(pods.LEDGER, pods.PROMETHEUS)
    template = pods.gatewright_template(
        f"monitor-{stage.id}",
        MONITOR,
        env,
        signed,
        {"inputs": {"artifacts": [{"name": "telemetry", "path": telemetry_file(stage.id)}]}},
    )
    template["outputs"] = {
        "parameters": [
            {"name": name, "valueFrom": {"path": f"{pods.OUT_MOUNT}/{name}"}}
            for name in ["fired", *(f"fired-{policy}" for policy in ids)]
        ]
    }
    triggers = [trigger.id for policy in policies for trigger in policy.triggers]
    lines = [
        f"Stage {stage.id} ({p.one_line(stage.name)}): `gatewright monitor` (Prometheus when",
        "the stack Secret has PROMETHEUS_URL, else the telemetry artifact).",
        f"Triggers: {', '.join(triggers)}. Exit 3 (too little telemetry) fails the step.",
    ]
    return Commented(template, tuple(lines))


def _registry_template(spec: GateSpec, signed: bool) -> Commented:
    """The registry rollback of the GitHub and GitLab jobs (scripts.REGISTRY_ROLLBACK): the
    MLflow alias back to the version the ledger records as promoted before, once per
    incident (by the first fired policy of ``scripts.registry_policies``)."""
    env = pods.value_env(
        STAGE_ID=scripts.registry_stage(spec) or "",
        ROLLBACK_POLICY="{{inputs.parameters.policy}}",
        REGISTRY_POLICIES=" ".join(scripts.registry_policies(spec)),
        FIRED_POLICIES="{{inputs.parameters.fired}}",
    )
    env += [*pods.secret_env(pods.LEDGER), *pods.mlflow_env()]
    inputs = {"inputs": {"parameters": [{"name": "policy"}, {"name": "fired"}]}}
    template = pods.gatewright_template(
        REGISTRY_TEMPLATE, scripts.REGISTRY_ROLLBACK, env, signed, inputs
    )
    lines = (
        "`gatewright rollback`: the MLflow alias (parameter mlflow-alias) of the model",
        "(mlflow-model) goes back to the version the ledger records as promoted before; with",
        "no model or tracking server configured it only says so and the runbook rolls back.",
    )
    return Commented(template, lines)


def _approval_template() -> Commented:
    lines = (
        "The registry move waits at one such step per people's step before it, in runbook",
        "order (await-<action-id>): a person of that step's role resumes it (argo resume).",
        "Argo cannot restrict who resumes: whoever may resume workflows in the namespace can.",
    )
    return Commented({"name": APPROVAL_TEMPLATE, "suspend": {}}, lines)


def _runbook_templates() -> list[Commented]:
    action = {
        "name": "runbook-action",
        "inputs": {"parameters": [{"name": "action-id"}, {"name": "role", "value": "anyone"}]},
        "container": pods.placeholder_container(
            [
                "Replace with runbook action",
                "{{inputs.parameters.action-id}}",
                "carried out by",
                "{{inputs.parameters.role}}",
            ]
        ),
    }
    check = {
        "name": "runbook-check",
        "inputs": {"parameters": [{"name": "check-id"}]},
        "container": pods.placeholder_container(
            ["Replace with a check that this holds:", "{{inputs.parameters.check-id}}"]
        ),
    }
    stop = {
        "name": "rolled-back",
        "inputs": {"parameters": [{"name": "stage"}]},
        "container": pods.hardened(
            {
                "image": pods.PLACEHOLDER_IMAGE,
                "command": ["sh", "-c", 'echo "stage $0 was rolled back" >&2; exit 1'],
                "args": ["{{inputs.parameters.stage}}"],
            },
            placeholder=True,
        ),
    }
    return [
        Commented(action, ("Placeholder for one rollback action: replace with your own.",)),
        Commented(check, ("Placeholder for one check after a rollback: replace with yours.",)),
        Commented(stop, ("Fails the run after a rollback, so that alerts on failed runs fire.",)),
    ]


def _action_step(action: SpecAction) -> list[dict[str, Any]]:
    parameters = [{"name": "action-id", "value": action.id}]
    if action.role:
        parameters.append({"name": "role", "value": action.role})
    return [
        {
            "name": f"action-{action.id}",
            "template": "runbook-action",
            "arguments": {"parameters": parameters},
        }
    ]


def _action_line(number: int, action: SpecAction) -> str:
    role = f", {action.role}" if action.role else ""
    return f"  {number}. {p.one_line(action.name, 60)} ({action.id}{role}, {action.minutes:g} min)"


def rollback_template(
    policy: SpecRollback,
    registry: bool = False,
    components: Iterable[Any] = (),
    order: RollbackOrder | None = None,
) -> Commented:
    """The runbook of one policy; ``registry``: it rolls the last stage back to its previous
    stable version, which a step does in the MLflow registry (once per incident: the input
    ``fired`` names the policies that fired; run by hand, this one) where ``order`` puts it
    (``exporters.rollback_order``: after the people's steps it waits for, behind a suspend
    step that one of them resumes)."""
    order = order or rollback_order(policy, registry, None)
    steps: list[list[dict[str, Any]]] = []
    lines = [
        f"Rollback {policy.id} of stage {policy.stage} (target: {policy.target}).",
        "Triggers: "
        + "; ".join(f"{trigger.id} ({p.one_line(trigger.name, 60)})" for trigger in policy.triggers)
        + ".",
        *restore_jobs.comment_lines(policy, components),
    ]
    for number, action in enumerate(order.before, start=1):
        steps.append(_action_step(action))
        lines.append(_action_line(number, action))
    for approval in order.approvals if order.waits else ():
        name = approval_step(approval.action)
        steps.append([{"name": name, "template": APPROVAL_TEMPLATE}])
        lines.append(
            f"  then: suspended at {name} until {approval.role} resumes step {approval.number}"
            f" (argo resume WORKFLOW --node-field-selector displayName={name})."
        )
    if registry:
        parameters = [
            {"name": "policy", "value": policy.id},
            {"name": "fired", "value": "{{inputs.parameters.fired}}"},
        ]
        steps.append(
            [
                {
                    "name": "registry",
                    "template": REGISTRY_TEMPLATE,
                    "arguments": {"parameters": parameters},
                }
            ]
        )
        where = "then" if order.before else "first"
        lines.append(
            f"  {where}: `gatewright rollback` in the MLflow registry (registry-rollback)."
        )
    for number, action in enumerate(order.after, start=len(order.before) + 1):
        steps.append(_action_step(action))
        lines.append(_action_line(number, action))
    for number, check in enumerate(policy.checks, start=1):
        steps.append(
            [
                {
                    "name": f"verify-{number}",
                    "template": "runbook-check",
                    "arguments": {"parameters": [{"name": "check-id", "value": check.id}]},
                }
            ]
        )
        lines.append(f"  check: {p.one_line(check.name or check.id, 60)}")
    if not policy.actions and not policy.checks:
        steps.append(
            [
                {
                    "name": "add-your-steps",
                    "template": "runbook-action",
                    "arguments": {"parameters": [{"name": "action-id", "value": "none"}]},
                }
            ]
        )
    template: dict[str, Any] = {
        "name": f"rollback-{policy.id}",
        "metadata": {"annotations": {"gatewright.dev/rollback-target": policy.target}},
        "steps": steps,
    }
    if registry:
        template["inputs"] = {"parameters": [{"name": "fired", "value": policy.id}]}
    minutes = p.timeout_minutes(policy)
    if minutes:
        template["metadata"]["annotations"]["gatewright.dev/sla-minutes"] = str(minutes)
        lines.append(f"SLA: {minutes} minutes.")
    return Commented(template, tuple(lines))


def _fired(stage_id: str, policy_id: str) -> str:
    return f"{{{{steps.monitor-{stage_id}.outputs.parameters.fired-{policy_id}}}}} == true"


def _fired_argument(stage_id: str) -> dict[str, Any]:
    """The policies the stage's monitor fired, for a registry rollback (once per incident)."""
    fired = f"{{{{steps.monitor-{stage_id}.outputs.parameters.fired}}}}"
    return {"arguments": {"parameters": [{"name": "fired", "value": fired}]}}


def _entry(spec: GateSpec) -> Commented:
    """monitor: every stage's monitor at once, then each fired runbook, then the failure."""
    policies = p.policies_for(spec)
    stages = p.monitored_stages(spec)
    monitors = [
        {
            "name": f"monitor-{stage.id}",
            "template": f"monitor-{stage.id}",
            "arguments": {
                "artifacts": [
                    {
                        "name": "telemetry",
                        "raw": {
                            "data": f"{{{{workflow.parameters.{_telemetry_param(stage.id)}}}}}"
                        },
                    }
                ]
            },
        }
        for stage in stages
    ]
    registry = scripts.registry_policies(spec)
    rollbacks = [
        {
            "name": f"rollback-{policy.id}",
            "template": f"rollback-{policy.id}",
            **(_fired_argument(stage.id) if policy.id in registry else {}),
            "when": _fired(stage.id, policy.id),
        }
        for stage in stages
        for policy in policies[stage.id]
    ]
    stops = [
        {
            "name": f"rolled-back-{stage.id}",
            "template": "rolled-back",
            "arguments": {"parameters": [{"name": "stage", "value": stage.id}]},
            "when": " || ".join(f"{_fired(stage.id, policy.id)}" for policy in policies[stage.id]),
        }
        for stage in stages
    ]
    lines = ["Monitor every watched stage; run every fired runbook; then fail if any ran."]
    return Commented({"name": "monitor", "steps": [monitors, rollbacks, stops]}, tuple(lines))


HEADER = [
    "",
    "How the monitor runs",
    f"- Every 15 minutes ({SCHEDULE}, schedules below) each watched stage's telemetry is",
    "  judged by `gatewright monitor`. With PROMETHEUS_URL in the Secret",
    f"  {pods.STACK_SECRET} (argo/workflow.yaml says how to create it) it asks Prometheus",
    "  with the SOP's queries; else it reads the telemetry-<stage> parameter as its",
    '  windows ({"windows": [{"at", "metrics"}]}, gatewright schema telemetry); as exported',
    "  it holds no window, which is inconclusive (exit 3: no data is never healthy) and",
    "  fails the run. Put your telemetry there: replace the step's raw `telemetry`",
    "  artifact with one your metrics system writes (an http, s3 or gcs artifact).",
    "- When a trigger fires, the runbook of every policy that fired runs",
    "  (rollback-<policy>: its actions and checks are placeholders to replace; a",
    "  previous-stable rollback of the last stage moves the MLflow alias back when the",
    "  parameter mlflow-model and the Secret's MLflow keys are set, at the step the SOP",
    "  marks registry-rollback; where people's steps come before the move, the run",
    "  suspends at await-<action-id> for each of them in turn, in runbook order (argo",
    "  resume NAME --node-field-selector displayName=await-<action-id>; Argo cannot",
    "  restrict who resumes), then the",
    "  run fails so that alerts on failed workflows fire. A stage that is healthy leaves",
    "  its runbooks skipped. Run one runbook by hand with",
    "  argo submit --from cronwf/NAME --entrypoint rollback-<policy>.",
    "- Every monitor and rollback decision is recorded in the ledger GATEWRIGHT_LEDGER",
    "  of that Secret, when set.",
    "- Apply the spec and runtime ConfigMaps and argo/rbac.yaml first (see",
    "  argo/workflow.yaml); the pods are hardened as described there.",
]


def cron_workflow(spec: GateSpec, doc: Sop | None = None) -> dict[str, Any] | None:
    """The monitor CronWorkflow, or None when no stage has rollback triggers (``doc``: the
    SOP, which marks the runbook step the registry move carries out)."""
    stages = p.monitored_stages(spec)
    if not stages:
        return None
    signed = spec.signature is not None
    policies = p.policies_for(spec)
    parameters: list[dict[str, Any]] = [
        {
            "name": "gatewright-image",
            "value": scripts.PYTHON_IMAGE,
            "description": "Image the monitor steps run in (Python 3.11 or later).",
        },
        *(
            {
                "name": _telemetry_param(stage.id),
                "value": NO_TELEMETRY,
                "description": f"Telemetry windows of stage {stage.id} (gatewright contract 6).",
            }
            for stage in stages
        ),
        *(pods.mlflow_parameters() if scripts.registry_policies(spec) else []),
    ]
    templates: list[Any] = [_entry(spec)]
    templates += [_monitor_template(stage, policies[stage.id], signed) for stage in stages]
    registry = scripts.registry_policies(spec)
    orders = rollback_orders(spec, doc)
    templates += [
        rollback_template(policy, policy.id in registry, spec.components, orders[policy.id])
        for policy in spec.rollback
    ]
    if registry:
        templates.append(_registry_template(spec, signed))
    if any(order.waits for order in orders.values()):
        templates.append(_approval_template())
    templates += _runbook_templates()
    labels = pods.labels(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "CronWorkflow",
        "metadata": {
            "name": cron_name(spec),
            "labels": labels,
            "annotations": {"gatewright.dev/spec-digest": spec.digest},
        },
        "spec": {
            "schedules": [SCHEDULE],
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "workflowSpec": {
                "entrypoint": "monitor",
                **pods.pod_fields(spec),
                "arguments": {"parameters": parameters},
                "templates": templates,
            },
        },
    }
