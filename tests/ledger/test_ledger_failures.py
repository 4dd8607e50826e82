"""A decision that cannot be recorded is not made (exit 2, nothing on stdout); hostile text
is recorded as it is; passwords are never printed; concurrent appends lose nothing."""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from app.runtime.ledger import Ledger
from tests.cli import run
from tests.environment import missing
from tests.ledger.conftest import evidence, pg_url, write_json

pytestmark = pytest.mark.usefixtures("no_ledger_env")


def check(capsys: Any, spec_file: Path, evidence_file: Path, url: str) -> tuple[int, str, str]:
    return run(
        capsys,
        "check",
        str(spec_file),
        "--gate",
        "gate",
        "--evidence",
        str(evidence_file),
        "--ledger",
        url,
        "--json",
    )


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "e.json", evidence("1.0"))


def unrecorded(code: int, out: str, err: str) -> str:
    """The decision was refused for want of a record: exit 2, one sentence, no verdict."""
    assert code == 2 and out == "", (code, out, err)
    assert err.startswith("error: ") and "Traceback" not in err
    return err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: str(d / "no-such-folder" / "l.db"), "cannot"),
        (lambda d: str(d), "is a folder"),
        (lambda d: write_json(d / "notes.json", {"a": 1}).as_posix(), "is not a ledger"),
        (lambda d: "mysql://root:hunter2@db/ledger", "unknown kind of ledger"),
        (lambda d: "sqlite://", "sqlite:///PATH"),
    ],
    ids=["missing-folder", "folder", "not-sqlite", "unknown-scheme", "empty-sqlite-url"],
)
def test_a_decision_that_cannot_be_recorded_is_not_made(
    spec_file, evidence_file, tmp_path, capsys, make, words: str
) -> None:
    err = unrecorded(*check(capsys, spec_file, evidence_file, make(tmp_path)))
    assert words in err and "hunter2" not in err and err.count("\n") == 1


def test_another_sqlite_database_is_not_taken_over(
    spec_file, evidence_file, tmp_path, capsys
) -> None:
    import sqlite3

    other = tmp_path / "workspace.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE revisions (id INTEGER)")
    err = unrecorded(*check(capsys, spec_file, evidence_file, str(other)))
    assert "not a Gatewright ledger" in err and "revisions" in err
    code, _, err = run(capsys, "ledger", "verify", "--ledger", str(other))
    assert code == 2 and "not a Gatewright ledger" in err


def test_reading_a_file_that_is_not_a_ledger(tmp_path, capsys) -> None:
    notes = write_json(tmp_path / "notes.json", {"a": 1})
    for command in ("list", "verify"):
        code, out, err = run(capsys, "ledger", command, "--ledger", str(notes))
        assert (code, out) == (2, "") and "notes.json is not a ledger" in err
    code, out, err = run(capsys, "ledger", "stats", "sqlite:///" + str(notes))
    assert (code, out) == (2, "") and "is not a ledger" in err


def test_reading_a_ledger_that_is_not_there(tmp_path, capsys) -> None:
    for command in ("list", "verify"):
        code, out, err = run(capsys, "ledger", command, "--ledger", str(tmp_path / "none.db"))
        assert code == 2 and out == "" and "no ledger there" in err
    code, _, err = run(capsys, "ledger", "list")
    assert code == 2 and "GATEWRIGHT_LEDGER" in err


def test_an_empty_ledger_option_is_refused(spec_file, evidence_file, capsys) -> None:
    err = unrecorded(*check(capsys, spec_file, evidence_file, " "))
    assert "empty" in err


def test_an_unreachable_server_is_one_masked_sentence(spec_file, evidence_file, capsys) -> None:
    if importlib.util.find_spec("psycopg") is None:
        missing("psycopg is not installed (pip install 'gatewright[postgres]')")
    url = f"postgresql://gw:s3cr%27et-pw@127.0.0.1:{free_port()}/ledger"
    err = unrecorded(*check(capsys, spec_file, evidence_file, url))
    assert "postgresql://gw:***@127.0.0.1" in err and "cannot connect" in err
    assert "s3cr" not in err and "et-pw" not in err and err.count("\n") == 1
    code, _out, err = run(
        capsys, "ledger", "list", "--ledger", url.replace("ledger", "x?password=topsecret")
    )
    assert code == 2 and "topsecret" not in err and "s3cr" not in err


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("postgresql://gw:pa%zz-secret@127.0.0.1/ledger", "password"),
        ("postgresql://gw:50%-secret@127.0.0.1/ledger", "password"),
        ("postgresql://g%w:pa-secret@127.0.0.1/ledger", "user name"),
    ],
)
def test_a_stray_percent_in_the_credentials_is_explained(url, what, capsys) -> None:
    code, _out, err = run(capsys, "ledger", "list", "--ledger", url)
    assert code == 2 and err.count("\n") == 1
    assert f"the {what} holds a % that is not followed by two hexadecimal digits" in err
    assert "%25" in err and "secret" not in err


def test_a_wrong_password_is_masked(
    pg_server, pg_database, spec_file, evidence_file, capsys, monkeypatch
) -> None:
    url = pg_url({**pg_server, "password": "wrong-Pa55"}, pg_database)
    err = unrecorded(*check(capsys, spec_file, evidence_file, url))
    assert "wrong-Pa55" not in err and "***" in err and pg_server["user"] in err
    monkeypatch.setenv("PGPASSWORD", "env-Secret-77")
    err = unrecorded(
        *check(
            capsys,
            spec_file,
            evidence_file,
            pg_url(pg_server, pg_database, password=False).replace(pg_server["user"], "nobody"),
        )
    )
    assert "env-Secret-77" not in err


