"""history, drills and audit through the command line's entry point: output and exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import app
from app.cli.commands import cli
from app.cli.workspace_commands import duration_text, register, score_text
from app.model import Sop
from app.model.io import save_document
from app.store.workspace import Workspace
from tests.cli import run


@pytest.fixture
def sop_file(tmp_path: Path, small_doc: Sop) -> Path:
    path = tmp_path / "small.sop.json"
    save_document(small_doc, path, backup=False)
    return path


def test_registering_twice_is_harmless() -> None:
    before = dict(cli.commands)
    register(cli)
    assert cli.commands == before
    assert {"history", "drills", "audit"} <= set(cli.commands)


def test_history_without_revisions_says_so(capsys, sop_file: Path, workspace_path) -> None:
    code, out, err = run(capsys, "history", str(sop_file))
    assert code == 0 and err == ""
    assert out == f"no revisions of small ({sop_file}) are recorded in {workspace_path} yet\n"


def test_history_lists_revisions_newest_first(capsys, sop_file: Path, small_doc: Sop) -> None:
    with Workspace.open() as workspace:
        workspace.record_revision(small_doc, path=str(sop_file), author="ann", message="first")
        small_doc.set_document_field("version", "1.1.0")
        workspace.record_revision(small_doc, path=str(sop_file), author="bob", message="second")
    code, out, _ = run(capsys, "history", str(sop_file))
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("small: 2 revisions in ")
    assert lines[1].split() == ["VERSION", "SAVED", "AUTHOR", "DIGEST", "MESSAGE"]
    assert lines[2].split()[0] == "1.1.0" and lines[2].endswith("second")
    assert lines[3].split()[0] == "0.1.0" and " * " in lines[3]  # the file as saved
    assert lines[-1] == f"* the content of {sop_file} as it is now"

    code, out, _ = run(capsys, "history", str(sop_file), "--json")
    data = json.loads(out)
    assert code == 0 and data["sop_id"] == "small"
    assert [r["message"] for r in data["revisions"]] == ["second", "first"]
    assert data["revisions"][1]["digest"] == data["current_digest"]


def test_history_of_an_unusable_sop_file_exits_2(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sop.json"
    bad.write_text("{")
    code, out, err = run(capsys, "history", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {bad}: ") and err.count("\n") == 1


def test_drills_table_json_and_trainee_filter(capsys, drill_row) -> None:
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0, trainee="tom"))
        workspace.record_drill(**{**drill_row(1, trainee="ann"), "score": {"percent": 92.5}})
    code, out, _ = run(capsys, "drills")
    lines = out.splitlines()
    assert code == 0
    head = ["ID", "WHEN", "TRAINEE", "SCENARIO", "SCORE", "PASSED", "LESSON", "RECOVERY", "TOOK"]
    assert lines[0].split() == head
    # Drills recorded before pass marks and graded lessons: "?" and "-".
    assert lines[1].split() == [
        "2",
        "2026-11-21T10:05:07Z",
        "ann",
        "scenario-1",
        "92.5%",
        "?",
        "-",
        "?",
        "5:07",
    ]
    assert lines[2].split() == [
        "1",
        "2026-11-21T10:05:07Z",
        "tom",
        "scenario-0",
        "4/5",
        "?",
        "-",
        "?",
        "5:07",
    ]

    code, out, _ = run(capsys, "drills", "--trainee", "tom", "--json")
    data = json.loads(out)
    assert code == 0 and data["trainee"] == "tom"
    assert [d["trainee"] for d in data["drills"]] == ["tom"]
    assert data["drills"][0]["answers"] == drill_row(0)["answers"]

    code, out, _ = run(capsys, "drills", "--trainee", "nobody")
    assert code == 0 and out.startswith("no drills by nobody are recorded in ")


def test_terminal_control_characters_are_escaped(capsys, drill_row) -> None:
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0, trainee="eve\x1b[31m\nred"))
    code, out, _ = run(capsys, "drills")
    assert code == 0 and "\x1b" not in out and "eve\\x1b[31m\\nred" in out


def test_score_and_duration_texts() -> None:
    assert score_text({"points": 3, "max": 4}) == "3/4"
    assert score_text({"correct": 7, "total": 10}) == "7/10"
    assert score_text({"drill": "x", "score": 12.5, "max_score": 15, "sla_met": True}) == "12.5/15"
    assert score_text({"percent": 80}) == "80%"
    assert score_text({"grade": "pass", "steps": [1]}) == "grade=pass"
    assert duration_text(59.6) == "1:00"
    assert duration_text(3725) == "1:02:05"
    assert duration_text(float("nan")) == "?"


def test_audit_verify_intact_then_tampered(capsys, workspace_path: Path, drill_row) -> None:
    with Workspace.open() as workspace:
        for i in range(3):
            workspace.record_drill(**drill_row(i))
    code, out, err = run(capsys, "audit", "verify")
    assert (code, out, err) == (0, "audit chain intact (3 entries)\n", "")
    code, out, _ = run(capsys, "audit", "verify", "--json")
    data = json.loads(out)
    assert code == 0 and data["intact"] is True and data["entries"] == 3
    assert data["last_hash"].startswith("sha256:") and data["broken"] is None

    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute("DROP TRIGGER audit_no_update")
        connection.execute("UPDATE audit SET details = '{\"drill\": 9}' WHERE id = 2")
    connection.close()
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert out.startswith("audit chain broken at entry 2: its content does not match its hash")
    code, out, _ = run(capsys, "audit", "verify", "--json")
    data = json.loads(out)
    assert code == 1 and data["intact"] is False and data["broken"]["entry"] == 2


def test_audit_verify_names_the_entry_after_a_deleted_one(capsys, workspace_path: Path) -> None:
    with Workspace.open() as workspace:
        for i in range(4):
            workspace.audit("test.event", "x", {"i": i})
    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute("DROP TRIGGER audit_no_delete")
        connection.execute("DELETE FROM audit WHERE id = 2")
    connection.close()
    code, out, _ = run(capsys, "audit", "verify")
    assert (code, out) == (1, "audit chain broken at entry 3: entry 2 before it is missing\n")


def test_audit_list(capsys) -> None:
    code, out, _ = run(capsys, "audit", "list")
    assert code == 0 and out.startswith("the audit log of ") and out.endswith(" is empty\n")
    with Workspace.open() as workspace:
        workspace.audit("sop.approved", "small", {"by": "rita"}, actor="rita")
    code, out, _ = run(capsys, "audit", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAILS"]
    assert lines[1].split()[2:] == ["rita", "sop.approved", "small", '{"by":', '"rita"}']
    code, out, _ = run(capsys, "audit", "list", "--json")
    assert json.loads(out)["entries"][0]["details"] == {"by": "rita"}


def test_the_workspace_option_wins_over_the_variable(
    capsys, tmp_path: Path, workspace_path: Path
) -> None:
    chosen = tmp_path / "chosen.db"
    with Workspace.open(chosen) as workspace:
        workspace.audit("test.event", "x", {})
    code, out, _ = run(capsys, "audit", "verify", "--workspace", str(chosen))
    assert (code, out) == (0, "audit chain intact (1 entry)\n")
    code, out, _ = run(capsys, "audit", "verify")
    assert (code, out) == (0, "audit chain intact (0 entries)\n")
    assert workspace_path.is_file()


def test_a_mistyped_workspace_is_not_created(capsys, tmp_path: Path) -> None:
    typo = tmp_path / "typo.db"
    code, out, err = run(capsys, "drills", "--workspace", str(typo))
    assert code == 2 and out == ""
    assert err == f"error: {typo}: does not exist; nothing was recorded there\n"
    assert not typo.exists()


@pytest.mark.parametrize(
    "args", [["history", "SOP"], ["drills"], ["audit", "verify"], ["audit", "list", "--json"]]
)
def test_an_unusable_workspace_exits_2_with_one_line(
    capsys, tmp_path: Path, sop_file: Path, args: list[str]
) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database at all\n" * 50)
    args = [str(sop_file) if a == "SOP" else a for a in args]
    code, out, err = run(capsys, *args, "--workspace", str(bad))
    assert code == 2 and out == ""
    assert err.startswith(f"error: {bad}: is not a workspace (not an SQLite database)")
    assert "move it aside" in err and err.count("\n") == 1


REGISTERED_MAIN = (
    "import sys\n"
    "from app.cli.commands import cli\n"
    "from app.cli.workspace_commands import register\n"
    "register(cli)\n"
    "from app.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


def test_a_corrupt_workspace_never_prints_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "workspace.db"
    with Workspace.open(bad) as workspace:
        workspace.audit("test.event", "x", {})
    data = bytearray(bad.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)
    bad.write_bytes(bytes(data))
    done = subprocess.run(
        [sys.executable, "-c", REGISTERED_MAIN, "audit", "verify", "--workspace", str(bad)],
        cwd=Path(app.__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"error: {bad}: ") and "move it aside" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def test_a_workspace_that_cannot_be_written_is_still_read_and_verified(
    capsys, workspace_path: Path, drill_row, monkeypatch
) -> None:
    """An auditor's read-only copy: opening it for writing fails as SQLite says for a
    read-only file (code 8), so the reading commands open it read-only and write nothing."""
    import app.store.workspace as workspace_module

    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
    before = workspace_path.read_bytes()

    def read_only_file(_connection):  # type: ignore[no-untyped-def]
        error = sqlite3.OperationalError("attempt to write a readonly database")
        error.sqlite_errorcode = 8  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(workspace_module, "_prepare", read_only_file)
    assert run(capsys, "audit", "verify")[:2] == (0, "audit chain intact (1 entry)\n")
    code, out, _ = run(capsys, "drills", "--json")
    assert code == 0 and len(json.loads(out)["drills"]) == 1
    assert workspace_path.read_bytes() == before
    assert not any(workspace_path.parent.glob("*-shm"))  # nothing left beside it either
    monkeypatch.setattr(os, "access", lambda *_args: False)  # as a file without write access
    monkeypatch.setattr(workspace_module, "_prepare", None)  # never tried for writing
    assert run(capsys, "audit", "verify")[:2] == (0, "audit chain intact (1 entry)\n")
    assert not any(workspace_path.parent.glob("*-shm"))
    store = Workspace.open(workspace_path, reading=True)
    with store, pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.db.execute("DELETE FROM drills")


@pytest.mark.parametrize("forged_id", [-7, 0, 2])
def test_audit_verify_names_a_forged_row_whatever_its_id(
    capsys, workspace_path: Path, drill_row, forged_id: int
) -> None:
    """A drill scoring 100/100 inserted by hand, below, between or among the recorded ones,
    is in no entry's range: verification fails naming it."""
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
        workspace.record_drill(**drill_row(1))
    connection = sqlite3.connect(workspace_path)
    with connection:
        if forged_id == 2:  # a gap where a recorded drill was: delete it, seal and all
            connection.execute("UPDATE drills SET id = 5 WHERE id = 2")
        columns = "sop_id, trainee, scenario, answers, score, started_at, finished_at, seconds"
        connection.execute(
            f"INSERT INTO drills (id, {columns}, recorded_at) "
            "VALUES (?, 'small', 'mallory', 'scenario-0', '[]', ?, '2026-11-21T10:00:00Z', "
            "'2026-11-21T10:01:00Z', 60.0, '2026-11-21T10:01:00Z')",
            [forged_id, json.dumps({"score": 100, "max_score": 100})],
        )
    connection.close()
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    if forged_id == 2:  # the moved row breaks its entry's seal first
        assert out.startswith("audit chain broken at entry 2: row 2 of drills")
    else:
        assert f"row {forged_id} of drills is in no audit entry" in out
    code, out, _ = run(capsys, "audit", "verify", "--json")
    assert code == 1 and json.loads(out)["intact"] is False


