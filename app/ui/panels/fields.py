"""Small editor widgets sharing one interface: ``committed``, ``value``, ``set_value``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QStyle,
    QWidget,
)

from app.ui.panels.values import Option, as_number, format_value

ERROR_COLOUR, DARK_ERROR_COLOUR = "#b91c1c", "#f87171"
"""Refusals in red: a dark red on light widgets, a light one on dark widgets."""


def set_text(widget: QLabel | QLineEdit, text: str) -> None:
    """Set a label's text only when it changes: refreshes run after every edit."""
    if widget.text() != text:
        widget.setText(text)


def set_enabled(widget: QWidget, enabled: bool) -> None:
    if widget.isEnabled() != enabled:
        widget.setEnabled(enabled)


# -- widgets ------------------------------------------------------------------------


class InlineError(QLabel):
    """A refusal's message in red, right under the fields it is about; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)  # refusals quote what was typed
        self._colour = ""
        self.setAccessibleName("Error message")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def show_message(self, message: str) -> None:
        # Guarded: a refresh clears every label, and most have nothing to clear.
        if message != self.text():
            self.setText(message)
        if message:
            dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
            colour = DARK_ERROR_COLOUR if dark else ERROR_COLOUR
            if colour != self._colour:  # the colour scheme may have changed meanwhile
                self._colour = colour
                self.setStyleSheet(f"color: {colour};")
        if self.isHidden() == bool(message):
            self.setVisible(bool(message))

    def clear_message(self) -> None:
        self.show_message("")


class _WheelOnlyWhenFocused:
    """Scrolling the inspector must not change a value the pointer happens to pass over."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():  # type: ignore[attr-defined]
            super().wheelEvent(event)  # type: ignore[misc]
        else:
            event.ignore()


