"""Rollback drills: a trainee walks an incident step by step; the SOP's own spec marks them.

The expected answers are not written in the drill: they come from running
``app.runtime.monitor`` on the drill's telemetry against the SOP's compiled spec, so a
drill always tests the SOP as it is, and a false alarm is one the spec does not fire on.
A drill that declares what it is (``expect``) and is computed otherwise is refused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, Literal

from app.runtime import monitor
from app.runtime.monitor import StageWatch
from app.simulate.drill_file import (
    Choice,
    DrillError,
    DrillScenario,
    condition,
    covered,
    criterion_condition,
    distinct,
    evidence,
    trainee_name,
    trainee_seed,
)
from app.simulate.drill_result import (
    LESSON_GRADES,
    PASS_MARK,
    DrillResult,
    Feedback,
    Mistake,
    graded,
    passed,
)
from app.simulate.drill_vary import varied
from app.spec.restore_plan import restore_steps
from app.spec.schema import PREVIOUS_STABLE, GateSpec, SpecRollback

__all__ = [  # the drill's outcome lives in drill_result; callers find it here too
    "LESSON_GRADES",
    "PASS_MARK",
    "Choice",
    "DrillError",
    "DrillResult",
    "DrillScenario",
    "DrillSession",
    "Feedback",
    "Mistake",
    "covered",
    "criterion_condition",
    "distinct",
    "graded",
    "passed",
    "trainee_name",
    "trainee_seed",
]

DRILL_FORMAT = "gatewright.drill/1"
MISTAKE_MINUTES = 5.0
"""Minutes a mistake adds to the recovery clock (a runbook step adds its own minutes:
done out of order or by the wrong role, it is done again)."""
SLA_PENALTY = 10.0
HINT_POINTS = 5.0
"""Points a facilitator's hint costs."""
LESSON_CHARACTERS = 20
"""A lesson is taken for grading when it holds this many visible characters (a sentence)."""

StepName = Literal["trigger", "decision", "target", "action", "role", "checks", "lesson"]


@dataclass(frozen=True)
class StepKey:
    """A step's key: its name, and for runbook steps the action's 1-based position."""

    name: StepName
    index: int = 0

    def __str__(self) -> str:
        return f"{self.name}-{self.index}" if self.index else self.name


