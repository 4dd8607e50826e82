"""The designer's window opens offscreen and shows a document."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from app.model.io import save_document
from app.ui.main_window import MainWindow


def test_window_shows_a_document(qtbot, small_doc, tmp_path: Path) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    window = MainWindow()
    qtbot.addWidget(window)
    window.open_path(str(path))
    assert window.windowTitle().startswith("Small SOP")
    assert window.document is not None and window.document.id == "small"
    assert len(window.scene.items()) >= len(small_doc.nodes) + len(small_doc.edges)