class LineField(QLineEdit):
    """One line of text; commits on Enter or when focus leaves, and only if it changed."""

    committed = Signal()

    def __init__(
        self,
        parse: Callable[[str], Any] = str,
        show: Callable[[Any], str] = format_value,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._parse, self._show, self._shown = parse, show, ""
        self.editingFinished.connect(self._finished)

    def _finished(self) -> None:
        if self.is_dirty():
            self.committed.emit()

    def is_dirty(self) -> bool:
        return self.text() != self._shown

    def value(self) -> Any:
        return self._parse(self.text())

    def set_value(self, value: Any) -> None:
        self._shown = self._show(value)
        if self.text() != self._shown:
            with QSignalBlocker(self):
                self.setText(self._shown)
                self.setCursorPosition(0)


class TextBlockField(QPlainTextEdit):
    """Several lines of text; commits when focus leaves or on Ctrl+Enter, not per keystroke."""

    committed = Signal()

    def __init__(self, lines: int = 4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown = ""
        self.setTabChangesFocus(True)  # Tab moves on, as in every other field
        # Whole lines only: a sliver of the next line under the last one looks broken.
        margins = 2 * self.frameWidth() + int(self.document().documentMargin())
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + margins)

    def is_dirty(self) -> bool:
        return self.toPlainText() != self._shown

    def value(self) -> str:
        return self.toPlainText()

    def set_value(self, value: Any) -> None:
        self._shown = value or ""
        if self.toPlainText() != self._shown:
            with QSignalBlocker(self):
                self.setPlainText(self._shown)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self.is_dirty():
            self.committed.emit()
        super().focusOutEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if self.is_dirty():
                self.committed.emit()
            return
        super().keyPressEvent(event)


class ChoiceField(_WheelOnlyWhenFocused, QComboBox):
    """A fixed set of choices; a value outside them (a role that is not defined...) is
    shown as an extra, marked choice rather than silently replaced."""

    committed = Signal()

    def __init__(
        self,
        options: Sequence[Option] | Callable[[], Sequence[Option]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)
        # A callable is asked again on every load: the roles or metrics may have changed.
        self._source = options if callable(options) else (lambda: options)
        self._fill(self.options())
        self.currentIndexChanged.connect(lambda _index: self.committed.emit())

    def options(self) -> list[Option]:
        return list(self._source())

    def _fill(self, items: list[Option]) -> None:
        self._items = items  # kept here: reading them back from Qt on every refresh costs
        with QSignalBlocker(self):
            self.clear()
            for label, value in items:
                self.addItem(label, value)

    def is_dirty(self) -> bool:
        return False

    def value(self) -> Any:
        index = self.currentIndex()
        return self._items[index][1] if 0 <= index < len(self._items) else None

    def set_value(self, value: Any) -> None:
        items = self.options()
        if not any(stored == value for _label, stored in items):
            items.append((f"{format_value(value)} (not defined)", value))
        if items != self._items:
            self._fill(items)
        index = next(i for i, (_label, stored) in enumerate(items) if stored == value)
        if index != self.currentIndex():
            with QSignalBlocker(self):
                self.setCurrentIndex(index)


class CheckField(QCheckBox):
    committed = Signal()

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.toggled.connect(lambda _on: self.committed.emit())

    def is_dirty(self) -> bool:
        return False

    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: Any) -> None:
        if self.isChecked() != bool(value):
            with QSignalBlocker(self):
                self.setChecked(bool(value))


class CountField(_WheelOnlyWhenFocused, QSpinBox):
    """A whole number, 1 or more; commits on Enter, focus out or a step, not per keystroke."""

    committed = Signal()

    def __init__(self, minimum: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setRange(minimum, 1_000_000)
        self.setKeyboardTracking(False)
        self.valueChanged.connect(lambda _value: self.committed.emit())

    def is_dirty(self) -> bool:
        return False

    def set_value(self, value: Any) -> None:
        number = int(value or self.minimum())
        if self.value() != number:
            with QSignalBlocker(self):
                self.setValue(number)


class NumberSpin(_WheelOnlyWhenFocused, QDoubleSpinBox):
    """A decimal spin box that writes ``48``, not ``48.00``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDecimals(3)
        self.setRange(0, 1_000_000)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)

    def textFromValue(self, value: float) -> str:
        return f"{value:.3f}".rstrip("0").rstrip(".")


class OptionalNumberField(QWidget):
    """A number, or none at all: a spin box with a checkbox (``no window``, ``none``)."""

    committed = Signal()

    def __init__(self, none_text: str, default: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = NumberSpin()
        self.none = QCheckBox(none_text)
        self.default = default
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spin, 1)
        layout.addWidget(self.none)
        self.spin.valueChanged.connect(lambda _value: self.committed.emit())
        self.none.toggled.connect(self._none_toggled)
        self.setFocusProxy(self.spin)

    def _none_toggled(self, checked: bool) -> None:
        self.spin.setEnabled(not checked)
        self.committed.emit()

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.spin.setAccessibleName(name)
        self.none.setAccessibleName(f"{name}: {self.none.text()}")

    def setToolTip(self, tip: str) -> None:
        super().setToolTip(tip)
        self.spin.setToolTip(tip)
        self.none.setToolTip(tip)

    def focus_order(self) -> list[QWidget]:
        return [self.spin, self.none]

    def is_dirty(self) -> bool:
        return False

    def value(self) -> Any:
        return None if self.none.isChecked() else as_number(self.spin.value())

    def set_value(self, value: Any) -> None:
        # None keeps the last number shown, so that unticking "none" brings it back.
        number = float(value) if value is not None else self.spin.value() or self.default
        if self.none.isChecked() != (value is None) or self.spin.value() != number:
            with QSignalBlocker(self.spin), QSignalBlocker(self.none):
                self.none.setChecked(value is None)
                self.spin.setEnabled(value is not None)
                self.spin.setValue(number)


class ChecklistField(QListWidget):
    """A checkable list: the value is the checked values, in the list's order."""

    committed = Signal()

    def __init__(self, visible_rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._options: list[tuple[str, str, str]] = []
        self.visible_rows = visible_rows
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._fit_height()
        self.itemChanged.connect(lambda _item: self.committed.emit())

    def _row_height(self) -> int:
        indicator = self.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight)
        return max(self.fontMetrics().height(), indicator) + 6

    def _fit_height(self) -> None:
        self.setFixedHeight(self._row_height() * self.visible_rows + 2 * self.frameWidth())

    def set_options(self, options: Sequence[tuple[str, str, str]]) -> None:
        """``(label, value, tooltip)`` per row."""
        self._options = [tuple(option) for option in options]

    def is_dirty(self) -> bool:
        return False

    def value(self) -> list[str]:
        return [
            self.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.count())
            if self.item(row).checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, value: Any) -> None:
        chosen = list(value or [])
        known = {stored for _label, stored, _tip in self._options}
        rows = self._options + [(f"{v} (unknown)", v, "") for v in chosen if v not in known]
        shown = [
            (item.text(), item.data(Qt.ItemDataRole.UserRole), item.toolTip())
            for item in map(self.item, range(self.count()))
        ]
        if self.value() == chosen and shown == rows:
            return
        with QSignalBlocker(self):
            if shown != rows:  # a renamed option shows its new label too
                self.clear()
                for label, stored, tip in rows:
                    item = QListWidgetItem(label)
                    item.setData(Qt.ItemDataRole.UserRole, stored)
                    item.setToolTip(tip)
                    item.setSizeHint(QSize(0, self._row_height()))
                    item.setCheckState(Qt.CheckState.Unchecked)  # shows the box
                    item.setFlags(
                        Qt.ItemFlag.ItemIsEnabled
                        | Qt.ItemFlag.ItemIsSelectable
                        | Qt.ItemFlag.ItemIsUserCheckable
                    )
                    self.addItem(item)
            for row in range(self.count()):
                item = self.item(row)
                on = item.data(Qt.ItemDataRole.UserRole) in chosen
                state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
                if item.checkState() != state:
                    item.setCheckState(state)
