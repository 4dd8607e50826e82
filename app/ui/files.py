"""Opening and saving documents from the designer; the modified mark follows the undo stack.

Besides New / Open / Save / Save As / Revert and the recent files, this keeps the recovery
journal pointed at the right file, records every save as a workspace revision, and
watches the open file for changes made by someone else.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QFileSystemWatcher,
    QMimeData,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from app.model.document import Sop, new_document
from app.model.io import dumps_document, loads_document, save_document
from app.model.templates import list_templates, load_template
from app.spec.fileio import InputError, SaveError, read_text
from app.ui.dialogs import recovery
from app.ui.editor import DocumentEditor
from app.ui.journal import (
    JournalEntry,
    JournalError,
    RecoveryJournal,
    journals_beside,
    owner_alive,
    read_journal,
    set_aside,
)
from app.ui.plain import literal
from app.ui.preferences import LIMITS, Preferences

FILTER = "Gatewright SOP (*.sop.json *.sop.yaml *.sop.yml);;All files (*)"
SOP_SUFFIXES = (".sop.json", ".sop.yaml", ".sop.yml")
RECENT_KEY = "files/recent"
KEPT_RECENT = LIMITS["recent_count"][1]
"""Files remembered, whatever the menu shows: the start-up scan for crash journals reads
them all."""
REVISION_MESSAGE = "saved from the designer"
CHANGE_SETTLE_MS = 150
"""Wait this long after a change on disk before reading: other programs write in steps."""


def ask_choice(
    parent: QWidget | None,
    title: str,
    text: str,
    choices: Sequence[str],
    informative: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
    detailed: str = "",
) -> str | None:
    """A message box with worded buttons; returns the clicked label (None if closed).

    The first choice is the default, the last one answers Escape.
    """
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # file names and messages shown as they are
    if informative:
        box.setInformativeText(informative)
    if detailed:
        box.setDetailedText(detailed)
    buttons = {}
    for number, label in enumerate(choices):
        role = (
            QMessageBox.ButtonRole.AcceptRole if number == 0 else QMessageBox.ButtonRole.RejectRole
        )
        buttons[box.addButton(label, role)] = label
    first, last = next(iter(buttons)), list(buttons)[-1]
    box.setDefaultButton(first)  # type: ignore[arg-type]
    box.setEscapeButton(last)
    box.exec()
    return buttons.get(box.clickedButton())


def sop_paths(data: QMimeData) -> list[Path]:
    """The local SOP files among dropped URLs."""
    if not data.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
    return [path for path in paths if path.name.lower().endswith(SOP_SUFFIXES)]


def _recent_setting(settings: QSettings) -> list[str]:
    value = settings.value(RECENT_KEY, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(item) for item in value or []]


class FileController(QObject):
    """What the File menu does; the window owns the actions and calls these."""

    message = Signal(str)
    pathChanged = Signal(object)  # Path | None

    def __init__(self, window: QWidget, editor: DocumentEditor) -> None:
        super().__init__(window)
        self.window, self.editor = window, editor
        self.path: Path | None = None
        self.max_recent = Preferences.recent_count  # File > Open Recent shows this many
        self.journal = RecoveryJournal(editor, self)
        self.journal.failed.connect(self._journal_failed)
        self._disk_text: str | None = None
        """The text of ``path`` as we last loaded or saved it (to tell others' changes)."""
        self._asking = self._recheck = False
        self._missing_reported = False
        self.watcher = QFileSystemWatcher(self)
        self.watcher.fileChanged.connect(lambda _name: self._settle.start())
        self._settle = QTimer(self, singleShot=True, interval=CHANGE_SETTLE_MS)
        self._settle.timeout.connect(self.check_disk)

    def _journal_failed(self, message: str) -> None:
        """The journal could not be kept: say so where the user looks, once per problem."""
        self.message.emit(message)
        QMessageBox.warning(
            self.window,
            "Unsaved edits are not protected",
            literal(
                f"{message[:1].upper()}{message[1:]}.\n\nIf the designer stopped now, the edits "
                "made since the last save would be lost: save the document (File › Save as "
                "to another folder if this one cannot be written)."
            ),
        )

    @property
    def modified(self) -> bool:
        return not self.editor.stack.isClean()

    def confirm_discard(self) -> bool:
        """Ask before losing unsaved edits; True when it is fine to go on."""
        if not self.modified:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            literal(f"Save the changes to {self.display_name()} first?"),
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    # -- new ---------------------------------------------------------------------------

    def new_blank(self) -> None:
        if self.confirm_discard():
            self.adopt(new_document(), None)

    def new_from_template(self, template_id: str) -> None:
        if self.confirm_discard():
            self.adopt(load_template(template_id), None)

    def new_from_gallery(self) -> None:
        """Choose a blank SOP or a template in the gallery, then start editing it."""
        from app.ui.dialogs.gallery import TemplateGallery

        gallery = TemplateGallery(self.window)
        accepted = gallery.exec() == TemplateGallery.DialogCode.Accepted
        chosen = gallery.chosen_id
        gallery.deleteLater()
        if not accepted:
            return
        if chosen is None:
            self.new_blank()
        else:
            self.new_from_template(chosen)

    def template_ids(self) -> list[tuple[str, str]]:
        return [(t.id, t.title) for t in list_templates()]

    # -- open --------------------------------------------------------------------------

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        folder = str(self.path.parent) if self.path else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Open SOP", folder, FILTER)
        if name:
            self.open_path(name)

    def open_path(self, path: str | Path, offer_recovery: bool = True) -> bool:
        """Open a document (no unsaved-changes prompt: callers ask first).

        When a recovery journal of the file is left from a designer that stopped without
        saving, the user chooses to restore it, discard it, or decide later.
        """
        path = Path(path).absolute()
        try:
            text = read_text(path)
            doc = loads_document(text, str(path))
        except InputError as error:
            QMessageBox.warning(self.window, "Cannot open SOP", literal(str(error)))
            return False
        if offer_recovery and self._offer_journal_of(path, text):
            return True
        self.adopt(doc, path, text)
        return True

    def _offer_journal_of(self, path: Path, disk_text: str) -> bool:
        """Offer each journal of ``path`` whose designer is gone; True when one was restored
        here (a further one restored opens in a window of its own)."""
        restored = False
        for journal in journals_beside(path):
            try:
                entry = read_journal(journal)
            except JournalError as error:
                self.message.emit(str(error))
                continue
            if entry.original != path:
                continue  # another document whose name begins like this one's
            if owner_alive(entry):
                where = (
                    "in another window" if entry.pid == os.getpid() else f"by process {entry.pid}"
                )
                self.message.emit(f"{path.name} is also being edited {where}")
                continue
            if entry.text == disk_text:  # the edits were saved after all
                with contextlib.suppress(OSError):
                    journal.unlink(missing_ok=True)
                continue
            if not restored:
                restored = self.offer_recovery(entry)
            else:
                self._offer_elsewhere(entry)
        return restored

    def _offer_elsewhere(self, entry: JournalEntry) -> None:
        """A second unsaved version of the same file: restored into a window of its own."""
        from app.ui.main_window import restore_window

        choice = recovery.ask_recovery(self.window, entry)
        if choice == "restore":
            restore_window(entry)
        else:
            self._keep_or_discard(entry, choice)

    def offer_recovery(self, entry: JournalEntry) -> bool:
        """Ask what to do with one journal and do it; True when restored."""
        choice = recovery.ask_recovery(self.window, entry)
        if choice == "restore":
            return self.restore(entry)
        self._keep_or_discard(entry, choice)
        return False

    def _keep_or_discard(self, entry: JournalEntry, choice: str) -> None:
        try:
            if choice == "discard":
                entry.file.unlink(missing_ok=True)
            elif entry.original is not None:
                # Kept in the workspace folder, where every start-up offers it again.
                set_aside(entry)
        except OSError as error:
            self.message.emit(f"cannot move the recovery journal {entry.file}: {error}")

    def restore(self, entry: JournalEntry) -> bool:
        """Edit the journaled document, unsaved, in this window; the old journal goes."""
        try:
            doc = loads_document(entry.text, str(entry.file))
        except InputError as error:
            QMessageBox.warning(
                self.window, "Cannot restore the unsaved edits", literal(str(error))
            )
            return False
        disk_text = None
        if entry.original is not None and entry.original.is_file():
            try:
                disk_text = read_text(entry.original)
            except InputError:
                disk_text = None
        self.adopt(doc, entry.original, disk_text)
        self.editor.stack.resetClean()  # unsaved: the title shows the modified mark
        if self.journal.write() and entry.file.absolute() != self.journal.path.absolute():
            with contextlib.suppress(OSError):  # at worst it is offered again, never lost
                entry.file.unlink(missing_ok=True)
        self.message.emit(f"Restored the unsaved edits of {self.display_name()}")
        return True

    def open_dropped(self, paths: Sequence[Path]) -> None:
        """Open dropped SOPs once the drop is over (no dialog inside a drop): the first in
        this window, each further one in a window of its own."""
        if paths:
            QTimer.singleShot(0, lambda: self._open_dropped(list(paths)))

    def _open_dropped(self, paths: list[Path]) -> None:
        from app.ui.main_window import open_window

        first, *others = paths
        if self.confirm_discard():
            self.open_path(first)
        opened = [path.name for path in others if open_window(path) is not None]
        if opened:
            self.message.emit(f"Opened {', '.join(opened)} in new windows")

    def adopt(self, doc: Sop, path: Path | None, disk_text: str | None = None) -> None:
        """Start editing ``doc`` as the file ``path`` (None: untitled)."""
        self.journal.set_document(path)
        self.path = path
        self._disk_text = disk_text
        self._missing_reported = False
        self._watch()
        self.editor.replace_document(doc)
        if path is not None:
            self.add_recent(path)
        self.pathChanged.emit(path)

    # -- save --------------------------------------------------------------------------

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggestion = self.path or Path(f"{self.editor.doc.id or 'untitled'}.sop.json")
        name, _ = QFileDialog.getSaveFileName(self.window, "Save SOP as", str(suggestion), FILTER)
        return bool(name) and self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        """Save atomically (the previous version kept as .bak) and record a revision."""
        path = Path(path).absolute()
        doc = self.editor.doc
        try:
            save_document(doc, path)
        except (SaveError, OSError, ValueError) as error:  # ValueError: text JSON cannot hold
            self.message.emit(f"Not saved: {error}")
            QMessageBox.warning(
                self.window,
                "Cannot save SOP",
                literal(f"{error}\n\nYour edits are still open here: nothing was lost."),
            )
            return False
        renamed = path != self.path
        self.journal.set_document(path)  # a new location drops the old journal
        self.path = path
        self._disk_text = dumps_document(doc)
        self._missing_reported = False
        self._watch()
        self.editor.stack.setClean()
        self.journal.discard()
        self.add_recent(path)
        if renamed:
            self.pathChanged.emit(path)
        self._record_revision(doc, path)
        return True

    def _record_revision(self, doc: Sop, path: Path) -> None:
        """Every save is a workspace revision; a workspace problem never undoes a save."""
        from app.store.workspace import Workspace

        try:
            with Workspace.open() as workspace:
                number = workspace.record_revision(doc, path=str(path), message=REVISION_MESSAGE)
        except (InputError, OSError, sqlite3.Error) as error:
            self.message.emit(f"Saved {path.name}, but the revision was not recorded: {error}")
            return
        self.message.emit(f"Saved {path.name} (revision {number})")

    # -- revert ------------------------------------------------------------------------

    def revert(self) -> bool:
        """Reload the document from disk, after confirming that unsaved edits may go."""
        if self.path is None:
            self.message.emit("An untitled document has no saved version to revert to")
            return False
        if self.modified:
            answer = ask_choice(
                self.window,
                "Revert",
                f"Discard your unsaved changes and reload {self.path.name} from disk?",
                ["Revert", "Cancel"],
                icon=QMessageBox.Icon.Warning,
            )
            if answer != "Revert":
                return False
        return self.open_path(self.path, offer_recovery=False)

    # -- recent files ------------------------------------------------------------------

    def recent_files(self) -> list[Path]:
        """Recently opened or saved files, newest first; files gone from disk are dropped."""
        settings = QSettings()
        stored = _recent_setting(settings)
        present = [name for name in stored if Path(name).is_file()]
        if present != stored:
            settings.setValue(RECENT_KEY, present)
        return [Path(name) for name in present]

    def add_recent(self, path: Path) -> None:
        settings = QSettings()
        name = str(Path(path).absolute())
        names = [name, *(n for n in _recent_setting(settings) if n != name)][:KEPT_RECENT]
        settings.setValue(RECENT_KEY, names)
        settings.sync()  # the startup scan for journals reads it even after a crash

    def clear_recent(self) -> None:
        QSettings().setValue(RECENT_KEY, [])

    def fill_recent_menu(self, menu: QMenu) -> None:
        """Rebuild File > Open Recent (connect to the menu's aboutToShow)."""
        menu.clear()
        recent = self.recent_files()[: self.max_recent]
        for number, path in enumerate(recent, start=1):
            label = f"&{number % 10} {path.name}" if number <= 10 else path.name
            action = menu.addAction(label)
            action.setStatusTip(str(path))
            action.setToolTip(literal(str(path)))
            action.triggered.connect(lambda _checked=False, p=path: self.open_recent(p))
        if not recent:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear the list")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(lambda _checked=False: self.clear_recent())

    def open_recent(self, path: Path) -> None:
        if self.confirm_discard():
            self.open_path(path)

    # -- changes made by others --------------------------------------------------------

    def _watch(self) -> None:
        watched = self.watcher.files()
        if watched:
            self.watcher.removePaths(watched)
        if self.path is not None and self.path.exists():
            self.watcher.addPath(str(self.path))

    def check_disk(self) -> None:
        """Compare the file with what we last loaded or saved; ask when someone changed it."""
        if self.path is None:
            return
        if self._asking:  # changed again while we ask: look once more afterwards
            self._recheck = True
            return
        path = self.path
        if path.exists() and str(path) not in self.watcher.files():
            self.watcher.addPath(str(path))  # an atomic replace ends the old watch
        if not path.exists():
            if not self._missing_reported:
                self._missing_reported = True
                self._disk_text = None
                self.editor.stack.resetClean()
                self.journal.schedule()
                self.message.emit(
                    f"{path.name} was removed or renamed on disk; Save writes it again"
                )
            return
        try:
            text = read_text(path)
        except InputError:
            return  # unreadable for now (being written?): the next change asks again
        if text == self._disk_text:
            return
        self._missing_reported = False
        self._asking, self._recheck = True, False
        try:
            answer = ask_choice(
                self.window,
                "File changed on disk",
                f"{path.name} was changed by another program.",
                ["Reload", "Keep mine"],
                informative=(
                    "Reload it (losing your unsaved edits), or keep your version "
                    "(saving will replace theirs)?"
                ),
                icon=QMessageBox.Icon.Warning,
            )
        finally:
            self._asking = False
            if self._recheck:
                self._settle.start()
        if answer == "Reload":
            try:
                doc = loads_document(text, str(path))
            except InputError as error:
                QMessageBox.warning(self.window, "Cannot reload SOP", literal(str(error)))
                answer = None
            else:
                self.adopt(doc, path, text)
                self.message.emit(f"Reloaded {path.name}")
                return
        # Keep mine: the window now differs from the file, so it is unsaved.
        self._disk_text = text
        self.editor.stack.resetClean()
        self.journal.schedule()

    # -- closing -----------------------------------------------------------------------

    def close_cleanly(self) -> None:
        """The window closes after its edits were saved or knowingly discarded."""
        self.journal.discard()
        self._settle.stop()
        watched = self.watcher.files()
        if watched:
            self.watcher.removePaths(watched)


class SopFileDrop(QObject):
    """Lets SOP files dropped anywhere on the window (the canvas included) open."""

    def __init__(self, files: FileController) -> None:
        super().__init__(files)
        self.files = files

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        drag_kinds = (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop)
        if kind in drag_kinds and isinstance(event, QDropEvent):  # the drag events derive from it
            paths = sop_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                if kind == QEvent.Type.Drop:
                    self.files.open_dropped(paths)
                return True
        return super().eventFilter(watched, event)
