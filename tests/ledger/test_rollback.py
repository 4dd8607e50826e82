"""`gatewright rollback` end to end: a real MLflow registry (the SQLite store, versions made
with MLflow's own client), promotions recorded by `gatewright check --ledger`, and the
alias moved back to the last promoted version (CONTRACTS section 8)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.runtime.ledger import Ledger
from tests.cli import run
from tests.environment import missing
from tests.ledger.conftest import evidence, pg_url, superuser_sql, write_json
from tests.runtime.prometheus_server import free_port

MODEL, ALIAS = "scorer", "production"


@dataclass
class Registry:
    uri: str
    client: Any

    def holder(self) -> str:
        return str(self.client.get_model_version_by_alias(MODEL, ALIAS).version)


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    """Versions 1-4 of the model, each from its own run; the alias on none yet."""
    try:
        from mlflow import MlflowClient
    except ImportError:
        missing("the MLflow client is not installed (pip install -e '.[test]')")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("scorer", artifact_location=(tmp_path / "a").as_uri())
    client.create_registered_model(MODEL)
    for _ in range(4):
        run_id = client.create_run(experiment).info.run_id
        client.create_model_version(MODEL, f"runs:/{run_id}/model", run_id=run_id)
    return Registry(uri, client)


def decide(capsys, spec_file: Path, tmp_path: Path, ledger: str, version: str, **kw: Any) -> int:
    """`gatewright check --ledger` on the version's evidence (promote unless told)."""
    path = write_json(tmp_path / f"evidence-{version}.json", evidence(version, **kw))
    code, _out, err = run(
        capsys, "check", spec_file, "--gate", "gate", "--evidence", path, "--ledger", ledger
    )
    assert "recorded in the ledger" in err, err
    return code


def rollback(capsys, spec_file: Path, registry: Registry, ledger: str, *more: str):
    return run(
        capsys,
        "rollback",
        spec_file,
        "--stage",
        "prod",
        "--mlflow-model",
        MODEL,
        "--alias",
        ALIAS,
        "--tracking-uri",
        registry.uri,
        "--ledger",
        ledger,
        *more,
    )


def promote_history(capsys, spec_file, tmp_path, registry: Registry, ledger: str) -> None:
    """1 promoted, 2 registered but never promoted, 3 promoted, 4 rejected; prod serves 3."""
    assert decide(capsys, spec_file, tmp_path, ledger, "1") == 0
    assert decide(capsys, spec_file, tmp_path, ledger, "3") == 0
    assert decide(capsys, spec_file, tmp_path, ledger, "4", accuracy=0.5) == 1
    registry.client.set_registered_model_alias(MODEL, ALIAS, "3")


def test_the_alias_goes_back_to_the_last_promoted_version(
    capsys, spec_file, tmp_path, registry: Registry, ledger_url: str
) -> None:
    promote_history(capsys, spec_file, tmp_path, registry, ledger_url)
    code, out, err = rollback(capsys, spec_file, registry, ledger_url, "--json")
    assert code == 0, err
    done = json.loads(out)
    assert (done["from_version"], done["to_version"], done["ledger_entry"]) == ("3", "1", 4)
    assert registry.holder() == "1"  # version 2 was never promoted: skipped
    with Ledger.open(ledger_url) as ledger:
        last = ledger.entries()[-1]
        assert ledger.verify().intact
    assert (last.kind, last.decision, last.stage, last.model, last.version) == (
        "rollback", "rollback", "prod", MODEL, "1",
    )  # fmt: skip
    assert json.loads(last.document)["from_version"] == "3"
    assert json.loads(last.document)["alias"] == ALIAS
    # Nothing promoted before version 1: exit 2, the alias stays, nothing more recorded.
    code, out, err = rollback(capsys, spec_file, registry, ledger_url)
    assert code == 2 and out == ""
    assert "records no version of 'scorer' promoted into prod before version 1" in err
    assert err.count("\n") == 1 and registry.holder() == "1"
    with Ledger.open(ledger_url) as ledger:
        assert len(ledger.entries()) == 4


