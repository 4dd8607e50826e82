"""Document-control rules: an approved SOP names its approver and effective date, and its
review is not overdue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from app.model.graph import SopGraph
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop


def today() -> date:
    """The date reviews are judged against (tests replace it)."""
    return date.today()


@rule(
    "approved-needs-approval",
    "document",
    "error",
    "A document whose status is `approved` names at least one approver with the date they "
    "approved, and an effective date.",
    "Add the approver (name and date) and the effective date in the document panel's "
    "Document control section, or set the status back to `in-review`.",
)
def approved_needs_approval(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    if doc.status != "approved":
        return
    missing = []
    if not any(a.date for a in doc.approvers):
        missing.append("an approver with an approval date")
    if not doc.effective_date:
        missing.append("an effective date")
    if missing:
        yield Finding(
            f"the SOP's status is approved, but it has no {' and no '.join(missing)}",
            where=("status",),
        )


@rule(
    "review-overdue",
    "document",
    "warning",
    "The SOP's next review date (effective date plus review cycle) has not passed.",
    "Review the SOP, then record the new version, its effective date and approvers.",
)
def review_overdue(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    due = doc.next_review
    if due is not None and due < today():
        yield Finding(
            f"the SOP was due for review on {due.isoformat()} ({doc.review_months}-month cycle "
            f"from {doc.effective_date})",
            where=("effective_date",),
        )
