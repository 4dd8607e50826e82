"""Rollback drills: a trainee walks an incident step by step; the SOP's own spec marks them.

The expected answers are not written in the drill: they come from running
``app.runtime.monitor`` on the drill's telemetry against the SOP's compiled spec, so a
drill always tests the SOP as it is, and a false alarm is one the spec does not fire on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field, field_validator

from app.runtime import monitor
from app.spec.evidence import Telemetry
from app.spec.schema import PREVIOUS_STABLE, GateSpec, SpecRollback
from app.spec.types import FileModel, Key, NonNegative, Slug, Text

DRILL_FORMAT = "gatewright.drill/1"
MISTAKE_MINUTES = 5.0
SLA_PENALTY = 10.0
LESSON_CHARACTERS = 20
"""A lesson counts when it holds at least this many visible characters (about a sentence)."""


class DrillScenario(FileModel):
    """An incident to rehearse: what responders see, and the telemetry behind it."""

    format: Literal["gatewright.drill/1"] = Field(description="Always gatewright.drill/1.")
    id: Slug = Field(description="Drill id, e.g. `engagement-drop`.")
    title: Text = Field(description="Readable title.")
    sop: Slug | None = Field(None, description="Template id the drill was written for.")
    stage: Slug = Field(description="Stage where the incident happens.")
    story: Text = Field(description="What the responder is told when the drill starts.")
    alerts: list[Text] = Field(default_factory=list, description="Alerts shown to the trainee.")
    requires: list[Key] = Field(
        default_factory=list, description="Metrics the SOP must watch for this drill to apply."
    )
    telemetry: Telemetry = Field(description="The windows behind the alerts, oldest first.")
    lesson_hint: Text = Field("", description="What a good lesson learned mentions.")

    @field_validator("telemetry")
    @classmethod
    def _has_windows(cls, telemetry: Telemetry) -> Telemetry:
        if not telemetry.windows:
            raise ValueError("has no windows: a drill needs the telemetry behind its alerts")
        return telemetry

    minutes_to_notice: NonNegative = Field(5, description="Minutes before the drill clock starts.")


def covered(spec: GateSpec, telemetry: Telemetry) -> GateSpec:
    """``spec`` with only the triggers whose metric the drill's telemetry reports.

    A drill tells one incident and reports the metrics it is about; the others stayed as
    they were. Left in, a trigger that counts a missing value as a breach would fire on
    every drill that does not mention its metric, and mark the trainee against it."""
    reported = {name for window in telemetry.windows for name in window.metrics}
    policies = [
        policy.model_copy(update={"triggers": [t for t in policy.triggers if t.metric in reported]})
        for policy in spec.rollback
    ]
    narrowed = spec.model_copy(update={"rollback": policies})
    narrowed.model_post_init(None)  # its own lookups, not the original's
    return narrowed


class DrillError(ValueError):
    """The drill cannot run against this SOP, or an answer is not one of the choices."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class Step:
    key: str
    kind: Literal["single", "multi", "text"]
    prompt: str
    choices: tuple[Choice, ...] = ()
    points: float = 0.0


@dataclass
class Mistake:
    step: str
    chosen: Any
    expected: Any
    explanation: str
    points_lost: float

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "chosen": self.chosen,
            "expected": self.expected,
            "explanation": self.explanation,
            "points_lost": round(self.points_lost, 2),
        }


@dataclass
class Feedback:
    correct: bool
    explanation: str


@dataclass
class DrillResult:
    drill: str
    score: float
    max_score: float
    minutes: float
    sla_minutes: float | None
    sla_met: bool | None
    answers: dict[str, Any]
    mistakes: list[Mistake] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "drill": self.drill,
            "score": round(self.score, 2),
            "max_score": self.max_score,
            "minutes": round(self.minutes, 2),
            "sla_minutes": self.sla_minutes,
            "sla_met": self.sla_met,
            "answers": self.answers,
            "mistakes": [m.to_json() for m in self.mistakes],
        }


