"""Maturity assessment: scores an SOP on the five levels of the automated-deployment standard.

The standard (shared/sources/004) describes levels 1 (initial) to 5 (optimising) in four
categories. An SOP document cannot show everything the standard asks for, so each level
is reached through *observable proxies* in the graph: automated criteria, approvals,
progressive stages, monitored production, runbooks with owners and SLAs. Every score
lists the evidence found and what would raise it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.model.document import Sop
from app.model.graph import SopGraph, document_graph
from app.validate.engine import validate
from app.validate.measured import measured_evidence

LEVELS = ("initial", "managed", "defined", "quantitatively managed", "optimising")
CATEGORIES = (
    ("people", "People and culture"),
    ("process", "Process and governance"),
    ("technology", "Technology and tools"),
    ("measurement", "Measurement and metrics"),
)
_LEARNING = re.compile(r"learn|lesson|review|post-?mortem|retro", re.IGNORECASE)


@dataclass
class Context:
    """What the level checks look at, computed once per assessment."""

    doc: Sop
    graph: SopGraph
    errors: set[str]
    simulations: int = 0

    def gates(self) -> list[Any]:
        return self.doc.nodes_of_kind("gate")

    def actions(self) -> list[Any]:
        return self.doc.nodes_of_kind("action")

    def triggers(self) -> list[Any]:
        return self.doc.nodes_of_kind("trigger")

    def automated(self, gate: Any) -> bool:
        return any(c.form in ("metric", "baseline", "check") for c in gate.criteria)

    def runbooks_complete(self) -> bool:
        return bool(self.triggers()) and not {"runbook-ordered"} & self.errors

    def records_learnings(self, trigger_id: str) -> bool:
        steps = self.graph.runbooks[trigger_id].steps
        return any(
            _LEARNING.search(f"{self.doc.node(s).name} {self.doc.node(s).description}")
            for s in steps
        )

    def strategies(self) -> set[str]:
        return {stage.strategy.type for stage in self.doc.nodes_of_kind("stage")}


Check = Callable[[Context], bool]


@dataclass(frozen=True)
class Criterion:
    level: int
    category: str
    statement: str
    holds: Check


def _all(items: list[Any], test: Callable[[Any], bool]) -> bool:
    return bool(items) and all(test(item) for item in items)


def _slas_everywhere(c: Context) -> bool:
    return _all(c.triggers(), lambda t: t.max_minutes is not None)


def _learnings_everywhere(c: Context) -> bool:
    return _all(c.triggers(), lambda t: c.records_learnings(t.id))


CRITERIA: tuple[Criterion, ...] = (
    # People and culture
    Criterion(2, "people", "every trigger has a written runbook", lambda c: c.runbooks_complete()),
    Criterion(
        2,
        "people",
        "every role that acts has at least two members (no single point of knowledge)",
        lambda c: _all(
            [r for r in c.doc.roles if r.id in {a.role for a in c.actions()}],
            lambda r: len(r.members) >= 2,
        ),
    ),
    Criterion(
        3,
        "people",
        "every runbook action names an owning role",
        lambda c: _all(c.actions(), lambda a: a.role is not None),
    ),
    Criterion(
        3,
        "people",
        "separation of duties holds at every gate",
        lambda c: _all(c.gates(), lambda g: g.approval.separation_of_duties),
    ),
    Criterion(
        4,
        "people",
        "the strictest tier needs an approval independent of the submitting team",
        lambda c: "high-tier-needs-independent-approval" not in c.errors,
    ),
    Criterion(
        5, "people", "every runbook ends by recording lessons learned", _learnings_everywhere
    ),
    # Process and governance
    Criterion(
        2,
        "process",
        "gates require a review sign-off (an approval rule)",
        lambda c: any(g.approval.rules for g in c.gates()),
    ),
    Criterion(
        3,
        "process",
        "the SOP validates without errors: every promotion passes a gate",
        lambda c: bool(c.gates()) and not c.errors,
    ),
    Criterion(
        3,
        "process",
        "every gate has automated criteria (metrics, baselines or checks)",
        lambda c: _all(c.gates(), c.automated),
    ),
    Criterion(
        4,
        "process",
        "criteria or approvals differ by risk tier",
        lambda c: (
            any(r.tiers for g in c.gates() for r in g.approval.rules)
            or any(k.tiers for g in c.gates() for k in g.criteria)
        ),
    ),
    Criterion(4, "process", "every rollback has an SLA (max minutes)", _slas_everywhere),
    Criterion(
        5,
        "process",
        "incident learnings feed back into the SOP from every runbook",
        _learnings_everywhere,
    ),
    # Technology and tools
    Criterion(
        2,
        "technology",
        "at least one gate checks something automatically",
        lambda c: any(c.automated(g) for g in c.gates()),
    ),
    Criterion(
        3,
        "technology",
        "a canary or blue-green stage",
        lambda c: bool({"canary", "blue-green"} & c.strategies()),
    ),
    Criterion(
        3,
        "technology",
        "every runbook ends with an automated check",
        lambda c: (
            c.runbooks_complete() and _all(c.doc.nodes_of_kind("check"), lambda k: bool(k.criteria))
        ),
    ),
    Criterion(
        4,
        "technology",
        "shadow or canary deployment before full production",
        lambda c: bool({"shadow", "canary"} & c.strategies()),
    ),
    Criterion(
        4,
        "technology",
        "production is watched by triggers that start complete runbooks",
        lambda c: c.runbooks_complete() and "production-has-rollback" not in c.errors,
    ),
    Criterion(
        5,
        "technology",
        "every runbook fits its SLA and triggers resist noise (two or more windows)",
        lambda c: (
            "rollback-within-sla" not in c.errors
            and _all(c.triggers(), lambda t: t.for_windows >= 2 and t.max_minutes)
        ),
    ),
    # Measurement and metrics
    Criterion(
        2,
        "measurement",
        "a metric catalog used by gate criteria",
        lambda c: any(k.form == "metric" for g in c.gates() for k in g.criteria),
    ),
    Criterion(
        3,
        "measurement",
        "production metrics are monitored continuously by triggers",
        lambda c: bool(c.triggers()),
    ),
    Criterion(
        3,
        "measurement",
        "candidates are compared with the production baseline",
        lambda c: any(k.form == "baseline" for g in c.gates() for k in g.criteria),
    ),
    Criterion(
        4,
        "measurement",
        "time-to-restore targets (rollback SLAs) on every trigger",
        _slas_everywhere,
    ),
    Criterion(
        4,
        "measurement",
        "approval windows bound the lead time at gates",
        lambda c: any(g.approval.window_hours for g in c.gates()),
    ),
    Criterion(
        5,
        "measurement",
        "simulated DORA figures forecast delivery (gatewright simulate)",
        lambda c: c.simulations > 0,
    ),
)


@dataclass
class CategoryScore:
    category: str
    name: str
    level: int
    evidence: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    measured: list[str] | None = None
    """Evidence from real decisions (``assess --ledger``), None when no ledger was given."""

    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "name": self.name,
            "level": self.level,
            "level_name": self.level_name,
            "evidence": self.evidence,
            "next_steps": self.next_steps,
            **({} if self.measured is None else {"measured": self.measured}),
        }


@dataclass
class Assessment:
    title: str
    categories: list[CategoryScore]

    @property
    def level(self) -> int:
        """The SOP is as mature as its weakest category."""
        return min(score.level for score in self.categories)

    @property
    def level_name(self) -> str:
        return LEVELS[self.level - 1]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "level": self.level,
            "level_name": self.level_name,
            "categories": [score.to_json() for score in self.categories],
        }


def assess_document(
    doc: Sop, simulations: int = 0, measured: dict[str, Any] | None = None
) -> Assessment:
    """Score ``doc``; ``simulations`` counts recorded simulation runs (level 5 measurement);
    ``measured``: the SOP's real figures from a decision ledger (``ledger stats`` JSON),
    which the Measurement category lists as its measured evidence."""
    errors = {d.rule for d in validate(doc) if d.severity == "error"}
    context = Context(doc, document_graph(doc), errors, simulations)
    scores = []
    for category, name in CATEGORIES:
        score = CategoryScore(category, name, level=1)
        for level in range(2, 6):
            checks = [c for c in CRITERIA if c.category == category and c.level == level]
            results = [(c, c.holds(context)) for c in checks]
            if all(ok for _c, ok in results) and score.level == level - 1:
                score.level = level
                score.evidence.extend(c.statement for c, _ok in results)
            elif score.level == level - 1:
                score.next_steps.extend(
                    f"level {level}: {c.statement}" for c, ok in results if not ok
                )
        if category == "measurement" and measured is not None:
            score.measured = measured_evidence(measured)
        scores.append(score)
    return Assessment(doc.title, scores)
