"""The append-only audit log: each entry stores the previous entry's hash, forming a chain."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.spec.digest import canonical_json, sha256_digest

if TYPE_CHECKING:
    from sqlite_utils import Database

GENESIS = ""
"""The ``prev_hash`` of the first entry."""

HASHED_FIELDS = ("id", "at", "actor", "action", "subject", "details", "prev_hash")


@dataclass(frozen=True)
class AuditBreak:
    """Where the chain is broken: the first entry that does not check out, and why."""

    entry_id: int
    reason: str


def entry_hash(entry: Mapping[str, Any]) -> str:
    """``sha256:`` + SHA-256 of the canonical JSON object of the entry's hashed fields.

    ``details`` is hashed as the decoded JSON value, so the hash does not depend on how
    the text happens to be spaced.
    """
    return sha256_digest(canonical_json({name: entry[name] for name in HASHED_FIELDS}))


def append(
    db: Database, *, at: str, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> int:
    """Add one entry and return its id; the caller holds an IMMEDIATE transaction.

    Reading the previous hash and inserting in the same write transaction is what keeps
    the chain linear when several processes append at once.
    """
    last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    given = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    entry_id = max(last[0] if last else 0, given[0] if given else 0) + 1
    entry: dict[str, Any] = {
        "id": entry_id,
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": dict(details),
        "prev_hash": last[1] if last else GENESIS,
    }
    digest = entry_hash(entry)  # also refuses details that are not plain JSON data
    db.execute(
        "INSERT INTO audit (id, at, actor, action, subject, details, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            entry_id,
            at,
            actor,
            action,
            subject,
            json.dumps(entry["details"], ensure_ascii=False, sort_keys=True),
            entry["prev_hash"],
            digest,
        ],
    )
    return entry_id


def _rows(db: Database) -> Iterator[dict[str, Any]]:
    cursor = db.execute(
        "SELECT id, at, actor, action, subject, details, prev_hash, hash FROM audit ORDER BY id"
    )
    names = [column[0] for column in cursor.description]
    for values in cursor:
        yield dict(zip(names, values, strict=True))


def entries(db: Database) -> list[dict[str, Any]]:
    """Every entry, oldest first, with ``details`` decoded."""
    return [{**row, "details": _decode(row["details"])} for row in _rows(db)]


def _decode(text: Any) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text  # a tampered row; find_break reports it


def find_break(db: Database) -> tuple[AuditBreak | None, int, str]:
    """Check the whole chain: (first break or None, number of entries, hash of the last).

    An entry is broken when its hash does not match its content (it was edited), when
    its ``prev_hash`` is not the previous entry's hash (an entry before it was deleted,
    inserted or edited), or when its id does not follow the previous one. A deleted last
    entry is caught through SQLite's record of the highest id ever given. Someone who can
    rewrite the file can still rebuild the whole chain: compare the last hash with a copy
    kept elsewhere (``gatewright audit verify --json`` prints it) to rule that out.
    """
    previous_id, previous_hash, count = 0, GENESIS, 0
    for row in _rows(db):
        count += 1
        reason = _problem(row, previous_id, previous_hash)
        if reason:
            return AuditBreak(row["id"], reason), count, previous_hash
        previous_id, previous_hash = row["id"], row["hash"]
    given = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    if given and given[0] > previous_id:
        missing = previous_id + 1
        reason = (
            f"entry {missing} is missing (the log ends at entry {previous_id} "
            f"but {given[0]} entries were written); the end of the log was deleted"
        )
        return AuditBreak(missing, reason), count, previous_hash
    return None, count, previous_hash


def _problem(row: dict[str, Any], previous_id: int, previous_hash: str) -> str | None:
    if row["id"] != previous_id + 1:
        first, last = previous_id + 1, row["id"] - 1
        if last < first:
            return f"its id does not follow entry {previous_id}"
        if first == last:
            return f"entry {first} before it is missing"
        return f"entries {first}-{last} before it are missing"
    if row["prev_hash"] != previous_hash:
        return "its prev_hash does not match the previous entry's hash"
    try:
        details = json.loads(row["details"])
        expected = entry_hash({**row, "details": details})
    except (TypeError, ValueError):
        return "its details are not valid JSON"
    if row["hash"] != expected:
        return "its content does not match its hash (it was changed after it was written)"
    return None
