"""The workspace file: migrations, unusable files, round trips and concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import app
from app.model import Sop
from app.model.io import dumps_document
from app.spec.digest import sha256_digest
from app.spec.fileio import InputError
from app.store import schema
from app.store.workspace import Workspace, WorkspaceError, default_path, os_user

TABLES = {"revisions", "runs", "drills", "audit"}


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows} - {"sqlite_sequence"}


def pragma(path: Path, name: str) -> object:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


# Migrations


def test_a_new_path_in_missing_folders_becomes_a_current_workspace(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "workspace.db"
    with Workspace.open(path) as workspace:
        assert workspace.source == str(path)
    assert tables(path) == TABLES
    assert pragma(path, "user_version") == schema.latest_version() == 1
    assert pragma(path, "application_id") == schema.APPLICATION_ID
    assert pragma(path, "journal_mode") == "wal"


def test_an_empty_file_is_migrated_from_version_0(tmp_path: Path) -> None:
    path = tmp_path / "workspace.db"
    path.touch()
    assert pragma(path, "user_version") == 0
    with Workspace.open(path) as workspace:
        assert schema.migrate(workspace.db) == (1, 1)  # already current: nothing to do
    assert tables(path) == TABLES


def test_a_later_migration_is_one_appended_function(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "workspace.db"
    with Workspace.open(path) as workspace:
        workspace.record_drill(
            sop_id="s",
            trainee="tom",
            scenario="x",
            answers=[],
            score={},
            started_at="a",
            finished_at="b",
            seconds=1.0,
        )

    def add_notes(db) -> None:
        db.execute("ALTER TABLE drills ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, add_notes])
    with Workspace.open(path) as workspace:
        assert workspace.drills()[0]["notes"] == ""
    assert pragma(path, "user_version") == 2


def test_a_failing_migration_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "workspace.db"
    Workspace.open(path).close()

    def half_done(db) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, half_done])
    with pytest.raises(RuntimeError):
        Workspace.open(path)
    assert pragma(path, "user_version") == 1
    assert tables(path) == TABLES


def test_a_workspace_from_a_newer_gatewright_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "workspace.db"
    Workspace.open(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 7")
    with pytest.raises(WorkspaceError, match=r"newer Gatewright.*version 7") as raised:
        Workspace.open(path)
    assert str(path) in str(raised.value)


def test_another_programs_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contacts (name TEXT)")
    with pytest.raises(WorkspaceError, match="another program"):
        Workspace.open(path)
    assert tables(path) == {"contacts"}


# Unusable files


def real_workspace_bytes(tmp_path: Path) -> bytes:
    source = tmp_path / "real.db"
    Workspace.open(source).close()
    return source.read_bytes()


def make_bad(kind: str, path: Path, tmp_path: Path) -> None:
    if kind == "text":
        path.write_text("these are my notes, not a database\n")
    elif kind == "random":
        path.write_bytes(os.urandom(8192))
    elif kind == "truncated-header":
        path.write_bytes(real_workspace_bytes(tmp_path)[:50])
    elif kind == "folder":
        path.mkdir()
    elif kind == "damaged-schema":
        data = bytearray(real_workspace_bytes(tmp_path))
        data[100:4096] = b"\xa5" * (4096 - 100)  # page 1 past the header: the schema table
        path.write_bytes(bytes(data))


BAD = ["text", "random", "truncated-header", "folder", "damaged-schema"]


@pytest.mark.parametrize("kind", BAD)
def test_an_unusable_file_is_one_clear_sentence(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "workspace.db"
    make_bad(kind, path, tmp_path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(WorkspaceError) as raised:
        Workspace.open(path)
    message = str(raised.value)
    assert isinstance(raised.value, InputError)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    if kind == "folder":
        assert "is a folder" in message
    else:
        assert "move it aside" in message
        assert path.read_bytes() == before  # never "repaired" into an empty workspace


def test_damage_found_after_opening_is_a_workspace_error_too(tmp_path: Path, drill_row) -> None:
    path = tmp_path / "workspace.db"
    with Workspace.open(path) as workspace:
        workspace.record_drills([drill_row(i) for i in range(3000)])
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 20 * page
    data[10 * page : 20 * page] = b"\x0d" * (10 * page)
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="move it aside"), Workspace.open(path) as workspace:
        workspace.drills()


def test_a_missing_file_is_an_error_only_when_creating_is_off(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace.open(tmp_path / "typo.db", create=False)
    assert not (tmp_path / "typo.db").exists()


# Location


def test_the_environment_variable_chooses_the_default(workspace_path: Path) -> None:
    assert default_path() == workspace_path
    with Workspace.open() as workspace:
        assert workspace.source == str(workspace_path)
    assert workspace_path.is_file()


def test_without_the_variable_the_user_data_folder_is_used(monkeypatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("GATEWRIGHT_WORKSPACE")
    monkeypatch.setattr(platformdirs, "user_data_path", lambda name: tmp_path / "data" / name)
    assert default_path() == tmp_path / "data" / "gatewright" / "workspace.db"
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", "")  # empty counts as unset
    assert default_path() == tmp_path / "data" / "gatewright" / "workspace.db"


# Round trips


def test_revisions_round_trip_newest_first(small_doc: Sop) -> None:
    with Workspace.open() as workspace:
        first = workspace.record_revision(small_doc, path="small.sop.json", message="first")
        small_doc.set_document_field("version", "1.1.0")
        second = workspace.record_revision(
            small_doc, path="small.sop.json", author="alice", message="raise the bar"
        )
        listed = workspace.revisions("small")
        assert [r["id"] for r in listed] == [second, first]
        newest = listed[0]
        assert newest["version"] == "1.1.0"
        assert newest["author"] == "alice" and listed[1]["author"] == os_user()
        assert newest["message"] == "raise the bar"
        assert newest["digest"] == sha256_digest(dumps_document(small_doc).encode())
        assert newest["saved_at"].endswith("Z") and "content" not in newest
        assert workspace.revision(second)["content"] == dumps_document(small_doc)
        assert workspace.revisions("other") == []
        with pytest.raises(KeyError):
            workspace.revision(999)
        actions = [e["action"] for e in workspace.audit_entries()]
        assert actions == ["revision.saved", "revision.saved"]


def test_runs_round_trip(run_row) -> None:
    with Workspace.open() as workspace:
        assert workspace.latest_run("small") is None
        first = workspace.record_run(**run_row(1))
        second = workspace.record_run(**run_row(2))
        workspace.record_run(**run_row(3, sop_id="other"))
        listed = workspace.runs("small")
        assert [r["id"] for r in listed] == [second, first]
        assert "events" not in listed[0]
        assert listed[0]["summary"] == run_row(2)["summary"]
        assert len(workspace.runs()) == 3
        latest = workspace.latest_run("small")
        assert latest is not None and latest["id"] == second
        assert latest["events"] == run_row(2)["events"]
        assert workspace.run(first)["seed"] == 1
        with pytest.raises(KeyError):
            workspace.run(999)
        entry = workspace.audit_entries()[-1]
        assert entry["action"] == "simulation.recorded" and entry["subject"] == "other"


def test_drills_round_trip_and_filters(drill_row) -> None:
    with Workspace.open() as workspace:
        tom = workspace.record_drill(**drill_row(0, trainee="tom"))
        ann = workspace.record_drill(**drill_row(1, trainee="ann"))
        other = workspace.record_drill(**drill_row(2, trainee="tom", sop_id="other"))
        assert [d["id"] for d in workspace.drills()] == [other, ann, tom]
        assert [d["id"] for d in workspace.drills(trainee="tom")] == [other, tom]
        assert [d["id"] for d in workspace.drills(trainee="tom", sop_id="small")] == [tom]
        assert workspace.drills(trainee="nobody") == []
        stored = workspace.drill(ann)
        expected = drill_row(1, trainee="ann")
        assert {k: stored[k] for k in expected} == expected
        with pytest.raises(KeyError):
            workspace.drill(999)
        assert [e["details"]["drill"] for e in workspace.audit_entries()] == [tom, ann, other]


def test_bulk_records_write_one_audit_entry_per_batch(drill_row, run_row) -> None:
    with Workspace.open() as workspace:
        single = workspace.record_drill(**drill_row(0))
        ids = workspace.record_drills([drill_row(i) for i in range(50)])
        assert ids == list(range(single + 1, single + 51))
        assert workspace.drill(ids[-1])["scenario"] == drill_row(49)["scenario"]
        run_ids = workspace.record_runs([run_row(i) for i in range(10)])
        assert len(run_ids) == 10 and workspace.run(run_ids[3])["seed"] == 3
        assert workspace.record_drills([]) == []
        entries = workspace.audit_entries()
        assert [e["action"] for e in entries] == [
            "drill.recorded",
            "drill.recorded",
            "simulation.recorded",
        ]
        sealed = entries[1]["details"].pop("rows_digest")
        assert entries[1]["details"] == {
            "count": 50,
            "first": ids[0],
            "last": ids[-1],
            "sop_ids": ["small"],
        }
        assert sealed.startswith("sha256:")
        assert workspace.verify_audit() is None


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE drills SET score = json_set(score, '$.points', 5) WHERE id = 1",  # one
        "UPDATE drills SET trainee = 'someone else' WHERE id = 3",  # in a batch
        "DELETE FROM drills WHERE id = 4",
        "INSERT INTO drills (sop_id, trainee, scenario, answers, score, started_at, "
        "finished_at, seconds, recorded_at) SELECT sop_id, 'ghost', scenario, answers, score, "
        "started_at, finished_at, seconds, recorded_at FROM drills WHERE id = 2",
        "UPDATE runs SET summary = '{}' WHERE id = 1",
        "UPDATE revisions SET message = 'rewritten' WHERE id = 1",
    ],
)
def test_a_recorded_row_changed_later_breaks_the_audit_chain(
    tamper: str, workspace_path: Path, drill_row, run_row, small_doc: Sop
) -> None:
    """A drill's score rewritten to full marks must not pass ``audit verify``."""
    with Workspace.open() as workspace:
        workspace.record_revision(small_doc, path="small.sop.json", author="eli")
        workspace.record_drill(**drill_row(0))
        workspace.record_drills([drill_row(i) for i in range(1, 4)])
        workspace.record_run(**run_row(0))
        assert workspace.verify_audit() is None
    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute(tamper)
    connection.close()
    with Workspace.open() as workspace:
        broken, _count, _last = workspace.audit_check()
        assert broken is not None
        if tamper.startswith("INSERT"):  # no entry is at fault: the row is in none
            assert broken.entry_id is None and "added without being recorded" in broken.reason
            assert workspace.verify_audit() == 0
        else:
            assert "changed or went missing after it was recorded" in broken.reason
            assert workspace.verify_audit() == broken.entry_id


