"""The PDF's maturity assessment: every statement of the standard with its status and the
evidence that shows it, the attestations it rests on and what still needs one."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, Flowable, Spacer

from exporters.context import ExportContext
from exporters.pdf_layout import Heading
from exporters.pdf_sections import SECTION_ROOM, facts, grid
from exporters.pdf_style import para, styles

STANDARD = '"AI models are deployed via automated, repeatable pipelines"'


def maturity_section(context: ExportContext, width: float) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [Heading("Maturity assessment", s.h1)]
    assessment = context.assessment
    if assessment is None:
        out.append(para("No maturity assessment was supplied with this export.", s.body))
        return out
    out.append(
        para(
            f"Overall level {assessment.level} ({assessment.level_name}): an SOP is as mature "
            f"as its weakest category. Scored against the standard {STANDARD}, statement by "
            "statement: a level is reached when every statement of it and of the levels below "
            "holds. Evidence comes from the SOP's structure, the decision ledger's measured "
            "figures, the workspace's records and named people's attestations; a statement "
            "that only people can confirm counts only when attested.",
            s.body,
        )
    )
    out.append(
        facts(
            [(c.name, f"level {c.level} ({c.level_name})") for c in assessment.categories],
            width,
            key=0.34,
        )
    )
    attested = [
        (a.who(), f"{', '.join(a.statements)} ({a.source})") for a in assessment.attestations
    ]
    if attested:
        out += [Spacer(1, 6), para("Attested by", s.h3), facts(attested, width, key=0.34)]
    for category in assessment.categories:
        rows = [
            [f"{st.id}\n{st.status}", st.text, "\n".join(st.evidence_lines())]
            for st in category.statements
            if st.level > 1
        ]
        out += [
            CondPageBreak(SECTION_ROOM),
            Heading(
                f"{category.name}: level {category.level} ({category.level_name})", s.h2, level=1
            ),
            grid(["Statement", "The standard says", "Evidence"], rows, [0.17, 0.35, 0.48], width),
        ]
        if category.measured:
            out.append(para("Measured: " + "; ".join(category.measured), s.small))
    if needed := assessment.needs_attestation():
        out += [
            Spacer(1, 6),
            para(
                "Needs attestation (a person's attestation file, gatewright assess "
                f"--attestation FILE): {', '.join(needed)}.",
                s.body,
            ),
        ]
    return out
