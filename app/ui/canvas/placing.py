"""Where nodes may stand: a node dropped or pasted on top of others moves to the nearest
place where it covers none."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QGraphicsScene

from app.ui.canvas.items import SIZES, NodeItem

PASTE_OFFSET = (40.0, 40.0)
"""A paste lands this far down and right of the copied nodes, or the nearest free place."""
GAP = 8.0
"""The clear space kept between a dropped or pasted node and its neighbours' boxes (under
one grid step, so that nodes may still stand a step apart)."""
SEARCH = 80
"""How many grid steps away (each way) the nearest free place is looked for."""


def covers_another(scene: QGraphicsScene, boxes: Iterable[QRectF], moving: set[str]) -> bool:
    """Whether any of ``boxes`` (scene) comes within GAP of a node not in ``moving``."""
    for box in boxes:
        room = box.adjusted(-GAP, -GAP, GAP, GAP)
        for item in scene.items(room, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if (
                isinstance(item, NodeItem)
                and item.node_id not in moving
                and item.scene_rect().intersects(room)
            ):
                return True
    return False


def nearest_free_offset(
    scene: QGraphicsScene, boxes: list[QRectF], moving: set[str], step: float
) -> tuple[float, float] | None:
    """The smallest shift, in whole grid steps, after which ``boxes`` cover no other node:
    (0, 0) when they cover none already; None when nothing within SEARCH steps is free."""
    for i, j in _rings():
        dx, dy = i * step, j * step
        if not covers_another(scene, (b.translated(dx, dy) for b in boxes), moving):
            return dx, dy
    return None


@cache
def _rings() -> tuple[tuple[int, int], ...]:
    """Grid offsets by distance from (0, 0), nearest first (ties: right and down first)."""
    offsets = [(i, j) for i in range(-SEARCH, SEARCH + 1) for j in range(-SEARCH, SEARCH + 1)]
    offsets.sort(key=lambda o: (math.hypot(*o), -o[0], -o[1]))
    return tuple(offsets)


def paste_offset(scene: QGraphicsScene, payload: dict, step: float) -> tuple[float, float]:  # type: ignore[type-arg]
    """How far from where they were copied the nodes of ``payload`` are pasted: the nearest
    shift from PASTE_OFFSET at which they cover no node on the canvas."""
    boxes = []
    layout = payload.get("layout", {})
    for data in payload.get("nodes", []):
        spot = layout.get(data.get("id"), {"x": 0, "y": 0})
        width, height = SIZES.get(data.get("kind"), SIZES["stage"])
        x, y = spot["x"] + PASTE_OFFSET[0], spot["y"] + PASTE_OFFSET[1]
        boxes.append(QRectF(x - width / 2, y - height / 2, width, height))
    shift = nearest_free_offset(scene, boxes, set(), step) or (0.0, 0.0)
    return PASTE_OFFSET[0] + shift[0], PASTE_OFFSET[1] + shift[1]
