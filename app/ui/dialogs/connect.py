"""Connecting by keyboard: the selected node to a target picked from a filtered list.

Every other node is listed, the ones it may connect to first; for one it may not, the
model's own reason is shown as it is picked, so a keyboard user learns why, as a mouse
user does from the tooltip while dragging.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.model.document import Sop
from app.ui.editor import DocumentEditor
from app.ui.plain import literal
from exporters.style import NODE_STYLES

_ID = Qt.ItemDataRole.UserRole
_KINDS = Qt.ItemDataRole.UserRole + 1
_WHY_NOT = Qt.ItemDataRole.UserRole + 2
_LIST_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


def _promoting_into(doc: Sop, node: str) -> set[str]:
    """The nodes that promote edges lead from into ``node``: an edge from ``node`` back to
    one of them closes a loop unless it is a reject edge, which is what it usually is."""
    into: dict[str, list[str]] = {}
    for edge in doc.edges:
        if edge.kind == "promote":
            into.setdefault(edge.target, []).append(edge.source)
    found: set[str] = set()
    waiting = [node]
    while waiting:
        for source in into.get(waiting.pop(), []):
            if source not in found:
                found.add(source)
                waiting.append(source)
    return found


class ConnectDialog(QDialog):
    """Pick the node to connect ``source`` to, and the edge kind when several fit."""

    def __init__(self, editor: DocumentEditor, source: str, parent: QWidget | None = None):
        super().__init__(parent)
        doc = editor.doc
        self.source = source
        self.setWindowTitle(f"Connect {doc.node(source).name}")
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by name or id")
        self.filter.setAccessibleName("Filter targets")
        self.filter.installEventFilter(self)
        self.targets = QListWidget(self)
        self.targets.setAccessibleName("Target nodes")
        options = []
        upstream = _promoting_into(doc, source)
        for node in doc.nodes:
            if node.id != source:
                kinds = editor.connection_kinds(source, node.id)
                if node.id in upstream and "reject" in kinds:  # back to where it came from
                    kinds = ["reject", *(kind for kind in kinds if kind != "reject")]
                options.append((not kinds, node, kinds))
        options.sort(key=lambda option: option[0])  # the ones it may connect to first
        muted = self.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        for refused, node, kinds in options:
            label = NODE_STYLES[node.kind].label.split(" (")[0]
            item = QListWidgetItem(f"{node.name}  ({label}, {node.id})", self.targets)
            item.setData(_ID, node.id)
            item.setData(_KINDS, kinds)
            if refused:
                why_not = editor.why_not(source, node.id)
                item.setData(_WHY_NOT, why_not)
                item.setForeground(muted)
                item.setToolTip(literal(why_not))
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Edge kind")
        self.reason = QLabel(self)
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)  # names may hold <tags>
        self.reason.setAccessibleName("Why this connection is refused")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Edge &kind:", self.kind)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.targets)
        layout.addLayout(form)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.filter.textChanged.connect(self._filter)
        self.targets.currentItemChanged.connect(lambda _now, _before: self._picked())
        self.targets.itemActivated.connect(lambda _item: self._accept_if_allowed())
        self._filter("")
        self.resize(440, 420)

    def chosen(self) -> tuple[str, str] | None:
        """(target id, edge kind) when a connection that the model allows is picked."""
        item = self.targets.currentItem()
        if item is None or item.isHidden() or not item.data(_KINDS):
            return None
        return item.data(_ID), self.kind.currentText()

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        first = None
        for item in map(self.targets.item, range(self.targets.count())):
            hidden = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        current = self.targets.currentItem()
        if current is None or current.isHidden():
            self.targets.setCurrentItem(first)
        self._picked()

    def _picked(self) -> None:
        item = self.targets.currentItem()
        kinds = item.data(_KINDS) if item is not None and not item.isHidden() else []
        self.kind.clear()
        self.kind.addItems(kinds or [])
        self.kind.setEnabled(len(kinds or []) > 1)
        if item is None or item.isHidden():
            self.reason.setText("No node matches the filter.")
        elif kinds:
            self.reason.setText("")
        else:
            self.reason.setText(f"Cannot connect: {item.data(_WHY_NOT)}")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(kinds))

    def _accept_if_allowed(self) -> None:
        if self.chosen() is not None:
            self.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and down in the filter move through the list, as in a completer."""
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() in _LIST_KEYS:
                self.targets.keyPressEvent(key_event)
                return True
        return super().eventFilter(watched, event)
