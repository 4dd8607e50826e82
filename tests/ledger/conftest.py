"""Ledgers to test against: an SQLite file, and a database of the real PostgreSQL server
(the Debian cluster packaging/test-services.sh starts) with a user the tests create."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.compiler.compile import compile_data
from app.model import Sop
from app.model.io import save_document
from app.runtime import check, monitor
from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import (
    COLUMNS,
    GENESIS,
    Draft,
    check_draft,
    entry_hash,
    monitor_draft,
    rollback_draft,
)
from app.spec.files import write_spec
from app.spec.schema import GateSpec
from app.spec.timestamps import parse_timestamp
from tests.cli import run
from tests.environment import missing

PG_HOST, PG_PORT = "127.0.0.1", 5432


def superuser_sql(sql: str, database: str = "postgres") -> str:
    """Run SQL as the cluster's superuser through its local socket (peer authentication:
    as root, ``runuser -u postgres``; as the postgres user, directly)."""
    command = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql]
    if shutil.which("runuser") and _is_root():
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd="/")
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"psql exited {done.returncode}")
    return done.stdout


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


@pytest.fixture(scope="session")
def pg_server() -> dict[str, str]:
    """A user of the running PostgreSQL server with the right to create databases; dropped
    at the end. Skips (fails under CI=true) when no server or no superuser access."""
    if shutil.which("psql") is None:
        missing("PostgreSQL's psql is not installed")
    try:
        superuser_sql("SELECT 1")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        missing(f"no PostgreSQL server to reach as its superuser ({error})")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("psycopg is not installed (pip install 'gatewright[postgres]')")
    user = f"gw_test_{secrets.token_hex(4)}"
    password = "pw'" + secrets.token_hex(8)  # a quote: the URL and SQL must carry it
    quoted = password.replace("'", "''")
    superuser_sql(f"CREATE ROLE {user} LOGIN CREATEDB PASSWORD '{quoted}'")
    yield {"user": user, "password": password}
    databases = superuser_sql(
        f"SELECT datname FROM pg_database WHERE datname LIKE '{user}%'"
    ).split()
    for name in databases:
        superuser_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    superuser_sql(f"DROP ROLE IF EXISTS {user}")


def pg_url(server: dict[str, str], database: str, password: bool = True) -> str:
    from urllib.parse import quote

    secret = f":{quote(server['password'], safe='')}" if password else ""
    return f"postgresql://{server['user']}{secret}@{PG_HOST}:{PG_PORT}/{database}"


@pytest.fixture
def pg_database(pg_server: dict[str, str]) -> str:
    """A fresh database owned by the test user; its name."""
    name = f"{pg_server['user']}_{secrets.token_hex(4)}"
    superuser_sql(f"CREATE DATABASE {name} OWNER {pg_server['user']}")
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL of each kind, nothing recorded yet."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    server = request.getfixturevalue("pg_server")
    return pg_url(server, request.getfixturevalue("pg_database"))


@pytest.fixture
def sop_file(small_doc: Sop, tmp_path: Path) -> Path:
    path = tmp_path / "small.sop.json"
    save_document(small_doc, path, backup=False)
    return path


@pytest.fixture
def spec_model(small_doc: Sop) -> GateSpec:
    return GateSpec.model_validate(compile_data(small_doc))


@pytest.fixture
def spec_file(small_doc: Sop, tmp_path: Path) -> Path:
    path = tmp_path / "spec.json"
    write_spec(compile_data(small_doc), path)
    return path


def evidence(
    version: str, accuracy: float = 0.95, approved: bool = True, **candidate: Any
) -> dict[str, Any]:
    """Evidence for the small SOP's gate: promotes (approved by alice, an ML lead), holds
    (``approved=False``) or rejects (accuracy under 0.9)."""
    return {
        "candidate": {
            "model": "scorer",
            "version": version,
            "tier": "low",
            "submitted_by": "carol",
            **candidate,
        },
        "metrics": {"accuracy": accuracy},
        "approvals": [
            {"by": "alice", "role": "ml-lead", "decision": "approve", "at": "2026-11-01T00:00:00Z"}
        ]
        if approved
        else [],
    }


def decided(spec: GateSpec, at: str, version: str, **kwargs: Any) -> Draft:
    """The draft ``check --ledger`` records for this evidence decided at ``at``."""
    return check_draft(
        spec, check(spec, "gate", evidence(version, **kwargs), at=parse_timestamp(at))
    )


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def moment(text: str) -> datetime:
    return parse_timestamp(text)


@pytest.fixture
def no_ledger_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("GATEWRIGHT_LEDGER", raising=False)
    yield


@pytest.fixture
def history(spec_model, ledger_url) -> str:
    """Four candidates over four days: v2 is rejected twice, promoted, fails in production
    and is rolled back half an hour after the failure is seen; v4 is still held."""
    bad = {"windows": [{"at": "2026-11-03T15:00:00Z", "metrics": {"accuracy": 0.1}}]}
    with Ledger.open(ledger_url, create=True) as ledger:
        for at, version, kwargs in (
            ("2026-11-02T10:00:00Z", "1", {"approved": False}),
            ("2026-11-02T12:00:00Z", "1", {}),
            ("2026-11-03T10:00:00Z", "2", {"accuracy": 0.5}),
            ("2026-11-03T11:00:00Z", "2", {"accuracy": 0.4}),
            ("2026-11-03T14:00:00Z", "2", {}),
        ):
            ledger.append(decided(spec_model, at, version, **kwargs))
        result = monitor(spec_model, "prod", bad)
        ledger.append(monitor_draft(spec_model, result, moment("2026-11-03T15:00:00Z")))
        ledger.append(
            rollback_draft(spec_model, "prod", "scorer", "2", "1", moment("2026-11-03T15:30:00Z"))
        )
        ledger.append(decided(spec_model, "2026-11-05T10:00:00Z", "3"))
        ledger.append(decided(spec_model, "2026-11-06T10:00:00Z", "4", approved=False))
    return ledger_url


def check_recorded(capsys: Any, spec_file: Path, file: Path, url: str) -> dict[str, Any]:
    """`gatewright check --ledger URL --json` at the gate `gate` of ``spec_file`` on the
    evidence ``file`` (at a fixed time): its decision document, once it says it recorded."""
    code, out, err = run(
        capsys,
        "check",
        str(spec_file),
        "--gate",
        "gate",
        "--evidence",
        str(file),
        "--ledger",
        url,
        "--at",
        "2026-11-21T10:00:00Z",
        "--json",
    )
    document = json.loads(out)
    exits = {"promote": 0, "reject": 1, "hold": 3}
    assert "recorded in the ledger" in err and code == exits[document["decision"]], err
    return document


def edit(
    url: str, sql: str, params: list[Any] | tuple[Any, ...] = (), rewrite: bool = False
) -> None:
    """Change the ledger ``url`` with ``sql`` (what someone with write access to the database
    could do); ``rewrite``: then recompute every entry's hash and the head, as someone who
    rewrites the chain after the edit would (``ledger verify`` finds it intact)."""
    with Ledger.open(url) as ledger:
        backend = ledger._backend
        backend.execute(sql, params)
        if not rewrite:
            return
        previous, seq = GENESIS, 0
        rows = backend.rows(f"SELECT {', '.join(COLUMNS)} FROM gatewright_ledger ORDER BY seq")
        for row in rows:
            values = {**dict(zip(COLUMNS, row, strict=True)), "prev_hash": previous}
            seq, previous = values["seq"], entry_hash(values)
            backend.execute(
                "UPDATE gatewright_ledger SET prev_hash = ?, hash = ? WHERE seq = ?",
                [values["prev_hash"], previous, seq],
            )
        backend.execute("UPDATE gatewright_ledger_head SET seq = ?, hash = ?", [seq, previous])
