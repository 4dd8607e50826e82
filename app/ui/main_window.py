"""The designer's main window: canvas, palette, inspector, problems, outline, menus."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QUndoView,
    QWidget,
)

from app import __version__
from app.model.document import Sop, new_document
from app.model.errors import ModelError
from app.model.events import ChangeBatch
from app.ui.auto_layout import AutoLayout
from app.ui.canvas.items import GRID
from app.ui.canvas.overview import Overview
from app.ui.canvas.placing import paste_offset
from app.ui.canvas.scene import SopScene
from app.ui.canvas.view import SopView
from app.ui.editor import DocumentEditor
from app.ui.features import install_features
from app.ui.files import FileController
from app.ui.insert_menu import build_insert_menu, insert_node
from app.ui.panels.find import FindPanel
from app.ui.panels.outline import OutlinePanel
from app.ui.panels.palette import Palette
from app.ui.panels.problems import ProblemsPanel
from app.ui.preferences import (
    DIM_PAPER,
    PAPER,
    Preferences,
    apply_colour_scheme,
    is_dark,
    load_preferences,
    save_preferences,
)
from app.ui.real_figures import install_real_figures
from app.ui.undo_buttons import add_undo_buttons
from app.ui.validation_setup import ValidationSetup
from app.ui.window_size import place_window, save_placement
from app.validate.diagnostics import Diagnostic
from app.validate.engine import validate_cached

if TYPE_CHECKING:
    from app.ui.journal import JournalEntry
    from app.ui.simulation.drill_mode import DrillMode
    from app.ui.simulation.mode import SimulationMode

_RANK = {"error": 0, "warning": 1, "info": 2}


class MainWindow(QMainWindow):
    def __init__(self, doc: Sop | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.editor = DocumentEditor(doc or new_document(), self)
        self.files = FileController(self, self.editor)
        self.scene = SopScene(self.editor)
        self.view = SopView(self.scene, self)
        self.setCentralWidget(self.view)
        self.clipboard: dict | None = None
        self.diagnostics: list[Diagnostic] = []
        self.validation_setup = ValidationSetup()
        self._validation = QTimer(self, singleShot=True, interval=Preferences.validation_delay_ms)
        self._validation.timeout.connect(self.revalidate)
        self.layout_runner = AutoLayout(self)
        self._build_docks()
        self._build_actions()
        self._build_status()
        self.editor.documentReplaced.connect(self._document_replaced)
        self.editor.stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.editor.changed.connect(self._changed)
        self.scene.selectionChanged.connect(self._selection_changed)
        self.scene.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.scene.armed.connect(self.palette.show_armed)
        place_window(self, QSettings())
        self._install_modes()
        install_features(self)  # append, arrange, copy as image, print, getting started
        self._follow_preferences()
        self._document_replaced(self.editor.doc)

    # -- layout ------------------------------------------------------------------------

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower().replace(' ', '-')}")
        dock.setWidget(widget)
        widget.setAccessibleName(title)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        from app.ui.panels.inspector import InspectorPanel

        self.palette = Palette()
        self.palette.kindChosen.connect(self._arm_palette)
        self.palette.kindInserted.connect(lambda kind: insert_node(self, kind))
        self.outline = OutlinePanel()
        self.outline.elementChosen.connect(self.select_element)
        self.outline.documentChosen.connect(self.scene.select_none)
        self.inspector = InspectorPanel(self.editor)
        self.problems = ProblemsPanel()
        self.problems.elementChosen.connect(self.select_element)
        self.problems.elementOpened.connect(self._open_in_inspector)
        self.undo_view = QUndoView(self.editor.stack)
        self.overview = Overview(self.scene, self.view)
        self.find_panel = FindPanel(lambda: self.editor.doc)
        self.find_panel.elementChosen.connect(self.select_element)
        self.find_panel.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock("Palette", self.palette, left)
        self.outline_dock = self._dock("Outline", self.outline, left)
        self.find_dock = self._dock("Find", self.find_panel, left)
        self.tabifyDockWidget(self.outline_dock, self.find_dock)
        self.outline_dock.raise_()
        self.inspector_dock = self._dock("Inspector", self.inspector, right)
        self.history_dock = self._dock("History", self.undo_view, right)
        self.overview_dock = self._dock("Overview", self.overview, right)
        self.tabifyDockWidget(self.inspector_dock, self.history_dock)
        self.inspector_dock.raise_()
        self.problems_dock = self._dock(
            "Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        self.resizeDocks([self.palette_dock, self.inspector_dock], [210, 360], horizontal)
        self.resizeDocks([self.inspector_dock, self.overview_dock], [520, 180], vertical)
        self.resizeDocks([self.problems_dock], [110], vertical)

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text.replace("&", ""))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        bar = self.menuBar()
        self._build_file_menu()

        edit = self.edit_menu = bar.addMenu("&Edit")
        undo = self.editor.stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence(keys.Undo))
        redo = self.editor.stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence(keys.Redo))
        edit.addActions([undo, redo])
        edit.addSeparator()
        self._action(edit, "Cu&t", self.cut, keys.Cut)
        self._action(edit, "&Copy", self.copy, keys.Copy)
        self._action(edit, "&Paste", self.paste, keys.Paste)
        self._action(edit, "Dupl&icate", self.duplicate, "Ctrl+D")
        self._action(edit, "&Delete", self.delete_selection, keys.Delete)
        self._action(edit, "Select &all", self.select_all, keys.SelectAll)
        self._action(
            edit,
            "Select n&one",
            self.select_none,
            "Ctrl+Shift+A",
            "Clear the selection: the inspector shows the SOP's title, roles, metrics and tiers",
        )
        name = self._action(edit, "Edit &name", self.edit_name, "F2", "Type the selection's name")
        # F2 elsewhere (a table cell in the inspector) keeps its usual meaning: edit the cell.
        name.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for widget in (self.view, self.outline, self.palette, self.problems):
            widget.addAction(name)
        edit.addSeparator()
        self._action(edit, "&Find…", self.find, keys.Find)
        self._action(edit, "Find ne&xt", self.find_next, keys.FindNext)
        self._action(edit, "Find pre&vious", lambda: self.find_next(False), keys.FindPrevious)
        arrange = self.layout_menu = edit.addMenu("Auto-&layout")
        run = self.layout_runner.start
        self._action(arrange, "&Top to bottom", lambda: run("TB"), "Ctrl+L")
        self._action(arrange, "&Left to right", lambda: run("LR"), "Ctrl+Shift+L")
        edit.addSeparator()
        own = keys.Preferences if QKeySequence.keyBindings(keys.Preferences) else "Ctrl+,"
        preferences = self._action(edit, "Pr&eferences…", self.show_preferences, own)
        preferences.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.insert_menu = build_insert_menu(self)

        view = bar.addMenu("&View")
        self._action(view, "Zoom &in", lambda: self.view.zoom_by(1.2), keys.ZoomIn)
        self._action(view, "Zoom &out", lambda: self.view.zoom_by(1 / 1.2), keys.ZoomOut)
        self._action(view, "&Actual size", lambda: self.view.set_zoom(1.0), "Ctrl+0")
        self._action(view, "&Fit to window", self.view.fit, "Ctrl+9")
        self._action(view, "Zoom to &selection", self.zoom_to_selection, "Ctrl+8")
        self.real_figures = install_real_figures(self, view)
        view.addSeparator()
        for dock in (
            self.palette_dock,
            self.outline_dock,
            self.find_dock,
            self.inspector_dock,
            self.history_dock,
            self.overview_dock,
            self.problems_dock,
        ):
            view.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, keys.HelpContents)
        self._action(help_menu, "&About Gatewright", self.show_about)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("toolbar-main")
        add_undo_buttons(toolbar, self.editor.stack)

    def _build_status(self) -> None:
        self.zoom_label = QLabel("100%")
        self.selection_label = QLabel("")
        self.validity_label = QLabel("")
        for label in (self.selection_label, self.validity_label, self.zoom_label):
            self.statusBar().addPermanentWidget(label)
        self.view.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))

    # -- document state ----------------------------------------------------------------

    def _document_replaced(self, doc: Sop) -> None:
        self.outline.show_document(doc)
        self.inspector.show_selection([])
        self._update_title()
        self.revalidate()
        self.view.open_document(doc)

    def _changed(self, batch: ChangeBatch) -> None:
        """One finished edit (the canvas and the inspector follow it themselves)."""
        self._update_title()
        self._validation.start()
        # Moves change only the layout: the outline (names, kinds, criteria) stays as it is.
        if not batch.layout_only:
            self.outline.show_document(self.editor.doc)
            self.find_panel.refresh()

    def _update_title(self) -> None:
        self.setWindowTitle(
            f"{self.editor.doc.title} ({self.files.display_name()})[*] - Gatewright"
        )
        self.setWindowModified(not self.editor.stack.isClean())

    def _reload_validation_setup(self, path: Path | None) -> None:
        """A file opened (or reopened, or saved elsewhere): read its policy and lint file."""
        self.validation_setup.reload(path)
        self.revalidate()

    def revalidate(self) -> None:
        setup = self.validation_setup.for_path(self.files.path)
        self.diagnostics = setup.problems + validate_cached(
            self.editor.doc, setup.settings, setup.policy
        )
        worst: dict[str, tuple[str, str]] = {}
        for d in self.diagnostics:
            for element in d.elements:
                if element not in worst or _RANK[d.severity] < _RANK[worst[element][0]]:
                    worst[element] = (d.severity, d.message)
        self.scene.set_problems(worst)
        self.problems.show_diagnostics(self.diagnostics)
        errors = sum(d.severity == "error" for d in self.diagnostics)
        warnings = sum(d.severity == "warning" for d in self.diagnostics)
        self.validity_label.setText(
            "✔ valid"
            if not errors and not warnings
            else f"{errors} error(s), {warnings} warning(s)"
        )

    # -- selection ---------------------------------------------------------------------

    def _selection_changed(self) -> None:
        ids = self.scene.selected_ids()
        self.selection_label.setText(f"{len(ids)} selected" if ids else "")
        self.inspector.show_selection(ids)
        self.outline.follow(ids)

    def select_element(self, element_id: str) -> None:
        """Select an element and bring it to the view's centre at a legible zoom."""
        self.scene.select_ids([element_id])
        self.view.show_element(element_id)

    def zoom_to_selection(self) -> None:
        if not self.view.zoom_to_selection():
            self.statusBar().showMessage("Select something to zoom to", 5000)

    def _open_in_inspector(self, element_id: str) -> None:
        self.select_element(element_id)
        self.inspector_dock.raise_()
        self.inspector.setFocus()

    def edit_name(self) -> None:
        """F2: the inspector's Name field (Id for an edge), ready to be typed over."""
        if len(self.scene.selected_ids()) != 1:
            self.statusBar().showMessage("Select one element to name, then F2", 6000)
            return
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        if not self.inspector.focus_field("Name"):
            self.inspector.focus_field("Id")

    def _arm_palette(self, kind: str) -> None:
        self.scene.pending_kind = kind
        self.statusBar().showMessage(f"Click on the canvas to place a {kind} (Esc: cancel)", 5000)

    # -- edit commands -----------------------------------------------------------------

    def copy(self) -> None:
        ids = self.scene.selected_ids()
        if ids:
            self.clipboard = self.editor.copy(ids)
            QApplication.clipboard().setText(", ".join(ids))

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        if self.clipboard:
            self._paste(self.clipboard)

    def duplicate(self) -> None:
        ids = self.scene.selected_ids()
        if ids:
            self._paste(self.editor.copy(ids))

    def _paste(self, payload: dict) -> None:  # type: ignore[type-arg]
        """Paste beside the copied nodes, where the copies cover none on the canvas."""
        offset = paste_offset(self.scene, payload, self.scene.grid or GRID)
        self.scene.select_ids(self.editor.paste(payload, offset))

    def delete_selection(self) -> None:
        self.editor.delete(self.scene.selected_ids())

    def select_none(self) -> None:
        self.scene.select_none()
        self.view.setFocus()

    def select_all(self) -> None:
        for item in self.scene.items():
            item.setSelected(bool(item.data(0)))

    def find(self) -> None:
        """Ctrl+F: the Find panel, its search box ready to type in."""
        self.find_dock.show()
        self.find_dock.raise_()
        self.find_panel.start()

    def find_next(self, forward: bool = True) -> None:
        """F3 / Shift+F3: the next (previous) match; with nothing looked for yet, Find."""
        if not self.find_panel.step_from(self.scene.selected_ids(), forward):
            self.find()

    # -- files: File menu, Export submenu, dropped files ---------------------------------

    def _build_file_menu(self) -> None:
        from app.ui.exporting import EXPORTS, ExportController
        from app.ui.files import SopFileDrop

        keys = QKeySequence.StandardKey
        files = self.files
        file_menu = self.file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&New", files.new_blank, keys.New)
        self._action(file_menu, "New from &template…", self.new_from_template, "Ctrl+Shift+N")
        self._action(file_menu, "&Open…", files.open_dialog, keys.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(lambda: files.fill_recent_menu(self.recent_menu))
        files.fill_recent_menu(self.recent_menu)
        self.save_action = self._action(file_menu, "&Save", files.save, keys.Save)
        self._action(file_menu, "Save &as…", files.save_as, keys.SaveAs)
        self.revert_action = self._action(
            file_menu, "Re&vert", files.revert, tip="Reload the document from disk"
        )
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("&Export")
        self.exports = ExportController(self, self.editor, lambda: files.path)
        for choice in EXPORTS:
            self._action(
                self.export_menu,
                choice.label,
                lambda key=choice.key: self.exports.export_dialog(key),
                tip=f"Export the SOP as {choice.title}",
            )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, keys.Quit)

        show = lambda text: self.statusBar().showMessage(text, 8000)  # noqa: E731
        files.message.connect(show)
        self.exports.message.connect(show)
        files.pathChanged.connect(lambda _path: self._update_title())
        files.pathChanged.connect(self._reload_validation_setup)
        self.setAcceptDrops(True)
        self._file_drop = SopFileDrop(files)
        self.installEventFilter(self._file_drop)
        # The canvas takes drags for its palette; SOP files dropped on it open too.
        self.view.viewport().installEventFilter(self._file_drop)

    def new_from_template(self) -> None:
        self.files.new_from_gallery()

    def open_path(self, path: str) -> None:
        self.files.open_path(path)

    # -- appearance --------------------------------------------------------------------

    def _follow_preferences(self) -> None:
        self.apply_preferences(load_preferences())
        # A bound method: PySide disconnects it when the window goes (a lambda would keep
        # every closed window alive, and call into it).
        QApplication.styleHints().colorSchemeChanged.connect(self._system_scheme_changed)

    def _system_scheme_changed(self, _scheme: Qt.ColorScheme) -> None:
        self._paint_canvas()

    def apply_preferences(self, preferences: Preferences) -> None:
        """Use ``preferences`` in this window (every window does, when they change)."""
        self.preferences = preferences
        apply_colour_scheme(preferences.colour_scheme)
        self._paint_canvas()
        self.scene.grid = preferences.grid if preferences.snap_to_grid else 0
        self._validation.setInterval(preferences.validation_delay_ms)
        self.files.max_recent = preferences.recent_count

    def _paint_canvas(self) -> None:
        """Widgets take the scheme's palette; the canvas is a page, so in a dark scheme it
        dims to a grey paper instead of turning black, keeping every node and edge colour of
        the shared visual language legible."""
        dark = is_dark(self.preferences.colour_scheme)
        self.scene.setBackgroundBrush(QColor(DIM_PAPER if dark else PAPER))

    def show_preferences(self) -> None:
        from app.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.preferences, self)
        accepted = dialog.exec() == PreferencesDialog.DialogCode.Accepted
        chosen = dialog.chosen()
        dialog.deleteLater()
        if not accepted:
            return
        save_preferences(chosen)
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.apply_preferences(chosen)

    # -- simulation and drill modes ----------------------------------------------------

    def _install_modes(self) -> None:
        """The mode actions now; the modes themselves (the simulator, drills and their docks)
        are built the first time one is used, so that opening the designer does not wait
        for them."""
        self._modes: dict[str, Any] = {}
        self.simulation_action = QAction("&Simulation mode", self, checkable=True)
        self.simulation_action.setShortcut(QKeySequence("F5"))
        self.simulation_action.setStatusTip(
            "Run the SOP against a scenario; editing is locked meanwhile"
        )
        self.simulation_action.toggled.connect(lambda on: self.simulation.set_active(on))
        self.drill_action = QAction("&Drill mode", self, checkable=True)
        self.drill_action.setShortcut(QKeySequence("F6"))
        self.drill_action.setStatusTip("Rehearse a rollback incident step by step")
        self.drill_action.toggled.connect(lambda on: self.drill.set_active(on))
        # One mode at a time: each locks editing and colours the canvas its own way.
        modes = QActionGroup(self)
        modes.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        modes.addAction(self.simulation_action)
        modes.addAction(self.drill_action)
        self.trainer_action = QAction("&Trainer view…", self)
        self.trainer_action.triggered.connect(lambda: self.drill.show_trainer_view())
        menu = self.menuBar().addMenu("&Simulate")
        menu.addActions([self.simulation_action, self.drill_action, self.trainer_action])
        toolbar = self.addToolBar("Modes")
        toolbar.setObjectName("toolbar-modes")
        toolbar.addActions([self.simulation_action, self.drill_action])

    def _mode(self, module: str, name: str, action: QAction) -> Any:
        """The mode class ``name`` of ``app.ui.simulation.<module>``, built on first use."""
        if name not in self._modes:
            with busy():
                mode = getattr(importlib.import_module(f"app.ui.simulation.{module}"), name)
                self._modes[name] = mode(self, action)
        return self._modes[name]

    @property
    def simulation(self) -> SimulationMode:
        """Simulation mode (F5), built on first use."""
        return self._mode("mode", "SimulationMode", self.simulation_action)  # type: ignore[no-any-return]

    @property
    def drill(self) -> DrillMode:
        """Drill mode (F6) and the trainer view, built on first use."""
        return self._mode("drill_mode", "DrillMode", self.drill_action)  # type: ignore[no-any-return]

    def set_editing_locked(self, locked: bool) -> None:
        """Simulation and drills lock editing, as token simulation does in bpmn-js."""
        self.scene.end_nudge()  # a move under way is recorded before the lock
        self.scene.locked = locked
        for item in self.scene.nodes.values():
            item.setFlag(item.GraphicsItemFlag.ItemIsMovable, not locked)
        for widget in (self.palette, self.inspector):
            widget.setEnabled(not locked)
        for action in (*self.edit_menu.actions(), *self.insert_menu.actions()):
            action.setEnabled(not locked)
        self.statusBar().showMessage(
            "Editing is locked while a simulation or drill runs" if locked else "Editing unlocked",
            4000,
        )

    # -- dialogs -----------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        from app.ui.dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        from app.ui.dialogs.about import show_about

        show_about(self, __version__)

    # -- settings and closing ----------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.files.close_cleanly()  # saved or knowingly discarded: no journal to recover
        save_placement(self, QSettings())
        if not getattr(self, "_closed", False):  # a window may be closed twice
            self._closed = True
            if self in _KEPT:
                _KEPT.remove(self)
                self.deleteLater()
            self.scene.selectionChanged.disconnect(self._selection_changed)
            # Deleting the window deletes the undo stack, whose clear() would still signal
            # the title and journal handlers of a half-destroyed window.
            self.editor.stack.cleanChanged.disconnect()
            self.editor.stack.indexChanged.disconnect()
            self.editor.changed.disconnect()
        event.accept()

    def try_edit(self, action) -> bool:  # type: ignore[no-untyped-def]
        """Run an edit; a refusal shows in the status bar instead of a dialog."""
        try:
            action()
        except ModelError as error:
            self.statusBar().showMessage(str(error), 8000)
            return False
        return True


@contextmanager
def busy() -> Iterator[None]:
    """A wait cursor while the block runs (building a mode the first time it is used)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


_KEPT: list[MainWindow] = []
"""Windows opened from another one (further dropped files), kept alive until they close."""


def open_window(path: str | Path) -> MainWindow | None:
    """A new designer window on ``path``, shown; None (and no window) when it cannot open."""
    return _new_window(lambda window: window.files.open_path(Path(path)))


def restore_window(entry: JournalEntry) -> MainWindow | None:
    """A new designer window holding the unsaved edits of ``entry``, shown."""
    return _new_window(lambda window: window.files.restore(entry))


def _new_window(load: Callable[[MainWindow], bool]) -> MainWindow | None:
    window = MainWindow()
    if not load(window):
        window.files.close_cleanly()
        window.deleteLater()
        return None
    _KEPT.append(window)
    window.show()
    return window
