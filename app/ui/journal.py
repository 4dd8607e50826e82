"""The recovery journal: every committed edit is on disk before the designer waits for input.

After each command the whole canonical document goes to a journal file, next to the
document (``.NAME.PID-N.gatewright-journal``) or, for an untitled one, in the workspace
folder. Each designer window keeps a journal of its own, held by a lock file beside it
(``QLockFile``: the process id, host and boot it belongs to), so that two designers on one
file never remove or overwrite each other's journal; recovery offers the journals whose
lock no live designer holds.
Writes made in one turn of the event loop are coalesced by a zero-timer, so the journal
always holds the last committed edit once control is back in the event loop: a killed
process loses nothing. A write replaces the file atomically (temporary file, ``os.replace``)
without fsync, which is what a killed process needs; the fsync that survives a power cut
follows at most every ``SYNC_INTERVAL_MS``. Saving or closing cleanly removes the journal.
"""

from __future__ import annotations

import glob
import itertools
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from app.model.io import dumps_document
from app.spec.fileio import sync_to_disk, write_quick
from app.spec.jsondata import loads
from app.ui.editor import DocumentEditor

FORMAT = "gatewright.journal/1"
SUFFIX = ".gatewright-journal"
LOCK_SUFFIX = ".lock"
SYNC_INTERVAL_MS = 200

_untitled_numbers = itertools.count(1)


class JournalError(Exception):
    """A journal file that cannot be read; ``str()`` names the file."""


@dataclass(frozen=True)
class JournalEntry:
    """One journal found on disk: which document it belongs to and its unsaved text."""

    file: Path
    original: Path | None
    written_at: str
    pid: int
    title: str
    text: str

    @property
    def document_changed_since(self) -> bool:
        """True when the document file was saved (by anyone) after this journal was written."""
        if self.original is None or not self.original.exists():
            return False
        try:
            return self.original.stat().st_mtime > self.file.stat().st_mtime
        except OSError:
            return False

    def matches_document(self) -> bool:
        """True when the document on disk already holds exactly the journaled text."""
        if self.original is None:
            return False
        try:
            return self.original.read_text(encoding="utf-8") == self.text
        except (OSError, UnicodeDecodeError):
            return False


def journal_path_for(document: Path, owner: str = "") -> Path:
    """The journal of a saved document kept by ``owner`` (a window: ``PID-N``): a hidden
    file beside it. Without an owner, the name that designers before per-window journals
    used, which recovery still reads."""
    return document.parent / (
        f".{document.name}.{owner}{SUFFIX}" if owner else f".{document.name}{SUFFIX}"
    )


def journals_beside(document: Path) -> list[Path]:
    """Every journal file next to ``document`` that may belong to it (each one's recorded
    path says whether it does)."""
    folder = document.parent
    if not folder.is_dir():
        return []
    found = sorted(folder.glob(f".{glob.escape(document.name)}.*{SUFFIX}"))
    legacy = journal_path_for(document)
    return [legacy, *found] if legacy.is_file() else found


def lock_path(journal: Path) -> Path:
    """The lock file that a live designer holds beside its journal."""
    return journal.with_name(journal.name + LOCK_SUFFIX)


def owner_alive(entry: JournalEntry) -> bool:
    """Whether the designer that wrote ``entry`` is still running (so it is not offered).

    A journal's lock file says so: its owner holds it while it runs, and a lock whose
    process has ended (killed, crashed) can be taken. A journal without a lock file was
    written by a designer that predates the locks: its process id decides.
    """
    lock = lock_path(entry.file)
    if lock.exists():
        probe = QLockFile(str(lock))
        probe.setStaleLockTime(0)  # a live owner's lock never goes stale with age
        if probe.tryLock(0):
            probe.unlock()  # the owner is gone: the lock file goes with this probe
            return False
        if probe.error() == QLockFile.LockError.LockFailedError:
            return True
    # No lock, or one that cannot be tried here (a read-only folder): the process id says.
    return entry.pid != os.getpid() and process_alive(entry.pid)


