"""The recovery journal: a designer killed mid-session loses no committed edit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QMessageBox

from app.model.io import dumps_document, load_document
from app.model.templates import load_template, template_text
from app.ui import launch
from app.ui.dialogs import recovery
from app.ui.dialogs.recovery import RecoveryDialog
from app.ui.editor import DocumentEditor
from app.ui.journal import (
    find_journals,
    journal_folder,
    journal_path_for,
    journal_payload,
    read_journal,
)
from app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "rollback-procedure"

EDITS = """
node = editor.doc.nodes[0].id
editor.set_property(node, "name", "Edited before the crash")
editor.set_document_property("title", "Crash test SOP")
editor.move({node: (777.0, 333.0)})
editor.add_node("check", (900.0, 120.0), "Checked after the crash")
"""

DESIGNER = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
from app.model.templates import load_template
from app.ui.main_window import MainWindow

window = MainWindow()
mode, target = sys.argv[1], sys.argv[2]
if mode == "file":
    window.files.open_path(target)
else:
    window.files.adopt(load_template(target), None)
window.show()
editor = window.editor
# Nothing is flushed by hand: the journal writes once the event loop runs.
window.files.journal.written.connect(lambda path: print("READY", path, flush=True))
exec(sys.argv[3])
QTimer.singleShot(20000, app.quit)  # never reached: the test kills the process first
app.exec()
"""


@pytest.fixture(autouse=True)
def _no_blocking_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
    )


def choose(monkeypatch: pytest.MonkeyPatch, choice: str) -> list[object]:
    offered: list[object] = []

    def ask(_parent: object, entry: object) -> str:
        offered.append(entry)
        return choice

    monkeypatch.setattr(recovery, "ask_recovery", ask)
    return offered


def expected_after_edits(doc_text: str) -> str:
    from app.model.io import loads_document

    editor = DocumentEditor(loads_document(doc_text))
    exec(EDITS, {"editor": editor})
    return dumps_document(editor.doc)


