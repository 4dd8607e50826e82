"""New metric…: the catalog entry a criterion needs, created from where the criterion is edited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.model.catalog import Metric
from app.spec.types import suggest_slug
from app.ui.panels.fields import InlineError
from app.ui.panels.values import field_tip


def metric_problem(data: dict[str, Any], taken: Iterable[str]) -> str:
    """Why ``data`` cannot be a new catalog metric ('' when it can)."""
    if data.get("id") in set(taken):
        return f"the catalog already has a metric {data['id']!r}; choose it in the list instead"
    try:
        Metric.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(part) for part in first["loc"])
        return f"{place}: {first['msg'].removeprefix('Value error, ')}" if place else first["msg"]
    return ""


class NewMetricDialog(QDialog):
    """Id, name, unit and direction of a new metric; OK only with a valid, unused id (the
    reason shows under the fields). ``created`` holds the accepted entry."""

    def __init__(self, taken: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New metric")
        self.taken = list(taken)
        self.created: dict[str, Any] = {}
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Recall at 10")
        self.identifier = QLineEdit()
        self.identifier.setPlaceholderText("as the evidence names it, e.g. recall_at_10")
        self.unit = QLineEdit()
        self.direction = QComboBox()
        self.direction.addItem("higher is better", "higher")
        self.direction.addItem("lower is better", "lower")
        self._typed_id = False
        self.name.textEdited.connect(self._suggest_id)
        self.identifier.textEdited.connect(lambda _text: setattr(self, "_typed_id", True))
        form = QFormLayout()
        for label, widget, field in (
            ("Name", self.name, "name"),
            ("Id", self.identifier, "id"),
            ("Unit", self.unit, "unit"),
            ("Direction", self.direction, "direction"),
        ):
            widget.setAccessibleName(f"New metric {label.lower()}")
            widget.setToolTip(field_tip(Metric, field))
            form.addRow(label, widget)
        self.error = InlineError()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name.setFocus()

    def _suggest_id(self, text: str) -> None:
        """The id follows the name (as evidence keys are written) until it is typed itself."""
        if not self._typed_id:
            self.identifier.setText(suggest_slug(text).replace("-", "_") if text.strip() else "")

    def entry(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.identifier.text().strip(),
            "name": self.name.text().strip() or self.identifier.text().strip(),
        }
        if self.unit.text().strip():
            data["unit"] = self.unit.text().strip()
        if self.direction.currentData() != "higher":
            data["direction"] = self.direction.currentData()
        return data

    def accept(self) -> None:
        data = self.entry()
        problem = metric_problem(data, self.taken)
        if problem:
            self.error.show_message(problem)
            return
        self.created = data
        super().accept()