@pytest.mark.parametrize(
    "tamper", ["UPDATE drills SET score = X'00' WHERE id = 1", "UPDATE drills SET seconds = 1e999"]
)
def test_a_row_rewritten_with_odd_values_is_reported_not_a_crash(
    tamper: str, workspace_path: Path, drill_row
) -> None:
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute(tamper)
    connection.close()
    with Workspace.open() as workspace:
        assert workspace.verify_audit() == 1


def test_a_drill_recorded_while_verifying_is_not_taken_for_tampering(
    workspace_path: Path, drill_row, monkeypatch
) -> None:
    """The entries and the rows are read in one snapshot: a drill another process commits
    between the two reads is seen with its entry, or not at all."""
    import app.store.audit as audit_module

    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
    original = audit_module.recorded_range
    other = Workspace.open(workspace_path)
    fired = []

    def record_meanwhile(action, details):  # type: ignore[no-untyped-def]
        if not fired:  # after verification began reading the entries
            fired.append(other.record_drill(**drill_row(1)))
        return original(action, details)

    monkeypatch.setattr(audit_module, "recorded_range", record_meanwhile)
    with Workspace.open() as workspace:
        assert workspace.audit_check()[0] is None
    other.close()
    assert fired == [2]


def test_a_bad_row_in_a_batch_writes_nothing(drill_row) -> None:
    with Workspace.open() as workspace:
        rows = [drill_row(i) for i in range(5)]
        del rows[3]["trainee"]
        with pytest.raises(KeyError):
            workspace.record_drills(rows)
        rows[3]["trainee"] = None
        with pytest.raises(sqlite3.IntegrityError):
            workspace.record_drills(rows)
        assert workspace.drills() == [] and workspace.audit_entries() == []


