"""`gatewright evidence collect --mlflow-model NAME --mlflow-version V` against a real MLflow
tracking store (the SQLite backend), its runs and registered versions made with MLflow's own
client (CONTRACTS section 8)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.spec.files import write_spec
from tests.cli import run
from tests.environment import missing
from tests.runtime.prometheus_server import free_port

ROOT = Path(__file__).resolve().parents[2]
GATE = "staging-gate"  # accuracy, auc, parity gap; accuracy against the baseline; model card


@dataclass
class Store:
    uri: str
    spec: Path


def _run(client: Any, experiment: str, metrics: dict[str, list[float]], artifacts: Path) -> str:
    run = client.create_run(experiment)
    for key, values in metrics.items():
        for step, value in enumerate(values):
            client.log_metric(run.info.run_id, key, value, timestamp=1_000 + step, step=step)
    for path in sorted(artifacts.iterdir()):
        if path.is_dir():
            client.log_artifacts(run.info.run_id, str(path), path.name)
        else:
            client.log_artifact(run.info.run_id, str(path))
    client.set_terminated(run.info.run_id)
    return run.info.run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    try:
        from mlflow import MlflowClient
    except ImportError:
        missing("the MLflow client is not installed (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("credit", artifact_location=(folder / "art").as_uri())
    champion_files = folder / "champion"
    champion_files.mkdir()
    (champion_files / "model_card.md").write_text("# Model card\n")
    champion = _run(
        client,
        experiment,
        {"accuracy": [0.90], "val_auc": [0.88], "demographic_parity_gap": [0.05]},
        champion_files,
    )
    candidate_files = folder / "candidate"
    (candidate_files / "model-card").mkdir(parents=True)  # a folder counts too
    (candidate_files / "model-card" / "index.html").write_text("<h1>card</h1>\n")
    candidate = _run(
        client,
        experiment,
        # Logged three times: the latest (the highest step) is the run's value.
        {"accuracy": [0.80, 0.85, 0.93], "val_auc": [0.91], "demographic-parity-gap": [0.04]},
        candidate_files,
    )
    client.create_registered_model("credit-scorer")
    client.create_model_version("credit-scorer", f"runs:/{champion}/model", run_id=champion)
    client.create_model_version(
        "credit-scorer",
        f"runs:/{candidate}/model",
        run_id=candidate,
        tags={"tier": "medium", "submitted_by": "erin"},
    )
    client.create_model_version(  # registered from a path: no run
        "credit-scorer",
        (folder / "elsewhere").as_uri(),
        tags={"gatewright.artifact.model_card": "https://wiki.example.org/cards/credit"},
    )
    client.create_model_version(
        "credit-scorer",
        f"runs:/{candidate}/model",
        run_id=candidate,
        tags={"submitted_by": "Erin Smith"},
    )
    client.create_model_version("credit-scorer", f"runs:/{candidate}/model", run_id=candidate)
    client.set_registered_model_alias("credit-scorer", "champion", "1")
    # A server with users (behind authentication) records who registered a version; the
    # SQLite store has none, so the row is given one, as such a server writes it.
    with sqlite3.connect(folder / "mlflow.db") as db:
        db.execute(
            "UPDATE model_versions SET user_id = 'farah' WHERE name = ? AND version = 5",
            ("credit-scorer",),
        )

    doc = load_template("deployment-gate")
    metrics = [metric.model_dump(exclude_none=True) for metric in doc.metrics]
    for metric in metrics:
        if metric["id"] == "auc":
            metric["sources"] = {"mlflow": "val_auc"}
    doc.set_document_field("metrics", metrics)
    spec = folder / "spec.json"
    write_spec(compile_data(doc), spec)
    yield Store(uri, spec)


def collect(capsys, store: Store, tmp_path: Path, *args: str) -> tuple[int, Any, str]:
    out = tmp_path / "evidence.json"
    code, _stdout, err = run(
        capsys,
        "evidence",
        "collect",
        str(store.spec),
        "--gate",
        GATE,
        "-o",
        str(out),
        "--mlflow-model",
        "credit-scorer",
        "--tracking-uri",
        store.uri,
        *args,
    )
    return code, json.loads(out.read_text()) if code == 0 else None, err


def approvals(tmp_path: Path) -> Path:
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    base = {
        "approvals": [
            {"by": "alice", "decision": "approve", "at": at},
            {"by": "dmitri", "decision": "approve", "at": at},
        ]
    }
    path = tmp_path / "approvals.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    return path


def check(capsys, store: Store, evidence: Path) -> tuple[int, Any]:
    code, out, _err = run(
        capsys, "check", str(store.spec), "--gate", GATE, "--evidence", str(evidence), "--json"
    )
    return code, json.loads(out)


def test_a_registered_version_gives_metrics_baseline_artifacts_and_candidate(
    capsys, store: Store, tmp_path: Path
) -> None:
    code, evidence, err = collect(
        capsys, store, tmp_path, "--mlflow-version", "2", "--base", str(approvals(tmp_path))
    )
    assert code == 0, err
    assert evidence["candidate"] == {
        "model": "credit-scorer",
        "version": "2",
        "tier": "medium",
        "submitted_by": "erin",
    }
    # accuracy: the latest of three values; auc: under the catalog's MLflow key; the parity
    # gap under its own id.
    assert evidence["metrics"] == {"accuracy": 0.93, "auc": 0.91, "demographic-parity-gap": 0.04}
    assert evidence["baseline"] == {"accuracy": 0.90}  # the champion's run
    assert evidence["artifacts"] == ["model-card"]
    code, decision = check(capsys, store, tmp_path / "evidence.json")
    assert (code, decision["decision"]) == (0, "promote"), decision["reasons"]


def test_the_champion_reads_ids_written_with_underscores(capsys, store, tmp_path) -> None:
    code, evidence, err = collect(capsys, store, tmp_path, "--mlflow-version", "1")
    assert code == 0, err
    assert evidence["metrics"] == {"accuracy": 0.90, "auc": 0.88, "demographic-parity-gap": 0.05}
    assert evidence["artifacts"] == ["model-card"]  # model_card.md
    assert evidence["candidate"] == {"model": "credit-scorer", "version": "1"}


def test_a_version_with_no_run_has_no_metrics(capsys, store: Store, tmp_path: Path) -> None:
    code, evidence, err = collect(capsys, store, tmp_path, "--mlflow-version", "3")
    assert code == 0, err
    assert evidence.get("metrics", {}) == {}
    assert evidence["artifacts"] == ["model-card"]  # from the version tag
    assert "version 3 of credit-scorer comes from no run" in err
    code, decision = check(capsys, store, tmp_path / "evidence.json")
    assert (code, decision["decision"]) == (1, "reject")  # missing metrics fail closed


def test_a_missing_alias_leaves_no_baseline(capsys, store: Store, tmp_path: Path) -> None:
    code, evidence, err = collect(
        capsys,
        store,
        tmp_path,
        "--mlflow-version",
        "2",
        "--baseline-alias",
        "production",
        "--base",
        str(approvals(tmp_path)),
    )
    assert code == 0, err
    assert "baseline" not in evidence or evidence["baseline"] == {}
    assert "no version of credit-scorer holds the alias production: no baseline" in err
    code, decision = check(capsys, store, tmp_path / "evidence.json")
    statuses = {c["id"]: c["status"] for c in decision["criteria"]}
    assert statuses["no-accuracy-regression"] == "missing"
    assert (code, decision["decision"]) == (1, "reject")


def test_without_a_submitter_tag_the_versions_user_submitted_it(
    capsys, store: Store, tmp_path: Path
) -> None:
    code, evidence, err = collect(capsys, store, tmp_path, "--mlflow-version", "5")
    assert code == 0, err
    assert evidence["candidate"] == {
        "model": "credit-scorer",
        "version": "5",
        "submitted_by": "farah",
    }
    assert evidence["metrics"]["accuracy"] == 0.93


@pytest.mark.parametrize("name", ["credit\u202escorer", "credit\nscorer", "$(id)", "x" * 300])
def test_hostile_model_names_are_one_escaped_sentence(
    capsys, store: Store, tmp_path: Path, name: str
) -> None:
    out = tmp_path / "e.json"
    code, _out, err = run(
        capsys, "evidence", "collect", str(store.spec), "--gate", GATE, "-o", str(out),
        "--mlflow-model", name, "--mlflow-version", "2", "--tracking-uri", store.uri,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "\u202e" not in err and err.rstrip("\n").isprintable()  # escaped, one line
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--mlflow-version", "9"], "cannot read version 9 of model 'credit-scorer'"),
        (["--mlflow-version", "x"], "must be an integer"),
        (["--mlflow-version", "4"], "its tag submitted_by cannot be the submitter"),
    ],
)
def test_what_mlflow_cannot_give_is_one_sentence(
    capsys, store: Store, tmp_path: Path, args: list[str], said: str
) -> None:
    code, _evidence, err = collect(capsys, store, tmp_path, *args)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and said in err
    assert not (tmp_path / "evidence.json").exists()


def test_an_unreachable_tracking_server_is_one_sentence(
    capsys, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unset, as on a fresh runner: the command's own quick-failure settings apply (and
    # monkeypatch takes away, afterwards, what the command set).
    for name in ("MAX_RETRIES", "BACKOFF_FACTOR", "TIMEOUT"):
        monkeypatch.setenv(f"MLFLOW_HTTP_REQUEST_{name}", "")
        monkeypatch.delenv(f"MLFLOW_HTTP_REQUEST_{name}")
    url = f"http://ci:t0ken@127.0.0.1:{free_port()}"
    code, _evidence, err = collect(
        capsys, store, tmp_path, "--mlflow-version", "2", "--tracking-uri", url
    )
    assert code == 2 and err.count("\n") == 1, err
    assert "at the MLflow tracking server http://ci:***@127.0.0.1:" in err
    assert "connection refused" in err and "t0ken" not in err


def test_without_a_tracking_uri(capsys, store: Store, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    out = tmp_path / "e.json"
    code, _out, err = run(
        capsys, "evidence", "collect", str(store.spec), "--gate", GATE, "-o", str(out),
        "--mlflow-model", "credit-scorer", "--mlflow-version", "2",
    )  # fmt: skip
    assert code == 2 and "give --tracking-uri or set MLFLOW_TRACKING_URI" in err
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.uri)
    code, _out, err = run(
        capsys, "evidence", "collect", str(store.spec), "--gate", GATE, "-o", str(out),
        "--mlflow-model", "credit-scorer", "--mlflow-version", "2",
    )  # fmt: skip
    assert code == 0, err


def test_without_the_mlflow_extra_the_command_names_it(
    capsys, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import mlflow raises ImportError
    code, _evidence, err = collect(capsys, store, tmp_path, "--mlflow-version", "2")
    assert code == 2 and err.count("\n") == 1
    assert "pip install 'gatewright[mlflow]'" in err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--mlflow-model", "m"], "go together"),
        (["--mlflow-version", "2"], "go together"),
        (["--baseline-alias", "champion"], "--baseline-alias goes with --mlflow-model"),
        (["--tracking-uri", "sqlite:///x.db"], "--tracking-uri goes with --mlflow-model"),
    ],
)
def test_mlflow_options_go_together(capsys, store, tmp_path, args, said) -> None:
    out = tmp_path / "e.json"
    code, _out, err = run(
        capsys, "evidence", "collect", str(store.spec), "--gate", GATE, "-o", str(out), *args
    )
    assert code == 2 and said in err and not out.exists()


def test_check_monitor_and_other_sources_never_import_mlflow(store: Store, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    evidence.write_text("{}", encoding="utf-8")
    script = f"""
import sys
from app.cli import main
main(["check", {str(store.spec)!r}, "--gate", "{GATE}", "--evidence", {str(evidence)!r}])
main(["evidence", "collect", {str(store.spec)!r}, "--gate", "{GATE}", "-o",
      {str(tmp_path / "out.json")!r}, "--no-approvals"])
print(sorted(name for name in sys.modules if name.split(".")[0] in ("mlflow", "sqlalchemy")))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
