"""Copy as image, print and print preview: what lands on the clipboard and on paper."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app.model.document import new_document
from app.model.templates import load_template
from app.ui.main_window import MainWindow
from app.ui.picture import print_diagram
from exporters.style import NODE_STYLES

CONTROL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def shown(qtbot):  # type: ignore[no-untyped-def]
    made = MainWindow(load_template("deployment-gate"))
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    made.activateWindow()
    qtbot.waitActive(made)
    yield made
    made.editor.stack.setClean()


def ink(image: QImage, step: int = 2) -> int:
    """How many sampled pixels are not (near) white."""
    count = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colour = image.pixelColor(x, y)
            if min(colour.red(), colour.green(), colour.blue()) < 235:
                count += 1
    return count


def has_colour(image: QImage, wanted: str, tolerance: int = 12) -> bool:
    target = QColor(wanted)
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if (
                abs(c.red() - target.red()) <= tolerance
                and abs(c.green() - target.green()) <= tolerance
                and abs(c.blue() - target.blue()) <= tolerance
            ):
                return True
    return False


def test_copy_the_whole_diagram_and_the_selection_as_images(shown: MainWindow) -> None:
    shown.scene.select_none()
    shown.view.setFocus()
    QTest.keyClick(shown.view, Qt.Key.Key_C, CONTROL_SHIFT)  # Edit › Copy as image
    whole = QApplication.clipboard().image()
    assert not whole.isNull()
    bounds = shown.scene.itemsBoundingRect()
    assert whole.width() >= bounds.width() * 1.5  # drawn at twice the canvas scale
    assert ink(whole) > 500
    assert has_colour(whole, NODE_STYLES["gate"].fill)
    assert has_colour(whole, NODE_STYLES["stage"].fill)
    # only the selected gate: a smaller picture, with no stage in it
    gate = next(n.id for n in shown.editor.doc.nodes if n.kind == "gate")
    shown.scene.select_ids([gate])
    QTest.keyClick(shown.view, Qt.Key.Key_C, CONTROL_SHIFT)
    part = QApplication.clipboard().image()
    assert 0 < part.width() < whole.width() and ink(part) > 100
    assert has_colour(part, NODE_STYLES["gate"].fill)
    assert not has_colour(part, NODE_STYLES["stage"].fill)
    assert "1 selected node(s)" in shown.statusBar().currentMessage()
    assert shown.scene.selected_ids() == [gate]  # the selection is left as it was


def test_an_empty_diagram_copies_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(new_document())
    qtbot.addWidget(window)
    QApplication.clipboard().setText("before")
    assert window.printing.copy_image() is None
    assert QApplication.clipboard().text() == "before"
    assert "empty" in window.statusBar().currentMessage()


def _pdf_page(pdf: Path, tmp_path: Path) -> QImage:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    return QImage(str(pages[0]))


def test_print_renders_the_diagram_on_a_page(shown: MainWindow, tmp_path: Path) -> None:
    pdf = tmp_path / "diagram.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(pdf))
    assert print_diagram(shown.editor.doc, printer)
    assert pdf.read_bytes().startswith(b"%PDF")
    page = _pdf_page(pdf, tmp_path)
    assert ink(page, 1) > 300
    assert has_colour(page, NODE_STYLES["gate"].fill, 20)


def test_file_print_goes_through_the_print_dialog(
    shown: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = tmp_path / "printed.pdf"
    asked: list[str] = []

    def accept(dialog: QPrintDialog) -> int:
        asked.append(dialog.windowTitle())
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(pdf))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    shown.view.setFocus()
    QTest.keyClick(shown.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Print the diagram"]
    assert ink(_pdf_page(pdf, tmp_path), 1) > 300
    # a cancelled dialog prints nothing
    monkeypatch.setattr(QPrintDialog, "exec", lambda _d: QDialog.DialogCode.Rejected)
    pdf.unlink()
    assert not shown.printing.print_dialog()
    assert not pdf.exists()


def test_print_preview_shows_the_page(shown: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = shown.printing.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    preview = dialog.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    assert preview.pageCount() == 1
    picture = preview.grab().toImage()
    assert has_colour(picture, NODE_STYLES["gate"].fill, 20)  # the diagram on the page
    actions = [a.text().replace("&", "") for a in shown.file_menu.actions()]
    assert "Print…" in actions and "Print preview…" in actions
