"""The inspector: edits the selection's fields, every change through the editor's commands."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.model.errors import ModelError
from app.ui.editor import DocumentEditor


class InspectorPanel(QScrollArea):
    def __init__(self, editor: DocumentEditor) -> None:
        super().__init__()
        self.editor = editor
        self.setWidgetResizable(True)
        self.setAccessibleName("Inspector")
        self.ids: list[str] = []
        self.body = QWidget()
        self.setWidget(self.body)
        self.layout_ = QVBoxLayout(self.body)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b91c1c")
        self.error.setWordWrap(True)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.error)
        self.layout_.addStretch(1)

    def show_selection(self, ids: list[str]) -> None:
        self.ids = ids
        self.refresh()

    def refresh(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        doc = self.editor.doc
        ids = [i for i in self.ids if doc.has_node(i) or doc.has_edge(i)]
        if len(ids) != 1 or not doc.has_node(ids[0]):
            self.form.addRow(QLabel(f"{len(ids)} selected" if ids else "Nothing selected"))
            return
        node = doc.node(ids[0])
        self.form.addRow("Kind", QLabel(node.kind))
        identifier = QLineEdit(node.id)
        identifier.setAccessibleName("Id")
        identifier.editingFinished.connect(
            lambda: self._apply(lambda: self.editor.rename(node.id, identifier.text().strip()))
        )
        self.form.addRow("Id", identifier)
        name = QLineEdit(node.name)
        name.setAccessibleName("Name")
        name.setToolTip(type(node).model_fields["name"].description or "")
        name.editingFinished.connect(
            lambda: self._apply(lambda: self.editor.set_property(node.id, "name", name.text()))
        )
        self.form.addRow("Name", name)
        description = QPlainTextEdit(node.description)
        description.setAccessibleName("Description")
        description.setFixedHeight(80)
        description.focusOutEvent = self._commit_on_blur(  # type: ignore[method-assign]
            description,
            lambda: self.editor.set_property(node.id, "description", description.toPlainText()),
        )
        self.form.addRow("Description", description)

    def _commit_on_blur(self, widget, commit):  # type: ignore[no-untyped-def]
        original = type(widget).focusOutEvent

        def handler(event):  # type: ignore[no-untyped-def]
            self._apply(commit)
            original(widget, event)

        return handler

    def _apply(self, change) -> None:  # type: ignore[no-untyped-def]
        try:
            change()
            self.error.setText("")
        except ModelError as error:
            self.error.setText(str(error))