# Two processes at once

WRITER = """
import sys, time
from pathlib import Path
from app.store.workspace import Workspace

path, go, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
while not go.exists():
    time.sleep(0.001)
with Workspace.open(path) as workspace:
    for i in range(200):
        workspace.record_drill(
            sop_id="small", trainee=name, scenario="s", answers=[i], score={"points": i},
            started_at="2026-11-21T10:00:00Z", finished_at="2026-11-21T10:01:00Z", seconds=60.0,
        )
        workspace.audit("test.tick", name, {"i": i}, actor=name)
print("done")
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path, go = tmp_path / "shared.db", tmp_path / "go"
    root = Path(app.__file__).resolve().parents[1]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(go), name],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("ann", "bob")
    ]
    time.sleep(0.3)  # both wait at the start line, then open the new file together
    go.touch()
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    with Workspace.open(path) as workspace:
        assert len(workspace.drills()) == 400
        assert len(workspace.drills(trainee="ann")) == len(workspace.drills(trainee="bob")) == 200
        entries = workspace.audit_entries()
        assert len(entries) == 800
        assert sorted(e["details"]["i"] for e in entries if e["action"] == "test.tick") == sorted(
            list(range(200)) * 2
        )
        assert workspace.verify_audit() is None


OPENER = """
import sys, time
from pathlib import Path
from app.store.workspace import Workspace

