"""The diagram's visual language (shapes, fills, borders, edge strokes), shared with the designer.

Pure data without any Graphviz or Qt import, so the Qt canvas, the Graphviz export, the
Mermaid diagram and the PDF legend all draw a stage, a gate or a rollback edge alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeStyle:
    """How one node kind is drawn."""

    shape: str
    """Graphviz shape name (``box``, ``diamond``, ``octagon``, ``note``)."""
    outline: str
    """The same outline in words a Qt painter maps to a path: ``rounded-rect``, ``diamond``,
    ``octagon``, ``rect``, ``note``."""
    fill: str
    border: str
    text: str = "#111827"
    rounded: bool = False
    label: str = ""
    """Readable name of the kind, for legends."""


@dataclass(frozen=True)
class EdgeStyle:
    """How one edge kind is drawn."""

    color: str
    style: str
    """``solid`` or ``dashed`` (Graphviz style names)."""
    width: float
    """Pen width in points."""
    dash: tuple[float, ...] = ()
    """Dash pattern in pen widths for painters that need one (empty for solid lines)."""
    label: str = ""


NODE_STYLES: dict[str, NodeStyle] = {
    "stage": NodeStyle(
        "box", "rounded-rect", "#dbeafe", "#1d4ed8", rounded=True, label="Stage (environment)"
    ),
    "gate": NodeStyle("diamond", "diamond", "#fef3c7", "#b45309", label="Gate (decision)"),
    "trigger": NodeStyle("octagon", "octagon", "#fee2e2", "#b91c1c", label="Trigger (alarm)"),
    "action": NodeStyle("box", "rect", "#ede9fe", "#6d28d9", label="Action (runbook step)"),
    "check": NodeStyle("note", "note", "#dcfce7", "#15803d", label="Check (verification)"),
}

EDGE_STYLES: dict[str, EdgeStyle] = {
    "promote": EdgeStyle("#1f2937", "solid", 1.6, label="promote"),
    "reject": EdgeStyle("#d97706", "dashed", 1.2, (5.0, 3.0), label="reject (back to a stage)"),
    "monitor": EdgeStyle("#dc2626", "dashed", 1.0, (2.0, 2.0), label="monitor (watches)"),
    "rollback": EdgeStyle("#dc2626", "dashed", 1.4, (5.0, 3.0), label="rollback (starts)"),
    "next": EdgeStyle("#e11d48", "solid", 0.8, label="next (runbook order)"),
}

ERROR_BORDER = "#dc2626"
"""Border of a node named by a validation error."""
ERROR_WIDTH = 3.0
ERROR_MARK = "!"
CAPTION_TEXT = "#374151"
"""Colour of the small second line under a node's name (roles, minutes, condition)."""
FONT_FAMILY = "DejaVu Sans"
