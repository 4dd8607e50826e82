"""The diagram as a picture: copied to the clipboard as an image, printed, previewed.

Every picture is drawn by the canvas itself, from a scene of its own made for the
occasion: no selection outline, hover handle or append button of the window's scene ends
up on paper, and the selection alone can be drawn (its nodes and the edges among them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPainter, QPicture
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QDialog

from app.model.document import Sop

if TYPE_CHECKING:
    from app.ui.canvas.scene import SopScene
    from app.ui.main_window import MainWindow

MARGIN = 24.0
"""Clear space around the diagram, in scene units."""
IMAGE_SCALE = 2.0
"""Pixels per scene unit in a copied image: sharp when pasted into a document or slide."""
BACKGROUND = "#ffffff"


def diagram_of(doc: Sop, ids: Iterable[str] = ()) -> Sop:
    """A copy of ``doc`` holding only the nodes ``ids`` and the edges among them (all of
    it when ``ids`` is empty); roles and metrics stay, since captions name them."""
    copy = Sop.model_validate(doc.model_dump())
    keep = set(ids)
    if keep:
        for node in list(copy.nodes):
            if node.id not in keep:
                copy.remove_node(node.id)
    return copy


@contextmanager
def diagram_scene(doc: Sop) -> Iterator[SopScene]:
    """A canvas scene of ``doc`` of its own, removed afterwards."""
    from app.ui.canvas.scene import SopScene
    from app.ui.editor import DocumentEditor

    editor = DocumentEditor(doc)
    scene = SopScene(editor)
    scene.route_now()  # a window routes long connections when idle; a picture is drawn now
    try:
        yield scene
    finally:
        editor.detach()
        scene.deleteLater()
        editor.deleteLater()


def diagram_bounds(scene: SopScene) -> QRectF:
    return scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def _draw(scene: SopScene, painter: QPainter, target: QRectF, background: str) -> bool:
    source = diagram_bounds(scene)
    if not scene.nodes or source.isEmpty():
        return False
    scale = min(target.width() / source.width(), target.height() / source.height())
    width, height = source.width() * scale, source.height() * scale
    fitted = QRectF(
        target.left() + (target.width() - width) / 2,
        target.top() + (target.height() - height) / 2,
        width,
        height,
    )
    scene.setBackgroundBrush(QColor(background))
    # Recorded first, then played: a picture keeps its text in proportion on any device.
    # The canvas's fonts are in points, so drawn straight onto a 1200 dpi printer (or an
    # image that says it has 192 dpi) they would come out many times too large.
    picture = QPicture()
    recorder = QPainter(picture)
    recorder.setRenderHint(QPainter.RenderHint.Antialiasing)
    recorder.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(recorder, QRectF(0, 0, source.width(), source.height()), source)
    recorder.end()
    device = painter.device()
    # Playing a picture already scales it by the device's resolution over the picture's.
    x_ratio = device.logicalDpiX() / picture.logicalDpiX()
    y_ratio = device.logicalDpiY() / picture.logicalDpiY()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.translate(fitted.topLeft())
    painter.scale(scale / x_ratio, scale / y_ratio)
    painter.drawPicture(0, 0, picture)
    painter.restore()
    return True


def draw_diagram(doc: Sop, painter: QPainter, target: QRectF, background: str = BACKGROUND) -> bool:
    """Draw ``doc`` fitted and centred in ``target``; False when it has nothing to draw."""
    with diagram_scene(doc) as scene:
        return _draw(scene, painter, target, background)


def diagram_image(doc: Sop, scale: float = IMAGE_SCALE) -> QImage:
    """``doc``'s diagram as an image, ``scale`` pixels per scene unit (null when empty)."""
    with diagram_scene(doc) as scene:
        source = diagram_bounds(scene)
        if not scene.nodes or source.isEmpty():
            return QImage()
        image = QImage(
            max(1, round(source.width() * scale)),
            max(1, round(source.height() * scale)),
            QImage.Format.Format_ARGB32,
        )
        image.fill(QColor(BACKGROUND))
        dots_per_metre = round(96 * scale / 0.0254)  # its natural size where DPI counts
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        painter = QPainter(image)
        try:
            _draw(scene, painter, QRectF(0, 0, image.width(), image.height()), BACKGROUND)
        finally:
            painter.end()
    return image


