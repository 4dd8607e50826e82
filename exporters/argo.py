"""Argo Workflows export: a Workflow for the promote path, a CronWorkflow for the monitor and
its rollbacks, the spec and the runtime as ConfigMaps, the service account and its Role.

Argo substitutes ``{{...}}`` in template fields, so user text (names) only appears in YAML
comments; containers run the GitHub and GitLab exports' constant scripts, given ids and
paths (slugs) through env, or placeholders' argument arrays.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exporters import argo_monitor
from exporters import argo_pods as pods
from exporters import pipeline_scripts as scripts
from exporters import pipelines as p
from exporters.pipelines import Commented, Script

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecGate, SpecStage
    from exporters.context import ExportContext

WORKFLOW_FILE = "argo/workflow.yaml"
CONFIGMAP_FILE = "argo/spec-configmap.yaml"
RUNTIME_CONFIGMAP_FILE = "argo/runtime-configmap.yaml"
MONITOR_FILE = argo_monitor.MONITOR_FILE
RBAC_FILE = pods.RBAC_FILE
SPEC_FILE = pods.SPEC_FILE
KEY_NAME = pods.KEY_NAME
KEY_FILE = pods.KEY_FILE
EVIDENCE_FILE = "/gatewright/evidence/evidence.json"
LABELS = pods.LABELS
configmap_name = pods.configmap_name
runtime_configmap_name = pods.runtime_configmap_name


def _generate_name(spec: GateSpec) -> str:
    # Argo adds 5 characters, and workflow names end up in 63-character pod labels.
    return spec.metadata.name[:50].rstrip("-") + "-"


def _evidence_param(gate_id: str) -> str:
    return f"evidence-{gate_id}"


# -- templates ------------------------------------------------------------------------------


def _deploy_template(stage: SpecStage) -> Commented:
    template = {
        "name": f"deploy-{stage.id}",
        "container": pods.placeholder_container(
            ["Replace this template with your deployment to", stage.id]
        ),
    }
    lines = [f"Stage {stage.id} ({p.one_line(stage.name)}): deployment placeholder."]
    return Commented(template, tuple(lines))


CHECK = "gatewright-check"
CHECK_HELD = "gatewright-check-held"
GATE_PARAM = "{{inputs.parameters.gate}}"
DECIDED_ON = f"{pods.OUT_MOUNT}/evidence.json"
DECISION = f"{pods.OUT_MOUNT}/decision.json"
MODEL_VERSION_PARAM = "model-version"
HELD = """\
if [ "$status" = 3 ]; then
  echo "hold: the approvers decide next; the check runs again with their approvals" >&2
  exit 0
fi
"""
"""Before a gate's approval a hold only says that the approvals are still to come: it goes
on to the approvers. A reject or unusable input stops."""


def check_script(mlflow: bool, held: bool) -> Script:
    """The check of the GitHub and GitLab jobs (scripts.DECIDE, recording in the ledger when
    GATEWRIGHT_LEDGER is set); ``mlflow``: the evidence is collected first, with MLflow's
    when it is configured (scripts.with_mlflow)."""
    collect = scripts.with_mlflow(Script(scripts.collect_over("EVIDENCE")), True)
    return Script(
        (collect if mlflow else "") + scripts.DECIDE + (HELD if held else "") + 'exit "$status"\n'
    )


def _check_templates(signed: bool, mlflow: bool) -> list[Commented]:
    """The two check templates every gate's steps use, the gate id a parameter (a slug):
    gatewright-check, where only a promote goes on, and gatewright-check-held, the check
    before a gate's approval, where a hold goes on too (the approvers decide next)."""
    env = pods.value_env(
        GATE_ID=GATE_PARAM,
        EVIDENCE=EVIDENCE_FILE,
        DECIDED_ON=DECIDED_ON if mlflow else EVIDENCE_FILE,
        DECISION=DECISION,
    ) + pods.secret_env(pods.LEDGER)
    if mlflow:
        version = f"{{{{workflow.parameters.{MODEL_VERSION_PARAM}}}}}"
        env += [*pods.mlflow_env(), *pods.value_env(GATEWRIGHT_MODEL_VERSION=version)]
    inputs = {
        "inputs": {
            "parameters": [{"name": "gate"}],
            "artifacts": [{"name": "evidence", "path": EVIDENCE_FILE}],
        }
    }
    templates = {
        held: pods.gatewright_template(
            CHECK_HELD if held else CHECK, check_script(mlflow, held), env, signed, inputs
        )
        for held in (False, True)
    }
    source = " on the evidence, MLflow's added when it is configured" if mlflow else ""
    return [
        Commented(
            templates[False],
            (f"`gatewright check`{source}: exit 0 promotes; 1, 2 and 3 fail the step.",),
        ),
        Commented(
            templates[True],
            (
                "The check before a gate's approval: exit 0 or 3 (hold: approvals to come)",
                "suspends for the approvers; 1 (reject) and 2 (unusable evidence) stop.",
            ),
        ),
    ]


