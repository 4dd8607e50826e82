"""Pipeline exporters (GitHub Actions, GitLab CI, Argo Workflows): schemas, safety, goldens.

Every export is validated against the platform's official schema with check-jsonschema
(GitHub and GitLab: its built-in vendored schemas, offline; Argo: the vendored schema in
../shared/schemas beside the repository, skipped with a reason when it is absent).

Golden files: tests/exporters/golden/{github,gitlab,argo}/ hold the three exports of the
startup-lightweight template, compared byte for byte. After an intended change, refresh
them and review the diff:

    GATEWRIGHT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/exporters/test_pipelines.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import main
from app.compiler.compile import compile_data
from app.model.io import load_document
from app.model.templates import load_template, template_ids, template_text
from app.spec.digest import spec_text
from app.spec.files import load_spec
from exporters import argo, github, gitlab
from exporters.context import ExportContext
from exporters.github_scripts import EXPRESSION_ESCAPE
from exporters.pipelines import ExportRefusedError, dump_yaml, one_line
from exporters.registry import export
from tests.exporters.pipelines_support import (
    ALLOWED_GITHUB_EXPRESSIONS,
    DANGEROUS,
    FORMATS,
    GOLDEN,
    HOSTILE,
    REPO,
    SCHEMA_FORMATS,
    SPEC_PATH,
    YAML_FILES,
    assert_no_anchors,
    check_schemas,
    compare_with_golden,
    export_doc,
    find_values,
    loaded,
    script_bodies,
    strings_in,
    user_texts,
)

NEEDS_OUTPUT = re.compile(
    r"\$\{\{ needs\.[a-z0-9-]+\.outputs\.deployed_at \}\}"
    r"|\$\{\{ needs\.monitor-[a-z0-9-]+\.outputs\.policies \}\}"
)
"""The expressions an env writes besides the fixed ones: a deploy job's time (a bake's env)
and the fired policies (a registry rollback step's env), each naming a job made of slugs."""
ROLLBACK_IF = re.compile(
    r"contains\(fromJSON\(needs\.monitor-[a-z0-9-]+\.outputs\.policies\), '[a-z0-9-]+'\)"
)

# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("templates")
    folders = {}
    for template_id in template_ids():
        doc = load_template(template_id)
        for fmt in FORMATS:
            folder = root / template_id / fmt
            export_doc(doc, fmt, folder)
            folders[template_id, fmt] = folder
    return folders


@pytest.fixture(scope="module")
def hostile_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    doc = load_document(HOSTILE)
    for fmt in FORMATS:
        export_doc(doc, fmt, root / fmt)
    return {fmt: root / fmt for fmt in FORMATS}


@pytest.fixture(scope="module")
def hostile_raw() -> dict[str, Any]:
    return json.loads(HOSTILE.read_text(encoding="utf-8"))


# -- every template -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SCHEMA_FORMATS)
def test_every_template_validates_against_the_official_schema(fmt, template_exports) -> None:
    folders = [folder for (_template, kind), folder in template_exports.items() if kind == fmt]
    assert len(folders) == len(template_ids())
    check_schemas(fmt, folders)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_template_export_holds_a_verified_spec_and_clean_yaml(fmt, template_exports) -> None:
    for (template_id, kind), folder in template_exports.items():
        if kind != fmt:
            continue
        spec = load_spec(folder / SPEC_PATH)
        assert spec.metadata.name == template_id
        for name in YAML_FILES[fmt]:
            text = (folder / name).read_text()
            assert_no_anchors(text)
            assert spec.digest in text, "every pipeline file names the spec digest it runs"


def test_an_argo_approval_resumed_without_evidence_checks_the_submitted_one(
    template_exports,
) -> None:
    """Resuming is not approving: with no evidence supplied at resume, the check step reads
    the evidence given at submit (and holds without its approvals), never an empty value."""
    workflow = loaded(template_exports["deployment-gate", "argo"], "argo")[argo.WORKFLOW_FILE]
    approvals = [t for t in workflow["spec"]["templates"] if t["name"].startswith("approve-")]
    assert approvals
    for template in approvals:
        (output,) = template["outputs"]["parameters"]
        assert output["valueFrom"] == {
            "supplied": {},
            "default": "{{inputs.parameters.evidence}}",
        }


def test_export_through_the_command_line(tmp_path: Path, capsys) -> None:
    source = REPO / "sop_templates" / "startup-lightweight.sop.json"
    for fmt in FORMATS:
        out = tmp_path / fmt
        code = main(["export", fmt, str(source), "-o", str(out)])
        _, err = capsys.readouterr()
        assert code == 0, err
        assert "wrote" in err
        assert load_spec(out / SPEC_PATH).metadata.name == "startup-lightweight"
        for name in YAML_FILES[fmt]:
            assert (out / name).is_file()


def test_spec_path_option_moves_the_spec_and_the_pipeline_follows(tmp_path: Path) -> None:
    doc = load_template("startup-lightweight")
    export_doc(doc, "github", tmp_path, spec_path="deploy/release.spec.json")
    load_spec(tmp_path / "deploy" / "release.spec.json")
    workflow = yaml.safe_load((tmp_path / github.PROMOTE_FILE).read_text())
    assert workflow["env"]["GATEWRIGHT_SPEC"] == "deploy/release.spec.json"
    action = yaml.safe_load((tmp_path / github.RUNTIME_ACTION_FILE).read_text())
    wheel = action["runs"]["steps"][1]["env"]["GATEWRIGHT_RUNTIME"]
    assert wheel.startswith("deploy/gatewright_runtime-") and (tmp_path / wheel).is_file()
    export_doc(doc, "gitlab", tmp_path / "gl", spec_path="deploy/release.spec.json")
    ci = yaml.safe_load((tmp_path / "gl" / gitlab.CI_FILE).read_text())
    assert ci["variables"]["GATEWRIGHT_SPEC"]["value"] == "deploy/release.spec.json"
    assert (tmp_path / "gl" / ci["variables"]["GATEWRIGHT_RUNTIME"]["value"]).is_file()


@pytest.mark.parametrize("bad", ["../outside.json", "/etc/spec.json", "a/./b.json", "s p.json"])
def test_a_spec_path_outside_the_repository_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ExportRefusedError, match="spec-path"):
        export_doc(load_template("startup-lightweight"), "gitlab", tmp_path / "out", bad)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "outside.json").exists()