def test_the_text_says_what_it_did(capsys, spec_file, tmp_path, registry: Registry) -> None:
    ledger = str(tmp_path / "ledger.db")
    promote_history(capsys, spec_file, tmp_path, registry, ledger)
    code, out, err = rollback(capsys, spec_file, registry, ledger)
    assert code == 0, err
    assert out.startswith("prod: ROLLED BACK scorer alias production from version 3 to version 1")
    assert "as entry 4" in out


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("--alias", "nobody-holds-it"), "no version of model 'scorer' holds the alias"),
        (("--stage", "staging"), "no stage 'staging'"),
        (("--mlflow-model", "$(touch x)"), "cannot read model '$(touch x)'"),
    ],
    ids=["unknown-alias", "unknown-stage", "unknown-model"],
)
def test_what_cannot_be_rolled_back_moves_nothing(
    capsys, spec_file, tmp_path, registry: Registry, change: tuple[str, str], words: str
) -> None:
    ledger = str(tmp_path / "ledger.db")
    promote_history(capsys, spec_file, tmp_path, registry, ledger)
    code, out, err = rollback(capsys, spec_file, registry, ledger, *change)
    assert (code, out) == (2, ""), err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert registry.holder() == "3"
    with Ledger.open(ledger) as opened:
        assert len(opened.entries()) == 3


def test_an_unreachable_server_is_one_masked_sentence(
    capsys, spec_file, tmp_path, registry: Registry, monkeypatch
) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    ledger = str(tmp_path / "ledger.db")
    promote_history(capsys, spec_file, tmp_path, registry, ledger)
    url = f"http://ci:s3cret@127.0.0.1:{free_port()}"
    code, out, err = rollback(capsys, spec_file, registry, ledger, "--tracking-uri", url)
    assert (code, out) == (2, "")
    assert "s3cret" not in err and "ci:***@127.0.0.1" in err and err.count("\n") == 1


def test_a_ledger_that_is_not_there_moves_nothing(
    capsys, spec_file, tmp_path, registry: Registry
) -> None:
    registry.client.set_registered_model_alias(MODEL, ALIAS, "3")
    code, _out, err = rollback(capsys, spec_file, registry, str(tmp_path / "none.db"))
    assert code == 2 and "nothing moved" in err and registry.holder() == "3"


def test_without_a_ledger_or_tracking_uri(capsys, spec_file, registry, monkeypatch) -> None:
    monkeypatch.delenv("GATEWRIGHT_LEDGER", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    code, _out, err = run(
        capsys, "rollback", spec_file, "--stage", "prod", "--mlflow-model", MODEL,
        "--alias", ALIAS, "--tracking-uri", registry.uri,
    )  # fmt: skip
    assert code == 2 and "give --ledger or set GATEWRIGHT_LEDGER" in err
    code, _out, err = run(
        capsys, "rollback", spec_file, "--stage", "prod", "--mlflow-model", MODEL,
        "--alias", ALIAS, "--ledger", "x.db",
    )  # fmt: skip
    assert code == 2 and "give --tracking-uri or set MLFLOW_TRACKING_URI" in err


def test_a_ledger_that_cannot_record_leaves_the_alias(
    capsys, spec_file, tmp_path, registry: Registry, pg_server, pg_database
) -> None:
    """A PostgreSQL role that may read the ledger but not append to it: the promotions are
    found, the rollback cannot be recorded, so the alias does not move."""
    owner = pg_url(pg_server, pg_database)
    promote_history(capsys, spec_file, tmp_path, registry, owner)
    reader = pg_server["user"] + "_r"
    superuser_sql(f"CREATE ROLE {reader} LOGIN PASSWORD 'pw-r'")
    try:
        superuser_sql(
            f"GRANT SELECT ON gatewright_ledger, gatewright_ledger_head TO {reader}",
            database=pg_database,
        )
        url = f"postgresql://{reader}:pw-r@127.0.0.1:5432/{pg_database}"
        code, out, err = rollback(capsys, spec_file, registry, url)
        assert (code, out) == (2, "")
        assert "cannot record" in err and "nothing moved" in err and "pw-r" not in err
        assert registry.holder() == "3"
    finally:
        superuser_sql(f"DROP OWNED BY {reader}", database=pg_database)
        superuser_sql(f"DROP ROLE {reader}")
