"""Validating the Argo exports: the vendored Argo Workflows and Argo Rollouts schemas
(../shared/schemas beside the repository), and hera's own models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource

from tests.environment import missing
from tests.exporters.pipelines_support import SHARED

SCHEMAS = SHARED / "schemas"
WORKFLOWS_SCHEMA = SCHEMAS / "argo-workflows.schema.json"
ROLLOUT_SCHEMA = SCHEMAS / "argo-rollouts-rollout.schema.json"
ANALYSIS_SCHEMA = SCHEMAS / "argo-rollouts-analysis-template.schema.json"


def need_schemas() -> None:
    """Skip (fail under CI) when the vendored schemas are not there."""
    if not all(path.is_file() for path in (WORKFLOWS_SCHEMA, ROLLOUT_SCHEMA, ANALYSIS_SCHEMA)):
        missing(f"the vendored Argo schemas are not in {SCHEMAS} (set GATEWRIGHT_SHARED)")


@cache
def _validator(kind: str) -> Any:
    if kind in ("Workflow", "CronWorkflow"):
        big = json.loads(WORKFLOWS_SCHEMA.read_text(encoding="utf-8"))
        registry = Registry().with_resource(big["$id"], Resource.from_contents(big))
        ref = f"{big['$id']}#/definitions/io.argoproj.workflow.v1alpha1.{kind}"
        return Draft202012Validator({"$ref": ref}, registry=registry)
    path = {"Rollout": ROLLOUT_SCHEMA, "AnalysisTemplate": ANALYSIS_SCHEMA}[kind]
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")))


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Where ``document`` breaks the schema of its ``kind`` (empty: it validates)."""
    validator = _validator(document["kind"])
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
        for error in validator.iter_errors(document)
    ]


def check_with_hera(text: str) -> None:
    """hera reads the file back (it raises on any field of a wrong type or shape)."""
    from hera.workflows import CronWorkflow, Workflow

    kind = yaml.safe_load(text)["kind"]
    model = {"Workflow": Workflow, "CronWorkflow": CronWorkflow}[kind]
    assert model.from_yaml(text).to_dict()["kind"] == kind


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def pod_templates(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The templates of a Workflow or CronWorkflow that make pods."""
    spec = document["spec"].get("workflowSpec", document["spec"])
    return [t for t in spec["templates"] if "container" in t or "script" in t]


# -- running a container here ---------------------------------------------------------------

ROOT = "/gatewright/"
"""Every path a Gatewright pod reads or writes is below it (the spec, the runtime, the
evidence, the telemetry, the installed runtime, the step's outputs)."""


def pod_root(folder: Path, tmp_path: Path) -> Path:
    """What a pod of the export ``folder`` finds below /gatewright/: the spec (as the
    ConfigMap mounts it); run_container makes the other folders."""
    root = tmp_path / "pod"
    (root / "spec").mkdir(parents=True)
    shutil.copy(folder / "gatewright" / "spec.json", root / "spec" / "spec.json")
    return root


def run_container(
    container: dict[str, Any],
    root: Path,
    parameters: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``container`` as its pod would, with this environment's `gatewright` and
    `python`: /gatewright/ is ``root``, ``{{...parameters.NAME}}`` take ``parameters``,
    and an optional key of the stack's Secret is set only when ``secrets`` has it (as
    Kubernetes leaves the variable unset when the key is missing)."""

    def local(text: str) -> str:
        text = text.replace(ROOT, f"{root}/")
        for name, value in (parameters or {}).items():
            for scope in ("inputs", "workflow"):
                text = text.replace(f"{{{{{scope}.parameters.{name}}}}}", value)
        return text

    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = local(item["value"])
            continue
        reference = item["valueFrom"]["secretKeyRef"]
        assert reference["optional"] is True, item
        if reference["key"] in (secrets or {}):
            env[item["name"]] = (secrets or {})[reference["key"]]
    here = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([here, env["PATH"], os.environ.get("PATH", "")])
    for folder in ("out", "lib", "spec", "runtime", "telemetry", "evidence"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    command = [local(part) for part in [*container["command"], *container.get("args", [])]]
    return subprocess.run(
        command,
        cwd=local(container.get("workingDir", str(root))),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