class DrillSession:
    """The drill as a state machine: ask ``step()``, give ``answer()``, read ``result()``."""

    def __init__(self, spec: GateSpec, scenario: DrillScenario, seed: int = 0) -> None:
        if scenario.stage not in {s.id for s in spec.stages}:
            raise DrillError(
                f"drill {scenario.id!r} happens on stage {scenario.stage!r}, "
                "which this SOP does not have"
            )
        watched = {t.metric for p in spec.policies_for(scenario.stage) for t in p.triggers}
        missing = [m for m in scenario.requires if m not in watched]
        if missing:
            raise DrillError(
                f"drill {scenario.id!r} needs an SOP whose triggers on {scenario.stage!r} "
                f"watch {', '.join(missing)}"
                + (f" (it was written for template {scenario.sop!r})" if scenario.sop else "")
            )
        self.spec, self.scenario = spec, scenario
        self.rng = random.Random(seed)
        self.verdict = monitor(
            covered(spec, scenario.telemetry), scenario.stage, scenario.telemetry
        )
        if self.verdict.decision == "inconclusive":
            # Too few windows to judge a trigger: no answer could be marked right.
            short = ", ".join(self.verdict.inconclusive)
            raise DrillError(
                f"drill {scenario.id!r} has too few telemetry windows for this SOP's "
                f"trigger(s) {short} on {scenario.stage!r} to be judged"
            )
        self.plan: SpecRollback | None = self.verdict.plan
        self.steps = self._plan_steps()
        self.position = 0
        self.minutes = scenario.minutes_to_notice
        self.answers: dict[str, Any] = {}
        self.mistakes: list[Mistake] = []
        self.score = 0.0

    # -- the steps ---------------------------------------------------------------------

    def briefing(self) -> list[str]:
        lines = [self.scenario.title, self.scenario.story]
        lines += [f"ALERT: {alert}" for alert in self.scenario.alerts]
        return lines

    def label(self, step: Step, choice_id: str) -> str:
        """What the trainee was shown for ``choice_id`` at ``step`` (the id, if not offered)."""
        return next((c.label for c in step.choices if c.id == choice_id), choice_id)

    def _plan_steps(self) -> list[Step]:
        return [
            Step(step.key, step.kind, step.prompt, distinct(step.choices), step.points)
            for step in self._steps()
        ]

    def _steps(self) -> list[Step]:
        policies = self.spec.policies_for(self.scenario.stage)
        triggers = [
            Choice(t.id, f"{t.name}: {t.metric} {t.op} {t.value:g} for {t.for_windows} window(s)")
            for p in policies
            for t in p.triggers
        ]
        triggers.append(Choice("none", "None: no trigger condition is met (false alarm)"))
        decision = (
            Choice("rollback", "Roll back now"),
            Choice("wait", "Do not roll back; keep watching"),
        )
        if self.plan is None:
            return [
                Step("trigger", "single", "Which trigger has fired?", tuple(triggers), 40),
                Step("decision", "single", "What do you do?", decision, 40),
                Step("lesson", "text", "Record the lesson learned.", (), 20),
            ]
        steps = [
            Step("trigger", "single", "Which trigger has fired?", tuple(triggers), 20),
            Step("decision", "single", "What do you do?", decision, 15),
            Step("target", "single", "What do you roll back to?", self._targets(), 15),
        ]
        actions = self.plan.actions
        share = 30 / (2 * len(actions)) if actions else 0
        roles = tuple(Choice(r.id, r.name) for r in self.spec.roles)
        for index, action in enumerate(actions):
            steps.append(
                Step(
                    f"action-{index + 1}",
                    "single",
                    f"Step {index + 1} of the runbook: what comes next?",
                    self._shuffled(actions),
                    share,
                )
            )
            steps.append(
                Step(
                    f"role-{index + 1}", "single", f"Who carries out {action.name!r}?", roles, share
                )
            )
        steps.append(
            Step(
                "checks",
                "multi",
                "Which checks confirm the rollback worked?",
                self._check_choices(),
                10,
            )
        )
        steps.append(Step("lesson", "text", "Record the lesson learned.", (), 10))
        return steps

    def _targets(self) -> tuple[Choice, ...]:
        order = {s.id: s.order for s in self.spec.stages}
        earlier = [s for s in self.spec.stages if s.order < order[self.scenario.stage]]
        return (
            Choice(PREVIOUS_STABLE, "Redeploy the previous stable version"),
            *(Choice(s.id, f"Demote to {s.name}") for s in earlier),
        )

    def _shuffled(self, actions: list[Any]) -> tuple[Choice, ...]:
        choices = [Choice(a.id, a.name) for a in actions]
        self.rng.shuffle(choices)
        return tuple(choices)

    def _check_choices(self) -> tuple[Choice, ...]:
        seen: dict[str, Choice] = {}
        for policy in [self.plan, *self.spec.rollback]:
            for criterion in policy.checks if policy else ():
                seen.setdefault(criterion.id, Choice(criterion.id, criterion.name or criterion.id))
        choices = list(seen.values())
        self.rng.shuffle(choices)
        return tuple(choices)

    def step(self) -> Step | None:
        return self.steps[self.position] if self.position < len(self.steps) else None

    # -- answering ---------------------------------------------------------------------

    def expected(self, step: Step) -> Any:
        if step.key == "trigger":
            return self.verdict.fired or ["none"]
        if step.key == "decision":
            return "rollback" if self.plan else "wait"
        if step.key == "target":
            return self.plan.target if self.plan else None
        if step.key.startswith("action-"):
            return self.plan.actions[int(step.key.split("-")[1]) - 1].id if self.plan else None
        if step.key.startswith("role-"):
            return self.plan.actions[int(step.key.split("-")[1]) - 1].role if self.plan else None
        if step.key == "checks":
            return sorted(c.id for c in self.plan.checks) if self.plan else []
        return None

    def answer(self, value: Any) -> Feedback:
        step = self.step()
        if step is None:
            raise DrillError("the drill is over; there is nothing left to answer")
        value = self._validated(step, value)
        expected = self.expected(step)
        correct, explanation = self._judge(step, value, expected)
        self.answers[step.key] = value
        if correct:
            self.score += step.points
        else:
            self.minutes += MISTAKE_MINUTES
            self.mistakes.append(Mistake(step.key, value, expected, explanation, step.points))
        if step.key.startswith("action-") and self.plan:
            self.minutes += self.plan.actions[int(step.key.split("-")[1]) - 1].minutes
        self.position += 1
        return Feedback(correct, explanation)

    def _validated(self, step: Step, value: Any) -> Any:
        ids = [c.id for c in step.choices]
        if step.kind == "text":
            if not isinstance(value, str):
                raise DrillError(f"{step.key}: write the lesson as text")
            return value.strip()
        if step.kind == "multi":
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or any(v not in ids for v in values):
                raise DrillError(f"{step.key}: choose from {', '.join(ids)}; got {value!r}")
            return sorted(set(values))
        if value not in ids:
            raise DrillError(f"{step.key}: {value!r} is not one of the choices: {', '.join(ids)}")
        return value

    def _judge(self, step: Step, value: Any, expected: Any) -> tuple[bool, str]:
        if step.key == "trigger":
            fired = self._names(step, expected)
            if value in expected:
                return True, "Right: its condition held for the required windows."
            if value == "none":
                return (
                    False,
                    f"{fired} fired: the telemetry breached it for enough consecutive windows.",
                )
            if expected == ["none"]:
                return False, (
                    "No trigger fired: the breach did not last the required "
                    "windows, so this is a false alarm."
                )
            return False, f"{self._names(step, [value])} did not fire; {fired} did."
        if step.key == "decision":
            if value == expected:
                return True, "Right." if self.plan else "Right: a false alarm needs no rollback."
            if self.plan:
                return False, "The trigger fired: the SOP says roll back now, within the SLA."
            return False, "Rolling back on a false alarm takes a healthy model out of service."
        if step.key == "target":
            names = {c.id: c.label for c in step.choices}
            return (
                value == expected,
                "Right."
                if value == expected
                else f"This policy's target is: {names.get(expected, expected)}.",
            )
        if step.key.startswith(("action-", "role-")):
            if value == expected:
                return True, "Right."
            index = int(step.key.split("-")[1]) - 1
            action = self.plan.actions[index] if self.plan else None
            if step.key.startswith("action-"):
                return False, f"Step {index + 1} is {action.name!r}: the runbook's order matters."
            role = self.spec.role(action.role)
            return False, f"{action.name!r} is carried out by {role.name if role else action.role}."
        if step.key == "checks":
            if value == expected:
                return True, "Right: these checks confirm the system is healthy again."
            return False, f"The policy's checks are: {self._names(step, expected)}."
        ok = sum(c.isprintable() and not c.isspace() for c in value) >= LESSON_CHARACTERS
        hint = (
            f" A good lesson mentions: {self.scenario.lesson_hint}"
            if self.scenario.lesson_hint
            else ""
        )
        return ok, ("Recorded." if ok else "Write a lesson of at least a sentence.") + hint

    def _names(self, step: Step, ids: list[str]) -> str:
        """The choices as shown, for an explanation: a trigger by its name, others by label."""
        if step.key == "trigger":
            triggers = [Choice(t.id, t.name) for p in self.spec.rollback for t in p.triggers]
            names = {c.id: c.label for c in distinct(tuple(triggers))}
            return ", ".join(repr(names.get(i, i)) for i in ids)
        return "; ".join(self.label(step, i) for i in ids)

    # -- the outcome -------------------------------------------------------------------

    def result(self) -> DrillResult:
        if self.step() is not None:
            raise DrillError(f"the drill is not finished: step {self.step().key} is next")
        sla = self.plan.max_minutes if self.plan else None
        met = None if sla is None else self.minutes <= sla
        score = self.score
        if met is False:
            score = max(0.0, score - SLA_PENALTY)
            self.mistakes.append(
                Mistake(
                    "sla",
                    round(self.minutes, 2),
                    sla,
                    f"Recovery took {self.minutes:g} minutes against an SLA of {sla:g}.",
                    SLA_PENALTY,
                )
            )
        return DrillResult(
            self.scenario.id,
            score,
            100.0,
            self.minutes,
            sla,
            met,
            dict(self.answers),
            list(self.mistakes),
        )


