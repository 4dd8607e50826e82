"""Validation done ahead: a child process validates the designer's first documents while the
designer builds its window.

The rule engine's graph library (networkx) takes about a seventh of the designer's
start-up to import, and the window cannot be shown before its document is validated. On
Linux the designer therefore forks before Qt is imported: the child imports the engine,
validates the documents the first window shows (the blank one it starts with, then the file
it opens), writes their diagnostics to a pipe and exits; meanwhile the parent imports Qt
and builds the window on the other core. The parent takes a result only for a document
whose content is exactly the one the child validated, so a journal restored instead of the
file, or anything else that changed the document, is validated in the parent as usual. If
the child fails in any way, the parent validates in-process: the result never differs, only
where it was computed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.validate.diagnostics import Diagnostic

WAIT_SECONDS = 5.0
"""How long the parent waits for the child's answer before validating in-process (more
than the child needs for the largest document; a stalled child must not freeze the UI)."""


def content_key(doc: Sop) -> str:
    """Names a document's content: equal keys, equal documents, equal diagnostics."""
    return hashlib.sha256(doc.model_dump_json().encode("utf-8")).hexdigest()


def can_fork() -> bool:
    """Forking is safe only on Linux, before Qt is imported and while no other thread runs
    (a forked child gets a copy of one thread and of every lock other threads held)."""
    return (
        sys.platform.startswith("linux")
        and "PySide6" not in sys.modules
        and threading.active_count() == 1
    )


def results_for(path: str | None) -> dict[str, list[dict[str, Any]]]:
    """Diagnostics, keyed by :func:`content_key`, of a blank document and of ``path``."""
    from app.model.document import new_document
    from app.model.io import load_document
    from app.spec.fileio import InputError
    from app.validate.engine import validate

    docs = [new_document()]
    if path:
        # A file that does not load: the designer says what is wrong when it opens it.
        with contextlib.suppress(InputError):
            docs.append(load_document(path))
    return {content_key(doc): [d.to_json() for d in validate(doc)] for doc in docs}


class ValidatedAhead:
    """The parent's end of the pipe: diagnostics the child computed, taken one by one."""

    def __init__(self, pid: int | None, fd: int) -> None:
        self._pid = pid
        self._fd: int | None = fd
        self._results: dict[str, list[dict[str, Any]]] | None = None
        self._finished = False

    @classmethod
    def start(cls, path: str | None) -> ValidatedAhead | None:
        """Fork a child that validates the blank document and ``path``; None when forking
        is not safe here (the caller then validates in-process, as always)."""
        if not can_fork():
            return None
        read_end, write_end = os.pipe()
        # Ctrl-C is held back across the fork: the child must never unwind into the
        # parent's code (its exit handlers, its output buffers) on the way to os._exit.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
            if pid == 0:  # the child: never returns
                _run_child(path, read_end, write_end, mask)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end)

    def take(self, doc: Sop) -> list[Diagnostic] | None:
        """The child's diagnostics for exactly this content, or None (validate it here)."""
        from app.validate.diagnostics import Diagnostic

        results = self._collect()
        if not results:
            return None
        found = results.pop(content_key(doc), None)
        if found is None:
            return None
        try:
            return [Diagnostic.from_json(item) for item in found]
        except (KeyError, TypeError, ValueError):
            return None

    def close(self) -> None:
        """Release the pipe; a child that has not answered is stopped."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._pid is not None:
            if not self._finished:  # it still holds the pipe open, so it still runs
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
            # When SIGCHLD is ignored (inherited from some launchers) the system reaps the
            # child itself, and there is nothing left to wait for.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None

    def _collect(self) -> dict[str, list[dict[str, Any]]]:
        """Read the child's whole answer once (waiting at most :data:`WAIT_SECONDS`)."""
        if self._results is None:
            try:
                data = self._read_all()
            except OSError:
                data = b""
            self._results = _decode(data)
            self.close()
        return self._results

    def _read_all(self) -> bytes:
        chunks: list[bytes] = []
        deadline = time.monotonic() + WAIT_SECONDS
        fd = self._fd
        while fd is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return b""  # too slow: an unfinished answer is no answer
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                self._finished = True  # the child closed the pipe: it is done
                break
            chunks.append(chunk)
        return b"".join(chunks)


def _decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """The child's answer, or nothing when it is missing, cut short or not what was sent."""
    try:
        answer = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(answer, dict) or not all(isinstance(v, list) for v in answer.values()):
        return {}
    return answer


def _run_child(path: str | None, read_end: int, write_end: int, mask: set[signal.Signals]) -> None:
    """Validate, write the answer, exit without running the parent's exit handlers."""
    code = 1
    try:
        os.close(read_end)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a held-back Ctrl-C lands here
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # the terminal is the parent's
            os.dup2(quiet, stream)
        data = json.dumps(results_for(path)).encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    except BaseException:  # any failure: the parent validates in-process
        pass
    finally:
        os._exit(code)
