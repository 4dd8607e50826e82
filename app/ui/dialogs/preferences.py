"""Edit > Preferences: colour scheme, grid snapping, live validation delay, recent files."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ui.preferences import LIMITS, SCHEMES, Preferences


def _spin(name: str, suffix: str, tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(*LIMITS[name])
    box.setSuffix(suffix)
    box.setToolTip(tip)
    return box


class PreferencesDialog(QDialog):
    """Shows ``preferences``; ``chosen()`` is what the user set (applied by the caller)."""

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.scheme = QComboBox()
        for key, label in SCHEMES.items():
            self.scheme.addItem(label, key)
        self.scheme.setToolTip(
            "Light or dark widgets; the canvas stays a light page so that every node and "
            "edge colour stays legible (it dims to grey in the dark scheme)"
        )
        self.snap = QCheckBox("Snap dragged nodes to the grid")
        self.grid = _spin("grid", " px", "Grid step for snapping (scene pixels at 100% zoom)")
        self.snap.toggled.connect(self.grid.setEnabled)
        self.delay = _spin(
            "validation_delay_ms",
            " ms",
            "How long the designer waits after an edit before checking the SOP again",
        )
        self.recent = _spin("recent_count", " files", "How many files File > Open Recent lists")
        form = QFormLayout()
        form.addRow("Colour scheme:", self.scheme)
        form.addRow("", self.snap)
        form.addRow("Grid step:", self.grid)
        form.addRow("Check the SOP after:", self.delay)
        form.addRow("Recent files:", self.recent)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(lambda: self.show_preferences(Preferences()))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.show_preferences(preferences)

    def show_preferences(self, preferences: Preferences) -> None:
        self.scheme.setCurrentIndex(self.scheme.findData(preferences.colour_scheme))
        self.snap.setChecked(preferences.snap_to_grid)
        self.grid.setValue(preferences.grid)
        self.grid.setEnabled(preferences.snap_to_grid)
        self.delay.setValue(preferences.validation_delay_ms)
        self.recent.setValue(preferences.recent_count)

    def chosen(self) -> Preferences:
        return Preferences(
            colour_scheme=str(self.scheme.currentData()),
            snap_to_grid=self.snap.isChecked(),
            grid=self.grid.value(),
            validation_delay_ms=self.delay.value(),
            recent_count=self.recent.value(),
        )
