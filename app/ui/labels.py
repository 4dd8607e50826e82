"""Elements named for people in undo labels and status messages: by name, not by id.

A name is shown on one line, shortened, without control or format characters (a newline
would split an undo label, a bidi control would reorder the menu around it).
"""

from __future__ import annotations

import unicodedata

from app.model.document import Sop

LONGEST = 40
"""Characters of a name shown in a label; longer names end in an ellipsis."""


def shown_name(text: str, limit: int = LONGEST) -> str:
    """``text`` on one line, controls, format characters and lone surrogates dropped,
    shortened to ``limit`` characters."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char in "\n\r\t":
            kept.append(" ")
        elif category not in ("Cf", "Cs"):
            kept.append(char)
    one_line = " ".join("".join(kept).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def quoted(text: str) -> str:
    return f"'{shown_name(text)}'"


def element_label(doc: Sop, element_id: str) -> str:
    """A node as its quoted name; a connection as its two ends' names; else the id."""
    if doc.has_node(element_id):
        return quoted(doc.node(element_id).name or element_id)
    if doc.has_edge(element_id):
        edge = doc.edge(element_id)
        return f"{element_label(doc, edge.source)} → {element_label(doc, edge.target)}"
    return quoted(element_id)


def described(doc: Sop, element_id: str) -> str:
    """An element as a sentence names it: ``'Staging'``, ``connection 'A' → 'B'``."""
    label = element_label(doc, element_id)
    return f"connection {label}" if doc.has_edge(element_id) else label


def undo_text(text: str) -> str:
    """A QUndoCommand text: as it is for the History list, with ``&`` doubled for the
    Undo and Redo actions (a menu would take ``&`` for a shortcut letter)."""
    return f"{text}\n{text.replace('&', '&&')}"
