"""Hostile text in the designer: refused where it is typed or pasted, with the reason; a
journal write, a save or an auto-layout that fails anyway is said in the window."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.model.io import dumps_document, load_document
from app.model.templates import template_text
from app.ui import journal as journal_module
from app.ui.append import append_node
from app.ui.dialogs import recovery
from app.ui.journal import find_journals, lock_path, read_journal
from app.ui.main_window import MainWindow
from tests.gui.inspecting import select, shown_errors, widget

CONTROL = Qt.KeyboardModifier.ControlModifier
NODE = "production-gate"

HOSTILE = [
    ("Bad\x00name", "a NUL character (U+0000) at position 4"),
    ("Bell\x07", "a control character (U+0007) at position 5"),
    ("Two\nlines", "a line break (U+000A) at position 4"),
    ("Escape\x1b[31m", "a control character (U+001B) at position 7"),
]


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the warning dialogs said (they are answered at once)."""
    said: list[str] = []

    def warn(_parent, title, text, *_a, **_k):  # type: ignore[no-untyped-def]
        said.append(f"{title}: {text}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warn)
    return said


def paste_into_focus(text: str, enter: bool = True) -> None:
    """Paste ``text`` with Ctrl+V into whatever has the keyboard, as a person would."""
    QApplication.clipboard().setText(text)
    focused = QApplication.focusWidget()
    assert focused is not None
    QTest.keyClick(focused, Qt.Key.Key_A, CONTROL)
    QTest.keyClick(focused, Qt.Key.Key_V, CONTROL)
    if enter:
        QTest.keyClick(focused, Qt.Key.Key_Return, CONTROL)  # Ctrl+Enter: text blocks too


def _focus(qtbot, field) -> None:  # type: ignore[no-untyped-def]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)


@pytest.mark.parametrize(("text", "reason"), HOSTILE)
def test_a_hostile_node_name_is_refused_where_it_is_pasted(
    qtbot, window: MainWindow, text: str, reason: str
) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    before = dumps_document(window.editor.doc)
    depth = window.editor.stack.count()
    form = select(window, NODE)
    _focus(qtbot, widget(form, "Name"))
    paste_into_focus(text)
    assert any(reason in message for message in shown_errors(form)), shown_errors(form)
    assert window.editor.stack.count() == depth  # nothing was accepted
    assert dumps_document(window.editor.doc) == before
    assert widget(form, "Name").text() == window.editor.doc.node(NODE).name


def test_an_empty_node_name_is_refused(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window, NODE)
    name = widget(form, "Name")
    _focus(qtbot, name)
    QTest.keyClick(name, Qt.Key.Key_A, CONTROL)
    QTest.keyClick(name, Qt.Key.Key_Delete)
    QTest.keyClicks(name, "   ")
    QTest.keyClick(name, Qt.Key.Key_Return)
    assert any("must not be empty" in message for message in shown_errors(form))
    assert window.editor.doc.node(NODE).name == "Security and compliance gate"


@pytest.mark.parametrize("label", ["Description", "Note"])
def test_a_nul_in_a_text_block_is_refused(qtbot, window: MainWindow, label: str) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window, NODE)
    _focus(qtbot, widget(form, label))
    before = dumps_document(window.editor.doc)
    paste_into_focus("Line one\nline two\x00")
    assert any("NUL character" in message for message in shown_errors(form))
    assert dumps_document(window.editor.doc) == before
    paste_into_focus("Line one\nline two")  # line breaks are fine in a block of text
    assert window.editor.doc.node(NODE).model_dump()[label.lower()] == "Line one\nline two"


