"""File › Export › PDF asks for the attestation files the maturity assessment counts: added
with real clicks, a bad one refused inline (file and place, red), removed with the Delete
key, remembered for the document, and the PDF's numbers equal `assess --attestation`'s."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from app.model.io import save_document
from app.ui.attestations import (
    ATTESTATIONS_KEY,
    AttestationDialog,
    remember_attestations,
    remembered_attestations,
)
from app.ui.main_window import MainWindow
from tests.cli import run
from tests.gui.windows import active_window
from tests.validate.maturity_sops import level_case
from tests.validate.test_assess_cli import pdf_text, record_drills, write_attestation

NAMES = ("people", "process", "technology", "measurement")


@pytest.fixture
def sop_file(tmp_path: Path) -> Path:
    path = tmp_path / "level-3.sop.json"
    save_document(level_case(3).doc, path, backup=False)
    record_drills("level-3", ("ann", "sam"))
    return path


@pytest.fixture
def opened(qtbot, sop_file: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    made = active_window(qtbot)
    assert made.files.open_path(sop_file, offer_recovery=False)
    return made


def answer_file_dialogs(
    monkeypatch: pytest.MonkeyPatch, save_as: Path, added: list[list[Path]]
) -> None:
    """The platform's file dialogs answer: save as ``save_as``; each Add… the next list."""
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(save_as), ""))
    )
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileNames",
        staticmethod(lambda *a, **k: ([str(p) for p in added.pop(0)], "")),
    )


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def export_pdf(
    window: MainWindow, steps: Callable[[AttestationDialog], None], action: QAction | None = None
) -> list[str]:
    """File › Export › PDF… (or ``action``); ``steps`` acts in the attestation dialog once
    it is open."""
    seen: list[str] = []

    def in_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, AttestationDialog):
            seen.append(f"no attestation dialog: {dialog!r}")
            if dialog is not None:
                dialog.close()
            return
        seen.append("dialog")
        # A window manager activates the new dialog; the offscreen platform needs asking.
        try:
            assert QTest.qWaitForWindowExposed(dialog)
            dialog.activateWindow()
            assert QTest.qWaitForWindowActive(dialog)
            steps(dialog)
        except BaseException as error:  # a failed step must not leave the dialog waiting
            seen.append(f"{type(error).__name__}: {error}")
            dialog.reject()

    QTimer.singleShot(0, in_dialog)
    if action is None:
        action = next(a for a in window.export_menu.actions() if a.text() == "&PDF…")
    action.trigger()
    return seen


def red_pixels(dialog: AttestationDialog) -> int:
    """Pixels of the inline problem's red text, as the dialog shows it."""
    image = dialog.grab(dialog.error.geometry()).toImage()
    return sum(
        1
        for x in range(image.width())
        for y in range(image.height())
        if (c := QColor(image.pixel(x, y))).red() > 140 and c.green() < 90 and c.blue() < 90
    )


def cli_levels(capsys, sop_file: Path, attestation: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "assess", sop_file, "--attestation", attestation, "--json")
    assert code == 0, err
    return {c["category"]: c["level"] for c in json.loads(out)["categories"]}