@dataclass(frozen=True)
class Step:
    slot: StepKey
    kind: Literal["single", "multi", "text"]
    prompt: str
    choices: tuple[Choice, ...] = ()
    points: float = 0.0
    critical: bool = False
    """A wrong answer fails the drill whatever the points."""

    @property
    def key(self) -> str:
        return str(self.slot)


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
        # The trainee's own numbers (seed 0: as written), breaches kept as they were.
        scenario = varied(spec, scenario, seed)
        self.spec, self.scenario = spec, scenario
        self.seed = seed
        self.rng = random.Random(seed)
        narrowed = covered(spec, scenario.telemetry)
        # Judged as a live monitor would have: at the first window where a trigger fires
        # (the page), not only by the last window, which may have recovered since.
        watch = StageWatch(narrowed, scenario.stage)
        paged = next(
            (w.at for w in scenario.telemetry.in_time_order() if watch.observe(w.metrics)), None
        )
        self.verdict = monitor(narrowed, scenario.stage, scenario.telemetry, at=paged)
        self.evidence = {
            e.trigger.id: e for e in evidence(narrowed, scenario.stage, scenario.telemetry)
        }
        if self.verdict.decision == "inconclusive":
            # Too few windows to judge a trigger: no answer could be marked right.
            short = ", ".join(self.verdict.inconclusive)
            raise DrillError(
                f"drill {scenario.id!r} has too few telemetry windows for this SOP's "
                f"trigger(s) {short} on {scenario.stage!r} to be judged"
            )
        self.plan: SpecRollback | None = self.verdict.plan
        computed = "incident" if self.plan else "false-alarm"
        if scenario.expect is not None and scenario.expect != computed:
            found = "; ".join(e.sentence() for e in self.evidence.values()) or (
                f"no trigger of this SOP on {scenario.stage!r} watches what the drill reports"
            )
            raise DrillError(
                f"declares {scenario.expect!r}, but this SOP computes "
                f"{'an incident' if self.plan else 'a false alarm'} from its telemetry: {found}",
                ("expect",),
            )
        self.same_check: dict[str, str] = {}
        self.steps = self._steps()
        self.position = 0
        self.minutes = float(scenario.minutes_to_notice)
        self.answers: dict[str, Any] = {}
        self.mistakes: list[Mistake] = []
        self.score = 0.0
        self.lesson: dict[str, Any] = {}
        self.shown: list[dict[str, Any]] = []
        self.revealed: list[str] = []
        self.hints: list[Mistake] = []
        self.facilitated: list[dict[str, Any]] = []
        """What the facilitator did: hints, clock moves, revealed alerts."""

    # -- the steps ---------------------------------------------------------------------

    def briefing(self) -> list[str]:
        lines = [self.scenario.title, self.scenario.story]
        lines += [f"ALERT: {alert}" for alert in self.scenario.alerts]
        lines += [f"NEW ALERT: {alert}" for alert in self.revealed]
        return lines

    # -- the facilitator ---------------------------------------------------------------

    def due(self, real_minutes: float | None = None) -> list[str]:
        """Reveal the injects now due (after the steps answered, or ``real_minutes`` since
        the start); returns the alerts that arrived."""
        arrived = []
        for inject in self.scenario.injects:
            steps = inject.after_steps is not None and self.position >= inject.after_steps
            late = inject.after_minutes is not None and real_minutes is not None
            if inject.alert not in self.revealed and (
                steps or (late and real_minutes >= inject.after_minutes)
            ):
                self.revealed.append(inject.alert)
                arrived.append(inject.alert)
        return arrived

    def reveal_next(self) -> str | None:
        """The facilitator reveals the next inject now (None when all have arrived)."""
        pending = [i.alert for i in self.scenario.injects if i.alert not in self.revealed]
        if not pending:
            return None
        self.revealed.append(pending[0])
        self.facilitated.append({"kind": "reveal", "alert": pending[0], "at": self.position})
        return pending[0]

    def advance(self, minutes: float) -> None:
        """The facilitator moves the recovery clock on (a delay outside the trainee's hands)."""
        self.minutes += minutes
        self.facilitated.append({"kind": "clock", "minutes": minutes, "at": self.position})

    def hint(self) -> str:
        """A hint for the current step; it costs HINT_POINTS, recorded as a mistake."""
        step = self.step()
        if step is None:
            raise DrillError("the drill is over; there is nothing to hint at")
        text = hint_text(self, step)
        self.hints.append(Mistake(f"hint:{step.key}", None, None, f"Hint: {text}", HINT_POINTS))
        self.facilitated.append({"kind": "hint", "step": step.key, "text": text})
        return text

    def label(self, step: Step, choice_id: str) -> str:
        """What the trainee was shown for ``choice_id`` at ``step`` (the id, if not offered)."""
        return next((c.label for c in step.choices if c.id == choice_id), choice_id)

    def _steps(self) -> list[Step]:
        policies = self.spec.policies_for(self.scenario.stage)
        triggers = [Choice(t.id, f"{t.name}: {condition(t)}") for p in policies for t in p.triggers]
        triggers.append(Choice("none", "None: no trigger condition is met (false alarm)"))
        trigger_choices = distinct(tuple(triggers))
        decision = (
            Choice("rollback", "Roll back now"),
            Choice("wait", "Do not roll back; keep watching"),
        )
        lesson = Step(StepKey("lesson"), "text", "Record the lesson learned.")
        if self.plan is None:
            alarm = [
                Step(StepKey("trigger"), "single", "Which trigger has fired?", trigger_choices, 50),
                Step(StepKey("decision"), "single", "What do you do?", decision, 50, True),
                lesson,
            ]
            return [self._mixed(step) for step in alarm]
        steps = [
            Step(StepKey("trigger"), "single", "Which trigger has fired?", trigger_choices, 20),
            Step(StepKey("decision"), "single", "What do you do?", decision, 20, True),
            Step(
                StepKey("target"), "single", "What do you roll back to?", self._targets(), 15, True
            ),
        ]
        actions = self.plan.actions
        share = 30 / (2 * len(actions)) if actions else 0
        roles = tuple(Choice(r.id, r.name) for r in self.spec.roles)
        for index, action in enumerate(actions, start=1):
            prompt = f"Step {index} of the runbook: what comes next?"
            steps.append(Step(StepKey("action", index), "single", prompt, self._shuffled(), share))
            prompt = f"Who carries out {action.name!r}?"
            steps.append(Step(StepKey("role", index), "single", prompt, roles, share))
        prompt = "Which checks confirm the rollback worked?"
        steps.append(Step(StepKey("checks"), "multi", prompt, self._check_choices(), 15))
        steps.append(lesson)
        return [self._mixed(step) for step in steps]

    def _mixed(self, step: Step) -> Step:
        """The step with its choices in this session's order (the seed's): six trainees in
        one room do not see the same numbers for the same answers."""
        if not step.choices or step.slot.name in ("action", "checks"):
            return step  # those are shuffled as they are made
        order = list(step.choices)
        self.rng.shuffle(order)
        return replace(step, choices=tuple(order))

    def _targets(self) -> tuple[Choice, ...]:
        order = {s.id: s.order for s in self.spec.stages}
        earlier = [s for s in self.spec.stages if s.order < order[self.scenario.stage]]
        return (
            Choice(
                PREVIOUS_STABLE,
                "Restore the previous stable release (its model, pipeline and configuration)",
            ),
            *(Choice(s.id, f"Demote the candidate to {s.name}") for s in earlier),
        )

    def _shuffled(self) -> tuple[Choice, ...]:
        choices = [Choice(a.id, a.name) for a in self.plan.actions] if self.plan else []
        self.rng.shuffle(choices)
        return tuple(choices)

    def _check_choices(self) -> tuple[Choice, ...]:
        """Every check of the SOP's policies, the fired plan's first. Two checks that test
        the same thing under the same name are one choice (either is right); two that
        share a name show their conditions, which tell them apart."""
        unique = {c.id: c for p in [self.plan, *self.spec.rollback] if p for c in p.checks}
        criteria = list(unique.values())
        conditions: dict[str, set[str]] = {}
        for c in criteria:
            conditions.setdefault(c.name or criterion_condition(c), set()).add(
                criterion_condition(c)
            )
        seen: dict[str, Choice] = {}
        for criterion in criteria:
            name = criterion.name or criterion_condition(criterion)
            label = name
            if len(conditions[name]) > 1:
                label = f"{name} ({criterion_condition(criterion)})"
            first = seen.setdefault(label, Choice(criterion.id, label))
            self.same_check[criterion.id] = first.id
        choices = list(seen.values())
        self.rng.shuffle(choices)
        return distinct(tuple(choices))

    def step(self) -> Step | None:
        return self.steps[self.position] if self.position < len(self.steps) else None

    # -- answering ---------------------------------------------------------------------

    def expected(self, step: Step) -> Any:
        slot, plan = step.slot, self.plan
        if slot.name == "trigger":
            return self.verdict.fired or ["none"]
        if slot.name == "decision":
            return "rollback" if plan else "wait"
        if slot.name == "lesson":
            return self.scenario.lesson_hint or None
        if plan is None:
            return None
        if slot.name == "target":
            return plan.target
        if slot.name == "action":
            return plan.actions[slot.index - 1].id
        if slot.name == "role":
            return plan.actions[slot.index - 1].role
        return sorted({self.same_check.get(c.id, c.id) for c in plan.checks})

    def answer(self, value: Any) -> Feedback:
        step = self.step()
        if step is None:
            raise DrillError("the drill is over; there is nothing left to answer")
        value = self._validated(step, value)
        expected = self.expected(step)
        earned, explanation = self._judge(step, value, expected)
        self.answers[step.key] = value
        self.shown.append(
            {
                "step": step.key,
                "prompt": step.prompt,
                "answer": self._shown(step, value),
                "expected": self._shown(step, expected),
                "points": round(earned, 2),
                "of": round(step.points, 2),
            }
        )
        self.score += earned
        correct = earned >= step.points and step.slot.name != "lesson"
        if step.slot.name == "lesson":
            correct = self.lesson["grade"] != "rejected"
        elif earned < step.points:
            self.mistakes.append(
                Mistake(step.key, value, expected, explanation, step.points - earned, step.critical)
            )
            # Recovery ends with the checks: a slip there or before costs clock time.
            index = step.slot.index
            action = self.plan.actions[index - 1] if index and self.plan else None
            self.minutes += action.minutes if action else MISTAKE_MINUTES
        if step.slot.name == "action" and self.plan:
            self.minutes += self.plan.actions[step.slot.index - 1].minutes
        self.position += 1
        self.due()
        return Feedback(correct, explanation)

    def _shown(self, step: Step, value: Any) -> str:
        """An answer as the trainee reads it: choices by their labels, never ids."""
        if step.kind == "text" or value is None:
            return "" if value is None else str(value)
        ids = value if isinstance(value, list) else [value]
        return "; ".join(self.label(step, i) for i in ids)

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

    def _judge(self, step: Step, value: Any, expected: Any) -> tuple[float, str]:
        """(points earned, why) for one answer."""
        name = step.slot.name
        full = step.points
        if name == "trigger":
            right, why = self._judge_trigger(value, expected)
            return (full if right else 0.0), why
        if name == "decision":
            if value == expected:
                if self.plan:
                    return full, "Right: a trigger fired, so the SOP says roll back now."
                return full, "Right: no trigger fired, so nothing needs rolling back."
            if self.plan:
                return 0.0, (
                    "Critical: the trigger fired and the SOP says roll back now, within the "
                    "SLA; waiting leaves the faulty release serving."
                )
            return 0.0, (
                "Critical: no trigger fired; rolling back a false alarm takes a healthy model "
                "out of service."
            )
        if name == "target":
            if value == expected:
                return full, "Right: this is the policy's rollback target."
            return 0.0, f"Critical: this policy's target is: {self.label(step, expected)}."
        if name in ("action", "role"):
            if value == expected:
                return full, "Right."
            assert self.plan is not None
            action = self.plan.actions[step.slot.index - 1]
            if name == "action":
                return 0.0, (
                    f"Step {step.slot.index} is {action.name!r}: the runbook's order matters "
                    f"(the step is done again: +{action.minutes:g} min)."
                )
            role = self.spec.role(action.role) if action.role else None
            who = role.name if role else action.role
            return 0.0, (
                f"{action.name!r} is carried out by {who} "
                f"(the step is handed over and done again: +{action.minutes:g} min)."
            )
        if name == "checks":
            hits = len(set(value) & set(expected))
            wrong = len(set(value) - set(expected))
            share = full / len(expected) if expected else full
            earned = max(0.0, share * (hits - wrong)) if expected else (full if not value else 0)
            if earned >= full:
                return full, "Right: these checks confirm the system is healthy again."
            names = "; ".join(self.label(step, i) for i in expected)
            got = f"{hits} of {len(expected)} right, {wrong} not the policy's"
            return earned, f"Partly right ({got}): the policy's checks are: {names}."
        return self._take_lesson(value)

    def _judge_trigger(self, value: str, expected: list[str]) -> tuple[bool, str]:
        fired = [self.evidence[t] for t in expected if t in self.evidence]
        if value in expected:
            if value == "none":
                near = [e for e in self.evidence.values() if e.breached or e.missing]
                why = "; ".join(e.sentence() for e in near) or "no window breached any trigger"
                return True, f"Right: no trigger fired, so this is a false alarm: {why}."
            return True, "Right: " + "; ".join(e.sentence() for e in fired) + "."
        chosen = self.evidence.get(value)
        about_chosen = (
            chosen.sentence()
            if chosen
            else f"the drill's telemetry does not report what {value!r} watches"
        )
        what_fired = "; ".join(e.sentence() for e in fired)
        if value == "none":
            return False, f"A trigger fired: {what_fired}."
        if expected == ["none"]:
            return False, f"No trigger fired, so this is a false alarm: {about_chosen}."
        return False, f"It did not fire: {about_chosen}. What fired: {what_fired}."

    def _take_lesson(self, text: str) -> tuple[float, str]:
        visible = sum(c.isprintable() and not c.isspace() for c in text)
        model = self.scenario.lesson_hint
        if visible < LESSON_CHARACTERS:
            self.lesson = {"text": text, "grade": "rejected", "model": model}
            self.lesson["note"] = "no lesson of at least a sentence was written"
            why = "Write a lesson of at least a sentence: it is marked rejected."
        else:
            self.lesson = {"text": text, "grade": "pending", "model": model}
            why = "Recorded: a trainer grades it against the model lesson."
        return 0.0, why + (f" The model lesson: {model}" if model else "")

    # -- the outcome -------------------------------------------------------------------

    def result(self) -> DrillResult:
        if (step := self.step()) is not None:
            raise DrillError(f"the drill is not finished: step {step.key} is next")
        sla = self.plan.max_minutes if self.plan else None
        met = None if sla is None else self.minutes <= sla
        mistakes = list(self.mistakes) + list(self.hints)
        score = max(0.0, self.score - sum(h.points_lost for h in self.hints))
        if met is False:
            score = max(0.0, score - SLA_PENALTY)
            mistakes.append(
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
            mistakes,
            dict(self.lesson),
            self.scenario.title,
            self.scenario.story,
            self.seed,
            list(self.shown),
            self.restore_lines(),
        )

    def restore_lines(self) -> list[str]:
        """What the policy's rollback puts back, in order (none for a false alarm)."""
        if self.plan is None:
            return []
        return [s.line() for s in restore_steps(self.spec.components, self.plan.restores)]


