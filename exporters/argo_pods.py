"""What every pod of the Argo exports shares: the hardened security context, resources, the
service account and its RBAC, the volumes, and the containers that install and run Gatewright.

The Gatewright containers run the GitHub and GitLab exports' scripts (pipeline_scripts):
constants given ids and paths through env. Argo substitutes ``{{...}}`` in template fields,
so user text never reaches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as scripts
from exporters import pipelines as p
from exporters.pipelines import Script

if TYPE_CHECKING:
    from app.spec.schema import GateSpec

PLACEHOLDER_IMAGE = "busybox:1.36"
IMAGE_PARAM = "{{workflow.parameters.gatewright-image}}"
SERVICE_ACCOUNT = "gatewright-workflow"
"""The service account every pod runs as; argo/rbac.yaml creates it and its Role."""
RBAC_FILE = "argo/rbac.yaml"
RUN_AS_USER = 10001
"""A numeric user (and group) that no image maps to root: Kubernetes can verify
runAsNonRoot only for a numeric user."""
POD_SECONDS = 600
"""activeDeadlineSeconds of a Gatewright pod: installing the runtime and deciding takes
seconds; a pod still running after ten minutes is stuck."""

SPEC_MOUNT = "/gatewright/spec"
SPEC_FILE = f"{SPEC_MOUNT}/spec.json"
KEY_NAME = "spec.pub"
KEY_FILE = f"{SPEC_MOUNT}/{KEY_NAME}"
"""Where a signed spec's trusted public key is mounted, from the same ConfigMap."""
LIB_MOUNT = "/gatewright/lib"
RUNTIME_MOUNT = "/gatewright/runtime"
TMP_MOUNT = "/tmp"
OUT_MOUNT = "/gatewright/out"
SPEC_VOLUME = "gatewright-spec"
LIB_VOLUME = "gatewright-lib"
RUNTIME_VOLUME = "gatewright-runtime"
TMP_VOLUME = "gatewright-tmp"
OUT_VOLUME = "gatewright-out"
CONTAINER_PATH = f"{LIB_MOUNT}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""PATH of the gate container: gatewright installed by the init container comes first."""
LABELS = {"app.kubernetes.io/managed-by": "gatewright"}
SHELL = ["sh", "-e", "-c"]
"""How the scripts run: a failing command stops them (errexit), as on GitHub and GitLab."""

POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS_USER,
    "runAsGroup": RUN_AS_USER,
    "fsGroup": RUN_AS_USER,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS_USER,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "1", "memory": "512Mi"},
}
"""Enough for pip to install the runtime and for a decision; raise them if your gate
images do more."""
PLACEHOLDER_RESOURCES = {
    "requests": {"cpu": "10m", "memory": "16Mi"},
    "limits": {"cpu": "100m", "memory": "64Mi"},
}

