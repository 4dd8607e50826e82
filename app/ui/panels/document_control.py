"""The document panel's "Document control" section: number, status, effective date,
review cycle, change summary, approvers, definitions and references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.model.control import STATUSES, Definition, DocumentApprover, Reference
from app.model.document import Sop
from app.ui.panels.fields import ChoiceField, LineField, TextBlockField, set_text
from app.ui.panels.record_table import key_column
from app.ui.panels.values import field_tip
from app.ui.plain import plain_label

if TYPE_CHECKING:
    from app.ui.panels.document_editor import DocumentForm


def parse_months(text: str) -> int | None:
    """A review cycle typed as text: whole months, or empty for none."""
    stripped = text.strip()
    if not stripped:
        return None
    if not (stripped.isascii() and stripped.isdigit()):
        raise ValueError(f"{stripped!r} is not a number of months; write e.g. 12")
    return int(stripped)


def add_control_section(form: DocumentForm) -> None:
    """Build the section and its three tables on ``form`` (fields named ``control_*``)."""
    section = form.section("Document control")
    form.control_number = section.field(
        "Document no.",
        LineField(parse=str.strip),
        "document_number",
        tip=field_tip(Sop, "document_number"),
    )
    form.control_status = section.field(
        "Status", ChoiceField([(s, s) for s in STATUSES]), "status", tip=field_tip(Sop, "status")
    )
    form.control_effective = section.field(
        "Effective date",
        LineField(parse=str.strip),
        "effective_date",
        tip=field_tip(Sop, "effective_date"),
    )
    form.control_review = section.field(
        "Review (months)",
        LineField(parse=parse_months),
        "review_months",
        tip=field_tip(Sop, "review_months"),
    )
    # Read-only, so not added as a field: Tab visits only what can be edited.
    form.control_next = plain_label("")
    form.control_next.setAccessibleName("Next review")
    form.control_next.setWordWrap(True)
    form.control_next.setToolTip("Effective date plus the review cycle.")
    section.form.addRow("Next review", form.control_next)
    form.control_summary = section.field(
        "Change summary",
        TextBlockField(3),
        "change_summary",
        tip=field_tip(Sop, "change_summary"),
    )

    def text(key: str, model: Any, chars: int = 16) -> Any:
        return key_column(key, key, field_tip(model, key), default="", chars=chars)

    form.approvers = form.records_table(
        "Document approvers",
        "approver",
        [
            # Narrow enough that the date shows without scrolling in the inspector.
            key_column("name", "name", field_tip(DocumentApprover, "name"), chars=10),
            text("role", DocumentApprover, chars=10),
            text("date", DocumentApprover, chars=9),
        ],
        new_record=lambda _records: {"name": "New approver"},
    )
    form.definitions = form.records_table(
        "Definitions",
        "definition",
        [
            key_column("term", "term", field_tip(Definition, "term")),
            key_column("meaning", "meaning", field_tip(Definition, "meaning")),
        ],
        new_record=lambda _records: {"term": "New term", "meaning": "What it means here."},
    )
    form.references = form.records_table(
        "References",
        "reference",
        [key_column("title", "title", field_tip(Reference, "title")), text("location", Reference)],
        new_record=lambda _records: {"title": "New reference"},
    )


def show_next_review(form: DocumentForm, doc: Sop) -> None:
    due = doc.next_review
    set_text(form.control_next, due.isoformat() if due else "not scheduled")
