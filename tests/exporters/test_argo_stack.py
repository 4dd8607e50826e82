"""The Argo exports connected to the team's stack (the Secret gatewright-stack): the
ledger, Prometheus, MLflow evidence and the registry rollback, each optional, in the steps
that use them and only there. Containers run here as their pods would
(argo_support.run_container), with this environment's `gatewright`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.runtime.ledger import Ledger
from exporters import argo, argo_monitor, argo_pods
from tests.exporters.argo_support import (
    check_with_hera,
    need_schemas,
    pod_root,
    pod_templates,
    run_container,
    schema_errors,
)
from tests.exporters.pipelines_support import export_doc, venv_tool
from tests.exporters.runner_support import startup_evidence, write_json
from tests.exporters.stack_support import (
    MODEL,
    mlflow_server,
    promoted_before,
    recent_prometheus,
    registered_versions,
    startup_on_prometheus,
)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("argo-stack")
    for label, mlflow in (("plain", False), ("mlflow", True)):
        export_doc(startup_on_prometheus(mlflow), "argo", root / label)
    return {"plain": root / "plain", "mlflow": root / "mlflow"}


def load(folder: Path, name: str) -> dict[str, Any]:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def template(document: dict[str, Any], name: str) -> dict[str, Any]:
    spec = document["spec"].get("workflowSpec", document["spec"])
    return next(t for t in spec["templates"] if t["name"] == name)


def env_names(container: dict[str, Any]) -> set[str]:
    return {item["name"] for item in container.get("env", [])}


def test_both_exports_validate_and_read_only_the_optional_stack_secret(exports) -> None:
    need_schemas()
    for folder in exports.values():
        for name in (argo.WORKFLOW_FILE, argo.MONITOR_FILE):
            text = (folder / name).read_text(encoding="utf-8")
            document = yaml.safe_load(text)
            assert schema_errors(document) == [], name
            check_with_hera(text)
            for tmpl in pod_templates(document):
                for container in [tmpl["container"], *tmpl.get("initContainers", [])]:
                    for item in container.get("env", []):
                        if "valueFrom" in item:
                            reference = item["valueFrom"]["secretKeyRef"]
                            assert reference == {
                                "name": argo_pods.STACK_SECRET,
                                "key": item["name"],
                                "optional": True,
                            }
    header = (exports["mlflow"] / argo.WORKFLOW_FILE).read_text().split("apiVersion")[0]
    assert f"kubectl create secret generic {argo_pods.STACK_SECRET}" in header
    for key in ("GATEWRIGHT_LEDGER", "PROMETHEUS_URL", "MLFLOW_TRACKING_URI"):
        assert f"--from-literal={key}=" in header
    assert "mlflow-model" in header and "model-version" in header


def test_mlflow_reaches_only_the_steps_that_read_it(exports) -> None:
    for label, folder in exports.items():
        workflow = load(folder, argo.WORKFLOW_FILE)
        cron = load(folder, argo.MONITOR_FILE)
        parameters = {p["name"] for p in workflow["spec"]["arguments"]["parameters"]}
        check = template(workflow, argo.CHECK)
        (install,) = check["initContainers"]
        reads = label == "mlflow"
        assert ("MLFLOW_TRACKING_URI" in env_names(check["container"])) is reads
        assert ("GATEWRIGHT_MLFLOW_JOB" in env_names(install)) is reads
        assert ({"mlflow-model", argo.MODEL_VERSION_PARAM} <= parameters) is reads
        assert "GATEWRIGHT_LEDGER" in env_names(check["container"]) & env_names(install)
        monitor = template(cron, "monitor-production")
        assert {"GATEWRIGHT_LEDGER", "PROMETHEUS_URL"} <= env_names(monitor["container"])
        assert not {"MLFLOW_TRACKING_URI", "GATEWRIGHT_MLFLOW_JOB"} & env_names(
            monitor["container"]
        )
        registry = template(cron, argo_monitor.REGISTRY_TEMPLATE)
        assert {"MLFLOW_TRACKING_URI", "GATEWRIGHT_LEDGER"} <= env_names(registry["container"])
        assert "GATEWRIGHT_MLFLOW_JOB" in env_names(registry["initContainers"][0])


def test_previous_stable_runbooks_of_the_last_stage_start_in_the_registry(exports) -> None:
    cron = load(exports["plain"], argo.MONITOR_FILE)
    monitors, rollbacks, _stops = template(cron, "monitor")["steps"]
    for step in rollbacks:
        runbook = template(cron, step["template"])
        first = runbook["steps"][0][0]
        assert first["template"] == argo_monitor.REGISTRY_TEMPLATE
        # the policies the monitor fired reach it, so that one incident moves one version
        fired = step["arguments"]["parameters"]
        assert fired == [
            {
                "name": "fired",
                "value": "{{steps.monitor-production.outputs.parameters.fired}}",
            }
        ]
        assert runbook["inputs"]["parameters"][0]["value"] == step["name"][len("rollback-") :]
    assert len(monitors) == 1


def test_the_check_records_its_decision_in_the_ledger_the_secret_names(exports, tmp_path) -> None:
    venv_tool("gatewright")
    folder = exports["plain"]
    workflow = load(folder, argo.WORKFLOW_FILE)
    root = pod_root(folder, tmp_path)
    write_json(root / "evidence" / "evidence.json", startup_evidence("review-gate"))
    ledger = tmp_path / "ledger.db"
    container = template(workflow, argo.CHECK)["container"]
    done = run_container(
        container, root, {"gate": "review-gate"}, {"GATEWRIGHT_LEDGER": str(ledger)}
    )
    assert done.returncode == 0, done.stderr
    with Ledger.open(str(ledger)) as opened:
        recorded = [(e.kind, e.gate, e.decision) for e in opened.entries()]
        assert opened.verify().intact
    assert recorded == [("check", "review-gate", "promote")]
    # Without the key (a missing key leaves the variable unset), nothing is recorded.
    done = run_container(container, root, {"gate": "review-gate"})
    assert done.returncode == 0, done.stderr
    with Ledger.open(str(ledger)) as opened:
        assert len(list(opened.entries())) == 1


@pytest.mark.parametrize(("errors_since", "code", "fired"), [(None, 0, ""), (20, 0, "error-spike")])
def test_the_monitor_asks_prometheus_when_the_secret_names_it(
    exports, tmp_path, errors_since, code, fired
) -> None:
    """Healthy on the last hour of a healthy model; after a rise in errors, the error
    policy fires (its runbook's when), the latency one does not; the ledger records it."""
    venv_tool("gatewright")
    folder = exports["plain"]
    step = template(load(folder, argo.MONITOR_FILE), "monitor-production")
    root = pod_root(folder, tmp_path)
    # The telemetry artifact as exported (no window): asked of Prometheus, it is not read.
    write_json(root / "telemetry" / "production.json", {"windows": []})
    ledger = tmp_path / "ledger.db"
    with recent_prometheus(tmp_path / "prometheus", errors_since) as url:
        secrets = {"PROMETHEUS_URL": url, "GATEWRIGHT_LEDGER": str(ledger)}
        done = run_container(step["container"], root, secrets=secrets)
    assert done.returncode == code, done.stdout + done.stderr
    decision = json.loads(done.stdout)
    assert decision["decision"] == ("rollback" if fired else "healthy")
    assert (root / "out" / "fired").read_text() == fired
    assert (root / "out" / "fired-error-spike").read_text() == str(bool(fired)).lower()
    assert (root / "out" / "fired-slow-responses").read_text() == "false"
    with Ledger.open(str(ledger)) as opened:
        assert [(e.kind, e.decision) for e in opened.entries()] == [
            ("monitor", decision["decision"])
        ]
    # Without PROMETHEUS_URL the step reads its telemetry: no window is inconclusive.
    assert run_container(step["container"], root).returncode == 3


def test_the_registry_step_rolls_back_once_per_incident_and_says_what_is_missing(
    exports, tmp_path
) -> None:
    venv_tool("gatewright")
    folder = exports["plain"]
    container = template(load(folder, argo.MONITOR_FILE), argo_monitor.REGISTRY_TEMPLATE)[
        "container"
    ]
    root = pod_root(folder, tmp_path)
    both = {"policy": "slow-responses", "fired": "error-spike slow-responses"}
    done = run_container(container, root, both)
    assert done.returncode == 0, done.stderr
    assert "runs once, in the job of the first fired policy (error-spike)" in done.stdout
    first = {"policy": "error-spike", "fired": "error-spike slow-responses", "mlflow-model": ""}
    server = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    done = run_container(container, root, first, server)
    assert done.returncode == 0, done.stderr
    assert "No registry model" in done.stdout  # the parameter mlflow-model is as exported
    # With a model but no ledger the rollback cannot know what was promoted: it fails,
    # saying so, and moves nothing.
    done = run_container(container, root, {**first, "mlflow-model": "ranker"}, server)
    assert done.returncode == 2
    assert "needs the decision ledger" in done.stderr and "Traceback" not in done.stderr
    # A parameter given at submit is data in the script, never a command.
    hostile = {**first, "mlflow-model": '$(touch pwned) "; touch pwned2', "mlflow-alias": "`id`"}
    done = run_container(container, root, hostile, server)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert not list(root.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))