def test_a_bad_spec_path_on_the_command_line_exits_2(tmp_path: Path, capsys) -> None:
    source = REPO / "sop_templates" / "startup-lightweight.sop.json"
    code = main(["export", "argo", str(source), "-o", str(tmp_path), "--spec-path", "../x.json"])
    _, err = capsys.readouterr()
    assert code == 2 and "--spec-path" in err and "Traceback" not in err


def test_an_invalid_sop_is_refused_even_with_allow_invalid(tmp_path: Path, capsys) -> None:
    data = json.loads((REPO / "sop_templates" / "startup-lightweight.sop.json").read_text())
    data["edges"] = [edge for edge in data["edges"] if edge["id"] != "release-gate-to-production"]
    source = tmp_path / "broken.sop.json"
    source.write_text(json.dumps(data))
    for fmt in FORMATS:
        out = tmp_path / fmt
        code = main(["export", fmt, str(source), "-o", str(out), "--allow-invalid"])
        _, err = capsys.readouterr()
        assert code == 1
        assert "validation errors" in err
        assert not out.exists()


def test_exporters_refuse_a_context_without_a_spec(tmp_path: Path) -> None:
    doc = load_template("startup-lightweight")
    for fmt in FORMATS:
        with pytest.raises(ExportRefusedError, match="validation errors"):
            export(fmt, doc, tmp_path / fmt, ExportContext(spec=None, draft=True))
        assert not (tmp_path / fmt).exists()


# -- the hostile document -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", SCHEMA_FORMATS)
def test_hostile_exports_still_validate(fmt, hostile_exports) -> None:
    check_schemas(fmt, [hostile_exports[fmt]])


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_never_reaches_a_script(fmt, hostile_exports, hostile_raw) -> None:
    texts = user_texts(hostile_raw)
    assert len(texts) > 10
    ran = 0
    for name, data in loaded(hostile_exports[fmt], fmt).items():
        bodies = script_bodies(fmt, data)
        ran += len(bodies)
        for body in bodies:
            for text in texts:
                assert text not in body, f"{name}: user text {text!r} inside {body!r}"
            for fragment in DANGEROUS:
                assert fragment not in body, f"{name}: {fragment!r} inside {body!r}"
    assert ran > 3, f"the {fmt} export runs something"


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_yaml_parses_back_without_anchors(fmt, hostile_exports) -> None:
    for name in YAML_FILES[fmt]:
        text = (hostile_exports[fmt] / name).read_text()
        assert_no_anchors(text)
        yaml.safe_load(text)
    spec = load_spec(hostile_exports[fmt] / SPEC_PATH)
    assert spec.metadata.title == json.loads(HOSTILE.read_text())["title"]


