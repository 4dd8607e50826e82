"""Constants and helpers shared by the pipeline-exporter tests."""

from __future__ import annotations

import base64
import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.compiler.compile import compile_spec
from exporters import argo, github, gitlab
from exporters.context import ExportContext
from exporters.pipeline_scripts import runtime_wheel
from exporters.registry import export

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile.sop.json"
GOLDEN = Path(__file__).parent / "golden"
SHARED = Path(os.environ.get("GATEWRIGHT_SHARED") or REPO.parent / "shared")
"""The project's shared folder (schemas): beside the repository, or GATEWRIGHT_SHARED (a
worktree elsewhere)."""
ARGO_SCHEMA = SHARED / "schemas" / "argo-workflow.wrapper.schema.json"
FORMATS = ("github", "gitlab", "argo")
SPEC_PATH = "gatewright/spec.json"
WORKFLOW_FILES = [github.PROMOTE_FILE, github.DRY_RUN_FILE, github.MONITOR_FILE]
ACTION_FILES = [
    github.RUNTIME_ACTION_FILE,
    github.EVIDENCE_ACTION_FILE,
    *github.SCRIPT_ACTION_FILES.values(),
]
YAML_FILES = {
    "github": [*WORKFLOW_FILES, *ACTION_FILES],
    "gitlab": [gitlab.CI_FILE],
    "argo": [argo.WORKFLOW_FILE],
}
SCHEMA_ARGS = {
    "github": ["--builtin-schema", "vendor.github-workflows"],
    "github-actions": ["--builtin-schema", "vendor.github-actions"],
    "github-timeouts": ["--builtin-schema", "custom.github-workflows-require-timeout"],
    "gitlab": ["--builtin-schema", "vendor.gitlab-ci"],
    "argo": ["--schemafile", str(ARGO_SCHEMA)],
}
needs_argo_schema = pytest.mark.skipif(
    not ARGO_SCHEMA.is_file(),
    reason=f"the vendored Argo schema is not at {ARGO_SCHEMA} (../shared is not beside the repo)",
)
SCHEMA_FORMATS = [
    pytest.param(name, marks=needs_argo_schema) if name == "argo" else name for name in FORMATS
]

ALLOWED_GITHUB_EXPRESSIONS = (
    "${{ '${{' }}",  # the escape that shows user text's own ${{ as written
    "${{ inputs.evidence_dir || 'evidence' }}",
    "${{ inputs.telemetry_dir || 'telemetry' }}",
    "${{ github.token }}",
    "${{ inputs.model }}",
    "${{ inputs.version }}",
    "${{ inputs.gate-id }}",
    "${{ inputs.evidence-dir }}",
    "${{ inputs.output }}",
    "${{ steps.monitor.outputs.decision }}",
    "${{ steps.monitor.outputs.policies }}",
    "${{ steps.rollout.outputs.deployed_at }}",
    # The stack's secrets (the ledger, Prometheus, MLflow), by their names.
    "${{ secrets.GATEWRIGHT_LEDGER }}",
    "${{ secrets.PROMETHEUS_URL }}",
    "${{ secrets.MLFLOW_TRACKING_URI }}",
    "${{ secrets.MLFLOW_TRACKING_TOKEN }}",
)
"""The only expressions the GitHub exporter may write; user text can add none."""

DANGEROUS = ("$(touch", "$(rm", "$(id)", "`id`", "`whoami`", "${{ ", "<script>", '"];')


# -- helpers --------------------------------------------------------------------------------


def export_doc(doc: Any, fmt: str, out: Path, spec_path: str = SPEC_PATH) -> list[Path]:
    context = ExportContext(spec=compile_spec(doc), spec_path=spec_path)
    return export(fmt, doc, out, context)


def check_schemas(fmt: str, folders: list[Path]) -> None:
    """Every YAML file of ``fmt`` in ``folders`` against its official schema; GitHub
    workflows also against check-jsonschema's rule that every job has a timeout."""
    if fmt != "github":
        check_schema(fmt, [folder / name for folder in folders for name in YAML_FILES[fmt]])
        return
    workflows = [folder / name for folder in folders for name in WORKFLOW_FILES]
    check_schema("github", workflows)
    check_schema("github-timeouts", workflows)
    check_schema("github-actions", [folder / name for folder in folders for name in ACTION_FILES])


