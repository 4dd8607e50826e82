"""View › Real-world figures…: a decision ledger's real figures of the open SOP, as a badge
on each gate of the canvas and in the inspector beside the simulated ones.

The ledger is read off the UI thread (a PostgreSQL server may be slow or unreachable); a
ledger that cannot be read is one sentence in the dialog, its password masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from PySide6.QtCore import QObject, QRectF, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from app.model.io import dumps_document, loads_document
from app.ui.plain import literal
from app.validate.measured import gate_details, gate_line, has_data, period_text

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.ui.main_window import MainWindow

BADGE_FILL = QColor("#0f766e")
"""The badge's colour (teal: real figures, apart from the simulator's blue and amber)."""
BADGE_POINT_SIZE = 8.5


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` put into its user part (a PostgreSQL URL); unchanged when
    no password was typed or the URL names a file."""
    if not password or "://" not in url or url.startswith("sqlite:"):
        return url
    parts = urlsplit(url)
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


class _Load(QThread):
    """Reads the figures of a copy of the document (the user may edit meanwhile)."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, doc: Sop, url: str, parent: QObject) -> None:
        super().__init__(parent)
        self.doc, self.url = doc, url

    def run(self) -> None:
        from app.runtime.ledger_location import LedgerError
        from app.simulate.measured import document_figures

        try:
            self.loaded.emit(document_figures(self.doc, self.url))
        except LedgerError as error:
            self.failed.emit(str(error))
        except Exception as error:  # shown as a sentence, never a crash of the designer
            self.failed.emit(f"cannot read the ledger: {type(error).__name__}")


class LedgerDialog(QDialog):
    """Where the ledger is: an SQLite file (chosen or typed) or a PostgreSQL URL, with
    its password typed masked. Stays open while the ledger is read; errors show inline."""

    def __init__(self, parent: QWidget, url: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Real-world figures")
        self.url = QLineEdit(url)
        self.url.setAccessibleName("Ledger")
        self.url.setPlaceholderText("ledger.db, sqlite:///PATH or postgresql://USER@HOST/DATABASE")
        self.url.setMinimumWidth(420)
        browse = QPushButton("Choose file…")
        browse.setAutoDefault(False)  # Return in the fields opens the ledger, not this
        browse.clicked.connect(self._choose)
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("PostgreSQL only; or PGPASSWORD, ~/.pgpass")
        self.error = QLabel()
        self.error.setAccessibleName("Ledger problem")
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet("color: #b91c1c")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setDefault(True)
        row = QHBoxLayout()
        row.addWidget(self.url, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Ledger:", row)
        form.addRow("Password:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("The decisions that check, monitor and rollback recorded (--ledger).")
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a ledger", "", "SQLite ledgers (*.db *.sqlite *.sqlite3);;All files (*)"
        )
        if path:
            self.url.setText(path)

    def location(self) -> str:
        return with_password(self.url.text().strip(), self.password.text())

    def show_error(self, sentence: str) -> None:
        self.error.setText(sentence)
        self.error.show()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(not busy)
        if busy:
            self.error.setText("Reading the ledger…")
            self.error.show()


class GateBadge(QGraphicsItem):
    """A gate's real counts under its outline, the same size on screen at every zoom."""

    def __init__(self, parent: QGraphicsItem, text: str, tip: str, shown_in: QWidget) -> None:
        super().__init__(parent)
        self.text, self.shown_in = text, shown_in
        self.font = QFont()
        self.font.setPointSizeF(BADGE_POINT_SIZE)
        self.font.setBold(True)
        width = QFontMetricsF(self.font).horizontalAdvance(text) + 12
        height = QFontMetricsF(self.font).height() + 4
        self._rect = QRectF(-width / 2, 0, width, height)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setToolTip(literal(tip))
        self.setZValue(3)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if widget is not self.shown_in:
            return  # the overview and printouts draw the SOP, not figures at screen size
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_FILL)
        painter.drawRoundedRect(self._rect, 6, 6)
        painter.setPen(QColor("white"))
        painter.setFont(self.font)
        painter.drawText(self._rect, int(Qt.AlignmentFlag.AlignCenter), self.text)


def badge_text(stats: dict[str, Any]) -> str:
    """``real 3✓ 2✗ 2 held``: short enough to sit under a gate."""
    return f"real {stats['passed']}✓ {stats['rejected']}✗ {stats['held']} held"