def hint_text(session: DrillSession, step: Step) -> str:
    """A hint that narrows the step without giving it: half the wrong choices ruled out
    (more with each hint), how many checks the policy has, or the model lesson's start."""
    expected = session.expected(step)
    if step.kind == "text":
        first = (session.scenario.lesson_hint or "what failed and what would catch it").split(";")
        return f"a good lesson says {first[0].strip()}"
    right = set(expected if isinstance(expected, list) else [expected])
    if step.kind == "multi":
        return f"the policy has {len(right)} check(s); what would prove the system healthy?"
    given = sum(h.step == f"hint:{step.key}" for h in session.hints)
    wrong = [c for c in step.choices if c.id not in right]
    out = wrong[: max(1, (len(wrong) * (given + 1) + 1) // 2)] if wrong else []
    if not out:
        return "every choice is still possible; read the alerts again"
    return "it is not: " + "; ".join(c.label for c in out)


def perfect_answers(session: DrillSession) -> dict[str, Any]:
    """The answer key in the answers-file format (for trainers, tests): the lesson is the
    drill's model lesson."""
    answers: dict[str, Any] = {}
    for step in session.steps:
        expected = session.expected(step)
        if step.slot.name == "trigger":
            answers[step.key] = expected[0]
        elif step.slot.name == "lesson":
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
