"""The PDF as a controlled document: the control block, definitions, references, the real
revision history, an approval page, one A per RACI activity, unbroken ids, no stranded
headings, and the real creation date (SOURCE_DATE_EPOCH for reproducible builds)."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.model.document import Sop
from app.model.templates import load_template, template_ids, template_text
from app.store.workspace import Workspace
from exporters.operations import raci
from exporters.pdf import render_pdf
from tests.exporters.test_pdf import (
    bookmark_pages,
    outline_titles,
    page_texts,
    reader,
    rendered,
    squeeze,
)

CONTROLLED = {
    "document_number": "SOP-ML-004",
    "status": "approved",
    "effective_date": "2026-02-01",
    "review_months": 12,
    "change_summary": "Blocking metric criteria on every gate.",
    "approvers": [{"name": "Ada Lovelace", "role": "Head of model risk", "date": "2026-01-20"}],
    "definitions": [{"term": "Candidate", "meaning": "A model version up for promotion."}],
    "references": [{"title": "Model risk policy MRM-2", "location": "https://intranet/mrm-2"}],
}


def controlled_pdf(monkeypatch, tmp_path: Path, revisions: int = 0) -> bytes:  # type: ignore[no-untyped-def]
    from app.cli.exporting import build_context

    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(tmp_path / "workspace.db"))
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    doc = Sop.model_validate({**json.loads(template_text("deployment-gate")), **CONTROLLED})
    if revisions:
        with Workspace.open(None) as store:
            for number in range(revisions):
                store.record_revision(
                    doc, path=str(tmp_path / "x.sop.json"), author="ada", message=f"edit {number}"
                )
    context, _diagnostics = build_context(doc, None)
    return render_pdf(doc, context)


def test_cover_definitions_references_and_approval(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = controlled_pdf(monkeypatch, tmp_path)
    texts = [squeeze(t) for t in page_texts(data)]
    for expected in (
        "Document no.SOP-ML-004",
        "StatusApproved".replace("A", "a"),
        "Effectivedate2026-02-01",
        "Reviewcycleevery12month(s)",
        "Nextreview2027-02-01",
        "ApprovedbyAdaLovelace(Headofmodelrisk),2026-01-20",
    ):
        assert squeeze(expected) in texts[0], expected
    titles = outline_titles(reader(data).outline)
    assert {"Definitions", "References", "Sign-off", "Approval", "Acknowledgement"} <= set(titles)
    whole = "".join(texts)
    assert squeeze("Candidate A model version up for promotion.") in whole
    assert squeeze("Model risk policy MRM-2 https://intranet/mrm-2") in whole
    approval = next(t for t in texts if "eachapproverapproves" in t)
    assert "AdaLovelace" in approval and "foruse from 2026-02-01".replace(" ", "") in approval


def test_revision_history_is_the_workspaces(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = squeeze(page_texts(controlled_pdf(monkeypatch, tmp_path))[-1])
    assert "1.0.02026-02-01" in before  # the current version alone, from its effective date
    after = squeeze(page_texts(controlled_pdf(monkeypatch, tmp_path, revisions=2))[-1])
    today = datetime.now(UTC).date().isoformat()
    assert f"1.0.0{today}adaedit1" in after and f"1.0.0{today}adaedit0" in after


@pytest.mark.parametrize("template_id", template_ids())
def test_every_raci_activity_has_exactly_one_accountable(template_id: str) -> None:
    matrix = raci(load_template(template_id))
    assert matrix.rows
    for row in matrix.rows:
        assert sum(mark.startswith("A") for mark in row.marks.values()) == 1, row.activity


@pytest.mark.parametrize("template_id", ["deployment-gate", "financial-credit-model"])
def test_ids_are_never_broken_mid_word(template_id: str) -> None:
    doc = load_template(template_id)
    ids = [m.id for m in doc.metrics] + [r.id for r in doc.roles]
    for text in page_texts(rendered(template_id)):
        lines = [line.strip() for line in text.splitlines()]
        for line, following in itertools.pairwise(lines):
            for word in ids:
                for cut in range(3, len(word) - 1):
                    if line.endswith(word[:cut]) and following.startswith(word[cut:]):
                        pytest.fail(f"{word!r} broken: {line!r} / {following!r}")


@pytest.mark.parametrize("template_id", template_ids())
def test_no_page_ends_with_a_heading(template_id: str) -> None:
    data = rendered(template_id)
    titles = {squeeze(t) for t in outline_titles(reader(data).outline)}
    first = bookmark_pages(data)["Purpose and scope"]  # after the cover and the contents
    for number, text in enumerate(page_texts(data)[first - 1 :], start=first):
        lines = [squeeze(line) for line in text.splitlines() if line.strip()]
        body = [line for line in lines if "page" not in line or "of" not in line]
        # Neither the last line nor the one before it (a heading and its one-line intro).
        stranded = [line for line in body[-2:] if line in titles]
        assert not stranded, f"page {number} ends with heading {stranded[0]!r}"


def test_the_creation_date_is_real_or_the_source_date_epoch(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = load_template("startup-lightweight")
    from app.cli.exporting import build_context

    context, _diagnostics = build_context(doc, None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    created = reader(render_pdf(doc, context)).metadata.creation_date
    assert created.date() == datetime.now(UTC).date()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    first = render_pdf(doc, context)
    assert reader(first).metadata.creation_date == datetime(2026, 1, 1, tzinfo=UTC)
    assert render_pdf(doc, context) == first  # reproducible