def test_hostile_github_names_read_back_exactly(hostile_exports, hostile_raw) -> None:
    nodes = {node["id"]: node for node in hostile_raw["nodes"]}
    files = loaded(hostile_exports["github"], "github")
    jobs = files[github.PROMOTE_FILE]["jobs"]
    assert set(jobs) == {"deploy-dev", "evidence-gate", "check-gate", "approve-gate", "deploy-prod"}
    shown = github.unescape_literal
    assert shown(jobs["check-gate"]["name"]) == "Gate: " + nodes["gate"]["name"]
    assert shown(jobs["approve-gate"]["name"]) == "Approve: " + nodes["gate"]["name"]
    assert shown(jobs["evidence-gate"]["name"]) == "Evidence: " + nodes["gate"]["name"]
    dry_run = files[github.DRY_RUN_FILE]["jobs"]["dry-run-gate"]
    assert shown(dry_run["name"]) == "Dry run: " + nodes["gate"]["name"]
    assert shown(jobs["deploy-dev"]["name"]) == "Deploy: " + nodes["dev"]["name"]
    assert shown(jobs["deploy-prod"]["name"]) == "Deploy: " + nodes["prod"]["name"]
    monitor_jobs = files[github.MONITOR_FILE]["jobs"]
    approve = "approve-rollback-acc-drop-revert"
    assert set(monitor_jobs) == {"monitor-prod", "rollback-acc-drop", approve, "registry-acc-drop"}
    steps = monitor_jobs["rollback-acc-drop"]["steps"]
    # The runbook's one action has a role (a person's step): it comes first, and the registry
    # move waits for that person's step in its own job and environment.
    assert shown(steps[1]["name"]) == "Action 1: " + nodes["revert"]["name"]
    assert "gatewright rollback" not in json.dumps(steps)
    assert monitor_jobs[approve]["environment"] == "rollback-acc-drop-revert"
    assert monitor_jobs[approve]["needs"] == ["monitor-prod", "rollback-acc-drop"]
    moved = monitor_jobs["registry-acc-drop"]
    assert "environment" not in moved
    assert moved["needs"] == ["monitor-prod", approve]
    # The runtime, then `gatewright rollback`, then what the rollback restores, the safe
    # version shown as written.
    assert "gatewright rollback" in moved["steps"][2]["run"]
    ref = nodes["acc-drop"]["restores"][0]["ref"]
    label = hostile_raw["components"][0]["name"] + " (model)"
    restore = moved["steps"][3]
    assert shown(restore["name"]) == f"Restore 1: {label} from model registry alias {ref}"
    assert shown(restore["env"]["RESTORE_NAME"]) == label
    assert (
        shown(monitor_jobs["rollback-acc-drop"]["name"]) == "Rollback: " + nodes["acc-drop"]["name"]
    )


def test_github_writes_no_expression_of_its_own_making(hostile_exports, template_exports) -> None:
    folders = [hostile_exports["github"]] + [
        folder for (_t, fmt), folder in template_exports.items() if fmt == "github"
    ]
    assert set(ALLOWED_GITHUB_EXPRESSIONS) == set(github.KNOWN_EXPRESSIONS)
    for folder in folders:
        for name in YAML_FILES["github"]:
            text = (folder / name).read_text()
            position = 0
            while (index := text.find("${{", position)) != -1:
                known = next(
                    (e for e in ALLOWED_GITHUB_EXPRESSIONS if text.startswith(e, index)), None
                )
                made = NEEDS_OUTPUT.match(text, index)
                assert known or made, (
                    f"{folder / name}: unexpected expression {text[index : index + 60]!r}"
                )
                position = index + len(known or made.group())  # type: ignore[union-attr]
    # A rollback job's condition names its monitor job, made of slugs, and nothing else.
    for folder in folders:
        monitor = folder / github.MONITOR_FILE
        for job in yaml.safe_load(monitor.read_text())["jobs"].values():
            if "if" in job:
                assert ROLLBACK_IF.fullmatch(job["if"]), job["if"]


def test_github_env_holds_no_user_text(hostile_exports, hostile_raw) -> None:
    """Except a restore step's RESTORE_NAME, the component's name that the step prints:
    escaped as a step's name is, so that GitHub evaluates no expression written in it."""
    texts = user_texts(hostile_raw)
    named = 0
    for name, data in loaded(hostile_exports["github"], "github").items():
        for step in find_values(data, {"steps"}):
            for env in (s.get("env") or {} for s in step if isinstance(s, dict)):
                if printed := env.pop("RESTORE_NAME", None):
                    named += 1
                    assert "${{" not in printed.replace(EXPRESSION_ESCAPE, "")
        for value in strings_in(find_values(data, {"env", "with", "if", "outputs"})):
            assert not any(text in value for text in texts), f"{name}: {value!r}"
    assert named == 1


