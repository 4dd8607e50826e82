"""What the simulated pipeline hands the runtime: candidates, approvers' answers, evidence.

The simulator makes these values itself, so it passes them to ``app.runtime`` as plain records
(the runtime's ``CandidateLike``, ``ApprovalLike`` and ``EvidenceLike``) instead of validating
them into pydantic models; the decisions are the same.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from app.simulate.scenario import Distribution


class Entrant(NamedTuple):
    """A candidate as the runtime reads it (``key``: the submitter's person key, which the
    simulator compares with approvers' own)."""

    tier: str
    submitted_by: str
    key: str = ""


class Response(NamedTuple):
    """An approver's answer as the runtime reads it."""

    by: str
    role: str
    decision: str
    at: datetime
    comment: str | None = None  # the simulator's approvers leave no remarks
    conditions: tuple[str, ...] = ()


@dataclass(slots=True)
class Submission:
    """What the pipeline knows about a candidate at a gate."""

    candidate: Entrant
    metrics: dict[str, float]
    baseline: dict[str, float]
    checks: dict[str, str]
    artifacts: list[str]
    approvals: list[Response] = field(default_factory=list)
    approvals_from: str | None = None  # as EvidenceLike may say; the simulator's are its own


class Outcomes:
    """One check's outcomes and their weights; a single outcome is drawn without randomness."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.outcomes = [name for name in sorted(weights) if weights[name] > 0]
        self.cumulative = list(itertools.accumulate(weights[name] for name in self.outcomes))

    @property
    def fixed(self) -> bool:
        """Whether there is a single outcome (drawn without randomness)."""
        return len(self.outcomes) == 1

    def sample(self, rng: random.Random) -> str:
        if len(self.outcomes) == 1:
            return self.outcomes[0]
        return self.outcomes[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def reads(criteria: Iterable[Any]) -> dict[str, set[str]]:
    """The metrics, checks and artifacts a list of criteria reads (by form; a baseline
    criterion reads its metric)."""
    read: dict[str, set[str]] = {"metric": set(), "check": set(), "artifact": set()}
    for criterion in criteria:
        form = "metric" if criterion.form == "baseline" else criterion.form
        read[form].add(getattr(criterion, form))
    return read


class EvidenceSource:
    """Draws the evidence a list of criteria reads, and nothing else, from ``rng``.

    A criterion only ever reads its own metric, check or artifact, so values no criterion
    reads would not change a decision; they are not drawn.
    """

    def __init__(
        self,
        criteria: Iterable[Any],
        metrics: dict[str, Distribution],
        missing: dict[str, float],
        checks: dict[str, dict[str, float]],
        artifacts: dict[str, float],
        baseline: dict[str, float],
        rng: random.Random,
    ) -> None:
        self.rng = rng
        read = reads(criteria)
        # Drawn in name order: the same scenario gives the same run whatever the order of
        # the keys in its file.
        self.metrics = [
            (name, metrics[name].sampler(rng), missing.get(name, 0.0))
            for name in sorted(metrics)
            if name in read["metric"]
        ]
        self.checks = [  # a check without any outcome is never reported: it stays missing
            (name, Outcomes(checks[name]))
            for name in sorted(checks)
            if name in read["check"] and any(weight > 0 for weight in checks[name].values())
        ]
        self.always = not any(missing for _name, _sample, missing in self.metrics)
        """Whether every metric is always reported (none may be missing)."""
        self.fixed_checks = {
            name: outcomes.outcomes[0] for name, outcomes in self.checks if outcomes.fixed
        }
        """Checks with a single outcome: always reported as it."""
        self.drawn_checks = [
            (name, outcomes) for name, outcomes in self.checks if not outcomes.fixed
        ]
        self.artifacts = [
            (name, artifacts[name]) for name in sorted(artifacts) if name in read["artifact"]
        ]
        self.baseline = {name: value for name, value in baseline.items() if name in read["metric"]}

    def draw(self, entrant: Entrant, complete: bool = False) -> Submission:
        """One visit's evidence. ``complete``: a person supplied any missing data."""
        rng = self.rng
        if complete or self.always:
            metrics = {name: sample() for name, sample, _missing in self.metrics}
        else:
            metrics = {
                name: sample()
                for name, sample, missing in self.metrics
                if not missing or rng.random() >= missing
            }
        checks = dict(self.fixed_checks)
        for name, outcomes in self.drawn_checks:
            checks[name] = outcomes.sample(rng)
        artifacts = [name for name, p in self.artifacts if p >= 1 or rng.random() < p]
        return Submission(entrant, metrics, dict(self.baseline), checks, artifacts)
