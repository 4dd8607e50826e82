"""Append, as bpmn-js's context pad does: from the selected node, add a connected node.

Insert › Append (a submenu), Ctrl+E (the same choices in a menu at the node), a small "+"
button beside the one selected node, and the node's right-click menu all offer the node
kinds that may follow the selected one, as the model's connection rules say
(:func:`app.model.connections.append_choices`). The new node is placed beside its source
where nothing else is, joined by the inferred edge kind in one undoable step, selected,
and the inspector's Name field takes the keyboard with its text selected, to be typed over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QContextMenuEvent, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QMenu,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.model.connections import append_choices
from app.model.errors import ModelError
from app.ui.canvas.items import SIZES, NodeItem
from app.ui.canvas.scene import SPACING
from app.ui.insert_menu import MENU_TEXT
from exporters.style import NODE_STYLES

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

SHORTCUT = "Ctrl+E"
BUTTON_SIZE = 18.0
DOWNWARD = frozenset({"monitor"})
"""Edge kinds whose new node goes below its source (a trigger watches from beside the
promote path); the others go to the right, as the path reads."""


def selected_node(window: MainWindow) -> str | None:
    """The one selected node's id, else None."""
    ids = [i for i in window.scene.selected_ids() if i in window.scene.nodes]
    return ids[0] if len(ids) == 1 and len(window.scene.selected_ids()) == 1 else None


def append_spot(window: MainWindow, source: str, kind: str, edge_kind: str) -> tuple[float, float]:
    """Beside ``source`` (right of it, or below it for a monitor edge), at the first place
    no other node covers."""
    item = window.scene.nodes[source]
    if edge_kind in DOWNWARD:
        offset = QPointF(0, (SIZES[item.kind][1] + SIZES[kind][1]) / 2 + 2 * SPACING)
    else:
        offset = QPointF((SIZES[item.kind][0] + SIZES[kind][0]) / 2 + 2 * SPACING, 0)
    return window.scene.free_spot(item.pos() + offset, kind)


def append_node(window: MainWindow, kind: str, source: str | None = None) -> str | None:
    """Append a ``kind`` node to ``source`` (default: the one selected node); its id, or
    None (with the reason in the status bar) when it cannot be appended."""
    scene, status = window.scene, window.statusBar()
    if scene.locked:
        return None
    source = source or selected_node(window)
    if source is None:
        status.showMessage("Select the one node to append to, then Ctrl+E", 6000)
        return None
    source_kind = window.editor.doc.node(source).kind
    edge_kind = dict(append_choices(source_kind)).get(kind)
    if edge_kind is None:
        follows = ", ".join(k for k, _e in append_choices(source_kind)) or "nothing"
        status.showMessage(f"A {kind} cannot follow a {source_kind}; {follows} can", 6000)
        return None
    scene.pending_kind = None  # a palette kind armed by a click is superseded
    try:
        node_id, _edge = window.editor.append(
            source, kind, append_spot(window, source, kind, edge_kind), edge_kind
        )
    except ModelError as error:
        status.showMessage(f"Cannot append: {error}", 8000)
        return None
    window.select_element(node_id)
    window.edit_name()
    name = window.editor.doc.node(source).name
    status.showMessage(f"Appended a {kind} after {name!r} ({edge_kind}): type its name", 6000)
    return node_id


def fill_append_menu(window: MainWindow, menu: QMenu, source: str | None) -> None:
    """One entry per node kind: enabled for those that may follow ``source``."""
    menu.clear()
    allowed = dict(append_choices(window.editor.doc.node(source).kind)) if source else {}
    for kind in NODE_STYLES:
        action = menu.addAction(MENU_TEXT[kind])
        edge_kind = allowed.get(kind)
        action.setEnabled(edge_kind is not None and not window.scene.locked)
        action.setStatusTip(
            f"Add a {kind} joined by a {edge_kind} edge" if edge_kind else f"A {kind} cannot follow"
        )
        action.setData(kind)
        action.triggered.connect(lambda _c=False, k=kind: append_node(window, k, source))


def append_menu(window: MainWindow, source: str, parent: QWidget | None = None) -> QMenu:
    """The kinds that may follow ``source`` only (a pop-up menu at the node)."""
    menu = QMenu(parent or window)
    menu.setObjectName("append-menu")
    menu.setTitle("Append")
    allowed = dict(append_choices(window.editor.doc.node(source).kind))
    for kind in NODE_STYLES:
        if kind in allowed:
            action = menu.addAction(f"Append {MENU_TEXT[kind]}")
            action.setData(kind)
            action.setStatusTip(f"Add a {kind} joined by a {allowed[kind]} edge")
            action.triggered.connect(lambda _c=False, k=kind: append_node(window, k, source))
    return menu