def test_hostile_gitlab_names_are_unexpanded_variables(hostile_exports, hostile_raw) -> None:
    texts = user_texts(hostile_raw)
    nodes = {node["id"]: node for node in hostile_raw["nodes"]}
    ci = loaded(hostile_exports["gitlab"], "gitlab")[gitlab.CI_FILE]
    expected_jobs = {
        ".gatewright", ".gatewright-evidence", ".gatewright-check", ".gatewright-approve",
        ".gatewright-deploy", ".gatewright-bake", ".gatewright-monitor", "deploy-dev",
        "evidence-gate", "check-gate", "approve-gate", "deploy-prod", "monitor-prod",
        "rollback-acc-drop", "registry-acc-drop",
    }  # fmt: skip
    assert set(ci) == {"stages", "variables"} | expected_jobs
    assert ci["check-gate"]["variables"]["GATE_NAME"] == {
        "value": nodes["gate"]["name"],
        "expand": False,
    }
    assert ci["deploy-prod"]["variables"]["STAGE_NAME"]["value"] == nodes["prod"]["name"]
    assert ci["rollback-acc-drop"]["variables"]["ACTION_1_NAME"]["value"] == nodes["revert"]["name"]
    for job in expected_jobs:
        for value in ci[job].get("variables", {}).values():
            if isinstance(value, str):
                assert not any(text in value for text in texts), value
            elif any(text in value["value"] for text in texts):
                assert value["expand"] is False


def test_hostile_argo_keeps_user_text_out_of_templated_fields(hostile_exports) -> None:
    files = loaded(hostile_exports["argo"], "argo")
    workflow = files[argo.WORKFLOW_FILE]
    allowed = ("{{workflow.parameters.", "{{steps.", "{{inputs.parameters.")
    for value in strings_in(workflow):
        for fragment in DANGEROUS:
            assert fragment not in value, value
        index = value.find("{{")
        while index != -1:
            assert value.startswith(allowed, index), f"unexpected template in {value!r}"
            index = value.find("{{", index + 2)
    configmap = yaml.safe_load((hostile_exports["argo"] / argo.CONFIGMAP_FILE).read_text())
    spec = compile_data(load_document(HOSTILE))
    assert configmap["data"]["spec.json"] == spec_text(spec)


def test_bidi_overrides_in_names_never_reach_the_pipeline_yaml(tmp_path) -> None:
    """Names with bidi controls validate (with a warning); the YAML shows them as U+FFFD,
    as the PDF, Markdown and DOT exports do, and the spec keeps them as data."""
    data = json.loads(template_text("startup-lightweight"))
    for node in data["nodes"]:
        node["name"] = f"{node['name']} \u202eevil\u2066x\u2069"
    source = tmp_path / "bidi.sop.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    for fmt in FORMATS:
        assert main(["export", fmt, str(source), "-o", str(tmp_path / fmt)]) == 0
        for name in YAML_FILES[fmt]:
            text = (tmp_path / fmt / name).read_text(encoding="utf-8")
            assert not any(char in text for char in "\u202e\u2066\u2069"), f"{fmt} {name}"
    promote = yaml.safe_load((tmp_path / "github" / github.PROMOTE_FILE).read_text())
    assert (
        promote["jobs"]["deploy-production-step-1"]["name"]
        == "Deploy: Production \ufffdevil\ufffdx\ufffd (1/2)"
    )
    ci = yaml.safe_load((tmp_path / "gitlab" / gitlab.CI_FILE).read_text())
    name = ci["deploy-production-step-1"]["variables"]["STAGE_NAME"]["value"]
    assert name.endswith("\ufffdx\ufffd")
    spec = json.loads((tmp_path / "github" / SPEC_PATH).read_text(encoding="utf-8"))
    assert "\u202e" in spec["stages"][-1]["name"]  # the spec is data: kept as written


def test_comments_hold_user_text_on_one_line() -> None:
    hostile = "a\nb\r\nc\x85d\u2028e\u2029f\tg\x00h\u200bi ${{ x }}"
    assert one_line(hostile) == "a b c d e f g h i ${{ x }}"
    assert one_line("x" * 500, 20) == "x" * 19 + "…"


@pytest.mark.parametrize("text", ["on", "yes", "No", "null", "~", "007", "1e3", "- a", "a: b", ""])
def test_yaml_strings_are_always_quoted(text: str) -> None:
    dumped = dump_yaml({"key": text, text or "empty": [text]})
    assert yaml.safe_load(dumped) == {"key": text, text or "empty": [text]}
    assert f'key: "{text}"' in dumped


# -- golden files ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_exports_of_startup_lightweight(fmt, tmp_path: Path) -> None:
    out = tmp_path / fmt
    export_doc(load_template("startup-lightweight"), fmt, out)
    compare_with_golden(out, GOLDEN / fmt, fmt)
