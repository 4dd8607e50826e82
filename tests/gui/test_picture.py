"""Copy as image, print and print preview: what lands on the clipboard and on paper."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from app.model.document import new_document
from app.model.templates import load_template
from app.ui.main_window import MainWindow
from app.ui.picture import diagram_bounds, diagram_image, diagram_scene, paint_page, print_diagram
from exporters.style import NODE_STYLES
from tests.environment import missing
from tests.gui.windows import active_window

CONTROL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def shown(qtbot):  # type: ignore[no-untyped-def]
    made = active_window(qtbot, load_template("deployment-gate"))
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


def _blocks(image: QImage, size: int) -> list[tuple[float, float, float]]:
    """The image's mean colour in each ``size``-pixel square, row by row."""
    small = image.scaled(
        max(1, image.width() // size),
        max(1, image.height() // size),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return [
        (c.red(), c.green(), c.blue())
        for y in range(small.height())
        for x in range(small.width())
        for c in [small.pixelColor(x, y)]
    ]


def mismatch(one: QImage, other: QImage, size: int = 8) -> float:
    """The share of the drawn squares of ``size`` pixels whose mean colour differs clearly
    between two same-sized images: a few percent for the same drawing (the edges of glyphs
    fall a little differently), far more when text or shapes come out at another size."""
    assert (one.width(), one.height()) == (other.width(), other.height())
    drawn = differ = 0
    for a, b in zip(_blocks(one, size), _blocks(other, size), strict=True):
        if min(a) < 235 or min(b) < 235:
            drawn += 1
            if sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 60:
                differ += 1
    return differ / max(drawn, 1)


def canvas_drawn(doc, width: int, height: int, page: bool = False) -> QImage:  # type: ignore[no-untyped-def]
    """What the canvas itself draws at the usual 96 dpi, as the reference for the size
    of everything (text included) in a picture meant for another device."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    if page:
        paint_page(doc, painter, QRectF(0, 0, width, height))
    else:
        with diagram_scene(doc) as scene:
            scene.setBackgroundBrush(QColor("white"))
            scene.render(painter, QRectF(0, 0, width, height), diagram_bounds(scene))
    painter.end()
    return image


def test_text_keeps_its_size_in_a_copied_image() -> None:
    doc = load_template("deployment-gate")
    image = diagram_image(doc)  # says 192 dpi, so that it pastes at its natural size
    assert round(image.dotsPerMeterX() * 0.0254) == 192
    reference = canvas_drawn(doc, image.width(), image.height())
    assert mismatch(image, reference) < 0.05  # text drawn for 192 dpi, twice too big: about 0.4


def test_an_empty_diagram_copies_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(new_document())
    qtbot.addWidget(window)
    QApplication.clipboard().setText("before")
    assert window.printing.copy_image() is None
    assert QApplication.clipboard().text() == "before"
    assert "empty" in window.statusBar().currentMessage()


def _pdf_page(pdf: Path, tmp_path: Path, dpi: int = 40) -> QImage:
    if shutil.which("pdftoppm") is None:
        missing("pdftoppm (poppler-utils) is not installed")
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out)], check=True)
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
    page = _pdf_page(pdf, tmp_path, 100)
    assert ink(page) > 1000
    assert has_colour(page, NODE_STYLES["gate"].fill, 20)
    # the printer's 1200 dpi changes nothing's size: the page looks as the canvas draws it
    area = QImage(page.width(), page.height(), QImage.Format.Format_ARGB32)
    area.fill(QColor("white"))
    margins = printer.pageLayout().paintRectPixels(100)  # the rasterised page, 100 dpi
    reference = canvas_drawn(shown.editor.doc, margins.width(), margins.height(), page=True)
    painter = QPainter(area)
    painter.drawImage(margins.topLeft(), reference)
    painter.end()
    assert mismatch(page, area, 16) < 0.15  # text drawn for 1200 dpi: about 0.3


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
