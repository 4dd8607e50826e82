"""The workspace: one SQLite file of revisions, simulation runs, drills and the audit chain."""

from __future__ import annotations

import functools
import getpass
import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from app.spec.fileio import InputError
from app.spec.jsondata import loads
from app.store import audit as audit_chain
from app.store.schema import SchemaError, latest_version, migrate

if TYPE_CHECKING:
    from sqlite_utils import Database

    from app.model.document import Sop

ENV_VAR = "GATEWRIGHT_WORKSPACE"
BUSY_SECONDS = 10.0
"""How long a writer waits for another process's write transaction before giving up."""

REVISION_FIELDS = ("id", "sop_id", "title", "version", "digest", "path", "author", "message")
RUN_FIELDS = ("sop_id", "scenario", "seed", "runs", "parameters", "summary", "events")
DRILL_FIELDS = (
    "sop_id",
    "trainee",
    "scenario",
    "answers",
    "score",
    "started_at",
    "finished_at",
    "seconds",
)
_RUN_JSON = ("parameters", "summary", "events")
_DRILL_JSON = ("answers", "score")

P = ParamSpec("P")
R = TypeVar("R")


def _prepare(connection: sqlite3.Connection) -> Any:
    """Set the connection up (WAL, full sync, foreign keys) and migrate the file.

    Two processes opening a new file at once race to switch it to WAL, and SQLite answers
    the loser "locked" at once, without waiting for the busy timeout; the setup is then
    tried again until ``BUSY_SECONDS`` have passed."""
    from sqlite_utils import Database

    connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000):d}")
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL").fetchone()
            # FULL syncs the log at every commit: a power cut cannot lose a recorded drill
            # or audit entry. Bulk records pay it once per batch.
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            db = Database(connection, execute_plugins=False)
            migrate(db)
            return db
        except sqlite3.OperationalError as error:
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF
            if code not in (5, 6) or time.monotonic() > deadline:  # busy, locked
                raise
            time.sleep(0.02)


class WorkspaceError(InputError):
    """A workspace file that cannot be used; ``str()`` is one sentence naming the file."""


def default_path() -> Path:
    """``$GATEWRIGHT_WORKSPACE`` if set, else ``workspace.db`` in the user's data folder."""
    configured = os.environ.get(ENV_VAR, "")
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return platformdirs.user_data_path("gatewright") / "workspace.db"


