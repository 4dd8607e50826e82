"""The Argo Workflows export: schema and hera on every template, hardened pods, the check
before the approval, the monitor CronWorkflow, and its steps run here with `gatewright`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.model.io import load_document
from app.model.templates import load_template, template_ids
from exporters import argo, argo_monitor, argo_pods
from tests.exporters.argo_support import (
    check_with_hera,
    documents,
    need_schemas,
    pod_root,
    pod_templates,
    run_container,
    schema_errors,
)
from tests.exporters.pipelines_support import DANGEROUS, HOSTILE, export_doc, strings_in, venv_tool
from tests.exporters.runner_support import startup_evidence, telemetry, write_json

KINDS = {argo.WORKFLOW_FILE: "Workflow", argo.MONITOR_FILE: "CronWorkflow"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("argo")
    folders = {}
    for template_id in template_ids():
        export_doc(load_template(template_id), "argo", root / template_id)
        folders[template_id] = root / template_id
    export_doc(load_document(HOSTILE), "argo", root / "hostile")
    folders["hostile"] = root / "hostile"
    return folders


def workflow_files(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        name: yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        for name in KINDS
        if (folder / name).is_file()
    }


def template(document: dict[str, Any], name: str) -> dict[str, Any]:
    spec = document["spec"].get("workflowSpec", document["spec"])
    return next(t for t in spec["templates"] if t["name"] == name)


# -- every template -------------------------------------------------------------------------


def test_every_export_validates_against_the_argo_schema_and_hera(exports) -> None:
    need_schemas()
    monitors = 0
    for label, folder in exports.items():
        files = workflow_files(folder)
        assert argo.WORKFLOW_FILE in files, label
        monitors += argo.MONITOR_FILE in files
        for name, document in files.items():
            assert document["kind"] == KINDS[name]
            assert schema_errors(document) == [], f"{label} {name}"
            check_with_hera((folder / name).read_text(encoding="utf-8"))
    assert monitors == len(exports)  # every template (and the hostile SOP) has triggers


def test_every_pod_is_hardened_and_runs_as_the_documented_account(exports) -> None:
    for label, folder in exports.items():
        for name, document in workflow_files(folder).items():
            spec = document["spec"].get("workflowSpec", document["spec"])
            assert spec["serviceAccountName"] == argo_pods.SERVICE_ACCOUNT
            pod = spec["securityContext"]
            assert pod["runAsNonRoot"] is True and isinstance(pod["runAsUser"], int)
            assert pod["runAsUser"] > 0
            volumes = {volume["name"]: volume for volume in spec["volumes"]}
            for tmpl in pod_templates(document):
                containers = [tmpl["container"], *tmpl.get("initContainers", [])]
                for container in containers:
                    security = container["securityContext"]
                    assert security["readOnlyRootFilesystem"] is True, f"{label} {name}"
                    assert security["allowPrivilegeEscalation"] is False
                    assert security["capabilities"] == {"drop": ["ALL"]}
                    assert security["runAsNonRoot"] is True
                    assert isinstance(security["runAsUser"], int) and security["runAsUser"] > 0
                    assert set(container["resources"]) == {"requests", "limits"}
                    for mount in container.get("volumeMounts", []):
                        # what a container writes goes to an emptyDir, never a ConfigMap
                        if not mount.get("readOnly"):
                            assert "emptyDir" in volumes[mount["name"]], mount
        header = (folder / argo.WORKFLOW_FILE).read_text(encoding="utf-8").split("apiVersion")[0]
        assert f"service account {argo_pods.SERVICE_ACCOUNT}" in header
        assert f"kubectl apply -n NAMESPACE -f {argo_pods.RBAC_FILE}" in header


def test_the_rbac_file_creates_the_account_and_what_the_executor_needs(exports) -> None:
    account, role, binding = documents(exports["startup-lightweight"] / argo.RBAC_FILE)
    assert account["kind"] == "ServiceAccount"
    assert account["metadata"]["name"] == argo_pods.SERVICE_ACCOUNT
    assert role["rules"] == [
        {
            "apiGroups": ["argoproj.io"],
            "resources": ["workflowtaskresults"],
            "verbs": ["create", "patch"],
        }
    ]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": argo_pods.SERVICE_ACCOUNT}]


def test_a_gate_with_approvals_is_checked_before_and_after_it_suspends(exports) -> None:
    workflow = workflow_files(exports["deployment-gate"])[argo.WORKFLOW_FILE]
    steps = {group[0]["name"]: group[0] for group in template(workflow, "promote")["steps"]}
    names = list(steps)
    spec = json.loads((exports["deployment-gate"] / "gatewright" / "spec.json").read_text())
    for gate in spec["gates"]:
        check = steps[f"check-{gate['id']}"]
        assert check["arguments"]["parameters"] == [{"name": "gate", "value": gate["id"]}]
        if not gate["approval"].get("rules"):  # no approvers to wait for: a hold stops here
            assert check["template"] == argo.CHECK
            continue
        at = names.index(f"approve-{gate['id']}")
        assert names[at - 1 : at + 2] == [
            f"check-{gate['id']}",
            f"approve-{gate['id']}",
            f"check-approved-{gate['id']}",
        ]
        assert check["template"] == argo.CHECK_HELD
        assert steps[f"check-approved-{gate['id']}"]["template"] == argo.CHECK
    for name, held in ((argo.CHECK_HELD, True), (argo.CHECK, False)):
        container = template(workflow, name)["container"]
        assert container["command"] == [*argo_pods.SHELL, argo.check_script(False, held)]


@pytest.mark.parametrize(
    ("case", "first", "approved"),
    [("promote", 0, 0), ("reject", 1, None), ("hold", 0, 3), ("unusable", 2, None)],
)
def test_the_check_before_approval_lets_only_a_promote_or_a_hold_through(
    exports, tmp_path, case, first, approved
) -> None:
    """Run as the pod would (argo_support.run_container): the script, its env, /gatewright."""
    venv_tool("gatewright")
    folder = exports["startup-lightweight"]
    workflow = workflow_files(folder)[argo.WORKFLOW_FILE]
    root = pod_root(folder, tmp_path)
    cases = {
        "promote": startup_evidence("review-gate"),
        "reject": startup_evidence("review-gate", checks={"ci-tests": "failed"}),
        "hold": startup_evidence("review-gate", approvals=False),
    }
    if case in cases:
        write_json(root / "evidence" / "evidence.json", cases[case])
    gate = {"gate": "review-gate"}
    done = run_container(template(workflow, argo.CHECK_HELD)["container"], root, gate)
    assert done.returncode == first, done.stdout + done.stderr
    if case == "hold":
        assert "hold: the approvers decide next" in done.stderr
        assert json.loads(done.stdout)["decision"] == "hold"
    if approved is not None:
        done = run_container(template(workflow, argo.CHECK)["container"], root, gate)
        assert done.returncode == approved, done.stdout + done.stderr
        assert json.loads((root / "out" / "decision.json").read_text())["gate"] == "review-gate"


# -- the monitor ----------------------------------------------------------------------------


def test_the_monitor_is_a_cron_workflow_with_every_runbook(exports) -> None:
    folder = exports["rollback-procedure"]
    cron = workflow_files(folder)[argo.MONITOR_FILE]
    spec = json.loads((folder / "gatewright" / "spec.json").read_text(encoding="utf-8"))
    assert cron["spec"]["schedules"] == [argo_monitor.SCHEDULE]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    monitors, rollbacks, stops = template(cron, "monitor")["steps"]
    assert {step["name"] for step in rollbacks} == {
        f"rollback-{policy['id']}" for policy in spec["rollback"]
    }
    for step in rollbacks:
        policy = step["name"][len("rollback-") :]
        assert step["when"].endswith(f".outputs.parameters.fired-{policy}}}}} == true")
        template(cron, step["name"])  # the runbook is in the file
    assert len(monitors) == len(stops) == len({policy["stage"] for policy in spec["rollback"]})
    workflow = workflow_files(folder)[argo.WORKFLOW_FILE]
    assert not [t for t in workflow["spec"]["templates"] if t["name"].startswith("rollback-")]


@pytest.mark.parametrize(
    ("error_rate", "latency", "windows", "code", "fired"),
    [
        (0.0, 100, 3, 0, set()),
        (0.2, 100, 3, 0, {"error-spike"}),
        (0.2, 900, 3, 0, {"error-spike", "slow-responses"}),
        (0.0, 100, 0, 3, None),
    ],
)
def test_the_monitor_step_names_every_fired_policy(
    exports, tmp_path, error_rate, latency, windows, code, fired
) -> None:
    venv_tool("gatewright")
    folder = exports["startup-lightweight"]
    cron = workflow_files(folder)[argo.MONITOR_FILE]
    step = template(cron, "monitor-production")
    root = pod_root(folder, tmp_path)
    write_json(root / "telemetry" / "production.json", telemetry(error_rate, latency, windows))
    done = run_container(step["container"], root)
    assert done.returncode == code, done.stdout + done.stderr
    if fired is None:
        return
    outputs = {o["name"]: o["valueFrom"]["path"] for o in step["outputs"]["parameters"]}
    assert set(outputs) == {"fired", "fired-error-spike", "fired-slow-responses"}
    for name, path in outputs.items():
        value = (root / "out" / Path(path).name).read_text()
        if name == "fired":
            assert set(value.split()) == fired
        else:
            assert value == ("true" if name[len("fired-") :] in fired else "false")


# -- hostile input --------------------------------------------------------------------------


def test_hostile_names_reach_no_argo_template_or_command(exports) -> None:
    allowed = ("{{workflow.parameters.", "{{steps.", "{{inputs.parameters.")
    for name, document in workflow_files(exports["hostile"]).items():
        for value in strings_in(document):
            for fragment in DANGEROUS:
                assert fragment not in value, f"{name}: {value}"
            index = value.find("{{")
            while index != -1:
                assert value.startswith(allowed, index), f"{name}: template in {value!r}"
                index = value.find("{{", index + 2)
