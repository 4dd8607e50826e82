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
    assert window.editor.doc.id == "small"
    assert set(window.scene.nodes) == {n.id for n in small_doc.nodes}
    assert set(window.scene.edges) == {e.id for e in small_doc.edges}