def assert_pdf_levels(pdf: Path, levels: dict[str, int]) -> str:
    text = pdf_text(pdf)
    words = ", ".join(f"{name} {levels[name]}" for name in NAMES)
    overall = min(levels.values())
    cover = text.split("\f")[0]
    assert re.search(rf"Maturity level\s+{overall} \(\w+\): {words}", cover), cover
    assessment = text[text.index("Overall level") :]
    for title, name in zip(
        ("People and culture", "Process and governance", "Technology and tools"),
        NAMES,
        strict=False,
    ):
        assert re.search(rf"{title}: level {levels[name]} \(", assessment), title
    return assessment


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_export_counts_the_attestations_added_in_its_dialog(
    monkeypatch, capsys, opened: MainWindow, sop_file: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    good = write_attestation(tmp_path / "rita.toml", "level-3", ["technology-2"])
    future = write_attestation(tmp_path / "omar.toml", "level-3", ["process-3"])
    future.write_text(future.read_text().replace("2026-11-30", "2999-01-01"), encoding="utf-8")
    pdf = tmp_path / "out" / "sop.pdf"
    pdf.parent.mkdir()
    answer_file_dialogs(monkeypatch, pdf, [[future], [good]])
    problems: list[str] = []

    def steps(dialog: AttestationDialog) -> None:
        assert dialog.file_names() == []  # nothing remembered yet
        click(dialog.add_button)
        click(dialog.export_button)  # the future date: refused, the dialog stays open
        assert dialog.isVisible() and dialog.error.isVisible()
        problems.append(dialog.error.text())
        problems.append(str(red_pixels(dialog)))
        assert dialog.files.currentRow() == 0  # the bad file's row, ready to remove
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
        assert dialog.file_names() == [] and not dialog.error.isVisible()
        click(dialog.add_button)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Return exports

    assert export_pdf(opened, steps) == ["dialog"]
    assert problems[0] == (
        f"Cannot use this attestation: {future}: date: 2999-01-01 is in the future; "
        "attest what is true"
    )
    assert int(problems[1]) > 30, "the problem is not shown in red"
    assert pdf.is_file() and f"Exported PDF: {pdf}" in opened.statusBar().currentMessage()

    levels = cli_levels(capsys, sop_file, good)
    assert levels == {"people": 2, "process": 2, "technology": 2, "measurement": 1}
    assessment = assert_pdf_levels(pdf, levels)
    assert "Rita Rossi" in assessment and str(good) in assessment.replace("\n", "")

    # Next time the dialog offers the same files for this document; Cancel writes nothing.
    pdf.unlink()
    offered: list[list[str]] = []

    def cancel(dialog: AttestationDialog) -> None:
        offered.append(dialog.file_names())
        click(dialog.buttons.button(dialog.buttons.StandardButton.Cancel))

    assert export_pdf(opened, cancel) == ["dialog"]
    assert offered == [[str(good)]]
    assert not pdf.exists()
    assert "cancelled" in opened.statusBar().currentMessage()


@pytest.mark.parametrize(
    ("content", "place"),
    [
        ('sop = "another-sop"\n', "sop: attests the SOP 'another-sop', not 'level-3'"),
        ("sop = [unclosed\n", "TOML: "),
        ('person = "rita\u202eexample"\n', "person: holds a bidirectional control character"),
        ('statements = ["measurement-3"]\n', "statements[0]: 'measurement-3' is not a statement"),
        ('nul = "a\\u0000b"\n', "'nul': unknown key"),
    ],
    ids=["another-sop", "not-toml", "bidi", "evidence-only", "unknown-key"],
)
def test_a_bad_attestation_is_one_inline_sentence(
    monkeypatch, opened: MainWindow, tmp_path: Path, content: str, place: str
) -> None:  # type: ignore[no-untyped-def]
    base = {
        "sop": '"level-3"',
        "person": '"rita@example.com"',
        "date": "2026-11-30",
        "statements": '["technology-2"]',
    }
    key = content.split(" = ")[0]
    lines = [f"{k} = {v}" for k, v in base.items() if k != key]
    bad = tmp_path / "bad $(x) 'q'.toml"
    bad.write_text("\n".join(lines) + "\n" + content, encoding="utf-8")
    pdf = tmp_path / "sop.pdf"
    answer_file_dialogs(monkeypatch, pdf, [[bad]])
    shown: list[str] = []

    def steps(dialog: AttestationDialog) -> None:
        click(dialog.add_button)
        click(dialog.export_button)
        shown.append(dialog.error.text())
        click(dialog.buttons.button(dialog.buttons.StandardButton.Cancel))

    assert export_pdf(opened, steps) == ["dialog"]
    assert shown[0].startswith(f"Cannot use this attestation: {bad}: ")
    assert place in shown[0]
    assert "\n" not in shown[0] and "Traceback" not in shown[0]
    assert not pdf.exists()


def test_a_missing_remembered_file_is_named_inline(
    monkeypatch, opened: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    gone = write_attestation(tmp_path / "gone.toml", "level-3", ["technology-2"])
    pdf = tmp_path / "sop.pdf"
    answer_file_dialogs(monkeypatch, pdf, [[gone]])
    shown: list[str] = []

    def add_then_export(dialog: AttestationDialog) -> None:
        click(dialog.add_button)
        click(dialog.export_button)

    assert export_pdf(opened, add_then_export) == ["dialog"]
    assert pdf.is_file()
    gone.unlink()

    def export_again(dialog: AttestationDialog) -> None:
        click(dialog.export_button)
        shown.append(dialog.error.text())
        click(dialog.buttons.button(dialog.buttons.StandardButton.Cancel))

    assert export_pdf(opened, export_again) == ["dialog"]
    assert shown == [
        f"Cannot use this attestation: {gone}: cannot read it: No such file or directory"
    ]


def test_the_markdown_export_asks_too_and_names_the_attestation(
    monkeypatch, opened: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    good = write_attestation(tmp_path / "rita.toml", "level-3", ["technology-2"])
    out = tmp_path / "sop.md"
    answer_file_dialogs(monkeypatch, out, [[good]])

    def steps(dialog: AttestationDialog) -> None:
        click(dialog.add_button)
        click(dialog.export_button)

    action = next(a for a in opened.export_menu.actions() if a.text() == "&Markdown…")
    seen = export_pdf(opened, steps, action)
    assert seen == ["dialog"]
    text = out.read_text(encoding="utf-8")
    assert "technology 2" in text and "Rita Rossi" in text


@pytest.mark.parametrize(
    "stored", ["not json", "[1, 2]", '{"k": [1]}', '{"k": "a.toml"}', ""], ids=repr
)
def test_a_remembered_list_the_designer_cannot_read_counts_as_none(qapp, stored: str) -> None:  # type: ignore[no-untyped-def]
    QSettings().setValue(ATTESTATIONS_KEY, stored)
    assert remembered_attestations("k") == []
    remember_attestations("k", ["a.toml"])
    assert remembered_attestations("k") == ["a.toml"]


def test_a_long_path_wraps_inside_the_dialog(
    monkeypatch, opened: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A path without spaces wraps inside the problem's sentence: the dialog keeps its
    width, and the whole sentence shows (on several lines)."""
    folder = tmp_path / ("d" * 200)
    folder.mkdir()
    missing = folder / ("x" * 150 + ".toml")
    answer_file_dialogs(monkeypatch, tmp_path / "sop.pdf", [[missing]])
    widths: list[int] = []

    def steps(dialog: AttestationDialog) -> None:
        click(dialog.add_button)
        widths.append(dialog.width())
        click(dialog.export_button)
        QTest.qWait(50)  # the layout settles
        widths.append(dialog.width())
        lines = dialog.error.document().size().height() / dialog.fontMetrics().lineSpacing()
        widths.append(round(lines))
        assert dialog.error.text().endswith("cannot read it: No such file or directory")
        click(dialog.buttons.button(dialog.buttons.StandardButton.Cancel))

    assert export_pdf(opened, steps) == ["dialog"]
    before, after, lines = widths
    assert after == before < 1366
    assert lines >= 4
