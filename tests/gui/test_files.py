"""File handling in the designer: open, save, revert, recent files, drops, gallery, disk changes.

Also: the modified mark, workspace revisions and the unsaved-changes prompt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.model.io import dumps_document, load_document
from app.model.templates import list_templates, template_text
from app.store.workspace import Workspace
from app.ui.dialogs.gallery import TemplateGallery
from app.ui.files import KEPT_RECENT
from app.ui.main_window import MainWindow
from app.ui.plain import literal
from app.ui.preferences import Preferences
from tests.gui.dialogs import answer, discard_on_close

TEMPLATE = "deployment-gate"


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    path = tmp_path / "gate.sop.json"
    path.write_text(template_text(TEMPLATE), encoding="utf-8")
    return path


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    made = MainWindow()
    qtbot.addWidget(made)
    return made


def first_node(window: MainWindow) -> str:
    return window.editor.doc.nodes[0].id


def test_save_open_round_trip(qtbot, window: MainWindow, template_file: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert window.files.open_path(template_file)
    node = first_node(window)
    window.editor.set_property(node, "name", "Renamed stage")
    window.editor.set_document_property("title", "Edited SOP")
    window.editor.move({node: (520.0, 340.0)})
    target = tmp_path / "saved.sop.json"
    assert window.files.save_to(target)
    assert not window.isWindowModified()
    assert target.read_text(encoding="utf-8") == dumps_document(window.editor.doc)

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.files.open_path(target)
    assert dumps_document(again.editor.doc) == dumps_document(window.editor.doc)
    assert again.editor.doc.node(node).name == "Renamed stage"
    assert again.windowTitle().startswith("Edited SOP (saved.sop.json)")


def test_modified_mark_follows_undo_redo_and_save(window: MainWindow, template_file: Path) -> None:
    window.files.open_path(template_file)
    assert not window.isWindowModified()
    window.editor.set_property(first_node(window), "name", "Changed")
    assert window.isWindowModified()
    window.editor.stack.undo()
    assert not window.isWindowModified()
    window.editor.stack.redo()
    assert window.isWindowModified()
    assert window.files.save()
    assert not window.isWindowModified()
    window.editor.stack.undo()  # back before the save: differs from the file again
    assert window.isWindowModified()


def test_save_keeps_a_backup_and_saves_atomically(window: MainWindow, template_file: Path) -> None:
    before = template_file.read_text(encoding="utf-8")
    window.files.open_path(template_file)
    window.editor.set_property(first_node(window), "name", "Changed")
    assert window.files.save()
    assert Path(f"{template_file}.bak").read_text(encoding="utf-8") == before
    assert not list(template_file.parent.glob(".*.tmp"))


def test_save_as_changes_the_title_and_the_file(window: MainWindow, tmp_path: Path) -> None:
    target = tmp_path / "new.sop.json"
    from PySide6.QtWidgets import QFileDialog

    original = QFileDialog.getSaveFileName
    QFileDialog.getSaveFileName = staticmethod(lambda *a, **k: (str(target), ""))  # type: ignore[method-assign]
    try:
        assert window.files.save_as()
    finally:
        QFileDialog.getSaveFileName = original  # type: ignore[method-assign]
    assert window.files.path == target
    assert "(new.sop.json)" in window.windowTitle()
    assert load_document(target).id == window.editor.doc.id


def test_revert_reloads_after_confirmation(
    monkeypatch, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    node = first_node(window)
    original = window.editor.doc.node(node).name
    window.editor.set_property(node, "name", "Edited")

    asked = answer(monkeypatch, "Cancel")
    assert not window.files.revert()
    assert window.editor.doc.node(node).name == "Edited"
    assert "reload gate.sop.json" in asked[0]

    answer(monkeypatch, "Revert")
    assert window.files.revert()
    assert window.editor.doc.node(node).name == original
    assert not window.isWindowModified()
    assert dumps_document(window.editor.doc) == dumps_document(load_document(template_file))


def test_recent_files_newest_first_capped_and_pruned(window: MainWindow, tmp_path: Path) -> None:
    paths = []
    for number in range(KEPT_RECENT + 2):
        path = tmp_path / f"doc{number}.sop.json"
        path.write_text(template_text(TEMPLATE), encoding="utf-8")
        window.files.add_recent(path)
        paths.append(path)
    recent = window.files.recent_files()  # all kept: the start-up scan for journals reads them
    assert recent == list(reversed(paths))[:KEPT_RECENT]
    paths[-1].unlink()
    assert window.files.recent_files() == list(reversed(paths))[1:KEPT_RECENT]

    window.files.fill_recent_menu(window.recent_menu)
    labels = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert len(labels) == Preferences.recent_count + 1  # the menu shows as many as preferred
    assert labels[0] == f"&1 {paths[-2].name}"
    assert labels[-1] == "&Clear the list"
    window.recent_menu.actions()[0].trigger()
    assert window.files.path == paths[-2]


def _drop_event(paths: list[Path], kind: type = QDropEvent) -> QDropEvent:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = kind(
        QPointF(200, 200).toPoint() if kind is QDragEnterEvent else QPointF(200, 200),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    event._data = data  # keep the mime data alive with the event
    return event


def test_dropping_a_file_on_the_window_opens_it(
    qtbot, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    enter = _drop_event([template_file], QDragEnterEvent)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, _drop_event([template_file]))
    qtbot.waitUntil(lambda: window.files.path == template_file, timeout=3000)
    assert window.editor.doc.title == load_document(template_file).title


def test_dropping_a_file_on_the_canvas_opens_it(
    qtbot, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    viewport = window.view.viewport()
    enter = _drop_event([template_file], QDragEnterEvent)
    QApplication.sendEvent(viewport, enter)  # Qt delivers a drop only after its enter
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, _drop_event([template_file]))
    qtbot.waitUntil(lambda: window.files.path == template_file, timeout=3000)


def test_other_files_are_not_taken(window: MainWindow, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    enter = _drop_event([other], QDragEnterEvent)
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_a_save_is_recorded_as_a_revision(window: MainWindow, template_file: Path) -> None:
    window.files.open_path(template_file)
    window.editor.set_property(first_node(window), "name", "Changed")
    assert window.files.save()
    with Workspace.open() as workspace:
        revisions = workspace.revisions(window.editor.doc.id)
        content = workspace.revision(revisions[0]["id"])["content"]
    assert len(revisions) == 1
    assert revisions[0]["message"] == "saved from the designer"
    assert revisions[0]["path"] == str(template_file)
    assert content == template_file.read_text(encoding="utf-8")
    assert "revision" in window.statusBar().currentMessage()


def test_a_workspace_error_does_not_block_the_save(
    monkeypatch, window: MainWindow, template_file: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "a-folder"
    folder.mkdir()
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(folder))  # a folder is no workspace
    window.files.open_path(template_file)
    window.editor.set_property(first_node(window), "name", "Changed")
    assert window.files.save()
    assert load_document(template_file).nodes[0].name == "Changed"
    assert not window.isWindowModified()
    assert "revision was not recorded" in window.statusBar().currentMessage()


def test_close_asks_about_unsaved_changes(
    monkeypatch, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    window.show()
    window.editor.set_property(first_node(window), "name", "Changed")
    asked: list[str] = []

    def question(_parent, _title, text, *_args):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    assert not window.close()
    assert asked == [literal("Save the changes to gate.sop.json first?")]  # shown as typed
    assert window.isVisible()
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Save)
    )
    assert window.close()
    assert load_document(template_file).nodes[0].name == "Changed"


def test_new_and_open_ask_first(monkeypatch, window: MainWindow, template_file: Path) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    window.editor.set_property(first_node(window), "name", "Changed")
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a: QMessageBox.StandardButton.Cancel)
    )
    window.files.new_blank()
    assert window.files.path == template_file
    window.files.open_recent(template_file)
    assert window.editor.doc.nodes[0].name == "Changed"
    discard_on_close(monkeypatch)  # let the window close at teardown


def _rewrite(path: Path, title: str) -> str:
    text = template_text(TEMPLATE).replace(
        f'"title": "{load_document(path).title}"', f'"title": "{title}"', 1
    )
    path.write_text(text, encoding="utf-8")
    return text


def test_a_change_on_disk_asks_and_reload_reloads(
    qtbot, monkeypatch, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    window.editor.set_property(first_node(window), "name", "Mine")
    asked = answer(monkeypatch, "Reload")
    # The watcher's signal starts the settle timer, whose timeout checks the disk: wait
    # for that signal (on a busy machine, however long it takes), not for a deadline.
    with qtbot.waitSignal(window.files._settle.timeout, timeout=30_000):
        _rewrite(template_file, "Changed elsewhere")
    assert window.editor.doc.title == "Changed elsewhere"
    assert "changed by another program" in asked[0]
    assert not window.isWindowModified()
    assert window.editor.doc.nodes[0].name != "Mine"


def test_keep_mine_keeps_the_edits_as_unsaved(
    monkeypatch, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    title = window.editor.doc.title
    asked = answer(monkeypatch, "Keep mine")
    _rewrite(template_file, "Changed elsewhere")
    window.files.check_disk()
    assert len(asked) == 1
    assert window.editor.doc.title == title
    assert window.isWindowModified()
    window.files.check_disk()  # the same change is not asked about twice
    assert len(asked) == 1


def test_our_own_save_is_not_a_change_on_disk(
    qtbot, monkeypatch, window: MainWindow, template_file: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    asked = answer(monkeypatch, "Reload")
    window.editor.set_property(first_node(window), "name", "Changed")
    window.files.save()
    qtbot.wait(400)
    window.files.check_disk()
    assert asked == []
    assert str(template_file) in window.files.watcher.files()


def test_gallery_lists_templates_with_thumbnails(qtbot) -> None:  # type: ignore[no-untyped-def]
    gallery = TemplateGallery()
    qtbot.addWidget(gallery)
    infos = list_templates()
    assert gallery.list.count() == len(infos) + 1
    gallery.draw_all_thumbnails()
    for row, info in enumerate(infos, start=1):
        item = gallery.list.item(row)
        assert item.text() == info.title
        assert item.toolTip() == info.summary
        assert not item.icon().isNull()
    assert gallery.chosen_id == infos[0].id


def test_gallery_is_keyboard_driven(qtbot) -> None:  # type: ignore[no-untyped-def]
    gallery = TemplateGallery()
    qtbot.addWidget(gallery)
    gallery.show()
    gallery.list.setFocus()
    QTest.keyClick(gallery.list, Qt.Key.Key_Down)
    assert gallery.chosen_id == list_templates()[1].id
    QTest.keyClick(gallery.list, Qt.Key.Key_Home)
    assert gallery.chosen_id is None  # the blank SOP
    QTest.keyClick(gallery.list, Qt.Key.Key_Down)
    QTest.keyClick(gallery.list, Qt.Key.Key_Return)
    assert gallery.result() == QDialog.DialogCode.Accepted
    assert gallery.chosen_id == list_templates()[0].id


def test_new_from_the_gallery_opens_the_template_untitled(monkeypatch, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    chosen = list_templates()[2]

    def choose(gallery: TemplateGallery) -> int:
        gallery.list.setCurrentRow(3)
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(TemplateGallery, "exec", choose)
    window.files.new_from_gallery()
    assert window.editor.doc.title == chosen.title
    assert window.files.path is None
    assert not window.isWindowModified()


def test_a_broken_file_is_refused_with_a_message(
    qtbot, monkeypatch, window: MainWindow, template_file: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    window.files.open_path(template_file)
    broken = tmp_path / "broken.sop.json"
    broken.write_text('{"format": "gatewright.sop/1", "nodes": [', encoding="utf-8")
    warnings: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _parent, _title, text: warnings.append(text))
    )
    enter = _drop_event([broken], QDragEnterEvent)
    QApplication.sendEvent(window, enter)
    QApplication.sendEvent(window, _drop_event([broken]))
    qtbot.waitUntil(lambda: bool(warnings), timeout=3000)
    assert str(broken) in warnings[0]
    assert window.files.path == template_file


def test_dropping_several_files_opens_each_in_a_window(
    qtbot, window: MainWindow, template_file: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from app.ui import main_window

    second = tmp_path / "second.sop.json"
    second.write_text(template_text("startup-lightweight"), encoding="utf-8")
    broken = tmp_path / "broken.sop.json"
    broken.write_text("{", encoding="utf-8")
    before = list(main_window._KEPT)
    # (the broken file's warning is answered by the suite's no_modal_dialogs fixture)
    QApplication.sendEvent(window, _drop_event([template_file], QDragEnterEvent))
    QApplication.sendEvent(window, _drop_event([template_file, second, broken]))
    qtbot.waitUntil(lambda: window.files.path == template_file, timeout=3000)
    qtbot.waitUntil(lambda: len(main_window._KEPT) == len(before) + 1, timeout=3000)
    other = main_window._KEPT[-1]
    assert other.files.path == second.absolute() and other.isVisible()
    assert other.editor.doc.title == load_document(second).title
    other.close()
    assert other not in main_window._KEPT
