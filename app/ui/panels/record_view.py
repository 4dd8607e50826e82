"""The view of a record table: how the keyboard and "+ Add" start, move and end cell edits."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QScrollArea,
    QTableView,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
_HINT = QAbstractItemDelegate.EndEditHint
_TRIGGERS = (
    QAbstractItemView.EditTrigger.DoubleClicked
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.AnyKeyPressed
)
# Not SelectedClicked: Qt opens that editor only after the double-click interval, and a key
# typed meanwhile is refused as an edit and taken as a keyboard search instead, which moved
# the current row; the keys after it then overwrote another row ("ds-lead" gave "-lead").


def reveal(widget: QWidget) -> None:
    """Scroll every scroll area holding ``widget`` (the inspector) so that it is in view,
    once the layouts waiting to run have placed it."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea) and parent.widget() is not None:
            parent.ensureWidgetVisible(widget, 8, 24)
        parent = parent.parentWidget()


class RecordView(QTableView):
    """Enter, F2 or typing over the current cell starts editing it; in an editor, Tab and
    Shift+Tab go to the next or previous editable cell of the row and, past the row's end,
    on to ``after_row()`` (the record's next field, when the record has a form) or the
    next widget; Enter keeps the cell, Escape gives the old value back.

    Only the keyboard's focus widget receives typing, and every cell edit starts from a
    cell that is scrolled into view, so typing never lands in a field the user cannot see.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.after_row: Callable[[], QWidget | None] = lambda: None
        self._pressed_current: QPersistentModelIndex | None = None
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside
        self.setEditTriggers(_TRIGGERS)

    def editable(self, index: Index) -> bool:
        return bool(index.isValid() and index.flags() & Qt.ItemFlag.ItemIsEditable)

    def next_editable(self, row: int, column: int, step: int) -> QModelIndex | None:
        """The first editable cell of ``row`` after (``step`` 1) or before (-1) ``column``."""
        model = self.model()
        column += step
        while 0 <= column < model.columnCount():
            index = model.index(row, column)
            if self.editable(index) and not self.isColumnHidden(column):
                return index
            column += step
        return None

    def start_editing(self, row: int, column: int = 0) -> bool:
        """Open the editor of the first editable cell of ``row`` from ``column`` on, scrolled
        into view and holding the keyboard; False when the row has none."""
        index = self.model().index(row, column)
        if not self.editable(index):
            found = self.next_editable(row, column, 1)
            if found is None:
                return False
            index = found
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setCurrentIndex(index)
        self.scrollTo(index)
        self.edit(index)
        editor = self.indexWidget(index)
        reveal(editor if editor is not None else self)
        return editor is not None

    def edit(self, index: Index, trigger=None, event=None) -> bool:  # type: ignore[no-untyped-def,override]
        if trigger is None:  # the one-argument overload: open the editor now
            return super().edit(index, QAbstractItemView.EditTrigger.AllEditTriggers, None)
        opened = super().edit(index, trigger, event)
        if opened and self.indexWidget(index) is not None:
            reveal(self.indexWidget(index))
        return opened

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        current = index.isValid() and index == self.currentIndex() and self.hasFocus()
        self._pressed_current = QPersistentModelIndex(index) if current else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click on the current cell edits it at once (see ``_TRIGGERS``)."""
        pressed, self._pressed_current = self._pressed_current, None
        super().mouseReleaseEvent(event)
        index = self.indexAt(event.position().toPoint())
        if (
            pressed is not None
            and event.button() == Qt.MouseButton.LeftButton
            and not event.modifiers()
            and index == QModelIndex(pressed)
            and self.state() != QAbstractItemView.State.EditingState
            and self.editable(index)
        ):
            self.edit(index)

    def keyboardSearch(self, search: str) -> None:
        """Typing never moves the current row: a key either edits the cell or does nothing."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.state() != QAbstractItemView.State.EditingState:
            index = self.currentIndex()
            if self.editable(index) and self.edit(
                index, QAbstractItemView.EditTrigger.EditKeyPressed, event
            ):
                return
        super().keyPressEvent(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if hint not in (_HINT.EditNextItem, _HINT.EditPreviousItem):
            super().closeEditor(editor, hint)
            return
        step = 1 if hint == _HINT.EditNextItem else -1
        current = self.currentIndex()
        super().closeEditor(editor, _HINT.NoHint)
        target = self.next_editable(current.row(), current.column(), step)
        if target is not None:
            self.setCurrentIndex(target)
            self.edit(target)
            return
        after = self.after_row() if step > 0 else None
        if after is not None and after.isEnabled() and after.isVisible():
            after.setFocus(Qt.FocusReason.TabFocusReason)
            reveal(after)
        else:
            self.focusNextPrevChild(step > 0)
