"""The workspace's tables, and the ordered migrations that bring any workspace file up to date."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

Migration = Callable[["Database"], None]

APPLICATION_ID = 0x47577773
"""``PRAGMA application_id`` of a Gatewright workspace ("GWws"), so tools like file(1) know it."""


class SchemaError(Exception):
    """This database cannot be used as a workspace by this code; the message says why."""


def _create_everything(db: Database) -> None:
    """Version 1: revisions, simulation runs, drill sessions and the audit chain."""
    # Plain SQL rather than sqlite-utils' create(): a migration must create exactly the same
    # tables forever, whatever a later sqlite-utils would generate.
    statements = [
        """CREATE TABLE revisions (
            id INTEGER PRIMARY KEY,
            sop_id TEXT NOT NULL,
            title TEXT NOT NULL,
            version TEXT NOT NULL,
            digest TEXT NOT NULL,
            path TEXT NOT NULL,
            author TEXT NOT NULL,
            message TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            content TEXT NOT NULL
        )""",
        "CREATE INDEX revisions_by_sop ON revisions (sop_id, id)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            sop_id TEXT NOT NULL,
            scenario TEXT NOT NULL,
            seed INTEGER NOT NULL,
            runs INTEGER NOT NULL,
            parameters TEXT NOT NULL,
            summary TEXT NOT NULL,
            events TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX runs_by_sop ON runs (sop_id, id)",
        """CREATE TABLE drills (
            id INTEGER PRIMARY KEY,
            sop_id TEXT NOT NULL,
            trainee TEXT NOT NULL,
            scenario TEXT NOT NULL,
            answers TEXT NOT NULL,
            score TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            seconds REAL NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        "CREATE INDEX drills_by_trainee ON drills (trainee, id)",
        "CREATE INDEX drills_by_sop ON drills (sop_id, id)",
        # AUTOINCREMENT keeps ids from being reused, so a deleted last entry leaves a gap
        # that verification sees (sqlite_sequence remembers the highest id ever given).
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )""",
        # Accidental edits fail loudly; deliberate ones (dropping the triggers) break the chain.
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ]
    for statement in statements:
        db.execute(statement)


MIGRATIONS: list[Migration] = [_create_everything]
"""Step ``i`` takes a workspace from version ``i`` to ``i + 1``; add a version by appending."""


def latest_version() -> int:
    """The version this code creates and reads: one per migration."""
    return len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The version a workspace file is at (``PRAGMA user_version``; 0 for a new file)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database) -> tuple[int, int]:
    """Apply the missing migrations in one IMMEDIATE transaction; return (from, to) versions.

    The version is read inside the transaction, so two processes opening a new file at
    once cannot both create the tables. Raises :class:`SchemaError` for a file this code
    must not touch: a newer workspace, or some other program's SQLite database.
    """
    latest = latest_version()
    if schema_version(db) == latest:  # the common case takes no write lock
        _refuse_foreign(db, latest)
        return latest, latest
    db.execute("BEGIN IMMEDIATE")
    try:
        found = schema_version(db)
        _refuse_foreign(db, found)
        for step in MIGRATIONS[found:]:
            step(db)
        # PRAGMAs take no parameters; both values are integers from this module.
        db.execute(f"PRAGMA user_version = {latest:d}")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    return found, latest


def _refuse_foreign(db: Database, version: int) -> None:
    if version > latest_version():
        raise SchemaError(
            f"was written by a newer Gatewright (workspace version {version}; this version "
            f"reads up to {latest_version()}); upgrade Gatewright to use it"
        )
    application_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    if application_id not in (0, APPLICATION_ID) or (
        version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    ):
        raise SchemaError(
            "is an SQLite database of another program, not a Gatewright workspace; "
            "choose another file"
        )
