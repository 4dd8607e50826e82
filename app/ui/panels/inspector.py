"""The inspector: edits the selection's fields, every change through the editor's commands."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from app.model.events import ChangeBatch
from app.ui.editor import DocumentEditor
from app.ui.panels.binding import Form
from app.ui.panels.document_editor import DocumentForm
from app.ui.panels.node_forms import edge_form, node_form

SelectionKey = tuple[str, ...]

_KEYS = QKeySequence.StandardKey
CANVAS_KEYS = (_KEYS.SelectAll, _KEYS.Delete, _KEYS.Cut, _KEYS.Copy, _KEYS.Paste)
"""The window's shortcuts that act on the canvas selection: inside the inspector these keys
belong to the field or cell being edited (Ctrl+A selects its text, not the diagram)."""
_DUPLICATE = QKeySequence("Ctrl+D")


def is_canvas_key(event: QKeyEvent) -> bool:
    pressed = QKeySequence(event.keyCombination())
    return any(event.matches(key) for key in CANVAS_KEYS) or pressed == _DUPLICATE


def selection_summary(nodes: int, edges: int) -> str:
    """``3 nodes, 2 edges selected``."""
    parts = [
        f"{count} {noun}{'s' if count != 1 else ''}"
        for count, noun in ((nodes, "node"), (edges, "edge"))
        if count
    ]
    return f"{', '.join(parts)} selected"


class SummaryView(QWidget):
    """What several selected elements show: how many of each."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.label = QLabel(text)
        self.label.setAccessibleName("Selection summary")
        self.label.setStyleSheet("font-weight: 600; font-size: 10.5pt;")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(QLabel("Select one element to edit its fields."))
        layout.addStretch(1)

    def load(self) -> None:
        """Nothing to refresh: the key that built this view holds the counts."""


class InspectorPanel(QScrollArea):
    """Shows the form for the selection; ``refresh`` (after every undo-stack change) updates
    values in place and rebuilds only when the selected element's kind or id changes."""

    def __init__(self, editor: DocumentEditor) -> None:
        super().__init__()
        self.editor = editor
        self.setWidgetResizable(True)
        self.setAccessibleName("Inspector")
        # A click on the inspector's background must not send the keyboard to its first
        # field (the SOP id), where typing meant for a row would land unseen.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ids: list[str] = []
        self.key: SelectionKey = ()
        self.form: Form | SummaryView | None = None
        self._building = False
        editor.changed.connect(self._follow)
        self.refresh()

    def event(self, event: QEvent) -> bool:
        # Shortcut overrides travel from the focused widget up to the window: accepting the
        # canvas's keys here hands them to that widget as ordinary key presses.
        if event.type() == QEvent.Type.ShortcutOverride and is_canvas_key(event):  # type: ignore[arg-type]
            event.accept()
            return True
        return super().event(event)

    # -- following the document --------------------------------------------------------

    def _follow(self, batch: ChangeBatch) -> None:
        """One finished edit: the form shows the values as they are now. A renamed node
        stays selected and its form stays open (no rebuild, no lost focus)."""
        for old, new in batch.renames():
            self._renamed(old, new)
        self.refresh()

    def _renamed(self, old: str, new: str) -> None:
        self.ids = [new if element_id == old else element_id for element_id in self.ids]
        if isinstance(self.form, Form) and self.form.element_id == old:
            self.form.element_id = new
            self.key = (*self.key[:-1], new)

    # -- the selection -----------------------------------------------------------------

    def show_selection(self, ids: list[str]) -> None:
        self.ids = list(ids)
        self.refresh()

    def _selection_key(self) -> SelectionKey:
        doc = self.editor.doc
        nodes = [i for i in self.ids if doc.has_node(i)]
        edges = [i for i in self.ids if doc.has_edge(i)]
        if not nodes and not edges:
            return ("document",)
        if len(nodes) + len(edges) > 1:
            return ("summary", str(len(nodes)), str(len(edges)))
        if nodes:
            return (doc.node(nodes[0]).kind, nodes[0])
        return ("edge", edges[0])

    def focus_field(self, label: str) -> bool:
        """Put the keyboard in the form's field labelled ``label`` (its text selected, ready
        to be typed over); False when the form has no such field."""
        if self.form is None:
            return False
        for widget in self.form.findChildren(QWidget):
            if widget.accessibleName() == label and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
                if isinstance(widget, QLineEdit):
                    widget.selectAll()
                self.ensureWidgetVisible(widget)
                return True
        return False

    def refresh(self) -> None:
        if self._building:  # a pending edit committed while the old form goes
            return
        key = self._selection_key()
        if key != self.key or self.form is None:
            self._build(key)
        else:
            self.form.load()

    def _build(self, key: SelectionKey) -> None:
        self._building = True
        try:
            self._commit_pending()
            self._replace_form(key)
        finally:
            self._building = False

    def _commit_pending(self) -> None:
        """What is being typed in the old form is applied before the form goes, not lost."""
        focused = QApplication.focusWidget()
        if self.form is not None and focused is not None and self.form.isAncestorOf(focused):
            focused.clearFocus()

    def _replace_form(self, key: SelectionKey) -> None:
        doc = self.editor.doc
        form: Form | SummaryView
        if key[0] == "document":
            form = DocumentForm(self.editor)
        elif key[0] == "summary":
            form = SummaryView(selection_summary(int(key[1]), int(key[2])))
        elif key[0] == "edge":
            form = edge_form(self.editor, doc.edge(key[1]))
        else:
            form = node_form(self.editor, doc.node(key[1]))
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        # Clicking the form's background takes the keyboard from the canvas: keys then go
        # nowhere, rather than deleting or moving what is selected there.
        form.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setWidget(form)
        self.form, self.key = form, key
        # "Open in inspector" focuses the first field of the form.
        sections = form.sections if isinstance(form, Form) else []
        first = next((w for s in sections for w in s.focusables if w.isEnabled()), None)
        self.setFocusProxy(first)
