"""The Problems panel: severity, rule, message and fix; clicking (or arrowing to) a row
selects the element, double-click or Enter opens it in the inspector."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from app.ui.plain import literal
from app.validate.diagnostics import Diagnostic

ICONS = {"error": "✖", "warning": "▲", "info": "ℹ"}


class ProblemsPanel(QTableWidget):
    elementChosen = Signal(str)
    elementOpened = Signal(str)

    def __init__(self) -> None:
        super().__init__(0, 4)
        self.setHorizontalHeaderLabels(["Severity", "Rule", "Problem", "Fix"])
        self.setAccessibleName("Problems")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setTabKeyNavigation(False)  # arrows move between rows; Tab leaves the panel
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.itemSelectionChanged.connect(self._chosen)
        self.itemDoubleClicked.connect(lambda item: self._emit(item.row(), self.elementOpened))
        self.diagnostics: list[Diagnostic] = []

    def show_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        if diagnostics == self.diagnostics:
            return
        self.diagnostics = diagnostics
        self.blockSignals(True)
        self.setRowCount(len(diagnostics))
        for row, d in enumerate(diagnostics):
            cells = (f"{ICONS[d.severity]} {d.severity}", d.rule, d.message, d.fix)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(literal(text))
                item.setData(Qt.ItemDataRole.UserRole, d.elements[0] if d.elements else "")
                self.setItem(row, column, item)
        self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current problem's element in the inspector, as a double-click does."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self._emit(self.currentRow(), self.elementOpened)
            return
        super().keyPressEvent(event)

    def _emit(self, row: int, signal) -> None:  # type: ignore[no-untyped-def]
        item = self.item(row, 0)
        element = item.data(Qt.ItemDataRole.UserRole) if item else ""
        if element:
            signal.emit(element)

    def _chosen(self) -> None:
        rows = {index.row() for index in self.selectedIndexes()}
        if rows:
            self._emit(min(rows), self.elementChosen)
