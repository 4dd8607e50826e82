"""Binds editor widgets to ``(element id, field)``: each commit is one editor call, refusals
are shown inline with the validator's message and the widget shows the model's value again."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from pydantic import BaseModel
from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from app.model.errors import ModelError
from app.ui.editor import DocumentEditor
from app.ui.panels.fields import InlineError
from app.ui.plain import plain_label

Key = tuple[str | int, ...]
"""A path inside a field's value: ``("mode",)`` in ``approval``, ``("steps",)`` in ``strategy``."""


class FieldWidget(Protocol):
    committed: SignalInstance

    def value(self) -> Any: ...
    def set_value(self, value: Any) -> None: ...
    def is_dirty(self) -> bool: ...
    def hasFocus(self) -> bool: ...


def plain(value: Any, lean: bool = False) -> Any:
    """Models as plain data (``lean``: defaults left out, as the file writes them)."""
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_defaults=lean)
    if isinstance(value, list):
        return [plain(item, lean) for item in value]
    if isinstance(value, dict):
        return {name: plain(item, lean) for name, item in value.items()}
    return value


def value_at(data: Any, key: Key) -> Any:
    for part in key:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def replaced(data: Any, key: Key, value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``key``."""
    if not key:
        return value
    result = copy.deepcopy(data)
    parent = result
    for part in key[:-1]:
        parent = parent[part]
    parent[key[-1]] = value
    return result


@dataclass
class Binding:
    widget: FieldWidget
    field: str
    key: Key
    error: InlineError
    apply: Callable[[Any, Any], Any] | None = None


class Binder:
    """Reads and writes the fields of one element: a node, an edge, or (``None``) the document.

    ``subject`` is asked for the element id on every use, so that a form follows a rename.
    """

    def __init__(self, editor: DocumentEditor, subject: Callable[[], str | None]) -> None:
        self.editor = editor
        self.subject = subject
        self.bindings: list[Binding] = []

    def element(self) -> Any:
        doc, element_id = self.editor.doc, self.subject()
        if element_id is None:
            return doc
        return doc.node(element_id) if doc.has_node(element_id) else doc.edge(element_id)

    def current(self, field: str, key: Key = (), lean: bool = False) -> Any:
        """The model's value of ``field`` (at ``key`` inside it), as plain data."""
        return value_at(plain(getattr(self.element(), field), lean), key)

    def bind(
        self,
        widget: FieldWidget,
        field: str,
        key: Key = (),
        *,
        error: InlineError,
        apply: Callable[[Any, Any], Any] | None = None,
    ) -> Binding:
        """Commit ``widget`` into ``field`` (at ``key``); ``apply(field_data, value)`` may
        build the field's new value itself, for edits that change more than one key."""
        binding = Binding(widget, field, key, error, apply)
        self.bindings.append(binding)
        widget.committed.connect(lambda: self._commit(binding))
        return binding

    def load(self) -> None:
        for binding in self.bindings:
            self._load(binding)

    def _load(self, binding: Binding, force: bool = False) -> None:
        widget = binding.widget
        # What the user is typing survives a refresh caused by some other change.
        if not force and widget.hasFocus() and widget.is_dirty():
            return
        widget.set_value(self.current(binding.field, binding.key))

    def _commit(self, binding: Binding) -> None:
        value = binding.widget.value()
        if binding.key or binding.apply:
            data = self.current(binding.field, lean=True)
            value = (
                binding.apply(data, value) if binding.apply else replaced(data, binding.key, value)
            )
        self.commit(binding.field, value, binding.error)
        self._load(binding, force=True)

    def commit(self, field: str, value: Any, error: InlineError) -> bool:
        """Ask the editor for one undoable change; on refusal show why and return False."""
        element_id = self.subject()
        try:
            if element_id is None:
                self.editor.set_document_property(field, value)
            elif field == "id":
                self.editor.rename(element_id, value)
            else:
                self.editor.set_property(element_id, field, value)
        except (ModelError, ValueError) as refusal:
            error.show_message(str(refusal))
            return False
        error.clear_message()
        return True


def focus_widgets(widget: QWidget) -> list[QWidget]:
    """The widgets that Tab visits inside ``widget``, in order."""
    order = getattr(widget, "focus_order", None)
    return list(order()) if callable(order) else [widget]


def chain_focus(widgets: Iterable[QWidget]) -> None:
    """Make Tab follow the form from top to bottom."""
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


class Section(QGroupBox):
    """A titled group of labelled fields with one inline error label under them."""

    def __init__(self, title: str, binder: Binder, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.binder = binder
        self.setAccessibleName(title)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 8)
        outer.setSpacing(4)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(self.form)
        self.error = InlineError()
        outer.addWidget(self.error)
        self.focusables: list[QWidget] = []

    def field(
        self,
        label: str,
        widget: Any,
        field: str,
        key: Key = (),
        *,
        tip: str = "",
        apply: Callable[[Any, Any], Any] | None = None,
    ) -> Any:
        """Add a labelled widget bound to ``field``; its tooltip is the field's description."""
        self.add(label, widget, tip)
        self.binder.bind(widget, field, key, error=self.error, apply=apply)
        return widget

    def add(self, label: str, widget: QWidget, tip: str = "") -> QWidget:
        """Add a labelled widget (bound or read-only); a checkbox is its own label."""
        widget.setAccessibleName(label)
        if tip:
            widget.setToolTip(tip)
        if isinstance(widget, QCheckBox):
            self.form.addRow("", widget)
        else:
            caption = QLabel(label)
            caption.setBuddy(widget)
            caption.setToolTip(tip)
            self.form.addRow(caption, widget)
        self.focusables.extend(focus_widgets(widget))
        return widget

    def add_wide(self, widget: QWidget) -> QWidget:
        """A widget spanning the whole row (tables, notes)."""
        self.form.addRow(widget)
        if (
            callable(getattr(widget, "focus_order", None))
            or widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            self.focusables.extend(focus_widgets(widget))
        return widget


class Form(QWidget):
    """Sections editing one element, built once per selection and then loaded in place."""

    def __init__(self, editor: DocumentEditor, element_id: str | None, heading: str) -> None:
        super().__init__()
        self.editor = editor
        self.element_id = element_id
        self.binder = Binder(editor, lambda: self.element_id)
        self.sections: list[Section] = []
        self.tables: list[Any] = []
        self.hooks: list[Callable[[], None]] = []
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(6, 6, 6, 6)
        self.column.setSpacing(8)
        self.heading = plain_label(heading)
        self.heading.setAccessibleName("Inspector heading")
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600; font-size: 10.5pt;")
        self.column.addWidget(self.heading)

    def section(self, title: str) -> Section:
        section = Section(title, self.binder)
        self.sections.append(section)
        self.column.addWidget(section)
        return section

    def table(self, section: Section, table: Any, caption: str = "") -> Any:
        """Add a record table (criteria, roles...) to ``section``, under an optional caption."""
        if caption:
            label = QLabel(caption)
            label.setStyleSheet("font-weight: 600;")
            section.form.addRow(label)
        section.add_wide(table)
        self.tables.append(table)
        return table

    def finish(self) -> None:
        self.column.addStretch(1)
        chain_focus(widget for section in self.sections for widget in section.focusables)
        self.load()

    def load(self) -> None:
        """Show the model's values; widgets being typed into are left alone."""
        for section in self.sections:
            section.error.clear_message()
        for table in self.tables:
            table.error.clear_message()
        self.binder.load()
        for table in self.tables:
            table.load()
        self.after_load()

    def after_load(self) -> None:
        """Enable, disable or re-label widgets once values are loaded."""
        for hook in self.hooks:
            hook()