def test_credentials_from_pgpassword_and_pgpass(
    pg_server, pg_database, spec_file, evidence_file, tmp_path, capsys, monkeypatch
) -> None:
    url = pg_url(pg_server, pg_database, password=False)
    monkeypatch.setenv("PGPASSWORD", pg_server["password"])
    code, out, err = check(capsys, spec_file, evidence_file, url)
    assert code == 0 and "entry 1" in err and pg_server["password"] not in err + out
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    secret = pg_server["password"].replace("\\", "\\\\").replace(":", "\\:")
    passfile.write_text(f"127.0.0.1:5432:{pg_database}:{pg_server['user']}:{secret}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    code, _, err = check(capsys, spec_file, evidence_file, url)
    assert code == 0 and "entry 2" in err


def test_without_psycopg_the_extra_is_named(spec_file, evidence_file, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    err = unrecorded(*check(capsys, spec_file, evidence_file, "postgresql://u:pw@h/db"))
    assert "gatewright[postgres]" in err and "pw@" not in err


HOSTILE = [
    "'; DROP TABLE gatewright_ledger; --",
    'quote" and \\ backslash',
    "nul\u0000inside",
    "lone \ud800 surrogate",
    "bidi \u202e and $(rm -rf /) ${{ secrets.X }}",
]


def test_hostile_text_is_recorded_as_it_is(spec_file, tmp_path, ledger_url, capsys) -> None:
    data = evidence("1.0'; DROP TABLE gatewright_ledger; --", model="m\"'x")
    data["metrics"].update({text: text for text in HOSTILE})
    data["checks"] = {"nul\u0000key": "\u0000", "\udc80": "\ud800"}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # JSON escapes: NUL, surrogates
    code, out, err = check(capsys, spec_file, path, ledger_url)
    assert code == 0, err
    decision = json.loads(out)
    code, out, err = run(capsys, "ledger", "list", "--ledger", ledger_url, "--json")
    (entry,) = json.loads(out)["entries"]
    assert entry["candidate"]["version"] == "1.0'; DROP TABLE gatewright_ledger; --"
    assert entry["candidate"]["model"] == "m\"'x"
    assert entry["evidence_digest"] == decision["evidence_digest"]
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url)
    assert code == 0 and "intact (1 entry" in out
    code, out, _ = run(capsys, "ledger", "list", "--ledger", ledger_url, "--model", "m\"'x")
    assert code == 0 and "DROP TABLE" in out


def _append_many(url: str, worker: int, count: int, spec_file: str, start: Any) -> None:
    from app.runtime import check
    from app.runtime.ledger_entries import check_draft
    from app.spec.files import signed_spec

    spec, _ = signed_spec(spec_file, ())
    start.wait()
    with Ledger.open(url, create=True) as ledger:
        for number in range(count):
            decision = check(spec, "gate", evidence(f"{worker}.{number}"))
            ledger.append(check_draft(spec, decision))


def test_eight_processes_appending_at_once_lose_nothing(spec_file, ledger_url) -> None:
    workers, each = 8, 50
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(workers)
    processes = [
        context.Process(target=_append_many, args=(ledger_url, w, each, str(spec_file), start))
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [p.exitcode for p in processes] == [0] * workers
    with Ledger.open(ledger_url) as ledger:
        verdict = ledger.verify()
        entries = ledger.entries()
    assert verdict.intact and verdict.entries == workers * each
    assert [e.seq for e in entries] == list(range(1, workers * each + 1))
    versions = sorted(e.version for e in entries)
    assert versions == sorted(f"{w}.{n}" for w in range(workers) for n in range(each))
    assert len({os.path.basename(str(e.hash)) for e in entries}) == workers * each


def test_a_role_that_may_only_append_records_and_cannot_edit(
    pg_server, pg_database, spec_file, evidence_file, capsys
) -> None:
    """The README's hardening: the pipelines' role inserts entries and moves the head, and
    the database refuses it any change to an entry."""
    from tests.ledger.conftest import superuser_sql

    owner = pg_url(pg_server, pg_database)
    assert check(capsys, spec_file, evidence_file, owner)[0] == 0  # makes the tables
    writer = pg_server["user"] + "_w"
    superuser_sql(f"CREATE ROLE {writer} LOGIN PASSWORD 'pw-w'")
    try:
        superuser_sql(
            f"GRANT SELECT, INSERT ON gatewright_ledger TO {writer}; "
            f"GRANT SELECT, UPDATE ON gatewright_ledger_head TO {writer}",
            database=pg_database,
        )
        url = f"postgresql://{writer}:pw-w@127.0.0.1:5432/{pg_database}"
        code, _, err = check(capsys, spec_file, evidence_file, url)
        assert code == 0 and "entry 2" in err
        import psycopg

        with psycopg.connect(url) as connection, pytest.raises(psycopg.Error, match="denied"):
            connection.execute("UPDATE gatewright_ledger SET decision = 'promote'")
        assert run(capsys, "ledger", "verify", "--ledger", url)[0] == 0
    finally:
        superuser_sql(f"DROP OWNED BY {writer}", database=pg_database)
        superuser_sql(f"DROP ROLE {writer}")
