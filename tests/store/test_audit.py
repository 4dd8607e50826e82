"""The audit chain: linked hashes, and every kind of tampering found at the right entry."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.spec.digest import canonical_json, sha256_digest
from app.store.audit import GENESIS, entry_hash
from app.store.workspace import Workspace


def write_entries(path: Path, count: int = 5) -> None:
    with Workspace.open(path) as workspace:
        for i in range(count):
            workspace.audit("test.event", f"subject-{i}", {"i": i, "note": "é"}, actor="tester")


def tamper(path: Path, sql: str, *params: object) -> None:
    """Change the file as an attacker with sqlite3 would: drop the guards, then edit."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("DROP TRIGGER audit_no_update")
        connection.execute("DROP TRIGGER audit_no_delete")
        connection.execute(sql, params)
    connection.close()


def verify(path: Path) -> int | None:
    with Workspace.open(path) as workspace:
        return workspace.verify_audit()


def test_entries_are_chained_by_hash(workspace_path: Path) -> None:
    write_entries(workspace_path, 3)
    with Workspace.open(workspace_path) as workspace:
        entries = workspace.audit_entries()
        assert workspace.verify_audit() is None
    assert [e["id"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == GENESIS
    assert entries[1]["prev_hash"] == entries[0]["hash"]
    assert entries[2]["prev_hash"] == entries[1]["hash"]
    first = entries[0]
    fields = ("id", "at", "actor", "action", "subject", "details", "prev_hash")
    assert first["hash"] == sha256_digest(canonical_json({k: first[k] for k in fields}))
    assert first["hash"] == entry_hash(first)
    assert first["at"].endswith("Z") and first["actor"] == "tester"
    assert first["details"] == {"i": 0, "note": "é"}


def test_an_empty_log_is_intact(workspace_path: Path) -> None:
    with Workspace.open(workspace_path) as workspace:
        assert workspace.audit_check()[:2] == (None, 0)


def test_the_log_refuses_ordinary_edits(workspace_path: Path) -> None:
    write_entries(workspace_path, 2)
    connection = sqlite3.connect(workspace_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE audit SET actor = 'mallory' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM audit WHERE id = 2")
    connection.close()
    assert verify(workspace_path) is None


def test_edited_details_are_found_at_that_entry(workspace_path: Path) -> None:
    write_entries(workspace_path)
    tamper(workspace_path, "UPDATE audit SET details = ? WHERE id = 3", json.dumps({"i": 99}))
    assert verify(workspace_path) == 3


def test_an_edited_hash_is_found_at_that_entry(workspace_path: Path) -> None:
    write_entries(workspace_path)
    tamper(workspace_path, "UPDATE audit SET hash = ? WHERE id = 2", "sha256:" + "0" * 64)
    assert verify(workspace_path) == 2


def test_an_entry_rehashed_after_editing_breaks_the_next_link(workspace_path: Path) -> None:
    write_entries(workspace_path)
    with Workspace.open(workspace_path) as workspace:
        second = workspace.audit_entries()[1]
    forged = {**second, "actor": "mallory"}
    tamper(
        workspace_path,
        "UPDATE audit SET actor = 'mallory', hash = ? WHERE id = 2",
        entry_hash(forged),
    )
    assert verify(workspace_path) == 3


def test_a_deleted_entry_in_the_middle_is_found(workspace_path: Path) -> None:
    write_entries(workspace_path)
    tamper(workspace_path, "DELETE FROM audit WHERE id = 3")
    with Workspace.open(workspace_path) as workspace:
        broken, count, _ = workspace.audit_check()
    assert broken is not None and broken.entry_id == 4
    assert "entry 3" in broken.reason and count == 3


def test_a_deleted_first_entry_is_found(workspace_path: Path) -> None:
    write_entries(workspace_path)
    tamper(workspace_path, "DELETE FROM audit WHERE id = 1")
    assert verify(workspace_path) == 2


def test_a_deleted_last_entry_is_found(workspace_path: Path) -> None:
    write_entries(workspace_path)
    tamper(workspace_path, "DELETE FROM audit WHERE id = 5")
    assert verify(workspace_path) == 5
    # and appending afterwards does not paper over the gap
    with Workspace.open(workspace_path) as workspace:
        assert workspace.audit("test.event", "later", {}) == 6
        assert workspace.verify_audit() == 6


def test_details_that_are_not_json_data_write_nothing(workspace_path: Path) -> None:
    with Workspace.open(workspace_path) as workspace:
        with pytest.raises(TypeError):
            workspace.audit("test.event", "x", {"when": {1, 2}})
        with pytest.raises(ValueError):
            workspace.audit("test.event", "x", {"ratio": float("nan")})
        assert workspace.audit_entries() == []
        assert workspace.audit("test.event", "x", {}) == 1


def test_the_hash_does_not_depend_on_key_order(workspace_path: Path) -> None:
    with Workspace.open(workspace_path) as workspace:
        workspace.audit("test.event", "x", {"b": 1, "a": 2})
    tamper(workspace_path, "UPDATE audit SET details = ? WHERE id = 1", '{"a": 2, "b": 1}')
    assert verify(workspace_path) is None
