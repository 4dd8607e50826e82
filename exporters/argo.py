"""Argo Workflows export: a Workflow for the promote path and rollbacks, the spec as a ConfigMap.

Argo substitutes ``{{...}}`` in template fields, so user text (names) only appears in YAML
comments; containers run commands as argument arrays (no shell) holding ids and paths only.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as scripts
from exporters import pipelines as p
from exporters.pipelines import Commented

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecGate, SpecRollback, SpecStage
    from exporters.context import ExportContext

WORKFLOW_FILE = "argo/workflow.yaml"
CONFIGMAP_FILE = "argo/spec-configmap.yaml"
RUNTIME_CONFIGMAP_FILE = "argo/runtime-configmap.yaml"
PLACEHOLDER_IMAGE = "busybox:1.36"
SPEC_MOUNT = "/gatewright/spec"
SPEC_FILE = f"{SPEC_MOUNT}/spec.json"
KEY_NAME = "spec.pub"
KEY_FILE = f"{SPEC_MOUNT}/{KEY_NAME}"
"""Where a signed spec's trusted public key is mounted, from the same ConfigMap."""
LIB_MOUNT = "/gatewright/lib"
EVIDENCE_FILE = "/gatewright/evidence/evidence.json"
SPEC_VOLUME = "gatewright-spec"
LIB_VOLUME = "gatewright-lib"
RUNTIME_MOUNT = "/gatewright/runtime"
RUNTIME_VOLUME = "gatewright-runtime"
IMAGE_PARAM = "{{workflow.parameters.gatewright-image}}"
CONTAINER_PATH = f"{LIB_MOUNT}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""PATH of the gate container: gatewright installed by the init container comes first."""
LABELS = {"app.kubernetes.io/managed-by": "gatewright"}


def configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-spec"


def runtime_configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-runtime"


def _wheel_file() -> str:
    return f"{RUNTIME_MOUNT}/{scripts.runtime_wheel().name}"


def _generate_name(spec: GateSpec) -> str:
    # Argo adds 5 characters, and workflow names end up in 63-character pod labels.
    return spec.metadata.name[:50].rstrip("-") + "-"


def _evidence_param(gate_id: str) -> str:
    return f"evidence-{gate_id}"


# -- templates ------------------------------------------------------------------------------


def _deploy_template(stage: SpecStage) -> Commented:
    template = {
        "name": f"deploy-{stage.id}",
        "container": {
            "image": PLACEHOLDER_IMAGE,
            "command": ["echo"],
            "args": ["Replace this template with your deployment to", stage.id],
        },
    }
    lines = [f"Stage {stage.id} ({p.one_line(stage.name)}): deployment placeholder."]
    return Commented(template, tuple(lines))


def _check_template(gate: SpecGate, signed: bool = False) -> Commented:
    template = {
        "name": f"check-{gate.id}",
        "inputs": {"artifacts": [{"name": "evidence", "path": EVIDENCE_FILE}]},
        "initContainers": [
            {
                "name": "verify-runtime",
                "image": IMAGE_PARAM,
                "command": ["python", "-c", scripts.VERIFY_WHEEL_PY],
                "args": [_wheel_file(), scripts.runtime_wheel().sha256],
                "volumeMounts": [
                    {"name": RUNTIME_VOLUME, "mountPath": RUNTIME_MOUNT, "readOnly": True}
                ],
            },
            {
                "name": "install-runtime",
                "image": IMAGE_PARAM,
                "command": ["python", "-m", "pip", "install"],
                "args": [
                    "--disable-pip-version-check",
                    "--no-cache-dir",
                    "--target",
                    LIB_MOUNT,
                    # A signed spec is verified with cryptography (the `signed` extra).
                    _wheel_file() + ("[signed]" if signed else ""),
                ],
                "volumeMounts": [
                    {"name": LIB_VOLUME, "mountPath": LIB_MOUNT},
                    {"name": RUNTIME_VOLUME, "mountPath": RUNTIME_MOUNT, "readOnly": True},
                ],
            },
        ],
        "container": {
            "image": IMAGE_PARAM,
            "command": ["gatewright"],
            "args": [
                "check",
                SPEC_FILE,
                *(["--trust", KEY_FILE] if signed else []),
                "--gate",
                gate.id,
                "--evidence",
                EVIDENCE_FILE,
                "--json",
            ],
            "env": [
                {
                    "name": "PATH",
                    "value": CONTAINER_PATH,
                },
                {"name": "PYTHONPATH", "value": LIB_MOUNT},
            ],
            "volumeMounts": [
                {"name": SPEC_VOLUME, "mountPath": SPEC_MOUNT, "readOnly": True},
                {"name": LIB_VOLUME, "mountPath": LIB_MOUNT},
            ],
        },
    }
    back = f"; a rejected candidate goes back to {gate.on_reject}" if gate.on_reject else ""
    criteria = ", ".join(criterion.id for criterion in gate.criteria) or "none"
    lines = [
        f"Gate {gate.id} ({p.one_line(gate.name)}): {gate.from_} -> {gate.to}{back}.",
        f"Criteria: {criteria}. Exit 0 promotes; 1 reject, 2 unusable and 3 hold fail the step.",
    ]
    return Commented(template, tuple(lines))


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