def utc_now() -> str:
    """The current time as UTC ISO 8601 with a ``Z``, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.cache
def os_user() -> str:
    """The OS user name, the default author and actor."""
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError, ImportError):  # no passwd entry, e.g. in some containers
        return "unknown"


def _describe(error: sqlite3.Error) -> str:
    """One clause saying what went wrong with the file and what to do about it."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == 26 or "not a database" in str(error):
        return (
            "is not a workspace (not an SQLite database); check --workspace and "
            "$GATEWRIGHT_WORKSPACE, or if it is a damaged workspace, move it aside and "
            "Gatewright will create a new one in its place"
        )
    if code == 11 or "malformed" in str(error):
        return (
            f"is not a usable workspace ({error}); move it aside and Gatewright will "
            "create a new one in its place"
        )
    if code in (5, 6):
        return (
            f"is locked by another program that kept writing for over {BUSY_SECONDS:g} "
            "seconds; try again"
        )
    if code == 8:
        return "cannot be written (it or its folder is read-only); choose a writable location"
    if code == 13:
        return "cannot be written: the disk is full; free some space and try again"
    if code == 14:
        return "cannot be opened; check that its folder exists and can be written"
    if code == 10:
        return f"could not be read or written ({error}); check the disk, then try again"
    return f"cannot be used ({error}); move it aside and Gatewright will create a new one"


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """Turn the file's SQLite failures into WorkspaceError; caller bugs stay as they are."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as error:
            workspace = args[0]
            assert isinstance(workspace, Workspace)
            raise WorkspaceError.single(workspace.source, _describe(error)) from None

    return wrapper


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Compact JSON for the data columns; one shared encoder, as bulk records encode many rows."""


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _decoded(row: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    result = dict(row)
    for name in names:
        if name in result:
            result[name] = loads(result[name])
    return result


def _check_location(file: Path, source: str, create: bool, folders: bool) -> None:
    if file.is_dir():
        raise WorkspaceError.single(
            source, "is a folder; a workspace is a file such as workspace.db"
        )
    if not file.exists():
        if not create:
            raise WorkspaceError.single(source, "does not exist; nothing was recorded there")
        if not folders and not file.parent.is_dir():
            raise WorkspaceError.single(
                source, f"the folder {file.parent} does not exist; create it or check the path"
            )
        file.parent.mkdir(parents=True, exist_ok=True)
    elif not file.is_file():  # a pipe or a device
        raise WorkspaceError.single(source, "is not a regular file")


def _read_only(file: Path, source: str) -> Database:
    """The workspace opened for reading only, as it is: never migrated nor written.

    Without a write-ahead log to read, it is opened immutable, which creates no -wal or
    -shm file beside it (such files, made by a reader, would stay unwritable to the
    file's owner later). With one, SQLite's read-only mode reads it, and where that mode
    cannot make its shared-memory file (a read-only folder) the file is read immutable."""
    address = f"file:{urllib.parse.quote(str(file.absolute()))}?mode=ro"
    wal = Path(f"{file}-wal")
    try:
        pending = wal.is_file() and wal.stat().st_size > 0
    except OSError:
        pending = False
    if pending:
        try:
            return _reader(address, source)
        except sqlite3.DatabaseError:
            pass
    try:
        return _reader(f"{address}&immutable=1", source)
    except sqlite3.DatabaseError as error:
        raise WorkspaceError.single(source, _describe(error)) from None


def _reader(address: str, source: str) -> Database:
    from sqlite_utils import Database

    connection = sqlite3.connect(address, uri=True, isolation_level=None)
    try:
        found = int(connection.execute("PRAGMA user_version").fetchone()[0])
    except BaseException:
        connection.close()
        raise
    if found != latest_version():
        connection.close()
        raise WorkspaceError.single(
            source,
            f"is read-only and at schema version {found} (this Gatewright reads "
            f"{latest_version()}); open a writable copy once to upgrade it",
        )
    return Database(connection, execute_plugins=False)


class Workspace:
    """One open workspace file. Open with :meth:`open`; use as a context manager or ``close()``.

    Every write is one IMMEDIATE transaction that also appends its audit entry, so other
    processes writing at the same time wait (up to ``BUSY_SECONDS``) and nothing is lost.
    """

    def __init__(self, db: Database, source: str) -> None:
        self.db = db
        self.source = source

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        create: bool = True,
        reading: bool = False,
        folders: bool = True,
    ) -> Workspace:
        """Open (and create or migrate) a workspace; any unusable file is a WorkspaceError.

        ``path`` None means :func:`default_path`. With ``create`` False a missing file is
        an error rather than a new, empty workspace; with ``folders`` False a new file's
        folder must exist (a path typed by hand), else it is made. With ``reading`` (the caller only
        reads: listing drills, verifying the audit log), a workspace that cannot be written
        (a read-only copy kept for an audit) is opened read-only instead of refused.
        """
        file = Path(path).expanduser() if path is not None else default_path()
        source = str(file)
        try:
            _check_location(file, source, create, folders)
        except OSError as error:
            raise WorkspaceError.single(
                source, f"cannot be reached: {error.strerror or error}"
            ) from None
        if reading and file.is_file() and not os.access(file, os.W_OK):
            # Straight to reading: a writable attempt would leave -wal and -shm files
            # behind that its owner could not write later.
            return cls(_read_only(file, source), source)
        # isolation_level None: this module issues BEGIN IMMEDIATE / COMMIT itself, and
        # sqlite-utils nests its own transactions inside ours as savepoints.
        try:
            connection = sqlite3.connect(file, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as error:
            raise WorkspaceError.single(source, _describe(error)) from None
        try:
            db = _prepare(connection)
        except SchemaError as error:
            connection.close()
            raise WorkspaceError.single(source, str(error)) from None
        except sqlite3.DatabaseError as error:
            connection.close()
            code = getattr(error, "sqlite_errorcode", 0) & 0xFF
            if reading and code in (8, 14) and file.is_file():  # read-only, cannot open
                return cls(_read_only(file, source), source)
            raise WorkspaceError.single(source, _describe(error)) from None
        except BaseException:
            connection.close()
            raise
        return cls(db, source)

    def close(self) -> None:
        """Close the file; calling it twice is harmless."""
        self.db.conn.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[Database]:
        """One IMMEDIATE transaction: the write lock is taken up front, so the audit chain's
        read-then-append cannot interleave with another process."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.conn.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _append_audit(
        self, action: str, subject: str, details: Mapping[str, Any], actor: str | None
    ) -> int:
        return audit_chain.append(
            self.db,
            at=utc_now(),
            actor=actor or os_user(),
            action=action,
            subject=subject,
            details=details,
        )

    # Revisions

    @_guarded
    def record_revision(
        self, doc: Sop, *, path: str, author: str | None = None, message: str = ""
    ) -> int:
        """Store a snapshot of ``doc`` as saved to ``path``; audit ``revision.saved``."""
        from app.model.io import dumps_document
        from app.spec.digest import sha256_digest

        content = dumps_document(doc)
        row = {
            "sop_id": doc.id,
            "title": doc.title,
            "version": doc.version,
            "digest": sha256_digest(content.encode("utf-8")),
            "path": str(path),
            "author": author or os_user(),
            "message": message,
            "saved_at": utc_now(),
            "content": content,
        }
        with self._writing() as db:
            revision_id = int(db["revisions"].insert(row).last_pk)
            details = {
                "revision": revision_id,
                "version": doc.version,
                "digest": row["digest"],
                "rows_digest": audit_chain.rows_digest(
                    db, "revision.saved", revision_id, revision_id
                ),
            }
            self._append_audit("revision.saved", doc.id, {**details, "path": row["path"]}, author)
        return revision_id

    @_guarded
    def revisions(self, sop_id: str) -> list[dict[str, Any]]:
        """The revisions of one SOP, newest first, without their content (see :meth:`revision`)."""
        columns = ", ".join((*REVISION_FIELDS, "saved_at"))
        return list(
            self.db.query(
                f"SELECT {columns} FROM revisions WHERE sop_id = ? ORDER BY id DESC", [sop_id]
            )
        )

    @_guarded
    def revision(self, revision_id: int) -> dict[str, Any]:
        """One revision with its canonical ``content``; KeyError when there is none."""
        rows = list(self.db.query("SELECT * FROM revisions WHERE id = ?", [revision_id]))
        if not rows:
            raise KeyError(f"no revision {revision_id} in {self.source}")
        return rows[0]

    # Simulation runs

    @_guarded
    def record_run(
        self,
        *,
        sop_id: str,
        scenario: str,
        seed: int,
        runs: int,
        parameters: dict[str, Any],
        summary: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> int:
        """Store one simulation (its event log as one JSON text); audit ``simulation.recorded``."""
        fields = {"sop_id": sop_id, "scenario": scenario, "seed": seed, "runs": runs}
        row = self._run_row(
            {**fields, "parameters": parameters, "summary": summary, "events": events}
        )
        with self._writing() as db:
            run_id = int(db["runs"].insert(row).last_pk)
            details = {
                "run": run_id,
                "scenario": scenario,
                "seed": seed,
                "runs": runs,
                "rows_digest": audit_chain.rows_digest(db, "simulation.recorded", run_id, run_id),
            }
            self._append_audit("simulation.recorded", sop_id, details, None)
        return run_id

    @_guarded
    def record_runs(
        self, rows: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> list[int]:
        """Store many runs (each a mapping of :meth:`record_run`'s arguments) in one transaction.

        One ``simulation.recorded`` audit entry covers the whole batch (its count and id
        range), not one per row: a hash-chained entry per row would cost more than the rows.
        """
        now = utc_now()
        prepared = [self._run_row(row, now) for row in rows]
        return self._record_many("runs", prepared, "simulation.recorded", actor)

    @staticmethod
    def _run_row(fields: Mapping[str, Any], recorded_at: str | None = None) -> dict[str, Any]:
        row = {name: fields[name] for name in RUN_FIELDS}
        for name in _RUN_JSON:
            row[name] = _dumps(row[name])
        row["recorded_at"] = recorded_at or utc_now()
        return row

    @_guarded
    def runs(self, sop_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded runs (of one SOP, or all), newest first, without their event logs."""
        columns = ", ".join(("id", *(f for f in RUN_FIELDS if f != "events"), "recorded_at"))
        where, params = ("WHERE sop_id = ?", [sop_id]) if sop_id is not None else ("", [])
        query = f"SELECT {columns} FROM runs {where} ORDER BY id DESC"
        return [_decoded(row, _RUN_JSON) for row in self.db.query(query, params)]

    @_guarded
    def run(self, run_id: int) -> dict[str, Any]:
        """One run with its events; KeyError when there is none."""
        rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
        if not rows:
            raise KeyError(f"no simulation run {run_id} in {self.source}")
        return _decoded(rows[0], _RUN_JSON)

    @_guarded
    def latest_run(self, sop_id: str) -> dict[str, Any] | None:
        """The newest run of an SOP, with its events, or None."""
        found = self.db.execute("SELECT max(id) FROM runs WHERE sop_id = ?", [sop_id]).fetchone()[0]
        return None if found is None else self.run(found)

    # Drills

    @_guarded
    def record_drill(
        self,
        *,
        sop_id: str,
        trainee: str,
        scenario: str,
        answers: list[Any],
        score: dict[str, Any],
        started_at: str,
        finished_at: str,
        seconds: float,
    ) -> int:
        """Store one drill session; audit ``drill.recorded``."""
        row = self._drill_row(
            {
                "sop_id": sop_id,
                "trainee": trainee,
                "scenario": scenario,
                "answers": answers,
                "score": score,
                "started_at": started_at,
                "finished_at": finished_at,
                "seconds": seconds,
            }
        )
        with self._writing() as db:
            drill_id = int(db["drills"].insert(row).last_pk)
            details = {
                "drill": drill_id,
                "trainee": trainee,
                "scenario": scenario,
                "rows_digest": audit_chain.rows_digest(db, "drill.recorded", drill_id, drill_id),
            }
            self._append_audit("drill.recorded", sop_id, details, None)
        return drill_id

    @_guarded
    def record_drills(
        self, rows: Iterable[Mapping[str, Any]], *, actor: str | None = None
    ) -> list[int]:
        """Store many drills (mappings of :meth:`record_drill`'s arguments) in one transaction.

        One ``drill.recorded`` audit entry covers the batch, as in :meth:`record_runs`.
        """
        now = utc_now()
        prepared = [self._drill_row(row, now) for row in rows]
        return self._record_many("drills", prepared, "drill.recorded", actor)

    @staticmethod
    def _drill_row(fields: Mapping[str, Any], recorded_at: str | None = None) -> dict[str, Any]:
        row = {name: fields[name] for name in DRILL_FIELDS}
        for name in _DRILL_JSON:
            row[name] = _dumps(row[name])
        row["recorded_at"] = recorded_at or utc_now()
        return row

    @_guarded
    def drills(self, trainee: str | None = None, sop_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded drills, newest first, optionally of one trainee and/or one SOP."""
        wanted = (("trainee", trainee), ("sop_id", sop_id))
        chosen = [(name, value) for name, value in wanted if value is not None]
        where = " AND ".join(f"{name} = ?" for name, _ in chosen)
        query = f"SELECT * FROM drills {'WHERE ' + where if where else ''} ORDER BY id DESC"
        params = [value for _, value in chosen]
        return [_decoded(row, _DRILL_JSON) for row in self.db.query(query, params)]

    @_guarded
    def drill(self, drill_id: int) -> dict[str, Any]:
        """One drill; KeyError when there is none."""
        rows = list(self.db.query("SELECT * FROM drills WHERE id = ?", [drill_id]))
        if not rows:
            raise KeyError(f"no drill {drill_id} in {self.source}")
        return _decoded(rows[0], _DRILL_JSON)

    def _record_many(
        self, table: str, rows: list[dict[str, Any]], action: str, actor: str | None
    ) -> list[int]:
        if not rows:
            return []
        columns = list(rows[0])
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + name for name in columns)})"
        )
        with self._writing() as db:
            first = db.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]
            db.conn.executemany(sql, rows)
            # Inside one write transaction rowids are handed out consecutively.
            ids = list(range(first, first + len(rows)))
            sop_ids = sorted({row["sop_id"] for row in rows})
            subject = sop_ids[0] if len(sop_ids) == 1 else "*"
            details = {
                "count": len(ids),
                "first": ids[0],
                "last": ids[-1],
                "sop_ids": sop_ids,
                "rows_digest": audit_chain.rows_digest(db, action, ids[0], ids[-1]),
            }
            self._append_audit(action, subject, details, actor)
        return ids

    # Audit

    @_guarded
    def audit(
        self, action: str, subject: str, details: dict[str, Any], actor: str | None = None
    ) -> int:
        """Append an audit entry (actor defaults to the OS user) and return its id."""
        with self._writing():
            return self._append_audit(action, subject, details, actor)

    @_guarded
    def audit_entries(self) -> list[dict[str, Any]]:
        """Every audit entry, oldest first, with ``details`` decoded."""
        return audit_chain.entries(self.db)

    @_guarded
    def audit_check(self) -> tuple[audit_chain.AuditBreak | None, int, str]:
        """(first break or None, number of entries, hash of the last intact entry)."""
        return audit_chain.find_break(self.db)

    def verify_audit(self) -> int | None:
        """The id of the first broken audit entry (0 when no entry is at fault but a row
        is in none), or None when the log is intact."""
        broken, _, _ = self.audit_check()
        if broken is None:
            return None
        return broken.entry_id if broken.entry_id is not None else 0
