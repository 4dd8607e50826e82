"""The drill report PDF: readable headers, labels not ids, title, story and model lesson."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib import colors

from app.simulate.drill import perfect_answers, run_scripted
from exporters.drill_report import _heads, drill_report_pdf
from exporters.pdf_style import styles, table_style
from tests.simulate.test_drills import drill, session


def report_text(tmp_path: Path, changes: dict) -> str:
    answers = perfect_answers(session("bias-detected")) | changes
    result = run_scripted(session("bias-detected"), answers).to_json()
    row = {
        "trainee": "Priya",
        "scenario": "bias-detected",
        "sop_id": "financial-credit-model",
        "started_at": "2026-12-07T06:00:00Z",
        "finished_at": "2026-12-07T06:12:30.5Z",
        "seconds": 750,
        "score": result,
    }
    out = drill_report_pdf(row, tmp_path / "report.pdf")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(out).pages)


def test_the_report_names_answers_as_the_trainee_read_them(tmp_path: Path) -> None:
    text = report_text(tmp_path, {"target": "independent-validation"})
    scenario = drill("bias-detected")
    assert f"Rollback drill report: {scenario.title}" in text
    assert " ".join(scenario.story.split()[:12]) in text
    assert "Demote the candidate to Independent model validation" in text
    assert "Restore the previous stable release" in text
    assert "previous-stable" not in text and "fair-approve" not in text  # no ids
    assert "failed (critical mistake: target)" in text
    assert "2026-12-07 06:12 UTC" in text
    assert "The model lesson:" in text and "adverse impact ratio was only checked" in text


def test_header_cells_are_white_on_the_dark_header() -> None:
    head = _heads("Figure")[0]
    assert head.style.textColor == colors.white == styles().head.textColor
    background = next(c for c in table_style(rows=2).getCommands() if c[0] == "BACKGROUND")
    assert background[1] == (0, 0) and background[3] != colors.white
    assert background[3].rgb() != head.style.textColor.rgb()


@pytest.mark.parametrize("lesson", ["<b>bold</b> & ${{ x }} $(rm -rf /) \u202e", ""])
def test_a_lesson_of_any_text_prints_as_written(tmp_path: Path, lesson: str) -> None:
    text = report_text(tmp_path, {"lesson": lesson})
    assert ("<b>bold</b>" in text) == bool(lesson)
