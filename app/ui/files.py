"""Opening and saving documents from the designer; the modified mark follows the undo stack."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.fileio import InputError, SaveError
from app.model.document import Sop, new_document
from app.model.io import load_document, save_document
from app.model.templates import list_templates, load_template
from app.ui.editor import DocumentEditor

FILTER = "Gatewright SOP (*.sop.json *.sop.yaml *.sop.yml);;All files (*)"


class FileController:
    """What File > New / Open / Save do; the window owns the actions and calls these."""

    def __init__(self, window: QWidget, editor: DocumentEditor) -> None:
        self.window, self.editor = window, editor
        self.path: Path | None = None

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
            f"Save the changes to {self.display_name()} first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def new_blank(self) -> None:
        if self.confirm_discard():
            self.adopt(new_document(), None)

    def new_from_template(self, template_id: str) -> None:
        if self.confirm_discard():
            self.adopt(load_template(template_id), None)

    def template_ids(self) -> list[tuple[str, str]]:
        return [(t.id, t.title) for t in list_templates()]

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        name, _ = QFileDialog.getOpenFileName(self.window, "Open SOP", "", FILTER)
        if name:
            self.open_path(name)

    def open_path(self, path: str | Path) -> bool:
        try:
            doc = load_document(path)
        except InputError as error:
            QMessageBox.warning(self.window, "Cannot open SOP", str(error))
            return False
        self.adopt(doc, Path(path))
        return True

    def adopt(self, doc: Sop, path: Path | None) -> None:
        self.path = path
        self.editor.replace_document(doc)

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save SOP as", str(self.path or "untitled.sop.json"), FILTER
        )
        return bool(name) and self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        try:
            save_document(self.editor.doc, path)
        except SaveError as error:
            QMessageBox.warning(self.window, "Cannot save SOP", str(error))
            return False
        self.path = path
        self.editor.stack.setClean()
        return True
