"""The Find panel: a search box and every match listed (nodes by name or id, connections by
id); a click, or Enter, shows the element; F3 and Shift+F3 step through the list."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.model.document import Sop
from app.ui.finder import Finder, matches
from app.ui.labels import element_label, quoted, shown_name
from app.ui.plain import literal

ID_ROLE = Qt.ItemDataRole.UserRole


class FindPanel(QWidget):
    elementChosen = Signal(str)
    message = Signal(str)
    """Feedback for the status bar ("Match 2 of 5", "Nothing matches ...")."""

    def __init__(self, document: Callable[[], Sop], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finder = Finder(document)
        self._document = document
        self.box = QLineEdit(self)
        self.box.setPlaceholderText("Name or id")
        self.box.setAccessibleName("Find")
        self.box.setClearButtonEnabled(True)
        self.count = QLabel("", self)
        self.results = QListWidget(self)
        self.results.setAccessibleName("Find results")
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.results.setAlternatingRowColors(True)
        self.results.setSpacing(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.box)
        layout.addWidget(self.count)
        layout.addWidget(self.results, 1)
        self.box.textChanged.connect(self.search)
        self.box.returnPressed.connect(lambda: self.step_from([], True))
        self.box.installEventFilter(self)
        self.results.itemActivated.connect(self._row_chosen)
        self.results.itemClicked.connect(self._row_chosen)

    def start(self) -> None:
        """Ctrl+F: the search box, its text selected to be typed over."""
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def search(self, text: str) -> None:
        """List every element ``text`` matches, in document order."""
        self.finder.needle = text.strip()
        self.refresh()

    def refresh(self) -> None:
        """List the matches again (the document changed)."""
        doc = self._document()
        found = matches(doc, self.finder.needle)
        self.results.clear()
        for element_id in found:
            if doc.has_node(element_id):
                node = doc.node(element_id)
                title, kind = shown_name(node.name or element_id), node.kind
            else:
                title, kind = element_label(doc, element_id), "connection"
            # The name first, the kind and id under it; a long line is elided, not scrolled.
            row = QListWidgetItem(f"{title}\n{kind} · {shown_name(element_id)}")
            row.setData(ID_ROLE, element_id)
            row.setToolTip(literal(f"{title}\n{kind} · {element_id}"))
            self.results.addItem(row)
        if not self.finder.needle:
            self.count.setText("")
        elif found:
            self.count.setText(f"{len(found)} match{'es' if len(found) > 1 else ''}")
        else:
            self.count.setText(f"Nothing matches {quoted(self.finder.needle)}")

    def step_from(self, current: list[str], forward: bool = True) -> bool:
        """Show the match after (before) the selected element; False when nothing to find."""
        if not self.finder.needle:
            return False
        match = self.finder.step(current, forward)
        if match is None:
            self.message.emit(f"Nothing matches {quoted(self.finder.needle)}")
            return True
        element_id, place, count = match
        self._mark(element_id)
        self.elementChosen.emit(element_id)
        more = " (F3: next, Shift+F3: previous)" if count > 1 else ""
        self.message.emit(f"Match {place} of {count}{more}")
        return True

    def _mark(self, element_id: str) -> None:
        if self.results.count() != len(matches(self._document(), self.finder.needle)):
            self.refresh()
        for row in range(self.results.count()):
            item = self.results.item(row)
            if item.data(ID_ROLE) == element_id:
                self.results.blockSignals(True)
                self.results.setCurrentItem(item)
                self.results.blockSignals(False)
                self.results.scrollToItem(item)
                return

    def _row_chosen(self, item: QListWidgetItem) -> None:
        element_id = item.data(ID_ROLE)
        doc = self._document()
        if doc.has_node(element_id) or doc.has_edge(element_id):
            self.elementChosen.emit(element_id)
            self.message.emit(f"Showing {shown_name(element_label(doc, element_id), 80)}")
        else:
            self.refresh()  # deleted since the list was made

    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]
        """Down from the search box goes to the results, as in a browser's find list."""
        if (
            watched is self.box
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
            and self.results.count()
        ):
            self.results.setFocus()
            self.results.setCurrentRow(0)
            return True
        return super().eventFilter(watched, event)
