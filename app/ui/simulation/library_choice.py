"""The scenario and drill lists: the built-in ones by id, then "From file…"."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from app.simulate.library import builtin, builtin_ids
from app.spec.fileio import load_model

FROM_FILE = "From file…"
M = TypeVar("M", bound=BaseModel)


def library_combo(model: type[BaseModel], accessible_name: str) -> QComboBox:
    """A list of the built-in ids of ``model`` (scenarios or drills), then "From file…"."""
    combo = QComboBox()
    combo.addItems(builtin_ids(model))
    combo.addItem(FROM_FILE)
    combo.setAccessibleName(accessible_name)
    return combo


def chosen(model: type[M], combo: QComboBox, parent: QWidget, kind: str) -> M | None:
    """What ``combo`` names: a built-in, or a file picked now (None when the pick is
    cancelled). A file that cannot be used raises ``InputError`` naming it."""
    name = combo.currentText()
    if name != FROM_FILE:
        return builtin(model, name)
    path, _ = QFileDialog.getOpenFileName(parent, kind, "", f"{kind} (*.json *.yaml *.yml)")
    return load_model(model, path) if path else None