def test_audit_verify_names_a_forged_run_and_revision_too(
    capsys, workspace_path: Path, run_row, small_doc: Sop, sop_file: Path
) -> None:
    with Workspace.open() as workspace:
        workspace.record_run(**run_row(0))
        workspace.record_revision(small_doc, path=str(sop_file), author="ann", message="one")
    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute(
            "INSERT INTO runs (id, sop_id, scenario, seed, runs, parameters, summary, events, "
            "recorded_at) SELECT -1, sop_id, scenario, seed, runs, parameters, summary, events, "
            "recorded_at FROM runs WHERE id = 1"
        )
    connection.close()
    code, out, _ = run(capsys, "audit", "verify")
    assert (code, out.split(": ", 1)[1]) == (
        1,
        "row -1 of runs is in no audit entry: it was added without being recorded\n",
    )


def test_audit_verify_refuses_details_naming_a_key_twice(
    capsys, workspace_path: Path, drill_row
) -> None:
    """Details rewritten with a key twice decode (keeping the last value) to what was
    hashed, so they would pass; the one JSON reader refuses them."""
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
    connection = sqlite3.connect(workspace_path)
    with connection:
        details = connection.execute("SELECT details FROM audit WHERE id = 1").fetchone()[0]
        connection.execute("DROP TRIGGER audit_no_update")
        connection.execute(
            "UPDATE audit SET details = ? WHERE id = 1",
            ['{"drill": 7, ' + details[1:]],
        )
    connection.close()
    code, out, _ = run(capsys, "audit", "verify")
    assert (code, out) == (1, "audit chain broken at entry 1: its details are not valid JSON\n")
