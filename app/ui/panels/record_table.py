"""An editable table of records (criteria, roles, metrics, tiers...): every cell edit, add,
remove or move builds the new list and commits it once, so each is one undo step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.panels.cell_editors import RecordDelegate
from app.ui.panels.fields import InlineError
from app.ui.panels.record_form import RecordForm
from app.ui.panels.record_view import RecordView
from app.ui.panels.values import Option, format_value

Index = QModelIndex | QPersistentModelIndex
_MISSING = object()
_EDIT = Qt.ItemDataRole.EditRole


def _no_choices(_record: Any) -> list[Option]:
    return []


@dataclass
class Column:
    """How one column shows, edits and writes a record.

    ``editor(record)`` names the cell's editor: ``text``, ``choice``, ``count`` or ``subset``;
    ``view`` makes the cell read-only (a summary), and an empty string too, greyed (a field
    the record's form does not have). ``kinds`` lists every editor the column may name, for
    a record form to build its widgets once.
    ``put(record, edited)`` returns the record with the edited value (text editors pass the
    typed text; ``put`` parses it).
    """

    header: str
    tip: str
    show: Callable[[Any], str]
    get: Callable[[Any], Any]
    put: Callable[[Any, Any], Any]
    editor: Callable[[Any], str] = lambda _record: "text"
    choices: Callable[[Any], list[Option]] = _no_choices
    cell_tip: Callable[[Any], str] | None = None
    chars: int = 16
    """The column's width, in characters: fixed, so that columns never jump after an edit."""
    label: Callable[[Any], str] | None = None
    """The field's label in a record form, when it depends on the record."""
    kinds: tuple[str, ...] = ("text",)
    table: Callable[..., QWidget] | None = None
    """For a ``list`` column: ``table(source=, commit=)`` builds the record table that edits
    the list in the record's form (a role's members)."""


def editable(kind: str) -> bool:
    return kind not in ("", "view")


def show_subset(values: Sequence[Any] | None) -> str:
    return ", ".join(values) if values else "all"


def key_column(
    key: str,
    header: str,
    tip: str,
    *,
    editor: str = "text",
    parse: Callable[[str], Any] = str,
    show: Callable[[Any], str] = format_value,
    choices: Callable[[Any], list[Option]] = _no_choices,
    default: Any = _MISSING,
    chars: int = 16,
) -> Column:
    """A column editing ``record[key]`` of dict records; a value equal to ``default`` is
    left out of the record, as the file leaves defaults out."""

    def get(record: dict[str, Any]) -> Any:
        return record.get(key, None if default is _MISSING else default)

    def put(record: dict[str, Any], edited: Any) -> dict[str, Any]:
        value = parse(edited) if editor == "text" and isinstance(edited, str) else edited
        updated = dict(record)
        # Left out: a default, or an empty subset (no tiers listed means every tier).
        if (default is not _MISSING and value == default) or (editor == "subset" and not value):
            updated.pop(key, None)
        else:
            updated[key] = value
        return updated

    def shown(record: dict[str, Any]) -> str:
        value = get(record)
        if editor == "subset":
            return show_subset(value)
        if editor == "choice":
            labels = {repr(stored): label for label, stored in choices(record)}
            return labels.get(repr(value), format_value(value))
        return show(value)

    return Column(
        header, tip, shown, get, put, lambda _r: editor, choices, chars=chars, kinds=(editor,)
    )


class RecordModel(QAbstractTableModel):
    """The records as plain data; the document stays the one source of truth: a refused
    edit leaves the records as they were, so the cell shows the old value again."""

    def __init__(self, columns: list[Column], write: Callable[[int, Column, Any], bool]) -> None:
        """``write(row, column, value)`` commits one edited cell (False when refused)."""
        super().__init__()
        self.columns = columns
        self.records: list[Any] = []
        self.write = write

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record, column = self.records[index.row()], self.columns[index.column()]
        editor = column.editor(record)
        if role == Qt.ItemDataRole.DisplayRole:
            text = column.show(record)
            return text if editor or text else "—"  # a field this record's form lacks
        if role == _EDIT:
            return column.show(record) if editor == "text" else column.get(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.cell_tip(record) if column.cell_tip else column.tip
        if role == Qt.ItemDataRole.ForegroundRole and not editor:
            return QColor("#94a3b8")
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and editable(
            self.columns[index.column()].editor(self.records[index.row()])
        ):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            header = self.columns[section].header
            return header[:1].upper() + header[1:]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip
        return None

    def setData(self, index: Index, value: Any, role: int = _EDIT) -> bool:
        if role != _EDIT or not index.isValid():
            return False
        if self.write(index.row(), self.columns[index.column()], value):
            return True
        self.dataChanged.emit(index, index)  # repaint the old value
        return False

    def set_records(self, records: list[Any]) -> None:
        if records == self.records:
            return
        if len(records) == len(self.records):
            self.records = records
            last = self.index(len(records) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        else:
            self.beginResetModel()
            self.records = records
            self.endResetModel()


class RecordTable(QWidget):
    """The table with its Add / Remove (/ Move up / Move down) buttons and its error label."""

    def __init__(
        self,
        noun: str,
        columns: list[Column],
        *,
        source: Callable[[], list[Any]],
        commit: Callable[[list[Any], InlineError], bool],
        new_record: Callable[[list[Any]], Any],
        movable: bool = False,
        rows: tuple[int, int] = (2, 8),
        fields: list[Column] | None = None,
        title: Callable[[Any], str] = lambda _record: "",
    ) -> None:
        """``fields``: columns shown as a form under the table for the current row."""
        super().__init__()
        self.noun, self.source, self._commit_records = noun, source, commit
        self.new_record, self.rows = new_record, rows
        self.model = RecordModel(
            columns, lambda row, column, value: self.commit_field(row, column, value)
        )
        self.view = RecordView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(RecordDelegate(self.view))
        self.view.setAccessibleName(noun.capitalize() + " table")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        row_height = self.view.fontMetrics().height() + 10
        self.view.verticalHeader().setDefaultSectionSize(row_height)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setHighlightSections(False)
        self.view.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        self.view.selectionModel().currentChanged.connect(lambda *_: self._current_changed())
        self.error = InlineError()
        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(4)
        actions: list[tuple[str, str, str, Callable[[], Any]]] = [
            ("add", "+ Add", f"Add {noun}", self.add),
            ("remove", "− Remove", f"Remove {noun}", self.remove),
        ]
        if movable:
            actions += [
                ("up", "↑", f"Move {noun} up", lambda: self.move(-1)),
                ("down", "↓", f"Move {noun} down", lambda: self.move(1)),
            ]
        for name, text, label, slot in actions:
            button = QToolButton()
            button.setText(text)
            button.setAccessibleName(label)
            button.setToolTip(label if name != "remove" else f"Remove the selected {noun}")
            button.clicked.connect(lambda _checked=False, slot=slot: slot())
            self.buttons[name] = button
            bar.addWidget(button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.view)
        layout.addLayout(bar)
        layout.addWidget(self.error)
        self.form: RecordForm | None = None
        if fields:
            self.form = RecordForm(
                noun, fields, record=self.current_record, commit=self.commit_field, title=title
            )
            self.form.setVisible(False)
            layout.addWidget(self.form)
            self.view.after_row = self.form.first_field
        self._fix_columns()

    # -- reading the document ----------------------------------------------------------

    def load(self) -> None:
        self.model.set_records(self.source())
        self._fit_height()
        self._current_changed()

    def _current_changed(self) -> None:
        self._update_buttons()
        if self.form is not None:
            self.form.load()

    def _fix_columns(self) -> None:
        """Each column as wide as its header or its ``chars``, whatever the cells hold, so
        that no column moves under the mouse after an edit (the last one takes the rest)."""
        header, metrics = self.view.horizontalHeader(), self.view.fontMetrics()
        last = self.model.columnCount() - 1
        for number, column in enumerate(self.model.columns[:last]):
            text = metrics.horizontalAdvance("n" * column.chars) + 12
            self.view.setColumnWidth(number, max(text, header.sectionSizeHint(number)))

    def _fit_height(self) -> None:
        """Tall enough for every row up to ``rows[1]``, so the inspector scrolls, not tables."""
        low, high = self.rows
        count = len(self.model.records)
        shown = min(max(count, low), high)
        view, extent = self.view, self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        height = view.horizontalHeader().sizeHint().height()
        height += shown * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()
        room = view.width() - 2 * view.frameWidth() - (extent if count > high else 0)
        if self._content_width() > room:
            height += extent
        if view.height() != height or view.minimumHeight() != height:
            view.setFixedHeight(height)

    def _content_width(self) -> int:
        """The narrowest the columns can be: the stretched last one shrinks to the header's
        default section size, whatever its cells hold (their text is cut short), before a
        scroll bar shows; counting its cells' width reserved room for a bar never shown."""
        header = self.view.horizontalHeader()
        last = self.model.columnCount() - 1
        widths = [header.sectionSize(number) for number in range(last)]
        return sum(widths) + (header.defaultSectionSize() if last >= 0 else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    # -- editing -----------------------------------------------------------------------

    def commit(self, records: list[Any], error: InlineError | None = None) -> bool:
        """One undoable change of the whole list; a refusal shows in ``error`` (the table's
        own message label by default)."""
        if not self._commit_records(records, error or self.error):
            return False
        self.load()  # normally done already by the inspector's refresh; cheap when so
        return True

    def commit_field(
        self, row: int, column: Column, value: Any, error: InlineError | None = None
    ) -> bool:
        """Write one field of the record in ``row`` (from its cell or the record's form); a
        value the column cannot read (``put`` raises ValueError) is refused like one the
        document refuses: the reason in ``error``, the document unchanged."""
        records = list(self.model.records)
        if not 0 <= row < len(records):
            return False
        try:
            updated = column.put(records[row], value)
        except ValueError as refusal:
            (error or self.error).show_message(str(refusal))
            return False
        if updated == records[row]:
            return True
        records[row] = updated
        return self.commit(records, error)

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def current_record(self) -> tuple[int, Any]:
        row = self.current_row()
        return (row, self.model.records[row]) if row >= 0 else (-1, None)

    def select(self, row: int, column: int = 0) -> None:
        if 0 <= row < self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(row, max(column, 0)))

    def add(self) -> None:
        """Add a record and start editing its first cell: what is typed next goes there."""
        records = list(self.model.records)
        if self.commit([*records, self.new_record(records)]):
            self.view.start_editing(len(self.model.records) - 1)

    def remove(self) -> None:
        row = self.current_row()
        if row < 0:
            return
        records = list(self.model.records)
        del records[row]
        if self.commit(records):
            self.select(min(row, len(records) - 1), self.view.currentIndex().column())

    def move(self, step: int) -> None:
        row, column = self.current_row(), self.view.currentIndex().column()
        target = row + step
        records = list(self.model.records)
        if row < 0 or not 0 <= target < len(records):
            return
        records[row], records[target] = records[target], records[row]
        if self.commit(records):
            self.select(target, column)

    def _update_buttons(self) -> None:
        row, count = self.current_row(), len(self.model.records)
        wanted = {"add": True, "remove": row >= 0, "up": row > 0, "down": 0 <= row < count - 1}
        for name, button in self.buttons.items():
            if button.isEnabled() != wanted[name]:
                button.setEnabled(wanted[name])

    def focus_order(self) -> list[QWidget]:
        fields = self.form.focus_order() if self.form is not None else []
        return [self.view, *self.buttons.values(), *fields]
