"""Edit › Auto-layout: Graphviz on a worker thread behind a cancellable progress dialog,
applied as one undoable move; a failure is said in a dialog, never passed over."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from app.model.autolayout import Centres, LayoutJob, builtin_layout
from app.model.dot_layout import Direction, LayoutFailedError
from app.ui.canvas.items import SIZES
from app.ui.plain import literal

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

DIRECTIONS: dict[Direction, str] = {"TB": "top to bottom", "LR": "left to right"}
POLL_MS = 30
PROGRESS_DELAY_MS = 300
"""Layouts that take less than this show no dialog at all."""


class AutoLayout(QObject):
    """One layout at a time; the window's editing waits behind a modal progress dialog."""

    finished = Signal()
    """A layout has ended, whichever way (placed, cancelled, failed, declined)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._future: Future[Centres] | None = None
        self._cancel = threading.Event()
        self._direction: Direction = "TB"
        self._progress: QProgressDialog | None = None
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._check)

    @property
    def running(self) -> bool:
        return self._future is not None

    def start(self, direction: Direction) -> None:
        """Lay the document out ``direction`` (TB or LR), fitted to the canvas's shape."""
        window = self.window
        if self.running:
            return
        if not window.editor.doc.nodes:
            window.statusBar().showMessage("Nothing to lay out: the SOP has no nodes yet", 6000)
            return
        job = LayoutJob.of(window.editor.doc, direction, SIZES, self._aspect())
        self._direction = direction
        self._cancel.clear()
        future: Future[Centres] = Future()
        self._future = future

        def work() -> None:
            try:
                future.set_result(job.run(self._cancel.is_set))
            except BaseException as error:
                future.set_exception(error)

        threading.Thread(target=work, name="auto-layout", daemon=True).start()
        self._poll.start()
        text = f"Laying out {len(job.ids)} nodes {DIRECTIONS[direction]}…"
        QTimer.singleShot(PROGRESS_DELAY_MS, lambda: self._show_progress(future, text))

    def _show_progress(self, future: Future[Centres], text: str) -> None:
        """A busy dialog with Cancel, once the layout has taken a moment; it is modal,
        so nothing is edited while the nodes are being placed."""
        if self._future is not future:
            return  # done already
        progress = QProgressDialog(text, "Cancel", 0, 0, self.window)
        progress.setWindowTitle("Auto-layout")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.canceled.connect(self._cancel.set)
        progress.show()
        self._progress = progress

    def _aspect(self) -> float:
        viewport = self.window.view.viewport()
        return max(viewport.width(), 1) / max(viewport.height(), 1)

    def _check(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None
        try:
            self._finish(future)
        finally:
            self.finished.emit()

    def _finish(self, future: Future[Centres]) -> None:
        error = future.exception()
        if error is None:
            self._apply(future.result(), "")
        elif isinstance(error, LayoutFailedError) and self._cancel.is_set():
            self.window.statusBar().showMessage("Auto-layout cancelled: nothing moved", 6000)
        elif isinstance(error, LayoutFailedError):
            self._offer_builtin(str(error))
        else:  # whatever else the layout raises is said, never only printed on stderr
            message = f"Auto-layout failed: {error}. Nothing was moved."
            self.window.statusBar().showMessage(message, 10000)
            QMessageBox.warning(self.window, "Auto-layout failed", literal(message))

    def _offer_builtin(self, reason: str) -> None:
        """Graphviz is missing or failed: say so, and offer the built-in layered layout."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window,
            "Auto-layout",
            literal(
                f"Auto-layout could not use Graphviz: {reason}.\n\n"
                "Use the built-in layered layout instead?"
            ),
            buttons.Yes | buttons.No,
        )
        if answer == buttons.Yes:
            doc = self.window.editor.doc
            self._apply(builtin_layout(doc, self._direction, SIZES, self._aspect()), " (built-in)")
        else:
            self.window.statusBar().showMessage("Auto-layout needs Graphviz: nothing moved", 8000)

    def _apply(self, positions: Centres, how: str) -> None:
        window = self.window
        doc = window.editor.doc
        positions = {i: xy for i, xy in positions.items() if doc.has_node(i)}
        label = f"Auto-layout {DIRECTIONS[self._direction]}{how}"
        window.editor.move(positions, label)
        window.view.open_document(doc)
        window.statusBar().showMessage(f"{label}: {len(positions)} nodes placed", 6000)
