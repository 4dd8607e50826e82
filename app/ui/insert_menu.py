"""The Insert menu: adding nodes and connecting them without a mouse.

A node added by keyboard (Insert › Stage…, Ctrl+1 to Ctrl+5, or Enter in the palette) goes
to the right of the one selected node, else mid-view, at the first place nothing covers;
it is selected, so the inspector shows it and arrow keys move it. Insert › Connect (Ctrl+K)
connects the selected node to one picked from a list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu

from app.model.errors import ModelError
from app.ui.canvas.items import SIZES
from app.ui.canvas.scene import SPACING
from app.ui.dialogs.connect import ConnectDialog
from app.ui.labels import element_label
from app.ui.panels.palette import KINDS

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

MENU_TEXT = {
    "stage": "&Stage",
    "gate": "&Gate",
    "trigger": "&Trigger",
    "action": "&Action",
    "check": "C&heck",
}
"""Each node kind's menu text; Ctrl+1 to Ctrl+5 add them in the palette's order."""


def build_insert_menu(window: MainWindow) -> QMenu:
    menu = window.menuBar().addMenu("&Insert")
    for number, kind in enumerate(KINDS, start=1):
        window._action(
            menu,
            MENU_TEXT[kind],
            lambda kind=kind: insert_node(window, kind),
            f"Ctrl+{number}",
            f"Add a {kind} beside the selected node (or mid-view) and select it",
        )
    menu.addSeparator()
    window._action(
        menu,
        "&Connect…",
        lambda: connect_selection(window),
        "Ctrl+K",
        "Connect the selected node to another one, picked from a list",
    )
    return menu


def insert_node(window: MainWindow, kind: str) -> str | None:
    """Add a ``kind`` node where a keyboard user expects it; returns its id."""
    scene, view = window.scene, window.view
    if scene.locked:
        return None
    scene.pending_kind = None  # a palette kind armed by a click is superseded
    selected = [scene.nodes[i] for i in scene.selected_ids() if i in scene.nodes]
    if len(selected) == 1:
        beside = selected[0]
        offset = (SIZES[beside.kind][0] + SIZES[kind][0]) / 2 + 2 * SPACING
        near = beside.pos() + QPointF(offset, 0)
    else:
        near = view.mapToScene(view.viewport().rect().center())
    node_id = window.editor.add_node(kind, scene.free_spot(near, kind))
    window.select_element(node_id)
    view.setFocus()
    window.statusBar().showMessage(
        f"Added {element_label(window.editor.doc, node_id)}: arrow keys move it, "
        "Ctrl+K connects it, F2 names it",
        6000,
    )
    return node_id


def connect_selection(window: MainWindow) -> str | None:
    """Connect the one selected node to a node picked in ``ConnectDialog``; the new edge's id."""
    if window.scene.locked:
        return None
    doc = window.editor.doc
    nodes = [i for i in window.scene.selected_ids() if doc.has_node(i)]
    if len(nodes) != 1:
        window.statusBar().showMessage("Select the one node to connect from, then Ctrl+K", 6000)
        return None
    dialog = ConnectDialog(window.editor, nodes[0], window)
    choice = dialog.chosen() if dialog.exec() else None
    dialog.deleteLater()
    if choice is None:
        return None
    target, kind = choice
    try:
        edge_id = window.editor.connect(nodes[0], target, kind)
    except ModelError as error:  # the dialog lists only allowed targets; kept as a guard
        window.statusBar().showMessage(f"Cannot connect: {error}", 6000)
        return None
    # The target is selected, so the next Ctrl+1..5 adds beside it and Ctrl+K goes on from it.
    window.select_element(target)
    ends = element_label(window.editor.doc, edge_id)
    window.statusBar().showMessage(f"Connected {ends} ({kind})", 6000)
    return edge_id
