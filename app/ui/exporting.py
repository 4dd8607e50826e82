"""File > Export: validate, then run an exporter in a thread behind a cancellable progress dialog.

Exports are written into a hidden staging folder beside the target and moved into place
only when the exporter finished: a cancelled or failed export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from app.export_context import DEFAULT_SPEC_PATH, build_context
from app.model.document import Sop
from app.model.io import dumps_document, loads_document
from app.spec.fileio import InputError, SaveError, inputs_kept, ready_to_write
from app.ui.editor import DocumentEditor
from app.ui.files import ask_choice
from app.ui.plain import literal
from app.validate.diagnostics import Diagnostic
from exporters.context import ExportContext

if TYPE_CHECKING:
    from app.validate.attestation import Attestation

MAX_LISTED_ERRORS = 12
PIPELINE_REFUSAL = (
    "Pipelines run the compiled spec, and an SOP with validation errors has none. "
    "Fix the errors listed in the Problems panel, then export again."
)


@dataclass(frozen=True)
class ExportChoice:
    """One entry of File > Export."""

    key: str
    label: str
    title: str
    file_filter: str = ""
    suffix: str = ""
    folder: bool = False
    needs_spec: bool = False
    assessed: bool = False
    """Holds the maturity assessment: the export flow asks for attestation files."""


EXPORTS: tuple[ExportChoice, ...] = (
    ExportChoice("pdf", "&PDF…", "PDF", "PDF document (*.pdf)", ".pdf", assessed=True),
    ExportChoice("png", "P&NG image…", "PNG", "PNG image (*.png)", ".png"),
    ExportChoice("svg", "&SVG image…", "SVG", "SVG image (*.svg)", ".svg"),
    ExportChoice("markdown", "&Markdown…", "Markdown", "Markdown (*.md)", ".md", assessed=True),
    ExportChoice("github", "&GitHub Actions…", "GitHub Actions", folder=True, needs_spec=True),
    ExportChoice("gitlab", "GitLab &CI…", "GitLab CI", folder=True, needs_spec=True),
    ExportChoice("argo", "&Argo Workflows…", "Argo Workflows", folder=True, needs_spec=True),
    ExportChoice("argo-rollouts", "Argo &Rollouts…", "Argo Rollouts", folder=True, needs_spec=True),
    ExportChoice(
        "spec",
        "Compiled s&pec (JSON)…",
        "compiled spec",
        "Gate spec (*.json)",
        ".spec.json",
        needs_spec=True,
    ),
)
CHOICES = {choice.key: choice for choice in EXPORTS}


class ExportCancelled(Exception):
    """Raised inside ``context.progress`` when the user pressed Cancel."""


def _write_spec(_name: str, _doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    from app.spec.files import write_spec

    assert context.spec is not None  # refused earlier otherwise
    context.progress(0, 1, "Writing the compiled spec")
    write_spec(context.spec.data(), out)
    context.progress(1, 1, "Done")
    return [out]


def _exporter(choice: ExportChoice) -> Callable[[str, Sop, Path, ExportContext], list[Path]]:
    """Resolved on the GUI thread, so the worker never imports a library for the first time."""
    if choice.key == "spec":
        return _write_spec
    from exporters.registry import exporter_for

    return exporter_for(choice.key)


class _ExportRun(QThread):
    """Runs one exporter off the GUI thread on a private copy of the document."""

    def __init__(
        self,
        choice: ExportChoice,
        doc: Sop,
        out: Path,
        context: ExportContext,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.choice, self.doc, self.out, self.context = choice, doc, out, context
        self.exporter = _exporter(choice)  # here, in the GUI thread: see exporter_for
        self.written: list[Path] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.written = self.exporter(self.choice.key, self.doc, self.out, self.context)
        except BaseException as error:  # reported in the GUI thread, never lost
            self.error = error


class _ProgressView(QObject):
    """Lives in the GUI thread: the export thread's progress reaches the dialog through it."""

    def __init__(self, dialog: QProgressDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    @Slot(int, int, str)
    def show_step(self, done: int, total: int, step: str) -> None:
        if self.dialog.wasCanceled():
            return
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        self.dialog.setLabelText(step)


class ExportController(QObject):
    """What File > Export does; :meth:`export_to` is the dialog-free entry point."""

    message = Signal(str)
    progressed = Signal(int, int, str)
    """Emitted from the export thread at every step (connect with a queued connection)."""

    def __init__(
        self, window: QWidget, editor: DocumentEditor, document_path: Callable[[], Path | None]
    ) -> None:
        super().__init__(window)
        self.window, self.editor, self.document_path = window, editor, document_path
        self._cancel = threading.Event()
        self.busy = False
        self.dialog: QProgressDialog | None = None

    # -- asking ------------------------------------------------------------------------

    def export_dialog(self, key: str) -> list[Path] | None:
        """Ask where to export (and, for an export with the maturity assessment, which
        attestation files it counts), then export."""
        choice = CHOICES[key]
        out = self.ask_output(choice)
        if out is None:
            return None
        attestations: list[Attestation] = []
        if choice.assessed:
            from app.ui.attestations import ask_attestations

            asked = ask_attestations(
                self.window, self.editor.doc, self.document_path(), choice.title
            )
            if asked is None:
                self.message.emit(f"{choice.title} export cancelled; nothing was written")
                return None
            attestations = asked
        return self.export_to(key, out, attestations=attestations)

    def ask_output(self, choice: ExportChoice) -> Path | None:
        document = self.document_path()
        folder = document.parent if document else Path.home()
        if choice.folder:
            name = QFileDialog.getExistingDirectory(
                self.window,
                f"Export {choice.title} into the folder (a repository root)",
                str(folder),
            )
        else:
            suggestion = folder / f"{self.editor.doc.id or 'sop'}{choice.suffix}"
            name, _ = QFileDialog.getSaveFileName(
                self.window, f"Export {choice.title}", str(suggestion), choice.file_filter
            )
        return Path(name) if name else None

    def _error_lines(self, errors: list[Diagnostic]) -> tuple[str, str]:
        def line(d: Diagnostic) -> str:
            where = f" ({', '.join(d.elements)})" if d.elements else ""
            return f"• {d.message}{where}"

        lines = [line(d) for d in errors]
        shown = lines[:MAX_LISTED_ERRORS]
        if len(lines) > MAX_LISTED_ERRORS:
            shown.append(f"… and {len(lines) - MAX_LISTED_ERRORS} more (see Show Details)")
        return "\n".join(shown), "\n".join(lines)

    def confirm_invalid(self, choice: ExportChoice, errors: list[Diagnostic]) -> bool:
        """Warn before exporting an invalid SOP: documents may go out as drafts, pipelines not."""
        listed, everything = self._error_lines(errors)
        count = f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}"
        if choice.needs_spec:
            ask_choice(
                self.window,
                f"Cannot export {choice.title}",
                f"The SOP has {count}. {PIPELINE_REFUSAL}",
                ["Close"],
                informative=listed,
                icon=QMessageBox.Icon.Critical,
                detailed=everything,
            )
            return False
        answer = ask_choice(
            self.window,
            f"Export {choice.title} as a draft?",
            f"The SOP has {count}; the {choice.title} will be marked as a draft.",
            ["Export as draft", "Cancel"],
            informative=listed,
            icon=QMessageBox.Icon.Warning,
            detailed=everything,
        )
        return answer == "Export as draft"

    # -- exporting ---------------------------------------------------------------------

    def export_to(
        self,
        key: str,
        out: Path,
        spec_path: str = DEFAULT_SPEC_PATH,
        attestations: Sequence[Attestation] = (),
    ) -> list[Path] | None:
        """Validate, warn if invalid, then export with progress; the files written, or None.
        ``attestations``: what the maturity assessment counts (as ``--attestation``)."""
        if self.busy:
            self.message.emit("An export is already running")
            return None
        choice = CHOICES[key]
        out = Path(out).absolute()
        # The export thread gets its own copy: the document may be edited meanwhile.
        doc = loads_document(dumps_document(self.editor.doc), "the document being exported")
        try:
            # Real figures loaded from a ledger (View › Real-world figures…) go in too.
            real = getattr(getattr(self.window, "real_figures", None), "figures", None)
            context, _diagnostics = build_context(
                doc, self.document_path(), spec_path, measured=real, attestations=attestations
            )
        except InputError as error:  # e.g. a broken .gatewright-lint.toml beside the file
            QMessageBox.warning(self.window, f"Cannot export {choice.title}", literal(str(error)))
            return None
        if context.draft and not self.confirm_invalid(choice, context.errors):
            self.message.emit(f"{choice.title} export cancelled: the SOP has validation errors")
            return None
        self.busy = True
        try:
            return self._run(choice, doc, out, context)
        finally:
            self.busy = False

    def cancel(self) -> None:
        """Stop the running export at its next step (safe from any thread)."""
        self._cancel.set()

    def _progress(self, done: int, total: int, step: str) -> None:
        """``context.progress``, called in the export thread."""
        self.progressed.emit(done, total, step)
        if self._cancel.is_set():
            raise ExportCancelled()

    def _staging(self, choice: ExportChoice, out: Path) -> tuple[Path, Path]:
        """(staging folder, where the exporter writes inside it)."""
        if choice.folder:
            out.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".gatewright-export-", dir=out))
            return staging, staging / "out"
        if not out.parent.is_dir():
            raise FileNotFoundError(f"the folder {out.parent} does not exist")
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".export", dir=out.parent))
        return staging, staging / out.name

    def _run(
        self, choice: ExportChoice, doc: Sop, out: Path, context: ExportContext
    ) -> list[Path] | None:
        self._cancel.clear()
        created = choice.folder and not out.exists()
        try:
            staging, staged_out = self._staging(choice, out)
        except OSError as error:
            QMessageBox.warning(
                self.window, f"Cannot export {choice.title}", literal(f"{out}: {error}")
            )
            return None
        context.progress = self._progress
        dialog = self.dialog = QProgressDialog(
            f"Exporting {choice.title}…", "Cancel", 0, 0, self.window
        )
        dialog.setWindowTitle(f"Export {choice.title}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        view = _ProgressView(dialog)
        self.progressed.connect(view.show_step)
        run = _ExportRun(choice, doc, staged_out, context, self)
        loop = QEventLoop()
        run.finished.connect(loop.quit)
        try:
            run.start()
            loop.exec()
            run.wait()
        finally:
            self.progressed.disconnect(view.show_step)
            dialog.close()
            dialog.deleteLater()
            self.dialog = None
        written: list[Path] = []
        try:
            if run.error is not None:
                self._report_failure(choice, run.error)
            else:
                with inputs_kept(self.document_path()):
                    written = self._move_into_place(run.written, staged_out, out)
        except (OSError, SaveError) as error:
            QMessageBox.warning(self.window, f"Cannot export {choice.title}", literal(str(error)))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if created and not written:
                with contextlib.suppress(OSError):
                    out.rmdir()  # the folder this export made, left empty
        if not written:
            return None
        where = str(written[0]) if len(written) == 1 else f"{len(written)} files in {out}"
        if context.warnings:
            count = len(context.warnings)
            where += f" ({count} warning{'s' if count != 1 else ''})"
            QMessageBox.warning(
                self.window,
                f"Exported {choice.title} with warnings",
                literal("\n".join(f"• {warning}." for warning in context.warnings)),
            )
        self.message.emit(f"Exported {choice.title}: {where}")
        return written

    def _report_failure(self, choice: ExportChoice, error: BaseException) -> None:
        if isinstance(error, ExportCancelled):
            self.message.emit(f"{choice.title} export cancelled; nothing was written")
            return
        text = str(error) or type(error).__name__
        QMessageBox.warning(self.window, f"Cannot export {choice.title}", literal(text))
        self.message.emit(f"{choice.title} export failed; nothing was written")

    @staticmethod
    def _move_into_place(written: list[Path], staged_out: Path, out: Path) -> list[Path]:
        """Move what the exporter wrote from staging to ``out`` (one rename per file)."""
        targets = [out / p.relative_to(staged_out) if p != staged_out else out for p in written]
        ready_to_write(targets)  # all or nothing; never over the open document
        placed = []
        for path, target in zip(written, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            placed.append(target)
        return placed
