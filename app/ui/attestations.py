"""File › Export › PDF (and Markdown): the attestation files the maturity assessment reads,
as ``gatewright export --attestation`` takes them, remembered per document.

The files are read with the command line's own reader when the user presses Export; a file
that cannot be used is one sentence in the dialog naming the file and the place, its row is
selected, and nothing is exported until it is fixed or removed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QKeyEvent, QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.export_context import read_attestation_files
from app.ui.plain import plain_label
from app.validate.attestation import AttestationError

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.validate.attestation import Attestation

ATTESTATIONS_KEY = "export/attestations"
"""QSettings: a JSON object from a document's key (its absolute path, or ``sop:ID`` while
it is untitled) to the attestation files last used to export it."""
KEPT_DOCUMENTS = 50
"""Documents remembered (the most recently exported first): the setting stays small."""
INTRO = (
    "The maturity assessment in this export counts what people attest in these files, "
    "as gatewright assess --attestation FILE.toml does. They are remembered for this document."
)


def document_key(path: Path | None, sop_id: str) -> str:
    return str(Path(path).absolute()) if path is not None else f"sop:{sop_id}"


def _stored() -> dict[str, list[str]]:
    """The remembered lists; a hand-edited or foreign value counts as none."""
    raw = QSettings().value(ATTESTATIONS_KEY, "")
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(key): [str(name) for name in names]
        for key, names in data.items()
        if isinstance(names, list) and all(isinstance(name, str) for name in names)
    }


def remembered_attestations(key: str) -> list[str]:
    """The attestation files last used to export the document ``key``."""
    return _stored().get(key, [])


def remember_attestations(key: str, files: list[str]) -> None:
    stored = _stored()
    stored.pop(key, None)
    kept = {key: files, **dict(list(stored.items())[: KEPT_DOCUMENTS - 1])}
    settings = QSettings()
    settings.setValue(ATTESTATIONS_KEY, json.dumps(kept))
    settings.sync()


class ProblemText(QTextEdit):
    """A red sentence that wraps like a label, and also inside a long path or name (a
    label would widen the dialog past the screen for a path without spaces)."""

    def __init__(self) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setStyleSheet("QTextEdit { background: transparent; color: #b91c1c; }")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.document().setDocumentMargin(0)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """As tall as its wrapped lines at the current width."""
        self.document().setTextWidth(self.viewport().width())
        self.setFixedHeight(int(self.document().size().height()) + 2)


class AttestationDialog(QDialog):
    """The attestation files of one export: Add…, Remove (or Delete), then Export."""

    def __init__(self, parent: QWidget | None, doc: Sop, title: str, files: list[str]) -> None:
        super().__init__(parent)
        self.doc = doc
        self.attestations: list[Attestation] = []
        self.setWindowTitle(f"Export {title}: attestations")
        intro = plain_label(INTRO)
        intro.setWordWrap(True)
        self.files = QListWidget()
        self.files.setAccessibleName("Attestation files")
        self.files.addItems(files)
        self.files.setMinimumSize(460, 120)
        self.files.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.add_button = QPushButton("&Add files…")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove)
        self.files.installEventFilter(self)  # Delete or Backspace removes the current file
        self.empty = plain_label("None: the statements that need a person stay unattested.")
        self.empty.setStyleSheet("color: palette(placeholder-text)")
        self.error = ProblemText()
        self.error.setAccessibleName("Attestation problem")
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._export)
        self.buttons.rejected.connect(self.reject)
        side = QVBoxLayout()
        side.addWidget(self.add_button)
        side.addWidget(self.remove_button)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.files, 1)
        row.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(plain_label("Attestation files (TOML):"))
        layout.addLayout(row)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._update_buttons()
        # Set once the button is in the dialog (before, the dialog picks its own default).
        self.export_button.setDefault(True)
        self.files.setFocus()  # Return exports (the default button); Cancel is Escape

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.files
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.files.currentRow() >= 0
        ):
            self._remove()
            return True
        return super().eventFilter(watched, event)

    def file_names(self) -> list[str]:
        return [self.files.item(row).text() for row in range(self.files.count())]

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.files.currentRow() >= 0)
        self.empty.setVisible(self.files.count() == 0)

    def _add(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(
            self, "Add attestation files", "", "Attestations (*.toml);;All files (*)"
        )
        present = set(self.file_names())
        for name in names:
            if name not in present:
                self.files.addItem(name)
                present.add(name)
        if names:
            self.files.setCurrentRow(self.files.count() - 1)
        self.error.hide()
        self._update_buttons()

    def _remove(self) -> None:
        row = self.files.currentRow()
        if row >= 0:
            self.files.takeItem(row)
        self.error.hide()
        self._update_buttons()

    def _export(self) -> None:
        """Read every file as the command line does; stay open on the first bad one."""
        names = self.file_names()
        try:
            self.attestations = read_attestation_files(self.doc, names)
        except AttestationError as error:
            self.show_problem(str(error), names)
            return
        self.accept()

    def show_problem(self, sentence: str, names: list[str]) -> None:
        self.error.setText(f"Cannot use this attestation: {sentence}")
        self.error.show()
        bad = next(
            (row for row, name in enumerate(names) if sentence.startswith(f"{Path(name)}:")), -1
        )
        if bad >= 0:
            self.files.setCurrentRow(bad)
            self.files.setFocus()


def ask_attestations(
    parent: QWidget | None, doc: Sop, path: Path | None, title: str
) -> list[Attestation] | None:
    """The export's attestations, after the user confirmed the list; None when cancelled.
    The list is remembered for the document (even when it is empty)."""
    key = document_key(path, doc.id)
    dialog = AttestationDialog(parent, doc, title, remembered_attestations(key))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    remember_attestations(key, dialog.file_names())
    return dialog.attestations
