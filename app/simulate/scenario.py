"""Simulation scenarios: candidates arriving over time, approvers, telemetry faults, actions."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from app.simulate.draws import drawn
from app.spec.types import (
    FileModel,
    Key,
    Name,
    NonNegative,
    Number,
    PersonId,
    Probability,
    Slug,
    Text,
    whole,
)

Hour = whole(0, 24)
"""An hour of the day, 0 to 24 (24: the end of the day)."""
CandidateCount = whole(1, 100_000)
Windows = whole(1, 10_000)
"""A number of telemetry windows (a watch holds at most 10,000)."""
HealthyWindows = whole(0, 10_000)

if TYPE_CHECKING:
    from numpy.random import Generator

SCENARIO_FORMAT = "gatewright.scenario/1"


class Drawn(FileModel):
    """A distribution: ``values(rng)`` are its endless draws."""

    def values(self, rng: random.Random) -> Iterator[float]:
        raise NotImplementedError

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """A function giving the next of ``values(rng)`` at each call."""
        return self.values(rng).__next__


class Fixed(Drawn):
    dist: Literal["fixed"] = Field(description="Always the same value.")
    value: Number = Field(description="The value.")

    def values(self, rng: random.Random) -> Iterator[float]:
        return itertools.repeat(float(self.value))


class Normal(Drawn):
    dist: Literal["normal"] = Field(description="A normal distribution, clipped to [min, max].")
    mean: Number = Field(description="Mean.")
    sd: NonNegative = Field(description="Standard deviation.")
    min: Number | None = Field(None, description="Lowest value drawn.")
    max: Number | None = Field(None, description="Highest value drawn.")

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is more than max ({self.max:g})")
        return self

    def values(self, rng: random.Random) -> Iterator[float]:
        mean, sd, low, high = self.mean, self.sd, self.min, self.max
        if low is None and high is None:
            return drawn(rng, lambda numbers, count: numbers.normal(mean, sd, count).tolist())
        return drawn(
            rng, lambda numbers, count: numbers.normal(mean, sd, count).clip(low, high).tolist()
        )


class Uniform(Drawn):
    dist: Literal["uniform"] = Field(description="Uniform between low and high.")
    low: Number = Field(description="Lowest value.")
    high: Number = Field(description="Highest value.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is more than high ({self.high:g})")
        return self

    def values(self, rng: random.Random) -> Iterator[float]:
        low, high = self.low, self.high
        return drawn(rng, lambda numbers, count: numbers.uniform(low, high, count).tolist())


class LogNormal(Drawn):
    dist: Literal["lognormal"] = Field(description="Log-normal: right-skewed delays.")
    median: NonNegative = Field(description="Median value.")
    sigma: NonNegative = Field(description="Spread of the logarithm.")

    def values(self, rng: random.Random) -> Iterator[float]:
        median, sigma = self.median, self.sigma
        if not median:
            return itertools.repeat(0.0)
        exp = math.exp

        def block(numbers: Generator, count: int) -> list[float]:
            # exp() overflows past e**709: a draw that far out is "forever" anyway. math.exp,
            # not numpy's: the same values on every processor.
            return [median * exp(min(x, 700.0)) for x in numbers.normal(0.0, sigma, count).tolist()]

        return drawn(rng, block)


class Exponential(Drawn):
    dist: Literal["exponential"] = Field(description="Exponential: memoryless waits.")
    mean: NonNegative = Field(description="Mean value.")

    def values(self, rng: random.Random) -> Iterator[float]:
        mean = self.mean
        if not mean:
            return itertools.repeat(0.0)
        return drawn(rng, lambda numbers, count: numbers.exponential(mean, count).tolist())


Distribution = Annotated[
    Fixed | Normal | Uniform | LogNormal | Exponential, Field(discriminator="dist")
]
"""Each distribution's ``values(rng)`` are its endless draws, from a generator of its own
seeded from ``rng``, the run's (see :mod:`app.simulate.draws`); ``sampler(rng)`` draws the
next of them at each call."""


class Candidates(FileModel):
    """Candidate models arriving at the entry stage."""

    count: CandidateCount = Field(description="How many candidates arrive.")
    every_hours: Distribution = Field(description="Time between two arrivals, in hours.")
    tiers: dict[Slug, NonNegative] = Field(
        default_factory=dict, description="Risk tier -> weight; empty: the strictest tier."
    )
    submitters: list[PersonId] = Field(
        default_factory=lambda: ["submitter"],
        min_length=1,
        description=(
            "Person ids (logins or e-mail addresses) of who submits candidates (at least one); "
            "compared without case against role members."
        ),
    )
    metrics: dict[Key, Distribution] = Field(
        default_factory=dict, description="Metric values at every gate (drawn per candidate)."
    )
    stage_metrics: dict[Slug, dict[Key, Distribution]] = Field(
        default_factory=dict, description="Per gate id: metric distributions overriding those."
    )
    baseline: dict[Key, Number] = Field(
        default_factory=dict, description="Metric values of the model in production."
    )
    checks: dict[Key, dict[Text, NonNegative]] = Field(
        default_factory=dict, description="Check -> outcome -> weight, e.g. passed: 0.95."
    )
    artifacts: dict[Key, Probability] = Field(
        default_factory=dict, description="Artifact -> probability that it is present."
    )
    missing: dict[Key, Probability] = Field(
        default_factory=dict, description="Metric -> probability that the pipeline omits it."
    )


class Approvers(FileModel):
    """How the members of one role respond to approval requests."""

    delay_hours: Distribution = Field(description="Time until a member responds, in hours.")
    reject_probability: Probability = Field(0, description="Chance a response rejects.")
    respond_probability: Probability = Field(1, description="Chance a member responds at all.")
    working_hours: tuple[Hour, Hour] | None = Field(
        None, description="Responses only between these hours of the day, e.g. [9, 17]."
    )

    @field_validator("working_hours")
    @classmethod
    def _a_day(cls, hours: tuple[int, int] | None) -> tuple[int, int] | None:
        if hours is not None and not 0 <= hours[0] < hours[1] <= 24:
            raise ValueError(f"must be [start, end] with 0 <= start < end <= 24, got {list(hours)}")
        return hours


class Fault(FileModel):
    """Something going wrong in production after a release."""

    kind: Literal["drop", "spike", "gap", "missing"] = Field(
        description=(
            "`drop` sets the metric to `value`; `spike` multiplies it by `factor`; `gap` adds "
            "`value` (a fairness gap opening); `missing` removes it from the windows."
        )
    )
    metric: Key = Field(description="Metric affected.")
    stage: Slug | None = Field(
        None,
        description=(
            "Stage whose telemetry it strikes (production, a canary...); absent: any watched stage."
        ),
    )
    probability: Probability = Field(
        description="Chance that a release (or a stay in a watched stage) suffers it."
    )
    after_windows: HealthyWindows = Field(0, description="Healthy windows before it starts.")
    windows: Windows = Field(1_000, description="How many windows it lasts.")
    value: Number = Field(0, description="For drop: the value; for gap: the amount added.")
    factor: Number = Field(1, description="For spike: the multiplier.")


class Telemetry(FileModel):
    window_minutes: NonNegative = Field(60, description="Length of a telemetry window.")
    watch_windows: Windows = Field(24, description="Windows watched per release.")
    metrics: dict[Key, Distribution] = Field(
        default_factory=dict, description="Healthy production values per window."
    )
    faults: list[Fault] = Field(default_factory=list, description="Faults that may happen.")

    @field_validator("window_minutes")
    @classmethod
    def _lasts(cls, minutes: float) -> float:
        if minutes <= 0:
            raise ValueError("must be more than 0: a window of no time watches nothing")
        return minutes


class ActionTiming(FileModel):
    factor: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=1),
        description="Multiplier of the action's expected minutes.",
    )
    failure_probability: Probability = Field(
        0, description="Chance the action fails and must be repeated (below 1)."
    )

    @field_validator("failure_probability")
    @classmethod
    def _can_succeed(cls, value: float) -> float:
        if value >= 1:
            raise ValueError("must be below 1: an action that always fails is repeated forever")
        return value


class FittedFrom(FileModel):
    """Where a scenario fitted by ``gatewright scenario from-ledger`` came from."""

    ledger: Text = Field(description="The ledger's URL, password masked.")
    sop: Slug = Field(description="The SOP whose decisions were read.")
    since: Text | None = Field(None, description="Decisions from this time on (--since).")
    until: Text | None = Field(None, description="Decisions up to this time (--until).")
    first_decision: Text = Field(description="Time of the first decision read (UTC).")
    last_decision: Text = Field(description="Time of the last decision read (UTC).")
    decisions: NonNegative = Field(description="Decisions read.")
    candidates: NonNegative = Field(description="Candidates (model and version) seen.")
    gates: dict[Slug, dict[Key, NonNegative]] = Field(
        default_factory=dict, description="Per gate: decisions, promote, reject, hold counts."
    )
    fitted: list[Text] = Field(default_factory=list, description="What was fitted, and how.")
    kept: list[Text] = Field(
        default_factory=list, description="What the ledger had too little data for, kept."
    )


class Scenario(FileModel):
    """What a simulation runs the SOP against."""

    format: Literal["gatewright.scenario/1"] = Field(description="Always gatewright.scenario/1.")
    id: Slug = Field(description="Scenario id.")
    title: Name = Field(description="Readable title.")
    description: Text = Field("", description="What the scenario represents.")
    sop: Slug | None = Field(None, description="Template id the scenario was written for.")
    candidates: Candidates = Field(description="Arriving candidates.")
    approvers: dict[Slug, Approvers] = Field(
        default_factory=dict, description="Behaviour per role id."
    )
    default_approvers: Approvers = Field(
        default_factory=lambda: Approvers(delay_hours=Fixed(dist="fixed", value=4)),
        description="Behaviour of roles not listed under approvers.",
    )
    approval_timeout_hours: NonNegative = Field(
        168, description="A gate still waiting for approvals after this rejects the candidate."
    )
    hold_review: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=24),
        description="Hours a person takes to look at a candidate held for missing data.",
    )
    deploy_minutes: Distribution = Field(
        default_factory=lambda: Fixed(dist="fixed", value=0),
        description="Minutes a deployment to the next stage takes.",
    )
    telemetry: Telemetry = Field(default_factory=Telemetry, description="Production telemetry.")
    actions: ActionTiming = Field(default_factory=ActionTiming, description="Default timing.")
    action_overrides: dict[Slug, ActionTiming] = Field(
        default_factory=dict, description="Timing per action id."
    )
    fitted_from: FittedFrom | None = Field(
        None, description="Set when fitted to a decision ledger: where, which period, counts."
    )

    @model_validator(mode="after")
    def _weights(self) -> Scenario:
        weights = [("tiers", "a tier", self.candidates.tiers)]
        weights += [
            (f"check {check!r}", "an outcome", outcomes)
            for check, outcomes in self.candidates.checks.items()
        ]
        for name, part, values in weights:
            total = sum(values.values())
            if values and not 0 < total < math.inf:
                raise ValueError(
                    f"{name} needs {part} with a positive weight, and weights that add up "
                    "to a finite number"
                )
        return self