def test_mlflow_evidence_and_the_registry_rollback_on_a_tracking_server(exports, tmp_path) -> None:
    """The MLflow steps against a real `mlflow server` (SQLite backend, over HTTP): the
    check decides on version 3's run with the champion's as the baseline, and the
    registry step moves the alias champion back from 3 to the version promoted before."""
    venv_tool("gatewright")
    folder = exports["mlflow"]
    workflow = load(folder, argo.WORKFLOW_FILE)
    cron = load(folder, argo.MONITOR_FILE)
    root = pod_root(folder, tmp_path)
    write_json(root / "evidence" / "evidence.json", startup_evidence("review-gate"))
    ledger = tmp_path / "ledger.db"
    (tmp_path / "mlflow").mkdir()
    with mlflow_server(tmp_path / "mlflow") as tracking:
        client = registered_versions(tracking)
        promoted_before(root / "spec" / "spec.json", ledger, "2", tmp_path)
        secrets = {"MLFLOW_TRACKING_URI": tracking, "GATEWRIGHT_LEDGER": str(ledger)}
        parameters = {
            "gate": "review-gate",
            "mlflow-model": MODEL,
            "mlflow-alias": "champion",
            argo.MODEL_VERSION_PARAM: "3",
        }
        done = run_container(template(workflow, argo.CHECK)["container"], root, parameters, secrets)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"Evidence: from MLflow, version 3 of {MODEL}." in done.stdout
        decided_on = json.loads((root / "out" / "evidence.json").read_text())
        assert decided_on["metrics"]["accuracy"] == 0.95  # the run's, not the submitted 0.91
        assert decided_on["baseline"]["accuracy"] == 0.92  # the champion's run
        assert json.loads((root / "out" / "decision.json").read_text())["decision"] == "promote"
        client.set_registered_model_alias(MODEL, "champion", "3")  # what the deploy did
        registry = template(cron, argo_monitor.REGISTRY_TEMPLATE)["container"]
        fired = {"policy": "error-spike", "fired": "error-spike", "mlflow-model": MODEL}
        done = run_container(registry, root, {**fired, "mlflow-alias": "champion"}, secrets)
        assert done.returncode == 0, done.stdout + done.stderr
        holder = client.get_model_version_by_alias(MODEL, "champion").version
    assert str(holder) == "2", done.stdout
    with Ledger.open(str(ledger)) as opened:
        assert [e.kind for e in opened.entries()][-1] == "rollback"
        assert opened.verify().intact
