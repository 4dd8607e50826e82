"""The PDF's document-control parts: the control block on the cover, definitions,
references, the approval and sign-off page, and the revision history."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer, Table

from app.model.document import Sop
from exporters.content import one_line
from exporters.context import ExportContext
from exporters.pdf_layout import Heading
from exporters.pdf_sections import grid
from exporters.pdf_style import para, styles

STANDARD_TERMS: tuple[tuple[str, str], ...] = (
    ("Stage", "An environment a model lives in (development, validation, staging, production)."),
    (
        "Gate",
        "A decision point between two stages: criteria a candidate must meet and the "
        "approvals it needs before it is promoted; a failed candidate goes back (reject path).",
    ),
    (
        "Blocking criterion",
        "A criterion that decides the outcome: if it fails, the "
        "candidate is rejected (or held for a person, when its data policy says hold).",
    ),
    ("Advisory criterion", "A criterion that is reported but never decides the outcome."),
    (
        "Risk tier",
        "The risk class of a candidate (e.g. low, medium, high); criteria and "
        "approvals may apply to some tiers only.",
    ),
    ("Approval window", "How long an approval counts: older approvals are ignored."),
    ("Separation of duties", "The person who submitted a candidate cannot approve it."),
    (
        "Independent approval",
        "An approval by a role declared independent of the team that "
        "builds the model (model team: no) and sharing no member with it.",
    ),
    (
        "Trigger",
        "A condition on live telemetry, describing the bad state, that starts a rollback runbook.",
    ),
    ("Runbook", "The ordered actions and verifying checks that restore a stage."),
    (
        "Gate specification",
        "The compiled, digest-sealed form of this SOP that pipelines run; "
        "its digest is printed on the cover and on every page.",
    ),
    (
        "Exception",
        "A rule relaxed by the organisation policy, a suppression or a written "
        "justification; every one is listed on the cover.",
    ),
)


def control_rows(doc: Sop) -> list[tuple[str, str]]:
    """The cover's document control block."""
    due = doc.next_review
    review = "not set"
    if doc.review_months is not None:
        review = f"every {doc.review_months} month(s)"
    approvers = "; ".join(
        f"{a.name}{f' ({a.role})' if a.role else ''}, {a.date or 'not yet dated'}"
        for a in doc.approvers
    )
    return [
        ("Document no.", doc.document_number or "not assigned"),
        ("Version", doc.version),
        ("Status", doc.status),
        ("Owner", doc.owner or "not set"),
        ("Effective date", doc.effective_date or "not set"),
        ("Review cycle", review),
        ("Next review", due.isoformat() if due else "not scheduled"),
        ("Approved by", approvers or "no approver recorded"),
        ("Change summary", doc.change_summary or "not written"),
    ]


def _table(header: list[str], rows: list[list[str]], fractions: list[float], width: float) -> Table:
    return grid(header, rows, fractions, width)


def definitions(doc: Sop, width: float) -> list[Flowable]:
    s = styles()
    own = {one_line(d.term).casefold(): d for d in doc.definitions}
    rows = [[d.term, d.meaning] for d in doc.definitions]
    rows += [[term, meaning] for term, meaning in STANDARD_TERMS if term.casefold() not in own]
    return [
        Heading("Definitions", s.h1),
        para("Terms as this SOP uses them; the SOP's own definitions come first.", s.body),
        _table(["Term", "Meaning"], rows, [0.28, 0.72], width),
    ]


def references(doc: Sop, context: ExportContext, width: float) -> list[Flowable]:
    s = styles()
    rows = [[r.title, r.location or "—"] for r in doc.references]
    if context.policy:
        rows.append(
            [
                f"Organisation policy: {context.policy}",
                "the policy file it was validated under (see Exceptions on the cover)",
            ]
        )
    out: list[Flowable] = [Heading("References", s.h1)]
    if not rows:
        out.append(para("No references are listed.", s.body))
        return out
    out.append(_table(["Document", "Where it is found"], rows, [0.55, 0.45], width))
    return out


def signoff(doc: Sop, context: ExportContext, width: float) -> list[Flowable]:
    """An approval of the document by its approvers, then each role's acknowledgement."""
    s = styles()
    _source, digest = context.digests()
    number = f"document {doc.document_number}, " if doc.document_number else ""
    effective = doc.effective_date or "the date of the last approval below"
    approvers = [[a.name, a.role, a.date, ""] for a in doc.approvers]
    approvers = approvers or [["", "Owner", "", ""], ["", "", "", ""]]
    roles = [[role.name, "", "", ""] for role in doc.roles] or [["Owner", "", "", ""]]
    return [
        PageBreak(),  # the approval is a page of its own
        Heading("Sign-off", s.h1),
        Heading("Approval", s.h2, level=1),
        para(
            f"By signing, each approver approves this SOP ({number}version {doc.version}, "
            f"spec digest {digest}) for use from {effective}.",
            s.body,
        ),
        grid_rows(["Approver", "Role", "Date", "Signature"], approvers, width),
        Spacer(1, 10),
        CondPageBreak(120),
        Heading("Acknowledgement", s.h2, level=1),
        para(
            "By signing, each role confirms it has read this approved version and accepts "
            "the responsibilities it assigns.",
            s.body,
        ),
        grid_rows(["Role", "Name", "Signature", "Date"], roles, width),
    ]


def grid_rows(header: list[str], rows: list[list[str]], width: float) -> Table:
    return grid(header, rows, [0.3, 0.25, 0.2, 0.25], width, 30)


def revision_rows(doc: Sop, context: ExportContext) -> list[list[str]]:
    """The workspace's real revisions (newest first), the current version on top when the
    workspace has not recorded it."""
    rows = [
        [
            one_line(str(r.get("version") or "—")),
            one_line(str(r.get("date") or "—"))[:10],
            one_line(str(r.get("author") or "—")),
            one_line(str(r.get("message") or "saved in the designer")),
        ]
        for r in context.revisions
    ]
    if not any(r.get("version") == doc.version for r in context.revisions):
        current = [
            doc.version,
            doc.effective_date or "—",
            one_line(doc.owner) or "—",
            one_line(doc.change_summary) or "current version (not recorded in a workspace)",
        ]
        rows.insert(0, current)
    return rows


def revisions(doc: Sop, context: ExportContext, width: float) -> list[Flowable]:
    s = styles()
    return [
        Heading("Revision history", s.h1),
        _table(
            ["Version", "Date", "Author", "Change"],
            revision_rows(doc, context),
            [0.14, 0.16, 0.22, 0.48],
            width,
        ),
    ]