def _gate_lines(gate: SpecGate) -> tuple[str, ...]:
    back = f"; a rejected candidate goes back to {gate.on_reject}" if gate.on_reject else ""
    criteria = ", ".join(criterion.id for criterion in gate.criteria) or "none"
    return (
        f"- Gate {gate.id} ({p.one_line(gate.name)}): {gate.from_} -> {gate.to}"
        f"{back}; criteria: {criteria}.",
    )


def _approve_template(gate: SpecGate, role_names: dict[str, str]) -> Commented:
    words = p.approval_words(gate.approval)  # ids only: Argo templates every string
    template = {
        "name": f"approve-{gate.id}",
        "metadata": {"annotations": {"gatewright.dev/approval": words}},
        "suspend": {},
        "inputs": {
            "parameters": [
                {
                    "name": "evidence",
                    "description": (
                        f"Evidence JSON for gate {gate.id} with the approvals recorded ({words})."
                    ),
                }
            ]
        },
        "outputs": {
            "parameters": [
                {
                    "name": "evidence",
                    # Resumed without a value, the check reads the evidence given at submit
                    # (and holds if its approvals are not recorded there): never nothing.
                    "valueFrom": {"supplied": {}, "default": "{{inputs.parameters.evidence}}"},
                }
            ]
        },
    }
    lines = [
        f"Approval of gate {gate.id}: "
        + p.one_line(p.approval_words(gate.approval, role_names), 400)
        + ".",
        "Approvers resume this step with the evidence, approvals recorded, as its `evidence`",
        "output; the check step that follows enforces the quorum from it.",
    ]
    return Commented(template, tuple(lines))


def _step(name: str, template: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"name": name, "template": template or name, **fields}


def _check_step(name: str, template: str, gate: SpecGate, evidence: str) -> dict[str, Any]:
    arguments = {
        "parameters": [{"name": "gate", "value": gate.id}],
        "artifacts": [{"name": "evidence", "raw": {"data": evidence}}],
    }
    return _step(name, template, arguments=arguments)


def _promote_template(spec: GateSpec) -> Commented:
    steps: list[Any] = []
    for step in p.promote_path(spec):
        if step.kind == "deploy":
            steps.append([_step(step.job_id)])
            continue
        gate = step.data
        submitted = f"{{{{workflow.parameters.{_evidence_param(gate.id)}}}}}"
        if not gate.approval.rules:
            steps.append([_check_step(f"check-{gate.id}", CHECK, gate, submitted)])
            continue
        steps.append([_check_step(f"check-{gate.id}", CHECK_HELD, gate, submitted)])
        parameters = [{"name": "evidence", "value": submitted}]
        steps.append([_step(f"approve-{gate.id}", arguments={"parameters": parameters})])
        approved = f"{{{{steps.approve-{gate.id}.outputs.parameters.evidence}}}}"
        steps.append([_check_step(f"check-approved-{gate.id}", CHECK, gate, approved)])
    lines = [
        "The promote path in the SOP's order: deploy; per gate check, and where the gate",
        "needs approvals: suspend for them, then check again with them; deploy...",
        *(line for gate in spec.gates for line in _gate_lines(gate)),
    ]
    return Commented({"name": "promote", "steps": steps}, tuple(lines))


