"""Pipeline exports of a signed spec (`export --sign`): the key travels with the spec, and
every generated step that runs gatewright passes it to --trust.

The key pair in tests/fixtures/keys is for these tests only (Ed25519 signatures are
deterministic, so the golden files under golden/signed/ stay byte for byte the same).
Refresh them with GATEWRIGHT_UPDATE_GOLDEN=1, as the unsigned ones.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from app.cli import main
from app.model.io import save_document
from app.model.templates import load_template
from app.spec.digest import spec_digest, spec_text
from app.spec.files import signed_spec
from exporters import argo, github, gitlab
from tests.exporters.argo_support import run_container
from tests.exporters.pipelines_support import (
    FORMATS,
    GOLDEN,
    REPO,
    SCHEMA_FORMATS,
    SPEC_PATH,
    YAML_FILES,
    check_schemas,
    compare_with_golden,
    script_bodies,
    step_script,
    tool_env,
    venv_tool,
)
from tests.exporters.runner_support import write_json
from tests.exporters.test_pipeline_scripts import EVIDENCE_CASES, evidence_file, run_bash

KEY = REPO / "tests" / "fixtures" / "keys" / "test-signing"
KEY_PATH = "gatewright/spec.pub"


@pytest.fixture(scope="module")
def signed_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("signed")
    source = root / "startup.sop.json"
    save_document(load_template("startup-lightweight"), source)
    for fmt in FORMATS:
        code = main(["export", fmt, str(source), "-o", str(root / fmt), "--sign", str(KEY)])
        assert code == 0
    return {fmt: root / fmt for fmt in FORMATS}


def gatewright_calls(fmt: str, folder: Path) -> list[str]:
    """Every script line or argument list that runs gatewright on the spec (check,
    monitor, evidence and decision; `evidence fetch` reads no spec)."""
    calls = []
    names = [*YAML_FILES[fmt], *([argo.MONITOR_FILE] if fmt == "argo" else [])]
    for name in names:
        data = yaml.safe_load((folder / name).read_text())
        for body in script_bodies(fmt, data):
            calls += [
                line
                for line in body.splitlines()
                if line.strip().startswith("gatewright ") and '$GATEWRIGHT_SPEC"' in line
            ]
    return calls


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_export_holds_the_signed_spec_and_its_public_key(fmt, signed_exports) -> None:
    folder = signed_exports[fmt]
    spec, signed_by = signed_spec(folder / SPEC_PATH, [str(folder / KEY_PATH)])
    assert spec.signature is not None and signed_by == spec.signature.key
    assert (folder / KEY_PATH).read_bytes() == Path(f"{KEY}.pub").read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_gatewright_step_passes_trust(fmt, signed_exports) -> None:
    calls = gatewright_calls(fmt, signed_exports[fmt])
    assert calls, "the export runs gatewright somewhere"
    for call in calls:
        assert "--trust" in call, call


@pytest.mark.parametrize("fmt", SCHEMA_FORMATS)
def test_signed_exports_validate_against_the_official_schema(fmt, signed_exports) -> None:
    check_schemas(fmt, [signed_exports[fmt]])


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_signed_exports_of_startup_lightweight(fmt, signed_exports) -> None:
    compare_with_golden(signed_exports[fmt], GOLDEN / "signed" / fmt, f"signed/{fmt}")


def test_sign_is_refused_for_a_format_without_a_spec(tmp_path, capsys) -> None:
    source = tmp_path / "startup.sop.json"
    save_document(load_template("startup-lightweight"), source)
    code = main(["export", "pdf", str(source), "-o", str(tmp_path / "x.pdf"), "--sign", str(KEY)])
    assert code == 2 and "holds no spec" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def forge_in_place(spec_file: Path) -> None:
    data = json.loads(spec_file.read_text())
    data["gates"][0]["name"] = "Forged"
    data["digest"] = spec_digest(data)
    spec_file.write_text(spec_text(data))


@pytest.mark.parametrize("forged", [False, True])
def test_the_github_gate_step_runs_only_the_signed_spec(signed_exports, tmp_path, forged) -> None:
    venv_tool("gatewright")
    folder = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(signed_exports["github"]), str(folder)], check=True)
    if forged:
        forge_in_place(folder / SPEC_PATH)
    workflow = yaml.safe_load((folder / github.PROMOTE_FILE).read_text())
    job = workflow["jobs"]["check-review-gate"]
    step = next(step for step in job["steps"] if step.get("name") == "Decide the gate")
    assert workflow["env"][github.TRUSTED_KEY] == KEY_PATH
    evidence_file(folder, "reject")
    env = tool_env(
        **{name: str(value) for name, value in job["env"].items()},
        GATEWRIGHT_SPEC=workflow["env"]["GATEWRIGHT_SPEC"],
        **{github.TRUSTED_KEY: workflow["env"][github.TRUSTED_KEY]},
        GATEWRIGHT_APPROVALS_FROM="evidence",
        GITHUB_ACTOR="ana",
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "outputs"),
    )
    done = run_bash(step_script(folder, step), folder, env)
    if forged:
        assert done.returncode == 2, done.stdout + done.stderr
        assert "does not verify" in done.stderr
    else:
        assert done.returncode == 1, done.stdout + done.stderr  # the evidence rejects
        decision = json.loads((folder / job["env"]["DECISION"]).read_text())
        assert (
            decision["signed_by"]
            == json.loads((folder / SPEC_PATH).read_text())["signature"]["key"]
        )


def test_the_gitlab_and_argo_steps_trust_the_exported_key(signed_exports, tmp_path) -> None:
    venv_tool("gatewright")
    ci = yaml.safe_load((signed_exports["gitlab"] / gitlab.CI_FILE).read_text())
    assert ci["variables"][gitlab.TRUSTED_KEY]["value"] == KEY_PATH
    configmap = yaml.safe_load((signed_exports["argo"] / argo.CONFIGMAP_FILE).read_text())
    root = tmp_path / "pod"
    (root / "spec").mkdir(parents=True)
    for name in ("spec.json", argo.KEY_NAME):  # as the ConfigMap is mounted
        (root / "spec" / name).write_text(configmap["data"][name], encoding="utf-8")
    write_json(root / "evidence" / "evidence.json", EVIDENCE_CASES["reject"])
    workflow = yaml.safe_load((signed_exports["argo"] / argo.WORKFLOW_FILE).read_text())
    template = next(t for t in workflow["spec"]["templates"] if t["name"] == argo.CHECK)
    done = run_container(template["container"], root, {"gate": "review-gate"})
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["signed_by"] is not None
