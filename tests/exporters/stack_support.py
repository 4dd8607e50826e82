"""What the tests of the exported pipelines' stack steps share: the startup-lightweight
template reading its telemetry from Prometheus with plain gauge queries, and a real
Prometheus serving the last hour of it (healthy, or with errors in the last half hour)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.model import Sop
from app.model.templates import load_template
from tests.environment import missing
from tests.runtime.prometheus_server import free_port, prometheus_server, wait_until_ready

QUERIES = {
    "error-rate": 'max(model_error_rate{job="model-server"})',
    "latency-p95-ms": 'max(model_latency_p95_ms{job="model-server"})',
}
MINUTES = range(0, 61)


def startup_on_prometheus(mlflow: bool = False) -> Sop:
    """startup-lightweight, its watched metrics read with ``QUERIES`` (and, with ``mlflow``,
    accuracy read from the MLflow run under the key ``val_accuracy``)."""
    doc = load_template("startup-lightweight")
    metrics = [metric.model_dump(exclude_none=True) for metric in doc.metrics]
    for metric in metrics:
        sources = dict(metric.get("sources") or {})
        if metric["id"] in QUERIES:
            sources["prometheus"] = QUERIES[metric["id"]]
        if mlflow and metric["id"] == "accuracy":
            sources["mlflow"] = "val_accuracy"
        if sources:
            metric["sources"] = sources
    doc.set_document_field("metrics", metrics)
    return doc


@contextlib.contextmanager
def recent_prometheus(folder: Path, errors_since: float | None = None) -> Iterator[str]:
    """A Prometheus whose samples cover the last hour, a minute apart, up to now: no errors
    and a fast model, or (``errors_since``: minutes after the first sample) an error rate
    of 0.5 from then on. Yields its URL."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=60)
    errors = {m: (0.5 if errors_since is not None and m >= errors_since else 0.0) for m in MINUTES}
    series = {
        'model_error_rate{job="model-server"}': errors,
        'model_latency_p95_ms{job="model-server"}': dict.fromkeys(MINUTES, 120.0),
    }
    with prometheus_server(folder, series, start) as url:
        yield url


READY_SECONDS = 240
"""`mlflow server` takes a minute to start on a loaded two-core machine."""


@contextlib.contextmanager
def mlflow_server(folder: Path) -> Iterator[str]:
    """`mlflow server` (one worker, the SQLite backend store, artifacts in ``folder``, no
    job execution) on a free loopback port; yields its URL and stops its whole process
    group afterwards (the server starts worker processes of its own)."""
    command = Path(sys.executable).parent / "mlflow"
    try:
        import flask  # noqa: F401  (what `mlflow server` needs beside the skinny client)
    except ImportError:
        missing("the MLflow server's libraries are not installed (pip install -e '.[test]')")
    port = free_port()
    log = (folder / "mlflow-server.log").open("wb")
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(
        [
            str(command),
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--default-artifact-root",
            (folder / "artifacts").as_uri(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, f"{url}/health", folder / "mlflow-server.log", READY_SECONDS)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


MODEL = "ranker"


def registered_versions(tracking: str, accuracies: tuple[float, ...] = (0.90, 0.92, 0.95)) -> Any:
    """The model ``MODEL`` on the tracking server: one version per accuracy, each from a
    run that logged it as ``val_accuracy``; the alias champion on version 2. Returns
    MLflow's client."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking, registry_uri=tracking)
    experiment = client.create_experiment(MODEL)
    client.create_registered_model(MODEL)
    for accuracy in accuracies:
        run_id = client.create_run(experiment).info.run_id
        client.log_metric(run_id, "val_accuracy", accuracy)
        client.set_terminated(run_id)
        client.create_model_version(MODEL, f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias(MODEL, "champion", "2")
    return client


def promoted_before(spec: Path, ledger: Path, version: str, folder: Path) -> None:
    """An earlier pipeline promoted ``version`` of ``MODEL`` into production: the ledger
    records `check` promoting it at the release gate (this environment's gatewright)."""
    from tests.exporters.runner_support import startup_evidence, write_json

    candidate = {"model": MODEL, "version": version, "tier": "low", "submitted_by": "ana"}
    evidence = folder / f"promoted-{version}.json"
    write_json(evidence, startup_evidence("release-gate", candidate=candidate))
    tool = Path(sys.executable).parent / "gatewright"
    done = subprocess.run(
        [str(tool), "check", str(spec), "--gate", "release-gate", "--evidence", str(evidence),
         "--ledger", str(ledger)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