path, go = sys.argv[1], Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
with Workspace.open(path) as workspace:
    workspace.audit("test.opened", "x", {}, actor="t")
"""


def test_processes_creating_the_same_new_workspace_at_once_all_open_it(tmp_path: Path) -> None:
    """The loser of the race to switch a new file to WAL is told "locked" at once by SQLite,
    without the busy timeout; opening tries again instead of failing."""
    root = Path(app.__file__).resolve().parents[1]
    for round_ in range(8):
        path, go = tmp_path / f"new-{round_}.db", tmp_path / f"go-{round_}"
        openers = [
            subprocess.Popen(
                [sys.executable, "-c", OPENER, str(path), str(go)],
                cwd=root,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        time.sleep(0.3)
        go.touch()
        for opener in openers:
            _out, err = opener.communicate(timeout=60)
            assert opener.returncode == 0, err
        with Workspace.open(path) as workspace:
            assert len(workspace.audit_entries()) == 3


def test_opening_tries_again_when_sqlite_answers_locked_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite answers "locked" without waiting when two processes switch a new file to WAL
    at once; opening must try again rather than report a lock held for ten seconds."""
    from app.store import workspace as module

    calls = []
    real = module.migrate

    def locked_twice(db):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) <= 2:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = 5  # SQLITE_BUSY
            raise error
        return real(db)

    monkeypatch.setattr(module, "migrate", locked_twice)
    with Workspace.open(tmp_path / "new.db") as workspace:
        assert workspace.audit_entries() == []
    assert len(calls) == 3


def test_a_deleted_last_entry_is_named_before_the_rows_it_recorded(
    workspace_path: Path, drill_row
) -> None:
    """Its drill is then in no entry too; the deleted entry is what happened."""
    with Workspace.open() as workspace:
        workspace.record_drill(**drill_row(0))
        workspace.record_drill(**drill_row(1))
    connection = sqlite3.connect(workspace_path)
    with connection:
        connection.execute("DROP TRIGGER audit_no_delete")
        connection.execute("DELETE FROM audit WHERE id = 2")
    connection.close()
    with Workspace.open() as workspace:
        broken, _count, _last = workspace.audit_check()
    assert broken is not None and broken.entry_id == 2
    assert "the end of the log was deleted" in broken.reason