PYTHON_ENV = [
    {"name": "PATH", "value": CONTAINER_PATH},
    {"name": "PYTHONPATH", "value": LIB_MOUNT},
    # The root file system is read-only: Python and pip write only below /tmp.
    {"name": "HOME", "value": TMP_MOUNT},
    {"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
    {"name": "PIP_NO_CACHE_DIR", "value": "1"},
]


def hardened(container: dict[str, Any], placeholder: bool = False) -> dict[str, Any]:
    """``container`` with the security context and resources every container gets."""
    return {
        **container,
        "securityContext": CONTAINER_SECURITY,
        "resources": PLACEHOLDER_RESOURCES if placeholder else RESOURCES,
    }


def pod_fields(spec: GateSpec) -> dict[str, Any]:
    """The workflow-level fields every export's pods share: who they run as, the pod
    security context, the volumes (the spec and runtime ConfigMaps, the writable emptyDirs)."""
    return {
        "serviceAccountName": SERVICE_ACCOUNT,
        "securityContext": POD_SECURITY,
        "volumes": [
            {"name": SPEC_VOLUME, "configMap": {"name": configmap_name(spec)}},
            {"name": RUNTIME_VOLUME, "configMap": {"name": runtime_configmap_name(spec)}},
            {"name": LIB_VOLUME, "emptyDir": {}},
            {"name": TMP_VOLUME, "emptyDir": {}},
            {"name": OUT_VOLUME, "emptyDir": {}},
        ],
    }


def labels(spec: GateSpec) -> dict[str, str]:
    """The labels of every document of an Argo export: ours, and the SOP's id."""
    return {**LABELS, "gatewright.dev/sop": spec.metadata.name}


def configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-spec"


def runtime_configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-runtime"


def wheel_file() -> str:
    return f"{RUNTIME_MOUNT}/{scripts.runtime_wheel().name}"


def placeholder_container(args: list[str]) -> dict[str, Any]:
    """A container that only says what to put in its place."""
    return hardened({"image": PLACEHOLDER_IMAGE, "command": ["echo"], "args": args}, True)


STACK_SECRET = "gatewright-stack"
"""The Secret the pods read the stack's connections from, each key optional (unset: the
files of today); the header of argo/workflow.yaml says how to create it."""
LEDGER = "GATEWRIGHT_LEDGER"
PROMETHEUS = "PROMETHEUS_URL"
MLFLOW_SECRETS = ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN")
INSTALL_READS = (LEDGER, MLFLOW_SECRETS[0], scripts.MLFLOW_JOB)
"""What the install step reads (the extras: postgres for a PostgreSQL ledger, mlflow in
the steps that read MLflow)."""
MLFLOW_PARAMETERS = {
    "mlflow-model": (
        "GATEWRIGHT_MLFLOW_MODEL",
        "",
        "The registered MLflow model (empty: no MLflow evidence or registry rollback).",
    ),
    "mlflow-alias": (
        "GATEWRIGHT_MLFLOW_ALIAS",
        "champion",
        "The MLflow alias of the model in production (the baseline; what a rollback moves).",
    ),
}
"""Workflow parameters of the steps that read MLflow: name -> (variable, value, help)."""


def secret_env(*names: str) -> list[dict[str, Any]]:
    """Variables from the keys ``names`` of the stack's Secret; a missing Secret or key
    leaves the variable unset (optional), and the step uses the files of today."""
    return [
        {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": STACK_SECRET, "key": name, "optional": True}},
        }
        for name in names
    ]


def mlflow_env() -> list[dict[str, Any]]:
    """What a step reading MLflow gets: the server and its token from the Secret, the model
    and alias from the workflow's parameters, and the mark that installs the mlflow extra."""
    return [
        *secret_env(*MLFLOW_SECRETS),
        *(
            {"name": variable, "value": f"{{{{workflow.parameters.{name}}}}}"}
            for name, (variable, _value, _help) in MLFLOW_PARAMETERS.items()
        ),
        {"name": scripts.MLFLOW_JOB, "value": "true"},
    ]


def mlflow_parameters() -> list[dict[str, Any]]:
    return [
        {"name": name, "value": value, "description": words}
        for name, (_variable, value, words) in MLFLOW_PARAMETERS.items()
    ]


def value_env(**values: str) -> list[dict[str, Any]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def runtime_init_containers(signed: bool, env: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The install step of the GitHub and GitLab jobs (scripts.install: the wheel's sha256
    checked against the pin, then pip with the extras the step's ``env`` calls for) into the
    shared emptyDir (PIP_TARGET)."""
    tmp = {"name": TMP_VOLUME, "mountPath": TMP_MOUNT}
    runtime = {"name": RUNTIME_VOLUME, "mountPath": RUNTIME_MOUNT, "readOnly": True}
    pinned = value_env(
        GATEWRIGHT_RUNTIME=wheel_file(),
        GATEWRIGHT_RUNTIME_SHA256=scripts.runtime_wheel().sha256,
        PIP_TARGET=LIB_MOUNT,
    )
    return [
        hardened(
            {
                "name": "install-runtime",
                "image": IMAGE_PARAM,
                "command": [*SHELL, scripts.install(signed)],
                "env": [
                    *PYTHON_ENV,
                    *pinned,
                    *(item for item in env if item["name"] in INSTALL_READS),
                ],
                "volumeMounts": [{"name": LIB_VOLUME, "mountPath": LIB_MOUNT}, runtime, tmp],
            }
        ),
    ]


def gatewright_template(
    name: str,
    script: Script,
    env: list[dict[str, Any]],
    signed: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A pod template that installs the runtime and runs ``script`` (a constant: ids and
    paths reach it through ``env``) with sh in the gatewright image, in /gatewright/out,
    with the spec mounted read-only and /tmp and /gatewright/out writable."""
    spec = value_env(GATEWRIGHT_SPEC=SPEC_FILE)
    if signed:
        spec += value_env(**{scripts.TRUSTED_KEY: KEY_FILE})
    return {
        "name": name,
        **(extra or {}),
        "activeDeadlineSeconds": str(POD_SECONDS),
        "initContainers": runtime_init_containers(signed, env),
        "container": hardened(
            {
                "image": IMAGE_PARAM,
                "command": [*SHELL, scripts.trusting(script, signed)],
                "workingDir": OUT_MOUNT,
                "env": [*PYTHON_ENV, *spec, *env],
                "volumeMounts": [
                    {"name": SPEC_VOLUME, "mountPath": SPEC_MOUNT, "readOnly": True},
                    {"name": LIB_VOLUME, "mountPath": LIB_MOUNT, "readOnly": True},
                    {"name": TMP_VOLUME, "mountPath": TMP_MOUNT},
                    {"name": OUT_VOLUME, "mountPath": OUT_MOUNT},
                ],
            }
        ),
    }


SECURITY_LINES = [
    f"- Every pod runs as the service account {SERVICE_ACCOUNT}; create it first:",
    f"  kubectl apply -n NAMESPACE -f {RBAC_FILE} (the account, and a Role letting Argo's",
    "  executor report results: workflowtaskresults create and patch, Argo 3.4 or later).",
    f"  Pods run as user {RUN_AS_USER} (runAsNonRoot), with a read-only root file system,",
    "  no privilege escalation and every capability dropped; what they write goes to",
    "  emptyDirs (/tmp, the installed runtime, step outputs). Requests and limits are set",
    "  on every container; raise them if your own steps need more.",
]


def stack_lines(mlflow: bool, monitor: bool, registry: bool) -> list[str]:
    """What the header says of the stack's Secret: how to create it, what each step reads."""
    keys = [
        LEDGER,
        *([PROMETHEUS] if monitor else []),
        *(MLFLOW_SECRETS if mlflow or registry else ()),
    ]
    lines = [
        f"- Connecting your stack: the Secret {STACK_SECRET}, every key optional (a",
        "  missing key leaves the files of today in use):",
        f"  kubectl create secret generic {STACK_SECRET} -n NAMESPACE \\",
        *(f"    --from-literal={key}=... \\" for key in keys[:-1]),
        f"    --from-literal={keys[-1]}=...",
        f"  {LEDGER} (postgresql://USER@HOST/DATABASE: an SQLite file would go with the",
        "  pod): check steps"
        + (", the monitor" if monitor else "")
        + (" and registry-rollback" if registry else "")
        + " steps record every decision there (one",
        "  that cannot be recorded fails the step).",
    ]
    if mlflow:
        lines += [
            "  MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN, with the parameters mlflow-model",
            "  (the registered model) and model-version (the candidate): check steps add",
            "  evidence from MLflow (the SOP's metrics name MLflow keys), the baseline from",
            "  the version holding mlflow-alias (default champion). Only they install MLflow.",
        ]
    if monitor:
        lines += [
            f"  {PROMETHEUS}: the monitor CronWorkflow's steps ask Prometheus with the SOP's",
            "  queries instead of reading their telemetry-<stage> parameter.",
        ]
    if registry:
        lines += [
            "  MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN, with the CronWorkflow's",
            "  parameters mlflow-model and mlflow-alias: a previous-stable rollback of the",
            "  last stage first runs `gatewright rollback` (registry-rollback, once per",
            "  incident): the alias goes back to the last version the ledger records as",
            "  promoted there. Without a model it says so and the runbook rolls back.",
        ]
    return lines


def rbac_documents(spec: GateSpec) -> list[dict[str, Any]]:
    """The service account the pods run as, and the least the Argo executor needs."""
    marks = labels(spec)
    role = f"{SERVICE_ACCOUNT}-executor"
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": SERVICE_ACCOUNT, "labels": marks},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": role, "labels": marks},
            "rules": [
                {
                    "apiGroups": ["argoproj.io"],
                    "resources": ["workflowtaskresults"],
                    "verbs": ["create", "patch"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": role, "labels": marks},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT}],
        },
    ]


def rbac_text(spec: GateSpec, header: list[str]) -> str:
    """argo/rbac.yaml: the three documents, the header on the first."""
    documents = rbac_documents(spec)
    parts = [p.dump_yaml(documents[0], header)]
    parts += [p.dump_yaml(document) for document in documents[1:]]
    return "---\n".join(parts)
