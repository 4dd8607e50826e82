"""The dialog offering to restore unsaved edits found in a recovery journal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.ui.journal import JournalEntry

Choice = Literal["restore", "discard", "later"]


def _local_time(stamp: str) -> str:
    """The journal's UTC time stamp as local time; the stamp itself if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp or "an unknown time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


class RecoveryDialog(QMessageBox):
    """Restore / Discard / Decide later for one journal; :meth:`choice` tells which."""

    def __init__(self, entry: JournalEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RecoveryDialog")
        self.setIcon(QMessageBox.Icon.Warning)
        self.setTextFormat(Qt.TextFormat.PlainText)  # the title and path as they are
        self.setWindowTitle("Recover unsaved edits")
        where = str(entry.original) if entry.original else "an untitled document"
        title = entry.title or "Untitled"
        self.setText(
            f"Gatewright stopped before “{title}” ({where}) was saved. "
            f"Its edits up to {_local_time(entry.written_at)} were kept."
        )
        notes = [
            "Restore opens them as an unsaved document; Discard deletes them; "
            "Decide later keeps them and asks again next time."
        ]
        if entry.document_changed_since:
            notes.append(
                f"Note: {entry.original} was saved after these edits were made; "
                "restoring them and saving would replace that version."
            )
        self.setInformativeText("\n\n".join(notes))
        self.setDetailedText(f"Journal file: {entry.file}")
        role = QMessageBox.ButtonRole
        self._buttons = {
            self.addButton("&Restore", role.AcceptRole): "restore",
            self.addButton("&Discard", role.DestructiveRole): "discard",
            self.addButton("Decide &later", role.RejectRole): "later",
        }
        restore = next(iter(self._buttons))
        self.setDefaultButton(restore)  # type: ignore[arg-type]
        self.setEscapeButton(list(self._buttons)[-1])

    def choice(self) -> Choice:
        """What the user clicked; closing the dialog otherwise means "Decide later"."""
        return self._buttons.get(self.clickedButton(), "later")  # type: ignore[return-value]


def ask_recovery(parent: QWidget | None, entry: JournalEntry) -> Choice:
    """Show the dialog and return the choice (tests replace this function)."""
    dialog = RecoveryDialog(entry, parent)
    dialog.exec()
    return dialog.choice()