class RealFigures(QObject):
    """The loaded figures and everything that shows them in one window."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.figures: dict[str, Any] | None = None
        self.badges: dict[str, GateBadge] = {}
        self._url = ""
        self._load: _Load | None = None
        self.dialog: LedgerDialog | None = None
        self.action = QAction("&Real-world figures…", window)
        self.action.setStatusTip("Show a decision ledger's real figures on the gates")
        self.action.triggered.connect(self.choose)
        menu.addAction(self.action)
        self.clear_action = QAction("Hi&de real-world figures", window)
        self.clear_action.triggered.connect(self.clear)
        self.clear_action.setEnabled(False)
        menu.addAction(self.clear_action)
        self.panel = self._inspector_panel()
        window.scene.selectionChanged.connect(self.show_selected)
        window.editor.documentReplaced.connect(self._document_replaced)
        self._watched: Sop | None = None
        self._document_replaced(window.editor.doc)

    def _inspector_panel(self) -> QLabel:
        """A label under the inspector's form (the dock then holds both)."""
        dock = self.window.inspector_dock
        inspector = dock.widget()
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(inspector, 1)
        label = QLabel()
        label.setAccessibleName("Real-world figures")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setStyleSheet("QLabel { border-top: 2px solid #0f766e; padding: 6px; }")
        label.hide()
        layout.addWidget(label)
        dock.setWidget(holder)
        return label

    # -- loading ------------------------------------------------------------------------

    def choose(self) -> None:
        """Ask where the ledger is, then read it (the dialog waits, showing any problem)."""
        self.dialog = dialog = LedgerDialog(self.window, self._url)
        dialog.buttons.accepted.connect(lambda: self._start(dialog))
        dialog.exec()
        self.dialog = None

    def _start(self, dialog: LedgerDialog) -> None:
        url = dialog.location()
        if not url:
            dialog.show_error("Name the ledger: an SQLite file or a postgresql:// URL.")
            return
        dialog.set_busy(True)
        doc = loads_document(dumps_document(self.window.editor.doc), "the open document")
        self._load = load = _Load(doc, url, self)
        load.loaded.connect(lambda figures: self._loaded(dialog, url, figures))
        load.failed.connect(dialog.show_error)
        load.finished.connect(load.deleteLater)
        load.start()

    def _loaded(self, dialog: LedgerDialog, url: str, figures: dict[str, Any]) -> None:
        self._url = dialog.url.text().strip()  # offered next time, without the password
        self.show_figures(figures)
        dialog.accept()

    # -- showing ------------------------------------------------------------------------

    def show_figures(self, figures: dict[str, Any] | None) -> None:
        self.figures = figures
        self.clear_action.setEnabled(figures is not None)
        self.refresh_badges()
        self.show_selected()
        if figures is not None:
            status = (
                f"Real-world figures of {len(figures.get('gates', {}))} gate(s) from "
                f"{figures['ledger']}, {period_text(figures)}"
                if has_data(figures)
                else f"{figures['ledger']} holds no decisions of this SOP yet"
            )
            self.window.statusBar().showMessage(status, 10000)

    def clear(self) -> None:
        self.show_figures(None)

    def refresh_badges(self) -> None:
        """A badge on every gate the figures name (items rebuilt since get new ones)."""
        try:
            nodes = self.window.scene.nodes
            self.window.scene.items()
        except RuntimeError:  # a queued refresh after the window was closed
            return
        for badge in self.badges.values():
            if badge.scene() is not None:
                badge.scene().removeItem(badge)
        self.badges.clear()
        gates = (self.figures or {}).get("gates", {})
        for gate_id, stats in gates.items():
            item = nodes.get(gate_id)
            if item is None:
                continue
            tip = "Real-world figures\n" + "\n".join(gate_details(stats))
            badge = GateBadge(item, badge_text(stats), tip, self.window.view.viewport())
            outline = item.outline().boundingRect()
            badge.setPos(outline.center().x(), outline.bottom() + 4)
            self.badges[gate_id] = badge

    def _document_replaced(self, doc: Sop) -> None:
        if self._watched is not None:
            self._watched.unsubscribe(self._on_event)
        self._watched = doc
        doc.subscribe(self._on_event)
        if self.figures is not None and self.figures.get("sop_id") != doc.id:
            self.clear()  # another SOP: these figures are not its own
        else:
            QTimer.singleShot(0, self.refresh_badges)

    def _on_event(self, event: Any) -> None:
        if self.figures is not None and event.change in ("node-added", "node-renamed"):
            QTimer.singleShot(0, self.refresh_badges)

    def show_selected(self) -> None:
        """The selected gate's real figures (and simulated ones, after a run) under the form."""
        try:
            items = self.window.scene.selectedItems()
        except RuntimeError:  # the window is being torn down: its scene clears its selection
            return
        selected = [item.node_id for item in items if hasattr(item, "node_id")]
        text = self.gate_text(selected[0]) if len(selected) == 1 else None
        self.panel.setVisible(text is not None)
        if text is not None:
            self.panel.setText(text)

    def gate_text(self, gate_id: str) -> str | None:
        """What the inspector says about ``gate_id``; None when there is nothing to say."""
        figures = self.figures
        doc = self.window.editor.doc
        if figures is None or not doc.has_node(gate_id) or doc.node(gate_id).kind != "gate":
            return None
        lines = [f"Real-world figures ({period_text(figures)})", f"Ledger: {figures['ledger']}"]
        stats = figures.get("gates", {}).get(gate_id)
        lines += gate_details(stats) if stats else ["no decisions recorded at this gate"]
        simulated = self._simulated(gate_id)
        if simulated is not None:
            wait = simulated.get("wait_hours_median")
            lines.append(
                "Simulated (latest run): "
                + gate_line(simulated)
                + ("" if wait is None else f", median wait {wait:.2f} h")
            )
        return "\n".join(lines)

    def _simulated(self, gate_id: str) -> dict[str, Any] | None:
        """The gate's figures from the simulation mode's latest run, if one ran."""
        mode = getattr(self.window, "_modes", {}).get("SimulationMode")
        result = getattr(mode, "result", None)
        if result is None:
            return None
        gates: dict[str, Any] = result.summary().get("gates", {})
        return gates.get(gate_id)


def install_real_figures(window: MainWindow, menu: QMenu) -> RealFigures:
    """Add View › Real-world figures… to ``menu``; the window keeps the returned object."""
    menu.addSeparator()
    return RealFigures(window, menu)