def trainee_name(name: str) -> str:
    """A trainee's name as drills record it and are looked up by: without surrounding
    spaces. A blank one is a :class:`DrillError`: its drills could not be told apart."""
    if not name.strip():
        raise DrillError(
            "give the trainee's name; drills under a blank one could not be told apart"
        )
    return name.strip()


def distinct(choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
    """The choices, each label that two or more share followed by its id in brackets, so
    that no two choices read the same."""
    labels = [c.label for c in choices]
    return tuple(
        Choice(c.id, f"{c.label} [{c.id}]") if labels.count(c.label) > 1 else c for c in choices
    )


def perfect_answers(session: DrillSession) -> dict[str, Any]:
    """The answers that score full marks, in the answers-file format (for trainers, tests)."""
    answers: dict[str, Any] = {}
    for step in session.steps:
        expected = session.expected(step)
        if step.key == "trigger":
            answers[step.key] = expected[0]
        elif step.key == "lesson":
            hint = session.scenario.lesson_hint or "rehearse this runbook every quarter"
            answers[step.key] = f"Lesson learned: {hint}"
        else:
            answers[step.key] = expected
    return answers


def run_scripted(session: DrillSession, answers: dict[str, Any]) -> DrillResult:
    """Answer every step from an answers file (keys are step keys); DrillError if one is off."""
    while (step := session.step()) is not None:
        if step.key not in answers:
            raise DrillError(
                f"the answers have no {step.key!r}; expected keys: "
                f"{', '.join(s.key for s in session.steps)}"
            )
        session.answer(answers[step.key])
    return session.result()
