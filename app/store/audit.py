"""The append-only audit log: each entry stores the previous entry's hash, forming a chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.spec.digest import canonical_json, sha256_digest
from app.spec.jsondata import loads

if TYPE_CHECKING:
    from sqlite_utils import Database

GENESIS = ""
"""The ``prev_hash`` of the first entry."""

HASHED_FIELDS = ("id", "at", "actor", "action", "subject", "details", "prev_hash")


@dataclass(frozen=True)
class AuditBreak:
    """Where the chain is broken: the first entry that does not check out, and why
    (``entry_id`` None: no entry is at fault, a row was added that no entry records)."""

    entry_id: int | None
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


@dataclass(frozen=True)
class Seal:
    """What an entry recording rows seals: the table, the id key in its details, and the
    columns hashed. The columns are part of the sealing format, fixed here rather than read
    from the table, so that a later migration adding a column breaks no existing seal."""

    table: str
    key: str
    columns: tuple[str, ...]


SEALED = {
    "revision.saved": Seal(
        "revisions",
        "revision",
        ("id", "sop_id", "title", "version", "digest", "path", "author", "message", "saved_at",
         "content"),
    ),
    "simulation.recorded": Seal(
        "runs",
        "run",
        ("id", "sop_id", "scenario", "seed", "runs", "parameters", "summary", "events",
         "recorded_at"),
    ),
    "drill.recorded": Seal(
        "drills",
        "drill",
        ("id", "sop_id", "trainee", "scenario", "answers", "score", "started_at", "finished_at",
         "seconds", "recorded_at"),
    ),
}  # fmt: skip
"""Entries that seal the rows they record, by action."""


def _cell(value: Any) -> Any:
    """Bytes (a cell rewritten by hand) as hex; every other SQLite value is JSON as it is."""
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    raise TypeError(f"unexpected {type(value).__name__} in a row")


_ROW = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=True, default=_cell
).encode
"""One row as JSON, whatever a cell holds: NaN and infinities as JSON extensions, bytes as
hex. A row tampered with must hash (differently), never stop the verification."""


def rows_digest(db: Database, action: str, first: int, last: int) -> str:
    """The digest of the rows ``first`` to ``last`` that an ``action`` entry records.

    An entry recording rows keeps this as ``rows_digest``, so that changing or deleting a
    recorded drill, run or revision breaks the log as editing an entry does. Each row is
    hashed as the JSON array of its sealed columns, one line each."""
    seal = SEALED[action]
    cursor = db.execute(
        f"SELECT {', '.join(seal.columns)} FROM {seal.table} WHERE id BETWEEN ? AND ? ORDER BY id",
        [first, last],
    )
    digest = hashlib.sha256()
    for row in cursor:
        digest.update(_ROW(row).encode("utf-8"))
        digest.update(b"\n")
    return "sha256:" + digest.hexdigest()


def recorded_range(action: str, details: Any) -> tuple[str, int, int] | None:
    """The table and id range an entry records rows of, from its action and decoded
    details, or None (another kind of entry)."""
    if action not in SEALED or not isinstance(details, dict):
        return None
    table, key = SEALED[action].table, SEALED[action].key
    try:
        if key in details:
            return table, int(details[key]), int(details[key])
        return table, int(details["first"]), int(details["last"])
    except (KeyError, TypeError, ValueError):
        return None


def _seal_problem(
    db: Database, action: str, details: Any, recorded: tuple[str, int, int] | None
) -> str | None:
    """Why the rows the entry sealed no longer match it (entries written before entries
    sealed their rows carry no ``rows_digest`` and are not checked)."""
    if recorded is None or "rows_digest" not in details:
        return None
    table, first, last = recorded
    if rows_digest(db, action, first, last) == details["rows_digest"]:
        return None
    what = f"row {first}" if first == last else f"rows {first}-{last}"
    return f"{what} of {table}, which it records, changed or went missing after it was recorded"


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
        return loads(text)
    except (TypeError, ValueError):
        return text  # a tampered row; find_break reports it


def find_break(db: Database) -> tuple[AuditBreak | None, int, str]:
    """:func:`_find_break` in one read transaction: every query sees the same snapshot, so
    a drill another process records meanwhile is seen with its entry or not at all."""
    db.execute("BEGIN")
    try:
        return _find_break(db)
    finally:
        db.execute("ROLLBACK")


def _find_break(db: Database) -> tuple[AuditBreak | None, int, str]:
    """Check the whole chain: (first break or None, number of entries, hash of the last).

    An entry is broken when its hash does not match its content (it was edited), when
    its ``prev_hash`` is not the previous entry's hash (an entry before it was deleted,
    inserted or edited), or when its id does not follow the previous one. A deleted last
    entry is caught through SQLite's record of the highest id ever given, and an entry
    that records drills, runs or revisions is broken when those rows no longer hash to
    its ``rows_digest``. Someone who can rewrite the file can still rebuild the whole
    chain: compare the last hash with a copy kept elsewhere (``gatewright audit verify
    --json`` prints it) to rule that out.
    """
    previous_id, previous_hash, count = 0, GENESIS, 0
    covered: dict[str, list[tuple[int, int]]] = {}  # per table, the id ranges entries record
    for row in _rows(db):
        count += 1
        details = _decode(row["details"])
        recorded = recorded_range(row["action"], details)
        reason = _problem(row, previous_id, previous_hash) or _seal_problem(
            db, row["action"], details, recorded
        )
        if reason:
            return AuditBreak(row["id"], reason), count, previous_hash
        previous_id, previous_hash = row["id"], row["hash"]
        if recorded:
            table, first, last = recorded
            covered.setdefault(table, []).append((first, last))
    given = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    if given and given[0] > previous_id:  # before the rows: their entries may be the ones gone
        missing = previous_id + 1
        reason = (
            f"entry {missing} is missing (the log ends at entry {previous_id} "
            f"but {given[0]} entries were written); the end of the log was deleted"
        )
        return AuditBreak(missing, reason), count, previous_hash
    for table in (seal.table for seal in SEALED.values()):
        stray = _unrecorded_row(db, table, covered.get(table, []))
        if stray is not None:
            reason = (
                f"row {stray} of {table} is in no audit entry: it was added without being recorded"
            )
            return AuditBreak(None, reason), count, previous_hash
    return None, count, previous_hash


def _unrecorded_row(db: Database, table: str, ranges: list[tuple[int, int]]) -> int | None:
    """The first row of ``table`` (by id, any id: 0 and negative ones too) that no entry's
    range records, or None. One ordered pass over the ids against the merged ranges."""
    spans = sorted(ranges)
    position, end = 0, None  # ``end``: the last id the ranges seen so far cover
    for (row_id,) in db.execute(f"SELECT id FROM {table} ORDER BY id"):
        while position < len(spans) and spans[position][0] <= row_id:
            end = spans[position][1] if end is None else max(end, spans[position][1])
            position += 1
        if end is None or row_id > end:
            return int(row_id)
    return None


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
        details = loads(row["details"])
        expected = entry_hash({**row, "details": details})
    except (TypeError, ValueError):
        return "its details are not valid JSON"
    if row["hash"] != expected:
        return "its content does not match its hash (it was changed after it was written)"
    return None
