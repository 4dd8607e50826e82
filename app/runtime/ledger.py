"""The decision ledger: every check, monitor and rollback decision, append-only and
hash-chained, in an SQLite file or a PostgreSQL database (CONTRACTS section 9).

Light on purpose, like the rest of the runtime: the standard library's sqlite3, and
psycopg only when the URL is ``postgresql://``. ::

    with Ledger.open("ledger.db", create=True) as ledger:
        entry = ledger.append(check_draft(spec, decision))
        ledger.verify().intact
        ledger.last_promoted_before("credit-scorer", "production", "2.3.0")
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.runtime.ledger_backends import FORMAT, HEAD, TABLE, Backend, connect
from app.runtime.ledger_entries import COLUMNS, GENESIS, Draft, Entry, entry_hash, not_as_written
from app.runtime.ledger_location import LedgerError, LedgerLocation, parse_location

__all__ = ["Break", "Ledger", "LedgerError", "Verdict"]


@dataclass(frozen=True)
class Break:
    """The first entry that does not check out, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: the first break (None: intact), the entries read, the last
    hash (keep a copy elsewhere: a rewritten chain can only be told from it)."""

    broken: Break | None
    entries: int
    last_hash: str

    @property
    def intact(self) -> bool:
        return self.broken is None


class Ledger:
    """An open ledger; use it as a context manager (it holds one connection)."""

    def __init__(self, location: LedgerLocation, backend: Backend) -> None:
        self.location, self._backend = location, backend

    @classmethod
    def open(cls, url: str | LedgerLocation, *, create: bool = False) -> Ledger:
        """Open the ledger at ``url`` (a path, ``sqlite:///PATH`` or ``postgresql://...``);
        ``create``: an SQLite file that does not exist yet is made on the first append.
        ``LedgerError`` (password masked) when it cannot be reached or opened."""
        location = parse_location(url) if isinstance(url, str) else url
        return cls(location, connect(location, create))

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        # Nothing is pending: every write commits in its own transaction.
        with suppress(*self._backend.errors):
            self._backend.close()

    @property
    def shown(self) -> str:
        """The ledger's URL as messages show it (password masked)."""
        return self.location.shown

    @contextmanager
    def _guarded(self, what: str, write: bool = False) -> Iterator[None]:
        """A transaction whose database errors become one masked ``LedgerError``."""
        try:
            with self._backend.transaction(write):
                yield
        except self._backend.errors as error:
            text = " ".join(str(error).split()) or type(error).__name__
            if text == "file is not a database":  # SQLite's words for any other file
                raise LedgerError(
                    f"{self.shown} is not a ledger (not an SQLite database)"
                ) from None
            raise LedgerError(self.location.mask(f"{self.shown}: {what}: {text}")) from None

    def _require(self) -> None:
        if not self._backend.has_ledger():
            raise LedgerError(f"{self.shown} holds no decision ledger (nothing recorded yet)")
        self._check_format()

    def _check_format(self) -> tuple[int, str]:
        head = self._backend.rows(f"SELECT format, seq, hash FROM {HEAD}")
        if len(head) != 1 or head[0][0] != FORMAT:
            found = head[0][0] if len(head) == 1 else f"{len(head)} head rows"
            raise LedgerError(f"{self.shown}: not a {FORMAT} ledger ({found!s:.60})")
        return int(head[0][1]), str(head[0][2])

    def append(self, draft: Draft, recorded_at: datetime | None = None) -> Entry:
        """Record one decision at the end of the chain and return the stored entry.

        The head is read and the entry written in one transaction that holds the ledger's
        write lock, so that concurrent appends from any number of processes each get
        their own place. ``LedgerError`` when it cannot be recorded."""
        with self._guarded("cannot record the decision", write=True):
            if not self._backend.has_ledger():
                self._backend.create()
                self._backend.execute(
                    f"INSERT INTO {HEAD} (format, seq, hash) VALUES (?, ?, ?)",
                    [FORMAT, 0, GENESIS],
                )
            seq, prev_hash = self._check_format()
            try:
                entry = draft.entry(seq + 1, prev_hash, recorded_at or datetime.now(UTC))
            except ValueError as error:
                raise LedgerError(f"{self.shown}: cannot record the decision: {error}") from None
            values = [getattr(entry, name) for name in COLUMNS]
            marks = ", ".join("?" * len(COLUMNS))
            self._backend.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})", values
            )
            self._backend.execute(f"UPDATE {HEAD} SET seq = ?, hash = ?", [entry.seq, entry.hash])
        return entry

    def entries(
        self, sop: str | None = None, gate: str | None = None, model: str | None = None
    ) -> list[Entry]:
        """The entries, oldest first, of one SOP, gate and model when given."""
        where, params = _filters(sop=sop, gate=gate, model=model)
        with self._guarded("cannot read it"):
            self._require()
            return [
                Entry(*row)
                for row in self._backend.stream(
                    f"SELECT {', '.join(COLUMNS)} FROM {TABLE}{where} ORDER BY seq", params
                )
            ]

    def verify(self) -> Verdict:
        """Check the whole chain in one snapshot: each entry's hash covers its content and
        the previous entry's hash, so an edited, deleted, inserted or reordered entry is
        found (the first one that does not check out is named)."""
        with self._guarded("cannot read it"):
            self._require()
            head_seq, head_hash = self._check_format()
            rows = self._backend.stream(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY seq")
            try:
                return _walk(rows, head_seq, head_hash)
            finally:
                rows.close()  # inside the transaction: a server-side cursor closes with it

    def last_promoted_before(
        self, model: str, stage: str, version: str, sop_id: str | None = None
    ) -> str | None:
        """The version of ``model`` to roll ``stage`` back to from ``version``: the last
        version the ledger records as promoted into ``stage`` (a ``check`` entry deciding
        ``promote`` at a gate whose ``to`` is the stage) before ``version``'s own latest
        promotion into it (before the end of the ledger when ``version`` was never
        promoted there), other than ``version`` itself; None when there is none. A version
        that was registered but never promoted into the stage is never returned.
        ``sop_id`` limits the search to one SOP's decisions."""
        where, params = _filters(sop=sop_id, model=model)
        sql = (
            f"SELECT version FROM {TABLE}{where} AND kind = 'check' AND decision = 'promote' "
            "AND stage = ? ORDER BY seq"
        )
        with self._guarded("cannot read it"):
            self._require()
            promoted = [row[0] for row in self._backend.rows(sql, [*params, stage])]
        end = len(promoted)
        if version in promoted:
            end = len(promoted) - 1 - promoted[::-1].index(version)
        return next((found for found in reversed(promoted[:end]) if found != version), None)

    def scan(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a read-only query (as :meth:`query`) one at a time, for reading
        decision documents that need not all fit in memory at once."""
        with self._guarded("cannot read it"):
            self._require()
            rows = self._backend.stream(sql, params)
            try:
                yield from rows
            finally:
                rows.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query over ``gatewright_ledger`` (``?`` placeholders, SQL
        that SQLite and PostgreSQL both run): the aggregates ``ledger stats`` reads."""
        with self._guarded("cannot read it"):
            self._require()
            return self._backend.rows(sql, params)


def _walk(rows: Iterable[tuple[Any, ...]], head_seq: int, head_hash: str) -> Verdict:
    """The verdict over the entries in ``rows`` (by seq) against the head's record."""
    previous, count, last = 0, 0, GENESIS
    for row in rows:
        count += 1
        values = dict(zip(COLUMNS, row, strict=True))
        problem = _problem(values, previous, last)
        if problem is not None:
            return Verdict(problem, count, last)
        previous, last = values["seq"], values["hash"]
    if head_seq > previous:
        reason = (
            f"entry {previous + 1} is missing: the ledger ends at entry {previous} but "
            f"{head_seq} entries were recorded (the end of the ledger was deleted)"
        )
        return Verdict(Break(previous + 1, reason), count, last)
    if (head_seq, head_hash) != (previous, last):
        return Verdict(Break(previous, "the ledger's head does not match its last entry"),
                       count, last)  # fmt: skip
    return Verdict(None, count, last)


def _filters(**given: str | None) -> tuple[str, list[str]]:
    columns = {"sop": "sop_id", "gate": "gate", "model": "model"}
    chosen = [(columns[name], value) for name, value in given.items() if value is not None]
    where = " AND ".join(f"{column} = ?" for column, _ in chosen) or "1 = 1"
    return f" WHERE {where}", [value for _, value in chosen]


def _problem(values: dict[str, Any], previous: int, previous_hash: str) -> Break | None:
    seq = values["seq"]
    if seq != previous + 1:
        if seq <= previous:
            return Break(seq, f"its number does not follow entry {previous}")
        gone = f"entry {previous + 1} is" if seq == previous + 2 else (
            f"entries {previous + 1}-{seq - 1} are")  # fmt: skip
        return Break(previous + 1, f"{gone} missing: entry {seq} follows entry {previous}")
    if entry_hash(values) != values["hash"]:
        return Break(seq, "its content does not match its hash (it was changed after it was "
                          "recorded, or entries were reordered)")  # fmt: skip
    if values["prev_hash"] != previous_hash:
        return Break(seq, f"it does not follow entry {previous}: its prev_hash is not that "
                          "entry's hash (an entry was replaced or reordered)")  # fmt: skip
    wrong = not_as_written(values)
    if wrong is not None:  # its hash checks out: the chain was rewritten after an edit
        return Break(seq, f"{wrong}: no gatewright command wrote it, so the chain was "
                          "rewritten after it was edited")  # fmt: skip
    return None