def journal_folder() -> Path:
    """Where untitled documents are journaled: the workspace's folder."""
    from app.store.workspace import default_path

    return default_path().parent


def new_owner() -> str:
    """A name for one window's journal, unique among the running designers: ``PID-N``."""
    return f"{os.getpid()}-{next(_untitled_numbers)}"


def untitled_journal_path(owner: str | None = None) -> Path:
    """A fresh journal name for one untitled window of this process."""
    return journal_folder() / f"untitled-{owner or new_owner()}{SUFFIX}"


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def journal_payload(text: str, original: Path | None, title: str) -> str:
    record = {
        "format": FORMAT,
        "path": str(original) if original is not None else None,
        "written_at": utc_stamp(),
        "pid": os.getpid(),
        "title": title,
        "document": text,
    }
    return json.dumps(record, ensure_ascii=False)


def read_journal(file: Path) -> JournalEntry:
    """Read one journal, or raise :class:`JournalError` saying why it cannot be used."""
    try:
        record = loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # unreadable, not UTF-8, not JSON, a key twice
        raise JournalError(f"{file}: cannot be read as a recovery journal ({error})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise JournalError(f"{file}: is not a Gatewright recovery journal ({FORMAT})")
    text = record.get("document")
    if not isinstance(text, str):
        raise JournalError(f"{file}: holds no document text")
    original = record.get("path")
    pid = record.get("pid")
    return JournalEntry(
        file=file,
        original=Path(original) if isinstance(original, str) and original else None,
        written_at=str(record.get("written_at", "")),
        pid=pid if isinstance(pid, int) else 0,
        title=str(record.get("title", "")),
        text=text,
    )


def process_alive(pid: int) -> bool:
    """Whether the process that wrote a journal still runs (it is still editing: leave it be).

    This process counts: its journals belong to its open windows.
    """
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def find_journals(documents: Iterable[Path] = ()) -> list[JournalEntry]:
    """Journals left behind by processes that ended without saving, oldest first.

    Looks in the workspace folder (untitled documents, and journals set aside with
    "Decide later") and beside each of ``documents`` (e.g. the recent files). Journals of
    running designers and unreadable files are skipped.
    """
    candidates: list[Path] = []
    folder = journal_folder()
    if folder.is_dir():
        candidates.extend(sorted(folder.glob(f"*{SUFFIX}")))
    beside: dict[Path, Path] = {}
    for document in documents:
        for candidate in journals_beside(Path(document)):
            beside[candidate] = Path(document).absolute()
            candidates.append(candidate)
    found: dict[Path, JournalEntry] = {}
    for candidate in candidates:
        try:
            entry = read_journal(candidate)
        except JournalError:
            continue
        owner = beside.get(candidate)
        if owner is not None and entry.original != owner:
            continue  # another document whose name begins like this one's
        if owner_alive(entry) or entry.matches_document():
            continue
        found.setdefault(candidate.resolve(), entry)
    return sorted(found.values(), key=lambda e: e.written_at)


def set_aside(entry: JournalEntry) -> Path:
    """Move a journal into the workspace folder so that editing its document cannot overwrite it."""
    folder = journal_folder()
    folder.mkdir(parents=True, exist_ok=True)
    beside_document = entry.original is not None and (
        entry.file.absolute().parent == entry.original.absolute().parent
    )
    if not beside_document:
        return entry.file  # untitled journals are nobody's to overwrite
    stem = entry.original.name if entry.original else "untitled"
    target = folder / f"later-{stem}-{new_owner()}{SUFFIX}"
    os.replace(entry.file, target)
    return target


class RecoveryJournal(QObject):
    """Follows one editor's undo stack and keeps its journal file current."""

    failed = Signal(str)
    written = Signal(object)  # the journal Path, after each write

    def __init__(self, editor: DocumentEditor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document: Path | None = None
        self.owner = new_owner()
        self.path = untitled_journal_path(self.owner)
        self._lock: QLockFile | None = None
        self._pending = False
        self._on_disk = False
        self._unsynced = False
        self._last_error = ""
        self._flush_timer = QTimer(self, singleShot=True, interval=0)
        self._flush_timer.timeout.connect(self.flush)
        self._sync_timer = QTimer(self, singleShot=True, interval=SYNC_INTERVAL_MS)
        self._sync_timer.timeout.connect(self.sync)
        editor.stack.indexChanged.connect(self._stack_changed)

    @property
    def exists(self) -> bool:
        return self._on_disk

    def set_document(self, document: Path | None) -> None:
        """Journal for another location (after Open or Save As); the old journal goes."""
        if document is not None:
            document = document.absolute()
        if document == self.document and document is not None:
            return
        self.discard()
        self.document = document
        self.path = (
            journal_path_for(document, self.owner)
            if document
            else untitled_journal_path(self.owner)
        )

    def _stack_changed(self, _index: int) -> None:
        try:
            clean = self.editor.stack.isClean()
        except RuntimeError:  # the stack is being destroyed with its window
            return
        if clean:
            self.discard()
        else:
            self.schedule()

    def schedule(self) -> None:
        """Write before the event loop waits again; edits of one turn share one write."""
        self._pending = True
        self._flush_timer.start()

    def flush(self) -> None:
        """Write the journal now if an edit is waiting for it."""
        self._flush_timer.stop()
        if not self._pending:
            return
        self._pending = False
        self.write()

    def write(self) -> bool:
        """Write the whole document to the journal; False (and ``failed``) if it cannot be.

        Whatever stops it (a full disk, a folder gone, text that cannot be written as
        JSON) is reported through ``failed``: never an exception out of the event loop,
        where it would reach only stderr while the user goes on editing unprotected.
        """
        try:
            text = dumps_document(self.editor.doc)
            payload = journal_payload(text, self.document, self.editor.doc.title)
        except ValueError as error:  # pydantic's serialisation errors are ValueErrors
            return self._failed(f"cannot write the recovery journal {self.path}: {error}")
        try:
            self._write_somewhere(payload)
        except OSError as error:
            strerror = error.strerror or error
            return self._failed(f"cannot write the recovery journal {self.path}: {strerror}")
        self._last_error = ""
        self._on_disk = True
        self._unsynced = True
        if not self._sync_timer.isActive():
            self._sync_timer.start()
        self.written.emit(self.path)
        return True

    def _failed(self, message: str) -> bool:
        if message != self._last_error:  # say it once, not after every edit
            self._last_error = message
            self.failed.emit(message)
        return False

    def _write_somewhere(self, payload: str) -> None:
        """Beside the document if its folder can be written, else in the workspace folder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._hold_lock()
            write_quick(self.path, payload)
        except OSError:
            if self.document is None or self.path != journal_path_for(self.document, self.owner):
                raise
            # A read-only folder (a shared drive, a checkout): the startup scan finds it here.
            self._release_lock()
            self.path = journal_folder() / f"{self.document.name}-{self.owner}{SUFFIX}"
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._hold_lock()
            write_quick(self.path, payload)

    def _hold_lock(self) -> None:
        """Hold the lock beside the journal before writing it, so that no other designer
        takes the journal for one whose owner has died."""
        lock = lock_path(self.path)
        if self._lock is not None and self._lock.fileName() == str(lock):
            return
        self._release_lock()
        held = QLockFile(str(lock))
        held.setStaleLockTime(0)
        if not held.tryLock(0):
            error = held.error()
            raise OSError(
                13 if error == QLockFile.LockError.PermissionError else 17, f"cannot lock {lock}"
            )
        self._lock = held

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def sync(self) -> None:
        if self._unsynced and self._on_disk:
            self._unsynced = False
            sync_to_disk(self.path)

    def discard(self) -> None:
        """Remove this window's journal (saved, reverted, or closed cleanly)."""
        self._pending = False
        self._unsynced = False
        self._flush_timer.stop()
        self._sync_timer.stop()
        if self._on_disk:
            self._on_disk = False
            try:
                self.path.unlink(missing_ok=True)
            except OSError as error:
                self.failed.emit(f"cannot remove the recovery journal {self.path}: {error}")
        self._release_lock()  # after the journal: a journal is never left without its lock