def _runbook_templates() -> list[Commented]:
    action = {
        "name": "runbook-action",
        "inputs": {"parameters": [{"name": "action-id"}, {"name": "role", "value": "anyone"}]},
        "container": {
            "image": PLACEHOLDER_IMAGE,
            "command": ["echo"],
            "args": [
                "Replace with runbook action",
                "{{inputs.parameters.action-id}}",
                "carried out by",
                "{{inputs.parameters.role}}",
            ],
        },
    }
    check = {
        "name": "runbook-check",
        "inputs": {"parameters": [{"name": "check-id"}]},
        "container": {
            "image": PLACEHOLDER_IMAGE,
            "command": ["echo"],
            "args": ["Replace with a check that this holds:", "{{inputs.parameters.check-id}}"],
        },
    }
    return [
        Commented(action, ("Placeholder for one rollback action: replace with your own.",)),
        Commented(check, ("Placeholder for one check after a rollback: replace with yours.",)),
    ]


def _rollback_template(policy: SpecRollback) -> Commented:
    steps: list[list[dict[str, Any]]] = []
    lines = [
        f"Rollback {policy.id} of stage {policy.stage} (target: {policy.target}); "
        "run it with --entrypoint "
        f"rollback-{policy.id} when `gatewright monitor` exits 1.",
        "Triggers: "
        + "; ".join(f"{trigger.id} ({p.one_line(trigger.name, 60)})" for trigger in policy.triggers)
        + ".",
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


def _promote_template(spec: GateSpec) -> Commented:
    steps: list[list[dict[str, Any]]] = []
    for step in p.promote_path(spec):
        if step.kind == "deploy":
            steps.append([{"name": step.job_id, "template": step.job_id}])
            continue
        gate = step.data
        evidence = f"{{{{workflow.parameters.{_evidence_param(gate.id)}}}}}"
        if gate.approval.rules:
            steps.append(
                [
                    {
                        "name": f"approve-{gate.id}",
                        "template": f"approve-{gate.id}",
                        "arguments": {"parameters": [{"name": "evidence", "value": evidence}]},
                    }
                ]
            )
            evidence = f"{{{{steps.approve-{gate.id}.outputs.parameters.evidence}}}}"
        steps.append(
            [
                {
                    "name": f"check-{gate.id}",
                    "template": f"check-{gate.id}",
                    "arguments": {"artifacts": [{"name": "evidence", "raw": {"data": evidence}}]},
                }
            ]
        )
    lines = ["The promote path: deploy, (approve,) check, deploy... in the SOP's order."]
    return Commented({"name": "promote", "steps": steps}, tuple(lines))


# -- documents ------------------------------------------------------------------------------

HEADER = [
    "",
    "How the SOP is enforced here",
    "- Apply the spec first: kubectl apply -f argo/spec-configmap.yaml. The ConfigMap holds",
    "  the compiled spec byte for byte; gate steps mount it read-only at",
    f"  {SPEC_FILE}, and gatewright verifies its digest before deciding.",
    "- Submit with the evidence of each gate, e.g.",
    '  argo submit argo/workflow.yaml -p evidence-<gate-id>="$(cat evidence/<gate-id>.json)"',
    "- deploy-<stage> templates are placeholders: replace them with your deployments.",
    "- Apply the runtime too: kubectl apply -f argo/runtime-configmap.yaml. It holds the",
    "  Gatewright runtime wheel of this export; before each gate step an init container",
    "  checks its sha256 against the one pinned here, another pip-installs it (with",
    "  pydantic from your package index).",
    "- check-<gate> steps run `gatewright check` as an argument array (no shell) in the",
    "  gatewright-image (use an image with the runtime preinstalled and drop the init",
    "  containers if you prefer).",
    *[f"  {line}" for line in p.CHECK_EXIT_CODES],
    "  Only 0 lets the workflow go on; any other exit fails the step and stops the",
    "  workflow, a hold included (fail closed): record what is missing and resubmit.",
    "- Gates that need approvals first suspend at approve-<gate-id>. Approvers resume it",
    "  with the evidence, approvals recorded, as the output parameter `evidence` (the",
    "  resume form of the UI, or: argo node set WORKFLOW --output-parameter",
    '  evidence="$(cat FILE)" --node-field-selector displayName=approve-<gate-id>, then',
    "  argo resume WORKFLOW); resumed without one, the check reads the evidence given at",
    "  submit (give it at resume all the same: some Argo versions ignore a supplied",
    "  parameter's default). Resuming is not approving:",
    *[f"  {line}" for line in p.QUORUM_LINES],
    "- rollback-<policy> templates hold the runbooks; run one with",
    "  argo submit argo/workflow.yaml --entrypoint rollback-<policy> when",
    "  `gatewright monitor` exits 1 for its stage (exit 3, inconclusive, is too little",
    "  telemetry to judge: never healthy, so a person looks before deciding).",
]


def workflow(spec: GateSpec) -> dict[str, Any]:
    role_names = p.role_names_of(spec)
    templates: list[Any] = [_promote_template(spec)]
    parameters: list[dict[str, Any]] = [
        {
            "name": "gatewright-image",
            "value": scripts.PYTHON_IMAGE,
            "description": "Image the gate steps run in (Python 3.11 or later).",
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
        templates.append(_check_template(gate, signed=spec.signature is not None))
    for policy in spec.rollback:
        templates.append(_rollback_template(policy))
    if spec.rollback:
        templates.extend(_runbook_templates())
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {
            "generateName": _generate_name(spec),
            "labels": {**LABELS, "gatewright.dev/sop": spec.metadata.name},
            "annotations": {"gatewright.dev/spec-digest": spec.digest},
        },
        "spec": {
            "entrypoint": "promote",
            "arguments": {"parameters": parameters},
            "volumes": [
                {"name": SPEC_VOLUME, "configMap": {"name": configmap_name(spec)}},
                {"name": LIB_VOLUME, "emptyDir": {}},
                {
                    "name": RUNTIME_VOLUME,
                    "configMap": {"name": runtime_configmap_name(spec)},
                },
            ],
            "templates": templates,
        },
    }


def configmap(
    spec: GateSpec, public_key: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """The ConfigMap holding the spec's JSON ``text`` (made here when not given), and the
    public key a signed spec is checked with."""
    data: dict[str, Any] = {"spec.json": p.Block(p.spec_json(spec) if text is None else text)}
    if spec.signature is not None and public_key is not None:
        data[KEY_NAME] = p.Block(public_key)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": configmap_name(spec),
            "labels": {**LABELS, "gatewright.dev/sop": spec.metadata.name},
            "annotations": {"gatewright.dev/spec-digest": spec.digest},
        },
        "data": data,
    }


def runtime_configmap(spec: GateSpec) -> dict[str, Any]:
    wheel = scripts.runtime_wheel()
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": runtime_configmap_name(spec),
            "labels": {**LABELS, "gatewright.dev/sop": spec.metadata.name},
            "annotations": {"gatewright.dev/runtime-sha256": wheel.sha256},
        },
        "binaryData": {wheel.name: base64.b64encode(wheel.data).decode("ascii")},
    }


def _header(spec: GateSpec, spec_path: str) -> list[str]:
    return [
        *p.header_lines(spec, "argo", spec_path),
        f"SOP title: {p.one_line(spec.metadata.title)}",
    ]


RUNTIME_NOTE = [
    "The Gatewright runtime wheel the gate steps install (the same file as the .whl beside",
    "the spec), pinned by the sha256 in argo/workflow.yaml; apply it before submitting.",
]


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the Workflow, the spec ConfigMap and the spec into the folder ``out``."""
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

    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            (
                "Writing the Argo workflow",
                WORKFLOW_FILE,
                lambda spec, spec_path: p.dump_yaml(
                    workflow(spec),
                    [*_header(spec, spec_path), *HEADER, "", *scripts.evidence_usage(spec_path)],
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