def run_and_kill(mode: str, target: str, tmp_path: Path) -> tuple[int, Path]:
    """Start a designer, let it edit, SIGKILL it once its journal is on disk."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "GATEWRIGHT_WORKSPACE": os.environ["GATEWRIGHT_WORKSPACE"],
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", DESIGNER, mode, target, EDITS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("READY"):
            process.kill()
            _, errors = process.communicate(timeout=30)
            pytest.fail(f"the designer did not start: {line!r} {errors}")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)  # reaped: its pid no longer looks alive
    assert process.returncode == -signal.SIGKILL
    return process.pid, Path(line.split(" ", 1)[1].strip())


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_designer_loses_no_edit_of_a_saved_document(
    qtbot, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "rollback.sop.json"
    original = template_text(TEMPLATE)
    document.write_text(original, encoding="utf-8")
    pid, journal = run_and_kill("file", str(document), tmp_path)
    assert journal.parent == document.parent  # beside the document, a journal per window
    assert journal.name.startswith(f".{document.name}.{pid}-")
    assert document.read_text(encoding="utf-8") == original  # never saved
    assert read_journal(journal).pid == pid

    offered = choose(monkeypatch, "restore")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.files.open_path(document)
    assert len(offered) == 1
    restored = dumps_document(window.editor.doc)
    assert restored == expected_after_edits(original)  # byte for byte
    assert window.editor.doc.title == "Crash test SOP"
    assert window.isWindowModified()
    assert window.files.path == document
    # still unsaved, so still journaled, now by this window under its own name and lock
    own = window.files.journal.path
    assert own.exists() and own != journal and not journal.exists()
    assert read_journal(own).text == restored
    assert window.files.save()
    assert not own.exists()
    assert document.read_text(encoding="utf-8") == restored


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_designer_loses_no_edit_of_an_untitled_document(
    qtbot, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    pid, journal = run_and_kill("untitled", TEMPLATE, tmp_path)
    assert journal.parent == journal_folder()
    assert f"-{pid}-" in journal.name
    found = find_journals()
    assert [entry.file for entry in found] == [journal]
    assert found[0].original is None

    offered = choose(monkeypatch, "restore")
    window = MainWindow()
    qtbot.addWidget(window)
    assert launch.offer_recovery(window) == []  # restored into the empty window
    assert len(offered) == 1
    template = dumps_document(load_template(TEMPLATE))
    assert dumps_document(window.editor.doc) == expected_after_edits(template)
    assert window.files.path is None
    assert window.isWindowModified()
    assert not journal.exists()  # the dead process's journal was taken over
    assert window.files.journal.path.exists()
    assert find_journals() == []  # ours belongs to a live process


def _leave_journal(document: Path, text: str) -> Path:
    journal = journal_path_for(document)
    record = json.loads(journal_payload(text, document, "Left behind"))
    record["pid"] = 0  # no live process
    journal.write_text(json.dumps(record), encoding="utf-8")
    return journal


@pytest.fixture
def document_with_journal(tmp_path: Path) -> tuple[Path, Path, str]:
    document = tmp_path / "gate.sop.json"
    document.write_text(template_text(TEMPLATE), encoding="utf-8")
    edited = expected_after_edits(template_text(TEMPLATE))
    return document, _leave_journal(document, edited), edited


def test_discard_deletes_the_journal(qtbot, monkeypatch, document_with_journal) -> None:  # type: ignore[no-untyped-def]
    document, journal, _edited = document_with_journal
    choose(monkeypatch, "discard")
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.files.open_path(document)
    assert not journal.exists()
    assert not window.isWindowModified()
    assert dumps_document(window.editor.doc) == dumps_document(load_document(document))


def test_decide_later_keeps_the_journal_safe_from_new_edits(
    qtbot, monkeypatch, document_with_journal
) -> None:  # type: ignore[no-untyped-def]
    document, journal, edited = document_with_journal
    choose(monkeypatch, "later")
    window = MainWindow()
    qtbot.addWidget(window)
    window.files.open_path(document)
    window.editor.set_property(window.editor.doc.nodes[0].id, "name", "New edit")
    window.files.journal.flush()
    assert not journal.exists()  # set aside in the workspace folder
    own = window.files.journal.path
    assert json.loads(own.read_text(encoding="utf-8"))["document"] != edited
    kept = [entry for entry in find_journals() if entry.text == edited]
    assert len(kept) == 1
    assert kept[0].original == document
    assert kept[0].file.parent == journal_folder()


def test_a_journal_equal_to_the_file_is_not_offered(qtbot, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "gate.sop.json"
    document.write_text(template_text(TEMPLATE), encoding="utf-8")
    journal = _leave_journal(document, template_text(TEMPLATE))
    offered = choose(monkeypatch, "restore")
    window = MainWindow()
    qtbot.addWidget(window)
    window.files.open_path(document)
    assert offered == []
    assert not journal.exists()


def test_the_journal_follows_the_undo_stack(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "gate.sop.json"
    document.write_text(template_text(TEMPLATE), encoding="utf-8")
    window = MainWindow()
    qtbot.addWidget(window)
    window.files.open_path(document)
    journal = window.files.journal
    writes: list[Path] = []
    journal.written.connect(writes.append)
    node = window.editor.doc.nodes[0].id
    for name in ("One", "Two", "Three"):  # one turn of the event loop: one write
        window.editor.set_property(node, "name", name)
    assert not journal.path.exists()  # written when control is back in the event loop
    qtbot.waitUntil(lambda: journal.path.exists(), timeout=2000)
    assert len(writes) == 1
    entry = read_journal(journal.path)
    assert entry.text == dumps_document(window.editor.doc)
    assert entry.original == document
    for _ in range(3):
        window.editor.stack.undo()  # back to the saved state: nothing to recover
    assert not journal.path.exists()
    window.editor.stack.redo()
    qtbot.waitUntil(lambda: journal.path.exists(), timeout=2000)
    assert window.files.save()
    assert not journal.path.exists()


def test_a_clean_close_removes_the_journal(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    window.editor.add_node("stage", (0.0, 0.0))
    window.files.journal.flush()
    path = window.files.journal.path
    assert path.exists() and path.parent == journal_folder()
    assert window.close()  # the prompt answers Discard
    assert not path.exists()


def test_a_journal_that_cannot_be_written_is_reported(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    window.files.journal.path = blocker / "journal"
    window.editor.add_node("stage", (0.0, 0.0))
    window.files.journal.flush()
    assert "cannot write the recovery journal" in window.statusBar().currentMessage()


def test_the_recovery_dialog_offers_three_choices(qtbot, document_with_journal) -> None:  # type: ignore[no-untyped-def]
    document, journal, _edited = document_with_journal
    dialog = RecoveryDialog(read_journal(journal))
    qtbot.addWidget(dialog)
    labels = [button.text().replace("&", "") for button in dialog.buttons()]
    assert set(labels) >= {"Restore", "Discard", "Decide later"}
    assert "Left behind" in dialog.text()
    assert str(document) in dialog.text()
    assert dialog.choice() == "later"  # closed without a click
    next(b for b in dialog.buttons() if b.text() == "&Restore").click()
    assert dialog.choice() == "restore"


def test_the_designer_script_is_valid_python() -> None:
    compile(textwrap.dedent(DESIGNER), "designer", "exec")
    compile(EDITS, "edits", "exec")


def test_a_read_only_folder_journals_in_the_workspace_folder(
    qtbot, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from app.ui import journal as journal_module

    folder = tmp_path / "read-only"
    folder.mkdir()
    document = folder / "gate.sop.json"
    document.write_text(template_text(TEMPLATE), encoding="utf-8")
    real_write = journal_module.write_quick

    def refuse_beside_the_document(path: Path, text: str) -> None:
        if path.parent == folder:
            raise PermissionError(13, "Permission denied")
        real_write(path, text)

    monkeypatch.setattr(journal_module, "write_quick", refuse_beside_the_document)
    window = MainWindow()
    qtbot.addWidget(window)
    window.files.open_path(document)
    window.editor.set_property(window.editor.doc.nodes[0].id, "name", "Edited")
    window.files.journal.flush()
    path = window.files.journal.path
    assert path.parent == journal_folder()
    entry = read_journal(path)
    assert entry.original == document
    assert entry.text == dumps_document(window.editor.doc)


def test_startup_offers_every_journal_each_in_its_window(
    qtbot, monkeypatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = journal_folder()
    folder.mkdir(parents=True, exist_ok=True)
    texts = []
    for number, name in enumerate(("first", "second")):
        doc = load_template(TEMPLATE)
        doc.set_document_field("title", f"Untitled {name}")
        record = json.loads(journal_payload(dumps_document(doc), None, name))
        record["pid"], record["written_at"] = 0, f"2024-01-0{number + 1}T00:00:00.000000Z"
        (folder / f"untitled-1-{number}.gatewright-journal").write_text(json.dumps(record))
        texts.append(dumps_document(doc))
    offered = choose(monkeypatch, "restore")
    window = MainWindow()
    qtbot.addWidget(window)
    others = launch.offer_recovery(window)
    for other in others:
        qtbot.addWidget(other)
    assert len(offered) == 2
    assert dumps_document(window.editor.doc) == texts[0]
    assert [dumps_document(w.editor.doc) for w in others] == texts[1:]
    assert all(w.isWindowModified() for w in [window, *others])


@pytest.mark.parametrize(
    "stamp", ["2026-12-07T04:00:00.123456Z", "2026-12-07T04:00:00Z", "2026-12-07T05:00:00+01:00"]
)
def test_the_dialog_shows_a_journals_time_in_local_time(stamp: str) -> None:
    expected = datetime(2026, 12, 7, 4, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert recovery._local_time(stamp) == expected


def test_a_time_that_is_not_one_is_shown_as_it_is() -> None:
    assert recovery._local_time("yesterday") == "yesterday"
    assert recovery._local_time("") == "an unknown time"
