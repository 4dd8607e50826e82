"""The backtest's answer: per-criterion tallies, outcomes, bad rows, and its JSON document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.runtime.values import Status, Verdict

STATUSES = tuple(Status)
OUTCOMES = tuple(Verdict)


class BacktestInputError(ValueError):
    """The results file cannot be used at all; ``str()`` says why, without the file name."""


@dataclass
class CriterionTally:
    """What one criterion did over every candidate."""

    id: str
    name: str
    severity: str
    tiers: list[str] | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    rejects: int = 0
    """Rows it rejects: a fail, or a missing/invalid value whose policy is ``fail``."""
    holds: int = 0
    """Rows it holds: a missing/invalid value whose policy is ``hold``."""
    sole: int = 0
    """Rows it alone blocks: relaxing this criterion alone would promote them."""

    @property
    def applicable(self) -> int:
        return sum(self.counts.values()) - self.counts["skipped"]

    @property
    def pass_rate(self) -> float | None:
        """Passes among the rows it applies to (skipped rows left out); None if none."""
        return self.counts["pass"] / self.applicable if self.applicable else None

    @property
    def blocked(self) -> int:
        return self.rejects + self.holds

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity,
            "tiers": self.tiers,
            **self.counts,
            "pass_rate": self.pass_rate,
            "rejects": self.rejects,
            "holds": self.holds,
            "sole": self.sole,
        }


@dataclass
class BadRow:
    line: int
    reason: str


@dataclass
class BacktestResult:
    """The tally of a backtest: per criterion, per outcome, the top blockers, bad rows."""

    gate: str
    spec_digest: str
    source: str
    format: str
    method: str  # vectorised | per-row
    criteria: list[CriterionTally]
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    bad_rows: int = 0
    bad_lines: list[BadRow] = field(default_factory=list)  # the first SHOWN_BAD_ROWS
    absent_columns: list[str] = field(default_factory=list)
    sweep: dict[str, Any] | None = None
    """A sweep's thresholds and quantiles (``--sweep``), when one was asked for."""
    reader: str = "python"
    """Which reader read the rows: ``arrow`` (pyarrow), ``python`` (the per-row path, CSV
    files whose lines only the Python reader can tell exactly), or ``arrow and python``
    (JSON lines of which some pieces only the Python reader reads exactly)."""

    @property
    def rows(self) -> int:
        """Candidates decided (bad rows are not candidates)."""
        return sum(self.outcomes.values())

    def blockers(self) -> list[CriterionTally]:
        """Blocking criteria that rejected or held any row, most rows first (then gate order)."""
        blocking = [t for t in self.criteria if t.severity == "blocking" and t.blocked]
        return sorted(blocking, key=lambda tally: -tally.blocked)

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "spec_digest": self.spec_digest,
            "results": self.source,
            "format": self.format,
            "method": self.method,
            "rows": self.rows,
            "outcomes": dict(self.outcomes),
            "criteria": [tally.to_json() for tally in self.criteria],
            "blockers": [
                {
                    "id": t.id,
                    "rows": t.blocked,
                    "rejects": t.rejects,
                    "holds": t.holds,
                    "sole": t.sole,
                }
                for t in self.blockers()
            ],
            "bad_rows": {
                "count": self.bad_rows,
                "first": [{"line": bad.line, "reason": bad.reason} for bad in self.bad_lines],
            },
            "absent_columns": self.absent_columns,
        } | ({} if self.sweep is None else {"sweep": self.sweep})
