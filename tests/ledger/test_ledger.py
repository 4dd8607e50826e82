"""The decision ledger on SQLite and on a real PostgreSQL: check and monitor record their
decisions, list shows them, verify finds every kind of tampering and names the entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import rollback_draft
from tests.cli import run
from tests.ledger.conftest import (
    check_recorded,
    decided,
    evidence,
    moment,
    superuser_sql,
    write_json,
)

pytestmark = pytest.mark.usefixtures("no_ledger_env")


def sql(url: str, statement: str) -> None:
    """Tamper with the ledger as someone with write access to the database could."""
    if url.startswith("postgresql://"):
        superuser_sql(statement, database=url.rsplit("/", 1)[1])
        return
    import sqlite3

    with sqlite3.connect(url) as connection:
        connection.executescript(statement)


def record_three(spec_file: Path, tmp_path: Path, url: str, capsys: Any) -> None:
    """Three decisions through the command line: promote, reject, hold."""
    for name, version, kwargs in (
        ("promote", "1.0", {}),
        ("reject", "1.1", {"accuracy": 0.5}),
        ("hold", "1.2", {"approved": False}),
    ):
        file = write_json(tmp_path / f"{name}.json", evidence(version, **kwargs))
        assert check_recorded(capsys, spec_file, file, url)["decision"] == name


def test_check_records_what_the_contract_names(spec_file, tmp_path, ledger_url, capsys) -> None:
    record_three(spec_file, tmp_path, ledger_url, capsys)
    code, out, err = run(capsys, "ledger", "list", "--ledger", ledger_url, "--json")
    assert code == 0, err
    entries = json.loads(out)["entries"]
    assert [e["decision"] for e in entries] == ["promote", "reject", "hold"]
    first = entries[0]
    assert first["kind"] == "check" and first["sop_id"] == "small" and first["gate"] == "gate"
    assert first["stage"] == "prod" and first["final_stage"] == "prod"
    assert first["candidate"] == {
        "model": "scorer",
        "version": "1.0",
        "tier": "low",
        "submitted_by": "carol",
    }
    assert first["spec_digest"].startswith("sha256:")
    assert first["evidence_digest"].startswith("sha256:")
    assert first["decided_at"] == "2026-11-21T10:00:00.000000Z"
    assert first["document"]["decision"] == "promote" and first["prev_hash"] == ""
    assert entries[1]["prev_hash"] == first["hash"] and entries[1]["blocked_by"] == ["acc"]
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url)
    assert code == 0 and "ledger intact (3 entries" in out
    code, out, _ = run(capsys, "ledger", "list", "--ledger", ledger_url, "--gate", "nope")
    assert code == 0 and "no decisions" in out
    code, out, _ = run(capsys, "ledger", "list", "--ledger", ledger_url, "--model", "scorer")
    assert code == 0 and out.count("scorer") == 3


def test_monitor_records_its_verdict(spec_file, tmp_path, ledger_url, capsys) -> None:
    telemetry = write_json(
        tmp_path / "t.json",
        {"windows": [{"at": "2026-11-21T10:00:00Z", "metrics": {"accuracy": 0.5}}]},
    )
    code, out, err = run(
        capsys,
        "monitor",
        str(spec_file),
        "--stage",
        "prod",
        "--telemetry",
        str(telemetry),
        "--ledger",
        ledger_url,
        "--at",
        "2026-11-21T11:00:00Z",
    )
    assert code == 1 and "ROLLBACK" in out and "entry 1" in err
    with Ledger.open(ledger_url) as ledger:
        (entry,) = ledger.entries()
    assert (entry.kind, entry.stage, entry.decision) == ("monitor", "prod", "rollback")
    assert entry.decided_at == "2026-11-21T11:00:00.000000Z" and entry.gate is None


def test_the_environment_variable_names_the_ledger(
    spec_file, tmp_path, ledger_url, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("GATEWRIGHT_LEDGER", ledger_url)
    file = write_json(tmp_path / "e.json", evidence("3.0"))
    code, _, err = run(capsys, "check", str(spec_file), "--gate", "gate", "--evidence", str(file))
    assert code == 0 and "entry 1" in err
    code, out, _ = run(capsys, "ledger", "list", "--json")
    assert [e["candidate"]["version"] for e in json.loads(out)["entries"]] == ["3.0"]


@pytest.mark.parametrize(
    ("tamper", "entry", "words"),
    [
        ("UPDATE gatewright_ledger SET decision = 'promote' WHERE seq = 2", 2, "content"),
        (
            "UPDATE gatewright_ledger SET document = replace(document, '0.5', '0.95') "
            "WHERE seq = 2",
            2,
            "content",
        ),
        ("DELETE FROM gatewright_ledger WHERE seq = 2", 2, "entry 2 is missing"),
        ("DELETE FROM gatewright_ledger WHERE seq = 1", 1, "entry 1 is missing"),
        ("DELETE FROM gatewright_ledger WHERE seq = 3", 3, "end of the ledger was deleted"),
        (
            "UPDATE gatewright_ledger SET seq = -seq WHERE seq IN (2, 3); "
            "UPDATE gatewright_ledger SET seq = 5 + seq WHERE seq < 0",
            2,
            "content",
        ),
        ("UPDATE gatewright_ledger SET prev_hash = 'sha256:00' WHERE seq = 3", 3, "content"),
    ],
    ids=[
        "edited-decision",
        "edited-document",
        "deleted",
        "deleted-first",
        "deleted-last",
        "reordered",
        "relinked",
    ],
)
def test_verify_names_the_tampered_entry(
    spec_file, tmp_path, ledger_url, capsys, tamper: str, entry: int, words: str
) -> None:
    record_three(spec_file, tmp_path, ledger_url, capsys)
    sql(ledger_url, tamper + ";")
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url)
    assert code == 1 and out.startswith(f"ledger broken at entry {entry}:") and words in out
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url, "--json")
    report = json.loads(out)
    assert code == 1 and report["intact"] is False and report["broken"]["entry"] == entry


def test_a_rebuilt_entry_that_skips_the_chain_is_found(
    spec_file, tmp_path, ledger_url, capsys
) -> None:
    """An entry replaced by another whose hash is right for its own content, but that does
    not link to the entry before it."""
    record_three(spec_file, tmp_path, ledger_url, capsys)
    with Ledger.open(ledger_url) as ledger:
        _first, second, _ = ledger.entries()
    forged = second.__class__(**{**second.__dict__, "prev_hash": "sha256:" + "0" * 64})
    from app.runtime.ledger_entries import entry_hash

    forged_hash = entry_hash(forged.__dict__)
    sql(
        ledger_url,
        "UPDATE gatewright_ledger SET prev_hash = "
        f"'{forged.prev_hash}', hash = '{forged_hash}' WHERE seq = 2;",
    )
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url)
    assert code == 1 and "at entry 2: it does not follow entry 1" in out


def test_rollback_entries_and_the_version_to_roll_back_to(spec_model, ledger_url) -> None:
    with Ledger.open(ledger_url, create=True) as ledger:
        for at, version, kwargs in (
            ("2026-11-02T10:00:00Z", "1", {}),
            ("2026-11-03T10:00:00Z", "2", {"accuracy": 0.2}),  # rejected: never promoted
            ("2026-11-04T10:00:00Z", "3", {}),
            ("2026-11-05T10:00:00Z", "4", {}),
        ):
            ledger.append(decided(spec_model, at, version, **kwargs))
        assert ledger.last_promoted_before("scorer", "prod", "4") == "3"
        assert ledger.last_promoted_before("scorer", "prod", "3") == "1"
        assert ledger.last_promoted_before("scorer", "prod", "1") is None
        assert ledger.last_promoted_before("scorer", "prod", "9") == "4"  # never promoted
        assert ledger.last_promoted_before("scorer", "dev", "4") is None
        assert ledger.last_promoted_before("other", "prod", "4") is None
        assert ledger.last_promoted_before("scorer", "prod", "4", sop_id="nope") is None
        entry = ledger.append(
            rollback_draft(
                spec_model,
                "prod",
                "scorer",
                "4",
                "3",
                moment("2026-11-06T10:00:00Z"),
                {"alias": "champion"},
            )
        )
        assert (entry.kind, entry.decision, entry.version) == ("rollback", "rollback", "3")
        assert json.loads(entry.document)["from_version"] == "4"
        assert ledger.verify().intact and ledger.verify().entries == 5


def test_recording_stays_light(spec_file, tmp_path) -> None:
    """check without a ledger loads none of it; with an SQLite ledger, no psycopg."""
    import os
    import subprocess
    import sys

    file = write_json(tmp_path / "e.json", evidence("1.0"))
    program = (
        "import sys; from app.cli import main\n"
        "main(sys.argv[1:])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('psycopg', 'sqlite3', "
        "'app.runtime.ledger'))))"
    )
    command = [
        sys.executable,
        "-c",
        program,
        "check",
        str(spec_file),
        "--gate",
        "gate",
        "--evidence",
        str(file),
    ]
    env = {k: v for k, v in os.environ.items() if k != "GATEWRIGHT_LEDGER"}
    bare = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert bare.stdout.splitlines()[-1] == "[]"
    recorded = subprocess.run(
        [*command, "--ledger", str(tmp_path / "l.db")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    loaded = recorded.stdout.splitlines()[-1]
    assert "app.runtime.ledger" in loaded and "sqlite3" in loaded and "psycopg" not in loaded