# -- documents ------------------------------------------------------------------------------

HEADER = [
    "",
    "How the SOP is enforced here",
    *pods.SECURITY_LINES,
    "- Apply the spec: kubectl apply -f argo/spec-configmap.yaml. The ConfigMap holds",
    "  the compiled spec byte for byte; gate steps mount it read-only at",
    f"  {SPEC_FILE}, and gatewright verifies its digest before deciding.",
    "- Apply the runtime: kubectl apply -f argo/runtime-configmap.yaml. It holds the",
    "  Gatewright runtime wheel of this export; before each gate step an init container",
    "  checks its sha256 against the one pinned here and pip-installs it (with pydantic",
    "  from your package index; psycopg for a PostgreSQL ledger, MLflow's client only in",
    "  the steps that read MLflow) into an emptyDir.",
    "- Submit with the evidence of each gate, e.g.",
    '  argo submit argo/workflow.yaml -p evidence-<gate-id>="$(cat evidence/<gate-id>.json)"',
    "- deploy-<stage> templates are placeholders: replace them with your deployments.",
    "- check-<gate> steps run `gatewright check` in the gatewright-image, with the script",
    "  of the GitHub and GitLab exports (a constant: the gate id and paths come as env).",
    *[f"  {line}" for line in p.CHECK_EXIT_CODES],
    "  A gate without approval rules goes on only on 0; any other exit fails the step and",
    "  stops the workflow, a hold included (fail closed): record what is missing, resubmit.",
    "- A gate with approval rules is checked first on the submitted evidence: a reject or",
    "  unusable evidence stops there; a promote or a hold (the approvals are still to come)",
    "  suspends at approve-<gate-id>. Approvers resume it with the evidence, approvals",
    "  recorded, as the output parameter `evidence` (the resume form of the UI, or: argo",
    '  node set WORKFLOW --output-parameter evidence="$(cat FILE)" --node-field-selector',
    "  displayName=approve-<gate-id>, then argo resume WORKFLOW); check-approved-<gate-id>",
    "  then checks again with it and goes on only on a promote. Resumed without one, it",
    "  reads the evidence given at submit (give it at resume all the same: some Argo",
    "  versions ignore a supplied parameter's default). Resuming is not approving:",
    *[f"  {line}" for line in p.QUORUM_LINES],
]
MONITOR_LINE = f"- The monitor and the rollback runbooks are a CronWorkflow: {MONITOR_FILE}."


def _workflow_header(spec: GateSpec, spec_path: str) -> list[str]:
    monitor = [MONITOR_LINE] if p.monitored_stages(spec) else []
    stack = pods.stack_lines(
        scripts.reads_mlflow(spec), bool(monitor), bool(scripts.registry_policies(spec))
    )
    return [
        *_header(spec, spec_path),
        *HEADER,
        *monitor,
        *stack,
        "",
        *scripts.evidence_usage(spec_path),
    ]


def workflow(spec: GateSpec) -> dict[str, Any]:
    role_names = p.role_names_of(spec)
    signed = spec.signature is not None
    mlflow = scripts.reads_mlflow(spec)
    templates: list[Any] = [_promote_template(spec)]
    parameters: list[dict[str, Any]] = [
        {
            "name": "gatewright-image",
            "value": scripts.PYTHON_IMAGE,
            "description": "Image the gate steps run in (Python 3.11 or later).",
        },
    ]
    if mlflow:
        parameters += [
            *pods.mlflow_parameters(),
            {
                "name": MODEL_VERSION_PARAM,
                "value": "",
                "description": "The version of the MLflow model at the gates (the candidate).",
            },
        ]
    for step in p.promote_path(spec):
        if step.kind == "deploy":
            templates.append(_deploy_template(step.data))
            continue
        gate = step.data
        parameters.append(
            {
                "name": _evidence_param(gate.id),
                "value": "{}",
                "description": f"Evidence JSON for gate {gate.id} (gatewright contract 4).",
            }
        )
        if gate.approval.rules:
            templates.append(_approve_template(gate, role_names))
    templates.extend(_check_templates(signed, mlflow))
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "generateName": _generate_name(spec),
            "labels": pods.labels(spec),
            "annotations": {"gatewright.dev/spec-digest": spec.digest},
        },
        "spec": {
            "entrypoint": "promote",
            **pods.pod_fields(spec),
            "arguments": {"parameters": parameters},
            "templates": templates,
        },
    }


