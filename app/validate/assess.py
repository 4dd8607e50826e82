"""Maturity assessment: each statement of the automated-deployment standard (004), met or
not by its evidence; the one function the CLI, the PDF and the markdown export all score with.

A statement holds when every part of it holds: what the SOP's structure shows, what the
ledger measured, what the workspace recorded, and what a named person attested (the parts
no document can show; unattested, they are listed as "needs attestation" and do not
count). A category is at level N when every statement of levels 2..N holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.model.document import Sop
from app.model.graph import document_graph
from app.validate.attestation import Attestation
from app.validate.engine import validate
from app.validate.maturity_evidence import Context, Records
from app.validate.maturity_standard import (
    ATTESTABLE,
    CATEGORIES,
    KIND_WORDS,
    LEVELS,
    STATEMENTS,
    Part,
    Statement,
)
from app.validate.measured import measured_evidence

__all__ = [
    "ATTESTABLE",
    "CATEGORIES",
    "LEVELS",
    "Assessment",
    "CategoryScore",
    "Records",
    "StatementResult",
    "assess_document",
]

Status = Literal["met", "unmet", "needs attestation", "starting point"]
"""A statement's status; level 1 describes where every SOP starts, so it is never "met"."""


@dataclass
class PartResult:
    kind: str
    claim: str
    status: Status
    seen: str

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "claim": self.claim,
            "status": self.status,
            "evidence": self.seen,
        }


@dataclass
class StatementResult:
    id: str
    level: int
    text: str
    parts: list[PartResult]

    @property
    def status(self) -> Status:
        if self.level == 1:
            return "starting point"
        if any(p.status == "unmet" for p in self.parts):
            return "unmet"
        if any(p.status == "needs attestation" for p in self.parts):
            return "needs attestation"
        return "met"

    def evidence(self) -> str:
        """What was seen, part by part: ``SOP structure: ...; attestation: ...``."""
        return "; ".join(f"{KIND_WORDS[p.kind]}: {p.seen}" for p in self.parts)

    def evidence_lines(self) -> list[str]:
        """One line per part, its status first: ``unmet · measured figures: no measured data``."""
        return [f"{p.status} · {KIND_WORDS[p.kind]}: {p.seen}" for p in self.parts]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "statement": self.text,
            "status": self.status,
            "evidence": [p.to_json() for p in self.parts],
        }


@dataclass
class CategoryScore:
    category: str
    name: str
    level: int
    statements: list[StatementResult] = field(default_factory=list)
    measured: list[str] | None = None
    """Evidence from real decisions (``assess --ledger``), None when no ledger was given."""

    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    @property
    def evidence(self) -> list[str]:
        """The statements that hold up to the level reached, with what shows them."""
        return [f"{s.id}: {s.evidence()}" for s in self.statements if 1 < s.level <= self.level]

    @property
    def next_steps(self) -> list[str]:
        """What the next level lacks: each of its statements that does not hold, and why."""
        return [
            f"level {s.level} ({s.id}, {s.status}): "
            + "; ".join(f"{KIND_WORDS[p.kind]}: {p.seen}" for p in s.parts if p.status != "met")
            for s in self.statements
            if s.level == self.level + 1 and s.status != "met"
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "level": self.level,
            "level_name": self.level_name,
            "statements": [s.to_json() for s in self.statements],
            "evidence": self.evidence,
            "next_steps": self.next_steps,
            **({} if self.measured is None else {"measured": self.measured}),
        }


@dataclass
class Assessment:
    title: str
    categories: list[CategoryScore]
    attestations: list[Attestation] = field(default_factory=list)

    @property
    def level(self) -> int:
        """The SOP is as mature as its weakest category."""
        return min(score.level for score in self.categories)

    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    def needs_attestation(self) -> list[str]:
        """Statement ids whose only missing parts are attestations."""
        return [
            s.id for c in self.categories for s in c.statements if s.status == "needs attestation"
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "level": self.level,
            "level_name": self.level_name,
            "categories": [score.to_json() for score in self.categories],
            "attestations": [a.to_json() for a in self.attestations],
            "needs_attestation": self.needs_attestation(),
        }


def _part(part: Part, statement: Statement, context: Context, by: list[Attestation]) -> PartResult:
    if part.kind == "start":
        return PartResult(part.kind, part.claim, "starting point", "every SOP starts here")
    if part.check is not None:
        found = part.check(context)
        return PartResult(part.kind, part.claim, "met" if found.holds else "unmet", found.seen)
    signed = [a for a in by if statement.id in a.statements]
    if signed:
        who = "; ".join(f"attested by {a.who()} ({a.source})" for a in signed)
        return PartResult(part.kind, part.claim, "met", who)
    return PartResult(
        part.kind, part.claim, "needs attestation", f"no attestation names {statement.id}"
    )


def assess_document(
    doc: Sop,
    simulations: int = 0,
    measured: dict[str, Any] | None = None,
    *,
    records: Records | None = None,
    attestations: Iterable[Attestation] = (),
) -> Assessment:
    """Score ``doc`` against every statement of the standard.

    ``simulations`` counts recorded simulation runs (when ``records`` is not given);
    ``measured``: the SOP's real figures from a decision ledger (``ledger stats`` JSON),
    the only source of measurement; ``records``: the workspace's drills, revisions and runs;
    ``attestations``: people's attestations of the statements no document can show.
    """
    records = records if records is not None else Records(simulations=simulations)
    by = [a for a in attestations if a.sop == doc.id]
    errors = [f"{d.rule}: {d.message}" for d in validate(doc) if d.severity == "error"]
    context = Context(doc, document_graph(doc), errors, measured, records)
    scores = []
    for category, name in CATEGORIES:
        results = [
            StatementResult(s.id, s.level, s.text, [_part(p, s, context, by) for p in s.parts])
            for s in STATEMENTS
            if s.category == category
        ]
        level = 1
        for result in sorted(results, key=lambda r: r.level):
            if result.level == level + 1 and result.status == "met":
                level = result.level
        score = CategoryScore(category, name, level, results)
        if category == "measurement" and measured is not None:
            score.measured = measured_evidence(measured)
        scores.append(score)
    return Assessment(doc.title, scores, by)