def test_a_hostile_sop_title_is_refused(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    window.select_none()
    form = window.inspector.form
    _focus(qtbot, widget(form, "Title"))
    title = window.editor.doc.title
    paste_into_focus("Release\x00SOP")
    assert any("NUL character" in message for message in shown_errors(form))
    assert window.editor.doc.title == title


def test_an_appended_node_refuses_a_hostile_name_and_keeps_its_own(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    stage = next(n.id for n in window.editor.doc.nodes if n.kind == "stage")
    gate = append_node(window, "gate", stage)
    assert gate is not None
    default = window.editor.doc.node(gate).name
    paste_into_focus("Gate\x00", enter=False)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert any("NUL character" in m for m in shown_errors(window.inspector.form))
    assert window.editor.doc.node(gate).name == default
    # the name field still has the keyboard: the next try goes in
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, CONTROL)
    QTest.keyClicks(QApplication.focusWidget(), "Second review")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.editor.doc.node(gate).name == "Second review"


def test_after_a_refusal_the_journal_and_save_still_work(
    qtbot, tmp_path: Path, warnings: list[str]
) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "gate.sop.json"
    document.write_text(template_text("deployment-gate"), encoding="utf-8")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.files.open_path(document)
    form = select(window, NODE)
    _focus(qtbot, widget(form, "Name"))
    paste_into_focus("Evil\x00")
    paste_into_focus("Release gate")
    window.files.journal.flush()
    assert read_journal(window.files.journal.path).text == dumps_document(window.editor.doc)
    QTest.keyClick(window, Qt.Key.Key_S, CONTROL)
    assert load_document(document).node(NODE).name == "Release gate"
    assert warnings == []


# -- failures that happen anyway are said in the window -----------------------------------


def test_a_journal_that_cannot_be_serialised_is_reported_once(
    qtbot, window: MainWindow, warnings: list[str], monkeypatch: pytest.MonkeyPatch, capfd
) -> None:  # type: ignore[no-untyped-def]
    def refuse(_doc):  # type: ignore[no-untyped-def]
        raise ValueError("Error serializing to JSON: surrogates not allowed")

    monkeypatch.setattr(journal_module, "dumps_document", refuse)
    for name in ("One", "Two"):
        window.editor.set_property(NODE, "name", name)
        window.files.journal.flush()
    assert "cannot write the recovery journal" in window.statusBar().currentMessage()
    assert len(warnings) == 1 and "surrogates not allowed" in warnings[0]
    assert "Traceback" not in capfd.readouterr().err


def test_a_journal_folder_that_cannot_be_written_is_reported(
    qtbot, window: MainWindow, warnings: list[str], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    window.files.journal.path = blocker / "journal"
    window.editor.set_property(NODE, "name", "Edited")
    window.files.journal.flush()
    assert "cannot write the recovery journal" in window.statusBar().currentMessage()
    assert len(warnings) == 1 and "Unsaved edits are not protected" in warnings[0]


def test_a_save_that_fails_anyway_is_reported(
    qtbot, window: MainWindow, warnings: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from app.ui import files

    def refuse(*_a, **_k):  # type: ignore[no-untyped-def]
        raise ValueError("Error serializing to JSON: surrogates not allowed")

    monkeypatch.setattr(files, "save_document", refuse)
    window.editor.set_property(NODE, "name", "Edited")
    assert not window.files.save_to(tmp_path / "out.sop.json")
    assert "Not saved" in window.statusBar().currentMessage()
    assert len(warnings) == 1 and "nothing was lost" in warnings[0]
    assert window.isWindowModified()
    assert window.editor.doc.node(NODE).name == "Edited"


def test_an_auto_layout_that_fails_says_so(
    qtbot, window: MainWindow, warnings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    def broken(*_args) -> dict:  # type: ignore[no-untyped-def]
        raise RuntimeError("dot crashed (exit 1)")

    monkeypatch.setattr("app.ui.auto_layout.LayoutJob.run", broken)
    before = dumps_document(window.editor.doc)
    depth = window.editor.stack.count()
    window.view.setFocus()
    with qtbot.waitSignal(window.layout_runner.finished, timeout=60_000):  # a worker thread
        QTest.keyClick(window.view, Qt.Key.Key_L, CONTROL)
    assert "Auto-layout failed: dot crashed (exit 1)" in window.statusBar().currentMessage()
    assert len(warnings) == 1 and "Nothing was moved" in warnings[0]
    assert dumps_document(window.editor.doc) == before and window.editor.stack.count() == depth


# -- two designers on one file ---------------------------------------------------------


def _as_if_killed(window: MainWindow) -> Path:
    """Leave ``window``'s journal as a killed designer leaves it: the journal, and a lock
    file naming a process that has ended."""
    journal = window.files.journal.path
    lock = lock_path(journal)
    window.files.journal._release_lock()  # this process lives on: its lock is let go of
    code = (
        "import os, sys\n"
        "from PySide6.QtCore import QCoreApplication, QLockFile\n"
        "app = QCoreApplication([])\n"
        "lock = QLockFile(sys.argv[1]); assert lock.tryLock(0)\n"
        "os._exit(0)\n"  # ends holding it, as a killed process does
    )
    subprocess.run([sys.executable, "-c", code, str(lock)], check=True)
    assert lock.exists()
    return journal


def test_two_designers_on_one_file_keep_their_own_journals(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "gate.sop.json"
    document.write_text(template_text("deployment-gate"), encoding="utf-8")
    offered: list[object] = []

    def restore(_parent, entry):  # type: ignore[no-untyped-def]
        offered.append(entry)
        return "restore"

    monkeypatch.setattr(recovery, "ask_recovery", restore)
    first, second = MainWindow(), MainWindow()
    for window in (first, second):
        qtbot.addWidget(window)
        assert window.files.open_path(document)
    first.editor.set_property(NODE, "name", "First designer's gate")
    first.files.journal.flush()
    second.editor.set_property(NODE, "description", "Second designer's words")
    second.files.journal.flush()
    assert first.files.journal.path != second.files.journal.path
    assert find_journals([document]) == []  # both owners live: neither is offered
    assert second.files.save()  # the second one's save...
    assert first.files.journal.path.exists()  # ...leaves the first one's journal alone
    assert not second.files.journal.path.exists()
    first_edits = dumps_document(first.editor.doc)
    journal = _as_if_killed(first)  # now the first one is killed
    found = find_journals([document])
    assert [entry.file for entry in found] == [journal]
    third = MainWindow()
    qtbot.addWidget(third)
    assert third.files.open_path(document)
    assert len(offered) == 1
    assert dumps_document(third.editor.doc) == first_edits  # nothing of the first is lost
    assert third.isWindowModified()
    assert json.loads(third.files.journal.path.read_text(encoding="utf-8"))["document"] == (
        first_edits
    )
    for window in (first, second, third):
        window.editor.stack.setClean()