def _configmap(
    spec: GateSpec, name: str, annotations: dict[str, str], contents: dict[str, Any]
) -> dict[str, Any]:
    metadata = {"name": name, "labels": pods.labels(spec), "annotations": annotations}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, **contents}


def configmap(
    spec: GateSpec, public_key: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """The ConfigMap holding the spec's JSON ``text`` (made here when not given), and the
    public key a signed spec is checked with."""
    data: dict[str, Any] = {"spec.json": p.Block(p.spec_json(spec) if text is None else text)}
    if spec.signature is not None and public_key is not None:
        data[KEY_NAME] = p.Block(public_key)
    annotations = {"gatewright.dev/spec-digest": spec.digest}
    return _configmap(spec, configmap_name(spec), annotations, {"data": data})


def runtime_configmap(spec: GateSpec) -> dict[str, Any]:
    wheel = scripts.runtime_wheel()
    annotations = {"gatewright.dev/runtime-sha256": wheel.sha256}
    binary = {wheel.name: base64.b64encode(wheel.data).decode("ascii")}
    return _configmap(spec, runtime_configmap_name(spec), annotations, {"binaryData": binary})


def _header(spec: GateSpec, spec_path: str) -> list[str]:
    return [
        *p.header_lines(spec, "argo", spec_path),
        f"SOP title: {p.one_line(spec.metadata.title)}",
    ]


RBAC_NOTE = [
    f"The service account the pods of argo/workflow.yaml and {MONITOR_FILE} run as,",
    "and the one thing Argo's executor needs it to do: report each step's results",
    "(workflowtaskresults, Argo 3.4 or later). Apply it in the namespace the workflows",
    "run in, before submitting. Your own deploy and rollback steps may need more.",
]

RUNTIME_NOTE = [
    "The Gatewright runtime wheel the gate steps install (the same file as the .whl beside",
    "the spec), pinned by the sha256 in argo/workflow.yaml; apply it before submitting.",
]


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the Workflow, the monitor CronWorkflow, the ConfigMaps, the service account
    and the spec into the folder ``out``."""
    configmap_note = [
        "",
        "The compiled spec for the gate steps of argo/workflow.yaml; apply it before submitting.",
    ]
    made: dict[str, str] = {}

    def json_of(spec: GateSpec) -> str:
        """The spec's JSON text, made once for the spec file and the ConfigMap."""
        if "spec" not in made:
            made["spec"] = p.spec_json(spec)
        return made["spec"]

    def monitor_text(spec: GateSpec, spec_path: str) -> str | None:
        cron = argo_monitor.cron_workflow(spec, doc)
        if cron is None:
            return None
        return p.dump_yaml(cron, [*_header(spec, spec_path), *argo_monitor.HEADER])

    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            (
                "Writing the Argo workflow",
                WORKFLOW_FILE,
                lambda spec, spec_path: p.dump_yaml(
                    workflow(spec), _workflow_header(spec, spec_path)
                ),
            ),
            ("Writing the monitor CronWorkflow", MONITOR_FILE, monitor_text),
            (
                "Writing the service account",
                RBAC_FILE,
                lambda spec, spec_path: pods.rbac_text(
                    spec, [*_header(spec, spec_path), "", *RBAC_NOTE]
                ),
            ),
            (
                "Writing the spec ConfigMap",
                CONFIGMAP_FILE,
                lambda spec, spec_path: p.dump_yaml(
                    configmap(spec, context.public_key, json_of(spec)),
                    _header(spec, spec_path) + configmap_note,
                ),
            ),
            (
                "Writing the runtime ConfigMap",
                RUNTIME_CONFIGMAP_FILE,
                lambda spec, spec_path: p.dump_yaml(
                    runtime_configmap(spec),
                    [*_header(spec, spec_path), "", *RUNTIME_NOTE],
                ),
            ),
        ],
        json_of,
        runtime=True,
    )