def check_schema(fmt: str, files: list[Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *SCHEMA_ARGS[fmt], *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def assert_no_anchors(text: str) -> None:
    for event in yaml.parse(text):
        assert not isinstance(event, yaml.AliasEvent), "the YAML uses an alias"
        assert getattr(event, "anchor", None) is None, "the YAML defines an anchor"


def find_values(data: Any, keys: set[str]) -> list[Any]:
    """Every value stored under one of ``keys``, anywhere in ``data``."""
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in keys:
                found.append(value)
            found.extend(find_values(value, keys))
    elif isinstance(data, list):
        for item in data:
            found.extend(find_values(item, keys))
    return found


def strings_in(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings_in(value)]
    if isinstance(data, list):
        return [s for item in data for s in strings_in(item)]
    return []


def script_bodies(fmt: str, data: Any) -> list[str]:
    """Every piece of text a shell or a container runs."""
    keys = {
        "github": {"run"},
        "gitlab": {"script", "before_script", "after_script"},
        "argo": {"command", "args"},
    }[fmt]
    return [s for value in find_values(data, keys) for s in strings_in(value)]


def user_texts(raw: Any) -> set[str]:
    """Every piece of free text in a raw SOP document: names, descriptions, members..."""
    texts: set[str] = set()
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key in {"title", "owner", "description", "name", "unit", "ref"} and isinstance(
                value, str
            ):
                texts.add(value)
            elif key == "members":
                texts.update(value)
            else:
                texts |= user_texts(value)
    elif isinstance(raw, list):
        for item in raw:
            texts |= user_texts(item)
    return {text for text in texts if text}


def loaded(folder: Path, fmt: str) -> dict[str, Any]:
    return {name: yaml.safe_load((folder / name).read_text()) for name in YAML_FILES[fmt]}


def step_script(folder: Path, step: dict[str, Any]) -> str:
    """What a GitHub step runs: its `run`, or the script of the local action it uses."""
    if "run" in step:
        return str(step["run"])
    action = yaml.safe_load((folder / step["uses"] / "action.yml").read_text())
    return "\n".join(str(inner["run"]) for inner in action["runs"]["steps"] if "run" in inner)


def venv_tool(name: str) -> Path:
    tool = Path(sys.executable).parent / name
    if not tool.exists() or shutil.which("bash") is None:
        pytest.skip(f"{name} is not installed beside {sys.executable}, or there is no bash")
    return tool


def tool_env(**values: str) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, **values}


# -- golden files ---------------------------------------------------------------------------


def placeholders() -> list[tuple[bytes, bytes]]:
    """What changes with every change to the runtime's sources: the wheel's name (its
    version), its sha256 and its bytes (in the Argo ConfigMap). Golden files hold
    placeholders for them, so that only a change to the exports themselves shows."""
    wheel = runtime_wheel()
    return [
        (wheel.name.encode(), b"gatewright_runtime-<version>-py3-none-any.whl"),
        (wheel.sha256.encode(), b"<sha256>"),
        (base64.b64encode(wheel.data), b"<wheel, base64>"),
    ]


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file but the wheel (a binary, checked by its own tests), placeholders put in."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".whl":
            continue
        data = path.read_bytes()
        for value, placeholder in placeholders():
            data = data.replace(value, placeholder)
        files[path.relative_to(folder).as_posix()] = data
    return files


def compare_with_golden(out: Path, golden: Path, label: str) -> None:
    """The files under ``out`` are those under ``golden``, byte for byte (or refresh them)."""
    produced = files_under(out)
    if os.environ.get("GATEWRIGHT_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for name, payload in produced.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(payload)
    assert golden.is_dir(), f"no golden files in {golden}: run with GATEWRIGHT_UPDATE_GOLDEN=1"
    expected = files_under(golden)
    assert sorted(produced) == sorted(expected)
    for name, payload in produced.items():
        if payload != expected[name]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(),
                payload.decode().splitlines(),
                f"golden/{label}/{name}",
                f"export/{name}",
                lineterm="",
                n=2,
            )
            pytest.fail("\n".join(list(diff)[:60]) + "\n(GATEWRIGHT_UPDATE_GOLDEN=1 refreshes)")
