"""What every template's GitHub and GitLab exports hold: evidence that reaches each gate,
approvals on the platforms, stages mapped as the SOP says, the runtime from the export,
and the hygiene a reviewer asks for (timeouts, permissions, one deployment at a time)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.compiler.compile import compile_spec
from app.model.templates import load_template, template_ids
from app.spec.schema import SpecStage
from exporters import argo, github, gitlab
from exporters.gitlab_jobs import MERGE_REQUEST_IF
from exporters.promote_plan import stage_environment, stage_rollout
from exporters.rollback_order import rollback_orders
from tests.exporters.pipelines_support import FORMATS, SPEC_PATH, export_doc, loaded

WEEK = 7 * 24 * 60


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    root = tmp_path_factory.mktemp("structure")
    folders = {}
    for template_id in template_ids():
        doc = load_template(template_id)
        for fmt in FORMATS:
            export_doc(doc, fmt, root / template_id / fmt)
            folders[template_id, fmt] = root / template_id / fmt
    return folders


def spec_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / SPEC_PATH).read_text(encoding="utf-8"))


def downloads(job: dict[str, Any]) -> list[str]:
    return [
        step["with"]["name"]
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/download-artifact")
    ]


def uploads(job: dict[str, Any]) -> list[str]:
    return [
        step["with"]["name"]
        for step in job["steps"]
        if str(step.get("uses", "")).startswith("actions/upload-artifact")
    ]


def need_names(job: dict[str, Any]) -> list[str]:
    return [need if isinstance(need, str) else need["job"] for need in job.get("needs", [])]


def extended(ci: dict[str, Any], job: dict[str, Any], key: str) -> Any:
    """``key`` of a GitLab job, or of the templates it extends."""
    if key in job:
        return job[key]
    for parent in job.get("extends", []):
        found = extended(ci, ci[parent], key)
        if found is not None:
            return found
    return None


def test_evidence_reaches_every_gate_and_its_approval(exports) -> None:
    for template_id in template_ids():
        spec = spec_of(exports[template_id, "github"])
        jobs = loaded(exports[template_id, "github"], "github")[github.PROMOTE_FILE]["jobs"]
        ci = loaded(exports[template_id, "gitlab"], "gitlab")[gitlab.CI_FILE]
        for gate in spec["gates"]:
            gid = gate["id"]
            approvals = bool(gate["approval"]["rules"])
            # GitHub: artifacts carry the evidence from job to job.
            assert uploads(jobs[f"evidence-{gid}"]) == [f"gatewright-evidence-{gid}"]
            assert downloads(jobs[f"check-{gid}"]) == [f"gatewright-evidence-{gid}"]
            assert jobs[f"check-{gid}"]["needs"] == [f"evidence-{gid}"]
            assert (f"approve-{gid}" in jobs) == approvals
            # GitLab: needs with artifacts (the default) do the same.
            assert ci[f"check-{gid}"]["needs"] == [f"evidence-{gid}"]
            assert (f"approve-{gid}" in ci) == approvals
            final = f"approve-{gid}" if approvals else f"check-{gid}"
            if approvals:
                assert downloads(jobs[final]) == [f"gatewright-check-{gid}"]
                assert jobs[final]["environment"] == f"approve-{gid}"
                assert jobs[final]["permissions"] == {"contents": "read", "actions": "read"}
                assert ci[final]["needs"] == [f"check-{gid}"]
                assert ci[final]["environment"]["name"] == f"approve-{gid}"
                assert ci[final]["environment"]["action"] == "start"
            for job_id, job in jobs.items():
                if job_id.startswith(f"deploy-{gate['to']}"):
                    assert f"gatewright-{final}" in downloads(job)
                    assert final in job["needs"]
                    assert final in need_names(ci[job_id])
                    assert gid in job["env"]["GATES"].split()


def test_stages_deploy_as_the_sop_says(exports) -> None:
    checked_canary = False
    for template_id in template_ids():
        doc = load_template(template_id)
        spec = spec_of(exports[template_id, "github"])
        jobs = loaded(exports[template_id, "github"], "github")[github.PROMOTE_FILE]["jobs"]
        ci = loaded(exports[template_id, "gitlab"], "gitlab")[gitlab.CI_FILE]
        payloads = json.loads(
            (exports[template_id, "github"] / github.ENVIRONMENTS_FILE).read_text()
        )
        waits = {
            entry["environment_name"]: entry["payload"].get("wait_timer")
            for entry in payloads["environments"]
        }
        for stage in spec["stages"]:
            rollout = stage_rollout(doc, stage["id"])
            environment = stage_environment(SpecStage.model_validate(stage))
            if stage.get("environment") in ("development", "validation", "staging", "production"):
                assert environment == stage["environment"]
            else:
                assert environment == stage["id"]
            steps = len(rollout.weights)
            names = [
                f"deploy-{stage['id']}" + (f"-step-{n}" if steps > 1 else "")
                for n in range(1, steps + 1)
            ]
            for number, (name, weight) in enumerate(zip(names, rollout.weights, strict=True), 1):
                assert jobs[name]["environment"] == environment
                assert ci[name]["environment"]["name"] == environment
                assert jobs[name]["env"]["TRAFFIC_PERCENT"] == f"{weight:g}"
                assert ci[name]["variables"]["TRAFFIC_PERCENT"] == f"{weight:g}"
                bake = name.replace("deploy-", "bake-", 1)
                assert (bake in jobs) == bool(rollout.bake_minutes) == (bake in ci)
                if not rollout.bake_minutes:
                    continue
                # The bake is a wait after the deploy step, then a check of the stage.
                assert jobs[bake]["needs"] == [name] and need_names(ci[bake]) == [name]
                assert jobs[bake]["environment"] == f"bake-{stage['id']}"
                assert waits[f"bake-{stage['id']}"] == min(rollout.bake_minutes, 43_200)
                rule = ci[bake]["rules"][0]
                if rollout.bake_minutes <= WEEK:
                    assert rule["when"] == "delayed"
                    assert rule["start_in"] == f"{rollout.bake_minutes} minutes"
                else:
                    assert rule["when"] == "manual" and rule["allow_failure"] is False
                if number > 1:
                    previous = names[number - 2].replace("deploy-", "bake-", 1)
                    assert previous in jobs[name]["needs"]
                checked_canary = checked_canary or (
                    rollout.strategy == "canary" and stage["id"] != environment
                )
    assert checked_canary, "a canary stage deploying to its SOP environment was checked"


def test_every_job_has_a_timeout_least_privilege_and_one_deployment_at_a_time(exports) -> None:
    for template_id in template_ids():
        folder = exports[template_id, "github"]
        for name in (github.PROMOTE_FILE, github.DRY_RUN_FILE, github.MONITOR_FILE):
            workflow = yaml.safe_load((folder / name).read_text())
            assert workflow["permissions"] == {}
            for job_id, job in workflow["jobs"].items():
                assert isinstance(job["timeout-minutes"], int), job_id
                assert set(job["permissions"]) <= {"contents", "actions"}
                assert set(job["permissions"].values()) == {"read"}
                if job_id.startswith("deploy-"):
                    assert job["concurrency"] == {
                        "group": f"gatewright-deploy-{job['environment']}",
                        "cancel-in-progress": False,
                    }
        ci = loaded(exports[template_id, "gitlab"], "gitlab")[gitlab.CI_FILE]
        for job_id, job in ci.items():
            if job_id in ("stages", "variables") or job_id.startswith("."):
                continue
            assert re.fullmatch(r"\d+ minutes", extended(ci, job, "timeout")), job_id
            if job_id.startswith("deploy-"):
                assert job["resource_group"] == f"gatewright-{job['environment']['name']}"


def test_merge_requests_run_the_checks_as_a_dry_run_only(exports) -> None:
    for template_id in template_ids():
        ci = loaded(exports[template_id, "gitlab"], "gitlab")[gitlab.CI_FILE]
        for job_id, job in ci.items():
            if job_id in ("stages", "variables") or job_id.startswith("."):
                continue
            merge = [rule for rule in job["rules"] if rule["if"] == MERGE_REQUEST_IF]
            promote_only = "!= 'merge_request_event'" in job["rules"][0]["if"]
            if job_id.startswith(("evidence-", "check-")):
                assert merge == [
                    {"if": MERGE_REQUEST_IF, "when": "on_success", "allow_failure": True}
                ]
            else:
                assert not merge and (
                    promote_only
                    or job_id.startswith(("monitor", "rollback", "registry", "approve-rollback"))
                )
        dry = loaded(exports[template_id, "github"], "github")[github.DRY_RUN_FILE]
        assert dry["on"] == {"pull_request": {}}
        spec = spec_of(exports[template_id, "github"])
        assert set(dry["jobs"]) == {f"dry-run-{gate['id']}" for gate in spec["gates"]}
        assert all(job["continue-on-error"] is True for job in dry["jobs"].values())
        assert not any("environment" in job for job in dry["jobs"].values())


def test_the_payloads_put_approvals_on_the_gates_environments(exports) -> None:
    for template_id in template_ids():
        spec = spec_of(exports[template_id, "gitlab"])
        gated = {f"approve-{gate['id']}" for gate in spec["gates"] if gate["approval"]["rules"]}
        stage_names = {stage_environment(SpecStage.model_validate(s)) for s in spec["stages"]}
        payloads = json.loads(
            (exports[template_id, "gitlab"] / gitlab.ENVIRONMENTS_FILE).read_text()
        )
        names = {entry["payload"]["name"]: entry["payload"] for entry in payloads["environments"]}
        doc = load_template(template_id)
        orders = rollback_orders(compile_spec(doc), doc).values()
        # A registry move after people's steps waits for each of them on its own
        # environment, which only that step's role may deploy to (a manual job), with no
        # approval rule.
        waiting = {
            approval.environment: (approval.role,)
            for order in orders
            if order.waits
            for approval in order.approvals
        }
        assert set(names) == stage_names | gated | set(waiting)
        assert all(names[name]["approval_rules"] for name in gated)
        assert not any(names[name]["approval_rules"] for name in stage_names | set(waiting))
        for name, roles in waiting.items():
            deployers = names[name]["deploy_access_levels"]
            assert tuple(d["gatewright_role"] for d in deployers) == roles
        assert payloads["project_settings"]["payload"] == {
            "allow_pipeline_trigger_approve_deployment": False
        }
        environments = json.loads(
            (exports[template_id, "github"] / github.ENVIRONMENTS_FILE).read_text()
        )["environments"]
        reviewed = {e["environment_name"] for e in environments if e["payload"].get("reviewers")}
        assert reviewed == gated | set(waiting)


def test_the_runtime_comes_from_the_export_pinned_by_its_sha256(exports) -> None:
    """Nothing a job installs names a package that is neither on PyPI nor in the export."""
    for template_id in template_ids():
        folder = exports[template_id, "gitlab"]
        variables = loaded(folder, "gitlab")[gitlab.CI_FILE]["variables"]
        wheel = folder / variables["GATEWRIGHT_RUNTIME"]["value"]
        assert (
            hashlib.sha256(wheel.read_bytes()).hexdigest()
            == (variables["GATEWRIGHT_RUNTIME_SHA256"]["value"])
        )
        action = yaml.safe_load(
            (exports[template_id, "github"] / github.RUNTIME_ACTION_FILE).read_text()
        )
        env = action["runs"]["steps"][1]["env"]
        assert (exports[template_id, "github"] / env["GATEWRIGHT_RUNTIME"]).is_file()
        assert env["GATEWRIGHT_RUNTIME_SHA256"] == variables["GATEWRIGHT_RUNTIME_SHA256"]["value"]
        runtime = yaml.safe_load(
            (exports[template_id, "argo"] / argo.RUNTIME_CONFIGMAP_FILE).read_text()
        )
        (data,) = runtime["binaryData"].values()
        assert base64.b64decode(data) == wheel.read_bytes()
        for fmt in FORMATS:
            for path in exports[template_id, fmt].rglob("*"):
                if path.suffix in (".yml", ".yaml", ".json"):
                    text = path.read_text(encoding="utf-8")
                    assert "gatewright==" not in text and "pip install gatewright" not in text
                    for line in text.splitlines():
                        if "pip install" in line and line.rstrip().endswith('"$runtime"'):
                            # The wheel with the extras the job needs (ledger, MLflow).
                            assert 'runtime="$GATEWRIGHT_RUNTIME${extras:+[$extras]}"' in text
                        elif "pip install" in line:
                            assert line.rstrip().endswith('"$GATEWRIGHT_RUNTIME"'), line


def test_every_export_says_how_to_start_an_evidence_file(exports) -> None:
    for (template_id, fmt), folder in exports.items():
        main = {"github": github.PROMOTE_FILE, "gitlab": gitlab.CI_FILE, "argo": argo.WORKFLOW_FILE}
        header = (folder / main[fmt]).read_text(encoding="utf-8").split("\n\n")[0]
        text = (folder / main[fmt]).read_text(encoding="utf-8")
        assert f"gatewright evidence init {SPEC_PATH} --gate <gate-id>" in text, template_id
        assert header.startswith("# Generated by")
