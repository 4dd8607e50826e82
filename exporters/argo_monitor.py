"""The Argo monitor: a CronWorkflow that runs `gatewright monitor` per watched stage and the
runbook of every rollback policy that fired, then fails the run so that someone notices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporters import argo_pods as pods
from exporters import pipelines as p
from exporters import restore_jobs
from exporters.pipelines import Commented

if TYPE_CHECKING:
    from app.spec.schema import GateSpec, SpecRollback, SpecStage

MONITOR_FILE = "argo/monitor-cronworkflow.yaml"
SCHEDULE = "*/15 * * * *"
TELEMETRY_FILE = "/gatewright/telemetry/telemetry.json"
NO_TELEMETRY = '{"windows": []}'

MONITOR_PY = (
    "import json, subprocess, sys; "
    "split = sys.argv.index('--'); out, policies = sys.argv[1], sys.argv[2:split]; "
    "done = subprocess.run(sys.argv[split + 1:], stdout=subprocess.PIPE, text=True); "
    "print(done.stdout, end=''); "
    "found = json.loads(done.stdout) if done.returncode == 1 else {}; "
    "plans = found.get('plans') or ([found['plan']] if found.get('plan') else []); "
    "fired = {plan['policy'] for plan in plans}; "
    "[open(f'{out}/fired-{policy}', 'w').write(str(policy in fired).lower()) "
    "for policy in policies]; "
    "sys.exit(done.returncode if done.returncode not in (0, 1) or "
    "(done.returncode == 1 and not fired & set(policies)) else 0)"
)
"""Run ``gatewright monitor --json`` (the arguments after ``--``), print its decision and
write ``fired-<policy>`` (true or false) for each policy named before ``--``. Healthy and
rollback let the run go on to the runbooks; inconclusive (3), unusable input (2), or a
rollback naming none of the policies fail the step."""


def cron_name(spec: GateSpec) -> str:
    # CronWorkflow names are limited to 52 characters (Argo adds a timestamp to runs).
    return spec.metadata.name[:44].rstrip("-") + "-monitor"


def _telemetry_param(stage_id: str) -> str:
    return f"telemetry-{stage_id}"


def _monitor_template(stage: SpecStage, policies: list[SpecRollback], signed: bool) -> Any:
    ids = [policy.id for policy in policies]
    template = pods.gatewright_template(
        f"monitor-{stage.id}",
        ["python", "-c", MONITOR_PY],
        [
            pods.OUT_MOUNT,
            *ids,
            "--",
            "gatewright",
            "monitor",
            pods.SPEC_FILE,
            *pods.trust_args(signed),
            "--stage",
            stage.id,
            "--telemetry",
            TELEMETRY_FILE,
            "--json",
        ],
        signed,
        {"inputs": {"artifacts": [{"name": "telemetry", "path": TELEMETRY_FILE}]}},
    )
    template["outputs"] = {
        "parameters": [
            {"name": f"fired-{policy}", "valueFrom": {"path": f"{pods.OUT_MOUNT}/fired-{policy}"}}
            for policy in ids
        ]
    }
    triggers = [trigger.id for policy in policies for trigger in policy.triggers]
    lines = [
        f"Stage {stage.id} ({p.one_line(stage.name)}): `gatewright monitor`.",
        f"Triggers: {', '.join(triggers)}. Exit 3 (too little telemetry) fails the step.",
    ]
    return Commented(template, tuple(lines))


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


def rollback_template(policy: SpecRollback) -> Commented:
    steps: list[list[dict[str, Any]]] = []
    lines = [
        f"Rollback {policy.id} of stage {policy.stage} (target: {policy.target}).",
        "Triggers: "
        + "; ".join(f"{trigger.id} ({p.one_line(trigger.name, 60)})" for trigger in policy.triggers)
        + ".",
        *restore_jobs.comment_lines(policy),
    ]
    for number, action in enumerate(policy.actions, start=1):
        parameters = [{"name": "action-id", "value": action.id}]
        if action.role:
            parameters.append({"name": "role", "value": action.role})
        steps.append(
            [
                {
                    "name": f"action-{action.id}",
                    "template": "runbook-action",
                    "arguments": {"parameters": parameters},
                }
            ]
        )
        role = f", {action.role}" if action.role else ""
        lines.append(
            f"  {number}. {p.one_line(action.name, 60)} ({action.id}{role}, {action.minutes:g} min)"
        )
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
    if not steps:
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
    minutes = p.timeout_minutes(policy)
    if minutes:
        template["metadata"]["annotations"]["gatewright.dev/sla-minutes"] = str(minutes)
        lines.append(f"SLA: {minutes} minutes.")
    return Commented(template, tuple(lines))


def _fired(stage_id: str, policy_id: str) -> str:
    return f"{{{{steps.monitor-{stage_id}.outputs.parameters.fired-{policy_id}}}}} == true"


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
    rollbacks = [
        {
            "name": f"rollback-{policy.id}",
            "template": f"rollback-{policy.id}",
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
    "  judged by `gatewright monitor`. It reads the telemetry-<stage> parameter as its",
    '  windows ({"windows": [{"at", "metrics"}]}, gatewright schema telemetry); as exported',
    "  it holds no window, which is inconclusive (exit 3: no data is never healthy) and",
    "  fails the run. Put your telemetry there: replace the step's raw `telemetry`",
    "  artifact with one your metrics system writes (an http, s3 or gcs artifact).",
    "- When a trigger fires, the runbook of every policy that fired runs",
    "  (rollback-<policy>: its actions and checks are placeholders to replace), then the",
    "  run fails so that alerts on failed workflows fire. A stage that is healthy leaves",
    "  its runbooks skipped. Run one runbook by hand with",
    "  argo submit --from cronwf/NAME --entrypoint rollback-<policy>.",
    "- Apply the spec and runtime ConfigMaps and argo/rbac.yaml first (see",
    "  argo/workflow.yaml); the pods are hardened as described there.",
]


def cron_workflow(spec: GateSpec) -> dict[str, Any] | None:
    """The monitor CronWorkflow, or None when no stage has rollback triggers."""
    stages = p.monitored_stages(spec)
    if not stages:
        return None
    signed = spec.signature is not None
    policies = p.policies_for(spec)
    parameters: list[dict[str, Any]] = [
        {
            "name": "gatewright-image",
            "value": pods.scripts.PYTHON_IMAGE,
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
    ]
    templates: list[Any] = [_entry(spec)]
    templates += [_monitor_template(stage, policies[stage.id], signed) for stage in stages]
    templates += [rollback_template(policy) for policy in spec.rollback]
    templates += _runbook_templates()
    labels = {**pods.LABELS, "gatewright.dev/sop": spec.metadata.name}
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
