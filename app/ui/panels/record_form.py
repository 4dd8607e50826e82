"""The current row of a record table as a form: every field of a record, one under another,
where a narrow inspector has no room for them as columns (a criterion's rule, a role's
members)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QWidget

from app.ui.panels.binding import focus_widgets
from app.ui.panels.fields import (
    ChecklistField,
    ChoiceField,
    CountField,
    InlineError,
    LineField,
    set_text,
)
from app.ui.panels.values import Option
from app.ui.plain import literal

Commit = Callable[[int, Any, Any, InlineError], bool]
"""``commit(row, column, value, error)``: write one field of the record in ``row``."""


def _field(kind: str, options: Callable[[], list[Option]]) -> Any:
    """A form field for a cell editor's kind (``list`` fields are built by their column)."""
    if kind == "choice":
        return ChoiceField(options)
    if kind == "count":
        return CountField()
    if kind == "subset":
        return ChecklistField(visible_rows=3)
    return LineField(parse=str, show=str)  # the column parses the typed text itself


class RecordForm(QGroupBox):
    """Labelled fields for ``columns`` of the record in the table's current row; each change
    is committed through ``commit`` (one undo step), and a refusal shows under the fields
    while they show the document's value again."""

    def __init__(
        self,
        noun: str,
        columns: list[Any],
        *,
        record: Callable[[], tuple[int, Any]],
        commit: Commit,
        title: Callable[[Any], str],
    ) -> None:
        super().__init__()
        self.noun, self.columns, self.record, self._commit = noun, columns, record, commit
        self.heading_for = title
        self.layout_ = QFormLayout(self)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.layout_.setContentsMargins(8, 6, 8, 8)
        self.error = InlineError()
        self._current: Any = None
        self.rows: list[tuple[Any, QLabel, QWidget, dict[str, Any]]] = []
        for column in columns:
            holder, fields = QWidget(), {}
            box = QHBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            for kind in column.kinds:
                if kind == "list" and column.table is not None:
                    field = column.table(
                        source=lambda column=column: list(self._value(column) or []),
                        commit=lambda items, error, column=column: self._commit_list(
                            column, items, error
                        ),
                    )
                else:
                    field = _field(kind, lambda column=column: self._choices(column))
                    field.setAccessibleName(f"{noun.capitalize()} {column.header}")
                    field.setToolTip(column.tip)
                    field.committed.connect(
                        lambda column=column, field=field: self._field_committed(column, field)
                    )
                box.addWidget(field)
                fields[kind] = field
            label = QLabel(_capital(column.header))
            label.setBuddy(next(iter(fields.values())))
            label.setToolTip(column.tip)
            self.layout_.addRow(label, holder)
            self.rows.append((column, label, holder, fields))
        self.layout_.addRow(self.error)

    def _value(self, column: Any) -> Any:
        return column.get(self._current) if self._current is not None else None

    def _commit_list(self, column: Any, items: list[Any], error: InlineError) -> bool:
        row, record = self.record()
        return record is not None and self._commit(row, column, items, error)

    def _choices(self, column: Any) -> list[Option]:
        return column.choices(self._current) if self._current is not None else []

    def focus_order(self) -> list[QWidget]:
        return [w for *_, fields in self.rows for f in fields.values() for w in focus_widgets(f)]

    def first_field(self) -> QWidget | None:
        """The first field shown and enabled: where Tab goes after a row's last cell."""
        return next((f for f in self.focus_order() if f.isVisibleTo(self) and f.isEnabled()), None)

    def load(self, force: QWidget | None = None) -> None:
        """Show the current record; a field being typed into keeps its text, unless it is
        ``force`` (the field just committed, which shows the document's value again)."""
        _row, record = self.record()
        self._current = record
        if record is None:
            self.setVisible(False)
            return
        set_title(self, self.heading_for(record))
        for column, label, holder, fields in self.rows:
            kind = column.editor(record)
            shown = kind in fields
            self.layout_.setRowVisible(holder, shown)
            if not shown:
                continue
            set_text(label, _capital(column.label(record) if column.label else column.header))
            for other, field in fields.items():
                if field.isHidden() != (other != kind):
                    field.setVisible(other == kind)
            field = fields[kind]
            if kind == "list":
                field.load()
                continue
            if field is not force and field.hasFocus() and field.is_dirty():
                continue  # what is being typed survives a refresh
            if kind == "subset":
                # The whole label as the tooltip: a narrow inspector cuts it off.
                options = column.choices(record)
                field.set_options([(text, value, literal(text)) for text, value in options])
            field.set_value(column.show(record) if kind == "text" else column.get(record))
        if self.isHidden():
            self.setVisible(True)

    def _field_committed(self, column: Any, field: Any) -> None:
        row, record = self.record()
        if record is None:
            return
        if self._commit(row, column, field.value(), self.error):
            self.error.clear_message()
        self.load(force=field)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def set_title(box: QGroupBox, title: str) -> None:
    if box.title() != title:
        box.setTitle(title)
