"""Answering the designer's dialogs from tests, shared by the GUI test modules."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


def discard_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows left modified by a test close without a blocking prompt."""
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


def answer(monkeypatch: pytest.MonkeyPatch, label: str) -> list[str]:
    """Make every worded message box click ``label``; returns what the boxes said."""
    shown: list[str] = []

    def click(box: QMessageBox) -> int:
        shown.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
        for button in box.buttons():
            if button.text().replace("&", "") == label:
                button.click()
                return 0
        raise AssertionError(f"no button {label!r} in {[b.text() for b in box.buttons()]}")

    monkeypatch.setattr(QMessageBox, "exec", click)
    return shown
