"""Align and distribute the selected nodes, each as one undoable move (Arrange menu).

Positions are node centres and sizes come from the canvas (:data:`SIZES`); the arithmetic
is plain functions over ``{id: Box}``, so that it is tested without a window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from app.model.errors import ModelError
from app.ui.canvas.items import SIZES

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


@dataclass(frozen=True)
class Box:
    """A node on the canvas: its centre and size."""

    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width / 2

    @property
    def top(self) -> float:
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height / 2


Boxes = dict[str, Box]
Positions = dict[str, tuple[float, float]]


def align(boxes: Boxes, edge: str) -> Positions:
    """Line the boxes up on ``edge``: left, centre, right (a column), top, middle or bottom
    (a row), taken from the outermost box on that side (centre and middle: the middle of
    the selection's bounds)."""
    if edge == "left":
        line = min(b.left for b in boxes.values())
        return {i: (line + b.width / 2, b.y) for i, b in boxes.items()}
    if edge == "right":
        line = max(b.right for b in boxes.values())
        return {i: (line - b.width / 2, b.y) for i, b in boxes.items()}
    if edge == "centre":
        line = (min(b.left for b in boxes.values()) + max(b.right for b in boxes.values())) / 2
        return {i: (line, b.y) for i, b in boxes.items()}
    if edge == "top":
        line = min(b.top for b in boxes.values())
        return {i: (b.x, line + b.height / 2) for i, b in boxes.items()}
    if edge == "bottom":
        line = max(b.bottom for b in boxes.values())
        return {i: (b.x, line - b.height / 2) for i, b in boxes.items()}
    if edge == "middle":
        line = (min(b.top for b in boxes.values()) + max(b.bottom for b in boxes.values())) / 2
        return {i: (b.x, line) for i, b in boxes.items()}
    raise ValueError(f"unknown alignment {edge!r}")


def distribute(boxes: Boxes, axis: str) -> Positions:
    """Equal gaps between neighbours along ``axis`` (horizontal or vertical); the first and
    last boxes stay where they are, and the order along the axis is kept."""
    horizontal = axis == "horizontal"
    if not horizontal and axis != "vertical":
        raise ValueError(f"unknown axis {axis!r}")

    def start(b: Box) -> float:
        return b.left if horizontal else b.top

    def size(b: Box) -> float:
        return b.width if horizontal else b.height

    order = sorted(boxes, key=lambda i: (boxes[i].x if horizontal else boxes[i].y, i))
    first, last = boxes[order[0]], boxes[order[-1]]
    span = (start(last) + size(last)) - start(first)
    gap = (span - sum(size(boxes[i]) for i in order)) / max(len(order) - 1, 1)
    placed: Positions = {}
    cursor = start(first)
    for node_id in order:
        b = boxes[node_id]
        middle = cursor + size(b) / 2
        placed[node_id] = (middle, b.y) if horizontal else (b.x, middle)
        cursor += size(b) + gap
    return placed


ALIGNMENTS = (
    ("left", "Align &left", "Alt+Shift+L"),
    ("centre", "Align &centre", "Alt+Shift+C"),
    ("right", "Align &right", "Alt+Shift+R"),
    ("top", "Align &top", "Alt+Shift+T"),
    ("middle", "Align &middle", "Alt+Shift+M"),
    ("bottom", "Align &bottom", "Alt+Shift+B"),
)
DISTRIBUTIONS = (
    ("horizontal", "Distribute &horizontally", "Alt+Shift+H"),
    ("vertical", "Distribute &vertically", "Alt+Shift+V"),
)


def selected_boxes(window: MainWindow) -> Boxes:
    """The selected nodes as boxes (edges in the selection are left out)."""
    scene = window.scene
    boxes = {}
    for node_id in scene.selected_ids():
        item = scene.nodes.get(node_id)
        if item is not None:
            width, height = SIZES[item.kind]
            boxes[node_id] = Box(item.pos().x(), item.pos().y(), width, height)
    return boxes


def arrange(
    window: MainWindow, label: str, minimum: int, how: Callable[[Boxes], Positions]
) -> bool:
    """Move the selected nodes where ``how`` says, as one command named ``label``."""
    if window.scene.locked:
        return False
    boxes = selected_boxes(window)
    if len(boxes) < minimum:
        window.statusBar().showMessage(f"{label}: select at least {minimum} nodes", 6000)
        return False
    moved = {i: p for i, p in how(boxes).items() if p != (boxes[i].x, boxes[i].y)}
    if not moved:
        window.statusBar().showMessage(f"{label}: the nodes are already placed so", 4000)
        return False
    try:
        window.editor.move(moved, f"{label} {len(boxes)} nodes")
    except ModelError as error:
        window.statusBar().showMessage(f"{label}: {error}", 8000)
        return False
    return True


def build_arrange_menu(window: MainWindow) -> QMenu:
    """Arrange › Align … and Distribute …, with their shortcuts."""
    menu = window.menuBar().addMenu("A&rrange")
    for edge, text, keys in ALIGNMENTS:
        label = text.replace("&", "")
        window._action(
            menu,
            text,
            lambda edge=edge, label=label: arrange(window, label, 2, lambda b: align(b, edge)),
            keys,
            f"Line up the selected nodes' {edge} (one undoable step)",
        )
    menu.addSeparator()
    for axis, text, keys in DISTRIBUTIONS:
        label = text.replace("&", "")
        window._action(
            menu,
            text,
            lambda axis=axis, label=label: arrange(window, label, 3, lambda b: distribute(b, axis)),
            keys,
            f"Space the selected nodes evenly, {axis}ly (one undoable step)",
        )
    return menu
