"""User text shown literally where Qt would guess it is rich text.

Tooltips, message boxes and labels in Qt's default (automatic) format render text as HTML
when it looks like HTML: a stage named ``<b>Prod</b>`` would show in bold, and one named
``<script>`` would vanish. Names, file paths and messages that quote them go through
``literal`` (tooltips, message boxes) or into labels set to plain text (``plain_label``).
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def literal(text: str) -> str:
    """``text`` as rich text that shows exactly ``text``: tags, entities, line breaks and
    runs of spaces as they are."""
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that shows its text as typed, whatever it looks like."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label
