"""The template gallery: a blank SOP or a built-in template, each with title, summary, thumbnail."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QIcon, QKeySequence, QPainter, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.model.document import Sop
from app.model.templates import TemplateInfo, list_templates, load_template
from app.ui.preferences import PAPER

THUMBNAIL = QSize(200, 112)
ROW_HEIGHT = THUMBNAIL.height() + 16
BLANK_ID = ""
"""The id of the "Blank SOP" row (:attr:`TemplateGallery.chosen_id` is then None)."""
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole

_thumbnails: dict[str, QPixmap] = {}
"""Rendered once per process: templates do not change while the designer runs."""


def render_thumbnail(doc: Sop, size: QSize = THUMBNAIL) -> QPixmap:
    """The document's diagram drawn by the canvas itself, scaled to fit ``size``."""
    from app.ui.picture import draw_diagram

    pixmap = QPixmap(size)
    pixmap.fill(QColor(PAPER))
    painter = QPainter(pixmap)
    try:
        draw_diagram(doc, painter, QRectF(0, 0, size.width(), size.height()), PAPER)
    finally:
        painter.end()
    return pixmap


def template_thumbnail(template_id: str) -> QPixmap:
    if template_id not in _thumbnails:
        _thumbnails[template_id] = render_thumbnail(load_template(template_id))
    return _thumbnails[template_id]


def _blank_thumbnail() -> QPixmap:
    pixmap = QPixmap(THUMBNAIL)
    pixmap.fill(QColor(PAPER))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#94a3b8"))
    font = painter.font()
    font.setPointSize(28)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "+")
    painter.end()
    return pixmap


class _TemplateDelegate(QStyledItemDelegate):
    """Thumbnail on the left, the title in bold, the summary wrapped below it."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(560, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette = option.palette  # type: ignore[attr-defined]
        rect: QRect = option.rect  # type: ignore[attr-defined]
        if selected:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Highlight))
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        picture = QRect(rect.left() + 8, rect.top() + 8, THUMBNAIL.width(), THUMBNAIL.height())
        if isinstance(icon, QIcon):
            icon.paint(painter, picture)
        painter.setPen(QColor("#cbd5e1"))
        painter.drawRect(picture.adjusted(0, 0, -1, -1))
        text_color = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        painter.setPen(text_color)
        left = picture.right() + 14
        title_font = QFont(option.font)  # type: ignore[attr-defined]
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.1)
        painter.setFont(title_font)
        title_rect = QRect(left, rect.top() + 8, rect.right() - left - 8, 24)
        painter.drawText(
            title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, index.data()
        )
        painter.setFont(option.font)  # type: ignore[attr-defined]
        summary_rect = QRect(
            left,
            title_rect.bottom() + 4,
            title_rect.width(),
            rect.bottom() - 8 - title_rect.bottom(),
        )
        painter.drawText(
            summary_rect,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
            index.data(SUMMARY_ROLE) or "",
        )
        if option.state & QStyle.StateFlag.State_HasFocus:  # type: ignore[attr-defined]
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        painter.restore()


class TemplateGallery(QDialog):
    """Choose what File > New from template starts with; Enter or a double-click opens it."""

    def __init__(
        self, parent: QWidget | None = None, templates: list[TemplateInfo] | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TemplateGallery")
        self.setWindowTitle("New SOP from a template")
        self.resize(680, 620)
        heading = QLabel("Start from a blank SOP or from one of the built-in procedures:")
        heading.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setObjectName("template-search")
        self.search.setAccessibleName("Search templates")
        self.search.setPlaceholderText("Search by title or summary (↓ to the list, Enter opens)")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        self.nothing = QLabel()
        self.nothing.setTextFormat(Qt.TextFormat.PlainText)  # quotes what was typed
        self.nothing.setVisible(False)
        self.list = QListWidget(self)
        self.list.setObjectName("template-list")
        self.list.setAccessibleName("Templates")
        self.list.setAccessibleDescription("Use the arrow keys to choose; Enter opens the template")
        self.list.setItemDelegate(_TemplateDelegate(self.list))
        self.list.setIconSize(THUMBNAIL)
        self.list.setUniformItemSizes(True)
        heading.setBuddy(self.list)
        self._add_item(BLANK_ID, "Blank SOP", "An empty procedure to design from scratch.")
        self.list.item(0).setIcon(QIcon(_blank_thumbnail()))
        for info in templates if templates is not None else list_templates():
            self._add_item(info.id, info.title, info.summary)
        self.list.setCurrentRow(1 if self.list.count() > 1 else 0)
        self.list.itemActivated.connect(lambda _item: self.accept())  # Enter, double-click
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Open).setText("&Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        row = QHBoxLayout()
        row.addWidget(search_label)
        row.addWidget(self.search, 1)
        layout.addLayout(row)
        layout.addWidget(self.nothing)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)
        self.list.installEventFilter(self)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        self.search.setFocus()  # typing filters at once; the arrow keys choose
        # Thumbnails are drawn one per turn of the event loop, so the dialog opens at once.
        self._waiting = list(range(1, self.list.count()))
        self._drawing = QTimer(self, singleShot=True, interval=0)  # dies with the dialog
        self._drawing.timeout.connect(self._draw_next_thumbnail)
        self._drawing.start()

    def _add_item(self, template_id: str, title: str, summary: str) -> None:
        item = QListWidgetItem(title)
        item.setData(ID_ROLE, template_id)
        item.setData(SUMMARY_ROLE, summary)
        item.setToolTip(summary)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, summary)
        self.list.addItem(item)

    def filter(self, text: str) -> None:
        """Show the rows whose title or summary holds every word of ``text`` (any case);
        the current row moves to the first one shown when it is hidden."""
        words = text.casefold().split()
        shown = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            haystack = f"{item.text()} {item.data(SUMMARY_ROLE)}".casefold()
            hidden = not all(word in haystack for word in words)
            item.setHidden(hidden)
            if not hidden:
                shown.append(row)
        current = self.list.currentRow()
        if shown and (current not in shown):
            self.list.setCurrentRow(shown[0])
        self.nothing.setText(f"No template matches “{text.strip()}”." if not shown else "")
        self.nothing.setVisible(not shown)
        self.create_button.setEnabled(bool(shown))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the search box, the arrow keys choose in the list and Enter opens the choice;
        in the list, a letter typed goes on in the search box."""
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            text = event.text()  # type: ignore[attr-defined]
            plain = not event.modifiers() & ~(  # type: ignore[attr-defined]
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
            )
            if plain and text and text.isprintable() and not text.isspace():
                self.search.setFocus()
                self.search.insert(text)
                return True
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                QApplication.sendEvent(self.list, event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.create_button.isEnabled():
                    self.accept()
                return True
        return super().eventFilter(watched, event)

    def _draw_next_thumbnail(self) -> None:
        if not self._waiting:
            return
        item = self.list.item(self._waiting.pop(0))
        # A broken template still shows its title; opening it explains what is wrong.
        with contextlib.suppress(Exception):
            item.setIcon(QIcon(template_thumbnail(item.data(ID_ROLE))))
        if self._waiting:
            self._drawing.start()

    def draw_all_thumbnails(self) -> None:
        """Draw every remaining thumbnail now (screenshots and tests)."""
        while self._waiting:
            self._draw_next_thumbnail()

    @property
    def chosen_id(self) -> str | None:
        """The chosen template id, or None for a blank SOP."""
        item = self.list.currentItem()
        if item is not None and item.isHidden():
            item = None
        template_id = item.data(ID_ROLE) if item is not None else BLANK_ID
        return template_id or None