def paint_page(doc: Sop, painter: QPainter, page: QRectF) -> bool:
    """The printed page in ``page`` (device units): the SOP's title, the diagram below."""
    title_height = page.height() * 0.06
    font = painter.font()
    font.setPixelSize(max(8, round(title_height * 0.45)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#111827"))
    title = QRectF(page.left(), page.top(), page.width(), title_height)
    painter.drawText(
        title,
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        f"{doc.title} ({doc.version})",
    )
    return draw_diagram(doc, painter, page.adjusted(0, title_height, 0, 0))


def print_diagram(doc: Sop, printer: QPrinter) -> bool:
    """One page: the diagram fitted to the printable area, under the SOP's title."""
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        page = QRectF(printer.pageLayout().paintRectPixels(printer.resolution()))
        page.moveTo(0, 0)
        return paint_page(doc, painter, page)
    finally:
        painter.end()


def landscape_for(doc: Sop) -> bool:
    """Whether the diagram is wider than tall, so it prints larger across the page."""
    with diagram_scene(doc) as scene:
        bounds = diagram_bounds(scene)
    return bounds.width() >= bounds.height()


class DiagramPrinting:
    """Edit › Copy as image, File › Print… and File › Print preview… of one window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        """Kept between prints, as every application does: the chosen printer and paper."""
        self.printer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)

    def _chosen(self) -> tuple[Sop, str] | None:
        """The selection's nodes, or the whole diagram; None (and a message) when empty."""
        window = self.window
        doc = window.editor.doc
        ids = [i for i in window.scene.selected_ids() if doc.has_node(i)]
        if not doc.nodes:
            window.statusBar().showMessage("The diagram is empty: nothing to draw yet", 6000)
            return None
        what = f"{len(ids)} selected node(s)" if ids else "the whole diagram"
        return diagram_of(doc, ids), what

    def copy_image(self) -> QImage | None:
        """Put the selection (or the whole diagram) on the clipboard as an image."""
        chosen = self._chosen()
        if chosen is None:
            return None
        doc, what = chosen
        image = diagram_image(doc)
        QApplication.clipboard().setImage(image)
        self.window.statusBar().showMessage(
            f"Copied {what} as an image ({image.width()}×{image.height()} pixels)", 6000
        )
        return image

    def _prepare(self, doc: Sop) -> None:
        orientation = QPageLayout.Orientation
        self.printer.setPageOrientation(
            orientation.Landscape if landscape_for(doc) else orientation.Portrait
        )
        self.printer.setDocName(doc.title)

    def print_dialog(self) -> bool:
        """File › Print…: the platform's print dialog, then one page with the diagram."""
        chosen = self._chosen()
        if chosen is None:
            return False
        doc, what = chosen
        self._prepare(doc)
        dialog = QPrintDialog(self.printer, self.window)
        dialog.setWindowTitle("Print the diagram")
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if not accepted:
            return False
        if not print_diagram(doc, self.printer):
            self.window.statusBar().showMessage("The printer could not be started", 8000)
            return False
        self.window.statusBar().showMessage(f"Printed {what}", 6000)
        return True

    def preview_dialog(self) -> QPrintPreviewDialog | None:
        """File › Print preview…: the page as it will print; its toolbar prints it."""
        chosen = self._chosen()
        if chosen is None:
            return None
        doc, _what = chosen
        self._prepare(doc)
        dialog = QPrintPreviewDialog(self.printer, self.window)
        dialog.setWindowTitle("Print preview")
        dialog.paintRequested.connect(lambda printer: print_diagram(doc, printer))
        screen = self.window.screen().availableGeometry().size()
        dialog.resize(QSizeF(screen.width() * 0.7, screen.height() * 0.8).toSize())
        return dialog

    def preview(self) -> None:
        dialog = self.preview_dialog()
        if dialog is not None:
            dialog.exec()
            dialog.deleteLater()
