"""The two databases a ledger lives in: an SQLite file (the standard library's sqlite3) and
PostgreSQL (psycopg 3, imported only for a postgresql:// ledger). Both serialise appends
on the chain's head: SQLite with BEGIN IMMEDIATE (and a busy timeout), PostgreSQL with a
transaction-scoped advisory lock."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from app.runtime.ledger_location import LedgerError, LedgerLocation

FORMAT = "gatewright.ledger/1"
TABLE, HEAD = "gatewright_ledger", "gatewright_ledger_head"
BUSY_SECONDS = 60.0
"""How long an SQLite append waits for another process's append to finish."""
CONNECT_SECONDS = 10
"""How long a PostgreSQL connection attempt waits for the server."""
LOCK_KEY = 0x6761746577726974  # "gatewrit": the advisory lock that serialises appends
POSTGRES_EXTRA = (
    "a PostgreSQL ledger needs psycopg: pip install 'gatewright[postgres]' (the pipeline "
    "runtime: 'gatewright-runtime[postgres]')"
)

_COLUMNS_SQL = """seq {seq} PRIMARY KEY,
    kind TEXT NOT NULL, sop_id TEXT NOT NULL, spec_digest TEXT NOT NULL,
    gate TEXT, stage TEXT, final_stage TEXT, decision TEXT NOT NULL,
    model TEXT, version TEXT, tier TEXT, submitted_by TEXT, evidence_digest TEXT,
    decided_at TEXT NOT NULL, recorded_at TEXT NOT NULL, blocked_by TEXT NOT NULL,
    document TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL"""
_SCHEMA = (
    f"CREATE TABLE {HEAD} (format TEXT NOT NULL, seq {{seq}} NOT NULL, hash TEXT NOT NULL)",
    f"CREATE TABLE {TABLE} ({_COLUMNS_SQL})",
    # Covers every column `ledger stats` groups and counts: its queries never read the rows,
    # whose decision documents make up most of the ledger's size.
    f"CREATE INDEX {TABLE}_figures ON {TABLE} "
    "(sop_id, kind, gate, decision, model, version, decided_at, stage, blocked_by)",
    f"CREATE INDEX {TABLE}_by_stage ON {TABLE} (stage, model)",
)


def _one_sentence(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines) or type(error).__name__


class SqliteBackend:
    """An SQLite file; ``create`` lets an append make it."""

    placeholder = "?"

    def __init__(self, location: LedgerLocation, create: bool) -> None:
        import sqlite3

        self.location, self.errors = location, (sqlite3.Error,)
        path = location.target
        if os.path.isdir(path):
            raise LedgerError(f"{location.shown} is a folder, not a ledger file")
        if not create and not os.path.exists(path):
            raise LedgerError(f"{location.shown}: no ledger there (the file does not exist)")
        try:
            self.connection = sqlite3.connect(
                path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise LedgerError(f"{location.shown}: cannot open it: {error}") from None

    @contextmanager
    def transaction(self, write: bool) -> Iterator[None]:
        """One transaction; a writing one holds the database's write lock from its start,
        so reading the head and appending after it cannot interleave with another append."""
        self.connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def has_ledger(self) -> bool:
        found = self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = {name for (name,) in found}
        if HEAD in names:
            return True
        if names:
            raise LedgerError(
                f"{self.location.shown} is an SQLite database but not a Gatewright ledger "
                f"(it holds other tables: {', '.join(sorted(names)[:5])}); give the ledger "
                "its own file"
            )
        return False

    def create(self) -> None:
        for statement in _SCHEMA:
            self.connection.execute(statement.replace("{seq}", "INTEGER"))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, params)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Generator[tuple[Any, ...]]:
        yield from self.connection.execute(sql, params)

    def close(self) -> None:
        self.connection.close()


class PostgresBackend:
    """A PostgreSQL database (the tables are made on the first append)."""

    placeholder = "%s"

    def __init__(self, location: LedgerLocation) -> None:
        try:
            import psycopg
        except ImportError:
            raise LedgerError(f"{location.shown}: {POSTGRES_EXTRA}") from None
        self.location, self.errors = location, (psycopg.Error,)
        self._found = False  # the ledger's tables exist (has_ledger)
        try:
            self.connection = psycopg.connect(
                location.target,
                connect_timeout=CONNECT_SECONDS,
                application_name="gatewright",
                autocommit=True,  # transactions are the explicit blocks of transaction()
            )
        except psycopg.Error as error:
            raise LedgerError(
                location.mask(f"{location.shown}: cannot connect: {_one_sentence(error)}")
            ) from None

    @contextmanager
    def transaction(self, write: bool) -> Iterator[None]:
        """One transaction; a writing one first takes the advisory lock every append takes,
        which PostgreSQL releases at commit or rollback.

        A writing one runs in pipeline mode: statements go to the server together until a
        result is read, so an append takes two round trips (begin, lock and read the head;
        then insert, move the head and commit) where one statement at a time took seven.
        Each statement still runs after the one before it: the head is read under the lock."""
        if not write:
            with self.connection.transaction():
                yield
            return
        with self.connection.pipeline(), self.connection.transaction():
            self.connection.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            yield

    def has_ledger(self) -> bool:
        # Once found, the tables stay (nothing drops them; if someone did, the next
        # statement on them fails and says so): asked once per connection, not per append.
        if not self._found:
            found = self.rows("SELECT to_regclass(%s) IS NOT NULL", [HEAD])
            self._found = bool(found[0][0])
        return self._found

    def create(self) -> None:
        for statement in _SCHEMA:
            self.connection.execute(statement.replace("{seq}", "BIGINT"))  # type: ignore[arg-type]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql.replace("?", "%s"), params).fetchall()  # type: ignore[arg-type]

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Generator[tuple[Any, ...]]:
        # A server-side cursor: a ledger of millions of entries is read in batches.
        with self.connection.cursor(name="gatewright_ledger_read") as cursor:
            cursor.itersize = 5000
            cursor.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            yield from cursor

    def close(self) -> None:
        self.connection.close()


Backend = SqliteBackend | PostgresBackend


def connect(location: LedgerLocation, create: bool) -> Backend:
    """The backend for ``location``; ``LedgerError`` when it cannot be opened."""
    if location.kind == "postgresql":
        return PostgresBackend(location)
    return SqliteBackend(location, create)
