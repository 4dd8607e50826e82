"""Reviewers' notes on nodes in the PDF and Markdown exports (left out when there are none)."""

from __future__ import annotations

import pytest

from app.model.templates import load_template
from exporters.context import ExportContext
from exporters.markdown import render_markdown
from exporters.pdf import render_pdf
from tests.exporters.test_pdf import page_texts, squeeze

NOTE = "Ask risk whether <b>AUC</b> | 0.8 is enough"


@pytest.fixture
def noted():  # type: ignore[no-untyped-def]
    doc = load_template("deployment-gate")
    gate = next(n for n in doc.nodes if n.kind == "gate")
    doc.set_field(gate.id, "note", NOTE)
    return doc, gate


def test_notes_are_in_the_pdf(noted) -> None:  # type: ignore[no-untyped-def]
    doc, gate = noted
    text = squeeze("".join(page_texts(render_pdf(doc, ExportContext()))))
    assert squeeze("Notes") in text
    assert squeeze(NOTE) in text and squeeze(gate.name) in text
    plain = squeeze(
        "".join(page_texts(render_pdf(load_template("deployment-gate"), ExportContext())))
    )
    assert squeeze("Remarks left on elements") not in plain  # no empty section


def test_notes_are_in_the_markdown_escaped(noted) -> None:  # type: ignore[no-untyped-def]
    doc, _gate = noted
    markdown = render_markdown(doc, ExportContext())
    assert "## Notes" in markdown
    row = next(line for line in markdown.splitlines() if "Ask risk" in line)
    assert "&lt;b&gt;AUC&lt;/b&gt;" in row and "\\| 0.8" in row
    assert "## Notes" not in render_markdown(load_template("deployment-gate"), ExportContext())
