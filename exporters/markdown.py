"""The SOP as Markdown for wikis and pull requests, with a Mermaid diagram.

Every piece of user text is escaped: Markdown metacharacters are backslash-escaped,
``& < >`` become entities (so ``<b>`` shows as text and never as a tag), and Mermaid
labels use Mermaid's ``#code;`` entities, so a name can neither close its label nor
the code fence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.model.document import Sop
from app.spec.fileio import write_atomic
from app.spec.restore_plan import restore_steps
from exporters import content, operations
from exporters.context import ExportContext, error_elements
from exporters.style import EDGE_STYLES, ERROR_BORDER, ERROR_WIDTH, NODE_STYLES

if TYPE_CHECKING:
    from app.validate.diagnostics import Diagnostic

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$@^])")
_LIST_START = re.compile(r"^(\d+)([.)])")
_MERMAID_SAFE = frozenset(" -.,:/'?()")
SHAPES = {
    "stage": ('(["', '"])'),
    "gate": ('{"', '"}'),
    "trigger": ('[/"', '"/]'),
    "action": ('["', '"]'),
    "check": ('[["', '"]]'),
}
DASHED = {"reject", "monitor", "rollback"}


def md(text: str, block: bool = False) -> str:
    """User text as literal Markdown on one line (line breaks as ``<br>``).

    ``block`` text starts a line (a paragraph), where ``-``, ``+``, ``=`` and ``1.`` would
    start a list or underline a heading, so they are escaped there too.
    """
    text = content.clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = "<br>".join(line.strip() for line in text.split("\n"))
    if block and text[:1] in ("-", "+", "="):
        text = "\\" + text
    elif block:
        text = _LIST_START.sub(r"\1\\\2", text)
    return text


def mermaid_text(text: str) -> str:
    """User text inside a quoted Mermaid label: risky characters as Mermaid entity codes."""
    out = []
    for char in content.clean(text):
        if char == "\n":
            out.append("<br/>")
        elif char == '"':
            out.append("#quot;")
        elif char.isalnum() or char in _MERMAID_SAFE:
            out.append(char)
        else:
            out.append(f"#{ord(char)};")
    return "".join(out)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; every cell is escaped (``|`` included)."""
    lines = ["| " + " | ".join(md(h) for h in header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(md(c) or " " for c in row) + " |" for row in rows]
    return [*lines, ""]


def mermaid(doc: Sop, diagnostics: list[Diagnostic] | None = None) -> list[str]:
    """A ``flowchart LR`` of the SOP in the designer's colours (exporters.style)."""
    errors = error_elements(diagnostics or [])
    ids = {node.id: f"n{i}" for i, node in enumerate(doc.nodes)}
    lines = ["```mermaid", "flowchart LR"]
    for node in doc.nodes:
        opening, closing = SHAPES[node.kind]
        label = mermaid_text(node.name)
        caption = content.node_caption(doc, node)
        if caption:
            label += "<br/><small>" + mermaid_text(caption) + "</small>"
        if node.id in errors:
            label = "#33; " + label
        lines.append(f"    {ids[node.id]}{opening}{label}{closing}")
    for edge in doc.edges:
        arrow = "-.->" if edge.kind in DASHED else "-->"
        lines.append(f"    {ids[edge.source]} {arrow} {ids[edge.target]}")
    for kind, style in NODE_STYLES.items():
        lines.append(
            f"    classDef {kind} fill:{style.fill},stroke:{style.border},color:{style.text}"
        )
        members = [ids[n.id] for n in doc.nodes if n.kind == kind]
        if members:
            lines.append(f"    class {','.join(members)} {kind}")
    if errors & ids.keys():
        lines.append(f"    classDef error stroke:{ERROR_BORDER},stroke-width:{ERROR_WIDTH:g}px")
        lines.append(f"    class {','.join(ids[n] for n in ids if n in errors)} error")
    for kind, style in EDGE_STYLES.items():
        links = [str(i) for i, edge in enumerate(doc.edges) if edge.kind == kind]
        if links:
            stroke = f"stroke:{style.color},stroke-width:{style.width:g}px"
            lines.append(f"    linkStyle {','.join(links)} {stroke}")
    return [*lines, "```", ""]


def _title(doc: Sop, context: ExportContext) -> list[str]:
    source, digest = context.digests()
    lines = [f"# {md(content.one_line(doc.title))}", ""]
    if context.draft:
        count = len(context.errors)
        lines += [
            f"> **DRAFT: NOT VALID**: the SOP has {count} validation error"
            f"{'s' if count != 1 else ''}; it is not for approval or execution.",
            "",
        ]
    level = context.level_words()
    lines += table(
        ["Field", "Value"],
        [
            ["Version", doc.version],
            ["Owner", doc.owner or "not set"],
            ["Identifier", doc.id],
            ["Risk tiers", " → ".join(doc.tiers) + " (least strict first)"],
            ["Source digest", source],
            ["Spec digest", digest],
            ["Maturity level", level],
        ],
    )
    return lines


def _scope(doc: Sop) -> list[str]:
    lines = [
        "## Purpose and scope",
        "",
        md(doc.description or "No description yet.", block=True),
        "",
    ]
    lines += ["### Roles", ""]
    lines += table(
        ["Role", "Members", "Responsibility"],
        [[r.name, ", ".join(r.members) or "no members listed", r.description] for r in doc.roles],
    )
    lines += ["### Metrics", ""]
    lines += table(content.METRIC_HEADER, content.metric_rows(doc))
    if source_rows := content.source_rows(doc):
        lines += ["#### Where metrics are read", ""]
        lines += table(content.SOURCE_HEADER, source_rows)
    if component_rows := content.component_rows(doc):
        lines += ["### System components", ""]
        lines += table(content.COMPONENT_HEADER, component_rows)
    return lines


def _criteria(doc: Sop, criteria: Sequence[Any]) -> list[str]:
    if not criteria:
        return ["No criteria.", ""]
    rows = [content.criterion_row(doc, criterion).cells() for criterion in criteria]
    return table(
        list(content.CRITERIA_HEADER),
        rows,
    )


def _stages_and_gates(doc: Sop) -> list[str]:
    lines = ["## Stages", ""]
    lines += table(content.STAGE_HEADER, content.stage_rows(doc))
    lines += ["## Gates", ""]
    for gate_id in content.promote_order(doc):
        gate: Any = doc.node(gate_id)
        if gate.kind != "gate":
            continue
        lines += [f"### Gate: {md(content.one_line(gate.name))}", ""]
        if gate.description:
            lines += [md(gate.description, block=True), ""]
        rows = [
            ["From", content.names(doc, content.linked(doc, gate.id, "promote", outgoing=False))],
            ["To", content.names(doc, content.linked(doc, gate.id, "promote"))],
            [
                "On reject",
                content.names(doc, content.linked(doc, gate.id, "reject"), "no reject path"),
            ],
            ["Approval", content.approval_words(doc, gate.approval)],
        ]
        lines += table(["Field", "Value"], rows)
        lines += _criteria(doc, gate.criteria)
    return lines


def _raci(doc: Sop) -> list[str]:
    matrix = operations.raci(doc)
    lines = ["## Responsibilities (RACI)", ""]
    lines += [f"- **{mark}**: {md(text)}" for mark, text in operations.RACI_LEGEND] + [""]
    if matrix.rows:
        header = ["Activity", *(name for _id, name in matrix.roles)]
        rows = [
            [f"{row.kind.capitalize()}: {row.activity}"]
            + [row.marks.get(role_id, "") for role_id, _ in matrix.roles]
            for row in matrix.rows
        ]
        lines += table(header, rows)
    return lines


def _runbooks(doc: Sop) -> list[str]:
    lines = ["## Rollback runbooks", ""]
    books = content.runbooks(doc)
    if not books:
        lines += ["No trigger watches any stage: the SOP has no rollback runbook.", ""]
    for book in books:
        trigger = book.trigger
        lines += [f"### Runbook: {md(content.one_line(trigger.name))}", ""]
        if trigger.description:
            lines += [md(trigger.description, block=True), ""]
        if book.problem:
            lines += [f"**Incomplete runbook:** {md(book.problem)}.", ""]
        lines += table(
            ["Field", "Value"],
            [
                ["Watches", content.names(doc, book.stages, "no stage (no monitor edge)")],
                ["Trigger condition", content.trigger_condition(doc, trigger)],
                ["Missing data", content.missing_words(trigger)],
                ["Target", book.target_words(doc)],
                ["SLA", book.sla_words()],
            ],
        )
        if restores := restore_steps(doc.components, trigger.restores):
            lines += ["Restores, in order (dependencies first):", ""]
            lines += table(
                ["#", "Component", "Kind", "Owner", "Safe version"],
                [
                    [str(r.number), r.name, r.kind or "", content.role_name(doc, r.owner), r.where]
                    for r in restores
                ],
            )
        if book.actions:
            after = book.after_checks
            lines += table(
                ["#", "Action", "Role", "Minutes"],
                [
                    [
                        str(i),
                        a.name + (" (after verification)" if a in after else ""),
                        content.role_name(doc, a.role),
                        content.minutes(a.minutes),
                    ]
                    for i, a in enumerate(book.actions, start=1)
                ],
            )
        for check in book.checks:
            lines += [f"#### Check: {md(content.one_line(check.name))}", ""]
            lines += _criteria(doc, check.criteria)
    return lines


def _notes(doc: Sop) -> list[str]:
    rows = content.note_rows(doc)
    if not rows:
        return []
    return ["## Notes", "", *table(content.NOTE_HEADER, rows)]


def _maturity(context: ExportContext) -> list[str]:
    lines = ["## Maturity assessment", ""]
    assessment = context.assessment
    if assessment is None:
        return [*lines, "No maturity assessment was supplied with this export.", ""]
    lines += [
        f"Overall level {assessment.level} ({md(assessment.level_name)}): "
        "an SOP is as mature as its weakest category.",
        "",
    ]
    for c in assessment.categories:
        lines += [f"### {md(c.name)}: level {c.level} ({md(c.level_name)})", ""]
        rows = [
            [f"{st.id} ({st.status})", st.text, st.evidence()]
            for st in c.statements
            if st.level > 1
        ]
        lines += table(["Statement", "The standard says", "Evidence"], rows)
    for a in assessment.attestations:
        lines += [f"Attested by {md(a.who())}: {md(', '.join(a.statements))}", ""]
    if needed := assessment.needs_attestation():
        lines += [f"Needs attestation: {md(', '.join(needed))}", ""]
    return lines


def _drills(doc: Sop) -> list[str]:
    lines = ["## Drill checklist for trainers", "", md(operations.DRILL_INTRO, block=True), ""]
    for book in content.runbooks(doc):
        lines += [f"### Drill: {md(content.one_line(book.trigger.name))}", ""]
        lines += table(
            ["Step", "What happens / expected answer", "Done"],
            [[item, text, "☐"] for item, text in operations.drill_steps(doc, book)],
        )
    return lines


def _records(doc: Sop, context: ExportContext) -> list[str]:
    lines = ["## Simulation and drill results", ""]
    figures = operations.figure_rows(context.figures)
    if figures:
        lines += table(["Figure", "Value"], [list(r) for r in figures])
    else:
        lines += ["No simulation or drill results recorded in the workspace yet.", ""]
    if context.diagnostics:
        lines += ["## Validation findings", ""]
        lines += table(
            ["Severity", "Rule", "Finding", "Elements"],
            [[d.severity, d.rule, d.message, ", ".join(d.elements)] for d in context.diagnostics],
        )
    _source, digest = context.digests()
    lines += [
        "## Sign-off",
        "",
        md(
            f"By signing, each role confirms it has read this SOP (version {doc.version}, "
            f"spec digest {digest}) and accepts the responsibilities it assigns.",
            block=True,
        ),
        "",
    ]
    lines += table(["Role", "Name", "Signature", "Date"], [[r.name, "", "", ""] for r in doc.roles])
    lines += ["## Revision history", ""]
    lines += table(
        ["Version", "Date", "Author", "Change"],
        [list(r) for r in operations.revision_rows(doc, context.revisions)],
    )
    return lines


def render_markdown(doc: Sop, context: ExportContext) -> str:
    parts = [
        ("Title", lambda: _title(doc, context)),
        ("Purpose and scope", lambda: _scope(doc)),
        ("Diagram", lambda: ["## Process diagram", "", *mermaid(doc, context.diagnostics)]),
        ("Stages and gates", lambda: _stages_and_gates(doc)),
        ("RACI matrix", lambda: _raci(doc)),
        ("Rollback runbooks", lambda: _runbooks(doc)),
        ("Notes", lambda: _notes(doc)),
        ("Maturity assessment", lambda: _maturity(context)),
        ("Drill checklist", lambda: _drills(doc)),
        ("Records and sign-off", lambda: _records(doc, context)),
    ]
    lines: list[str] = []
    for done, (step, build) in enumerate(parts):
        context.progress(done, len(parts), step)
        lines += build()
    context.progress(len(parts), len(parts), "Done")
    return "\n".join(lines).rstrip("\n") + "\n"


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the Markdown SOP to ``out``."""
    if format_name != "markdown":
        raise ValueError(f"the markdown exporter writes markdown, not {format_name!r}")
    write_atomic(out, render_markdown(doc, context))
    return [out]
