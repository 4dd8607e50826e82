"""What every pod of the Argo exports shares: the hardened security context, resources, the
service account and its RBAC, the volumes, and the containers that install and run Gatewright.

Containers run argument arrays (no shell) holding ids and paths only: Argo substitutes
``{{...}}`` in template fields, so user text never reaches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exporters import pipeline_scripts as scripts
from exporters import pipelines as p

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


def configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-spec"


def runtime_configmap_name(spec: GateSpec) -> str:
    return f"{spec.metadata.name}-gatewright-runtime"


def wheel_file() -> str:
    return f"{RUNTIME_MOUNT}/{scripts.runtime_wheel().name}"


def placeholder_container(args: list[str]) -> dict[str, Any]:
    """A container that only says what to put in its place."""
    return hardened({"image": PLACEHOLDER_IMAGE, "command": ["echo"], "args": args}, True)


def runtime_init_containers(signed: bool) -> list[dict[str, Any]]:
    """Check the mounted wheel's sha256 against the pin, then pip-install it into the
    shared emptyDir (a signed spec is verified with cryptography: the `signed` extra)."""
    tmp = {"name": TMP_VOLUME, "mountPath": TMP_MOUNT}
    runtime = {"name": RUNTIME_VOLUME, "mountPath": RUNTIME_MOUNT, "readOnly": True}
    return [
        hardened(
            {
                "name": "verify-runtime",
                "image": IMAGE_PARAM,
                "command": ["python", "-c", scripts.VERIFY_WHEEL_PY],
                "args": [wheel_file(), scripts.runtime_wheel().sha256],
                "env": PYTHON_ENV,
                "volumeMounts": [runtime, tmp],
            }
        ),
        hardened(
            {
                "name": "install-runtime",
                "image": IMAGE_PARAM,
                "command": ["python", "-m", "pip", "install"],
                "args": [
                    "--disable-pip-version-check",
                    "--no-cache-dir",
                    "--target",
                    LIB_MOUNT,
                    wheel_file() + ("[signed]" if signed else ""),
                ],
                "env": PYTHON_ENV,
                "volumeMounts": [{"name": LIB_VOLUME, "mountPath": LIB_MOUNT}, runtime, tmp],
            }
        ),
    ]


def gatewright_template(
    name: str,
    command: list[str],
    args: list[str],
    signed: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A pod template that installs the runtime and runs ``command`` + ``args`` in the
    gatewright image, with the spec mounted read-only and /tmp and /gatewright/out writable."""
    return {
        "name": name,
        **(extra or {}),
        "activeDeadlineSeconds": str(POD_SECONDS),
        "initContainers": runtime_init_containers(signed),
        "container": hardened(
            {
                "image": IMAGE_PARAM,
                "command": command,
                "args": args,
                "env": PYTHON_ENV,
                "volumeMounts": [
                    {"name": SPEC_VOLUME, "mountPath": SPEC_MOUNT, "readOnly": True},
                    {"name": LIB_VOLUME, "mountPath": LIB_MOUNT, "readOnly": True},
                    {"name": TMP_VOLUME, "mountPath": TMP_MOUNT},
                    {"name": OUT_VOLUME, "mountPath": OUT_MOUNT},
                ],
            }
        ),
    }


def trust_args(signed: bool) -> list[str]:
    return ["--trust", KEY_FILE] if signed else []


SECURITY_LINES = [
    f"- Every pod runs as the service account {SERVICE_ACCOUNT}; create it first:",
    f"  kubectl apply -n NAMESPACE -f {RBAC_FILE} (the account, and a Role letting Argo's",
    "  executor report results: workflowtaskresults create and patch, Argo 3.4 or later).",
    f"  Pods run as user {RUN_AS_USER} (runAsNonRoot), with a read-only root file system,",
    "  no privilege escalation and every capability dropped; what they write goes to",
    "  emptyDirs (/tmp, the installed runtime, step outputs). Requests and limits are set",
    "  on every container; raise them if your own steps need more.",
]


def rbac_documents(spec: GateSpec) -> list[dict[str, Any]]:
    """The service account the pods run as, and the least the Argo executor needs."""
    labels = {**LABELS, "gatewright.dev/sop": spec.metadata.name}
    role = f"{SERVICE_ACCOUNT}-executor"
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": SERVICE_ACCOUNT, "labels": labels},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": role, "labels": labels},
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
            "metadata": {"name": role, "labels": labels},
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