def popup_at_node(window: MainWindow, source: str | None = None) -> None:
    """Ctrl+E: the choices in a menu beside the node (arrow keys, the underlined letter)."""
    source = source or selected_node(window)
    if source is None or window.scene.locked:
        window.statusBar().showMessage("Select the one node to append to, then Ctrl+E", 6000)
        return
    item = window.scene.nodes[source]
    window.view.ensureVisible(item, 40, 40)
    corner = item.mapToScene(QPointF(item.boundingRect().right(), 0))
    where = window.view.viewport().mapToGlobal(window.view.mapFromScene(corner))
    menu = append_menu(window, source)
    menu.exec(where)
    menu.deleteLater()


class AppendButton(QGraphicsObject):
    """A "+" beside the one selected node; a click opens the append menu there."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.setZValue(5)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Append a connected node ({SHORTCUT})")
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity)
        self._hover = False

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, BUTTON_SIZE, BUTTON_SIZE)

    def follow(self, node: NodeItem | None) -> None:
        """Sit at the top right of ``node`` (None: hidden)."""
        if node is None:
            self.setVisible(False)
            if self.parentItem() is not None:
                self.setParentItem(None)
            return
        if self.parentItem() is not node:
            self.setParentItem(node)
        width, height = SIZES[node.kind]
        self.setPos(width / 2 + 12, -height / 2 - BUTTON_SIZE / 2)  # clear of the problem badge
        self.setVisible(True)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#1d4ed8"), 1.2))
        painter.setBrush(QColor("#dbeafe" if self._hover else "#eff6ff"))
        painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(10)
        painter.setFont(font)
        painter.setPen(QColor("#1d4ed8"))
        painter.drawText(self.boundingRect(), int(Qt.AlignmentFlag.AlignCenter), "+")

    def hoverEnterEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._hover = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()  # the node under it is neither selected anew nor dragged

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        node = self.parentItem()
        if isinstance(node, NodeItem) and event.button() == Qt.MouseButton.LeftButton:
            menu = append_menu(self.window, node.node_id)
            menu.exec(event.screenPos())
            menu.deleteLater()


class NodeContextMenu(QObject):
    """Right-click on a node: it is selected, and a menu offers what may follow it."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            window = self.window
            item = window.scene.node_at(window.view.mapToScene(event.pos()))
            if item is not None and not window.scene.locked:
                if not item.isSelected() or len(window.scene.selected_ids()) != 1:
                    window.scene.select_ids([item.node_id])
                menu = self.menu_for(item.node_id)
                menu.exec(event.globalPos())
                menu.deleteLater()
                return True
        return super().eventFilter(watched, event)

    def menu_for(self, node_id: str) -> QMenu:
        menu = append_menu(self.window, node_id)
        if menu.actions():
            menu.addSeparator()
        for text, slot in (("Edit &name", self.window.edit_name),):
            menu.addAction(text).triggered.connect(lambda _c=False, s=slot: s())
        return menu


class Append(QObject):
    """Wires append into a window: the Insert › Append submenu, Ctrl+E, the button, the
    right-click menu."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        insert = window.insert_menu
        insert.addSeparator()
        self.submenu = insert.addMenu("A&ppend to selection")
        self.submenu.menuAction().setStatusTip("Add a node connected from the selected one")
        self.submenu.aboutToShow.connect(
            lambda: fill_append_menu(window, self.submenu, selected_node(window))
        )
        fill_append_menu(window, self.submenu, None)
        self.action = QAction("Append &next…", window)
        self.action.setShortcut(SHORTCUT)
        self.action.setStatusTip("Add a node connected from the selected one, chosen in a menu")
        self.action.triggered.connect(lambda _c=False: popup_at_node(window))
        insert.addAction(self.action)
        self.button: AppendButton | None = None
        self.context_menu = NodeContextMenu(window)
        window.view.viewport().installEventFilter(self.context_menu)
        window.scene.selectionChanged.connect(self._selection_changed)
        window.editor.documentReplaced.connect(lambda _doc: self._selection_changed())

    def _selection_changed(self) -> None:
        window = self.window
        try:
            node_id = selected_node(window)
        except RuntimeError:  # the scene is deleted with its window, and says so
            return
        node = window.scene.nodes.get(node_id) if node_id else None
        button = self.button
        if node is None or window.scene.locked:
            if button is not None:
                button.follow(None)
            return
        if button is None:
            button = self.button = AppendButton(window)
            # The scene deletes its items when a document is replaced, and a deleted node
            # takes its children along: the button is made again when it is gone.
            button.destroyed.connect(self._button_gone)
        if button.scene() is None:
            window.scene.addItem(button)
        button.follow(node)

    def _button_gone(self) -> None:
        self.button = None
