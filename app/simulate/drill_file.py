"""The drill file format, and what its telemetry shows about each trigger (the evidence).

A drill file cannot lie about what it tests: a metric it ``requires`` that its telemetry
never reports is refused when the file is read (a misspelt key would otherwise turn an
incident into a false alarm), and its declared ``expect`` is checked against what the
SOP computes when the drill starts (:class:`app.simulate.drill.DrillSession`).
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.runtime.monitor import breach
from app.spec.evidence import Telemetry
from app.spec.schema import GateSpec, SpecTrigger
from app.spec.timestamps import utc_text
from app.spec.types import FileModel, Key, Name, NonNegative, Probability, Slug, Text

Expectation = Literal["incident", "false-alarm"]


class DrillError(ValueError):
    """The drill cannot run against this SOP, or an answer is not one of the choices.

    ``where`` is the place in the drill file at fault (``("expect",)``), when it is the
    drill rather than the SOP or the answer."""

    def __init__(self, message: str, where: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.where = where


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


class Inject(FileModel):
    """An alert that arrives during the drill, as in a tabletop exercise."""

    alert: Text = Field(description="The alert shown when it arrives.")
    after_steps: int | None = Field(
        None, ge=1, description="Arrives once this many steps are answered."
    )
    after_minutes: NonNegative | None = Field(
        None, description="Arrives this many real minutes after the drill started."
    )

    @model_validator(mode="after")
    def _has_a_time(self) -> Inject:
        if self.after_steps is None and self.after_minutes is None:
            raise ValueError("say when it arrives: after_steps or after_minutes")
        return self


class DrillScenario(FileModel):
    """An incident to rehearse: what responders see, and the telemetry behind it."""

    format: Literal["gatewright.drill/1"] = Field(description="Always gatewright.drill/1.")
    id: Slug = Field(description="Drill id, e.g. `engagement-drop`.")
    title: Name = Field(description="Readable title.")
    sop: Slug | None = Field(None, description="Template id the drill was written for.")
    stage: Slug = Field(description="Stage where the incident happens.")
    expect: Expectation | None = Field(
        None,
        description=(
            "What the drill is written to be: `incident` (a trigger fires and the SOP rolls "
            "back) or `false-alarm` (no trigger fires). A drill whose SOP computes otherwise "
            "is refused; a drill without it starts with a warning."
        ),
    )
    story: Text = Field(description="What the responder is told when the drill starts.")
    alerts: list[Text] = Field(default_factory=list, description="Alerts shown to the trainee.")
    injects: list[Inject] = Field(
        default_factory=list,
        description="Alerts that arrive later (after steps or real minutes, or when the "
        "facilitator reveals them).",
    )
    requires: list[Key] = Field(
        default_factory=list,
        description=(
            "Metrics the SOP must watch for this drill to apply; the telemetry must report "
            "each of them."
        ),
    )
    telemetry: Telemetry = Field(
        description="The windows behind the alerts, judged in time order (by `at`)."
    )
    lesson_hint: Text = Field(
        "", description="The model lesson: what a good lesson learned mentions."
    )

    @field_validator("telemetry")
    @classmethod
    def _reports_what_it_requires(cls, telemetry: Telemetry, info: ValidationInfo) -> Telemetry:
        if not telemetry.windows:
            raise ValueError("has no windows: a drill needs the telemetry behind its alerts")
        reported = reported_metrics(telemetry)
        for index, metric in enumerate(info.data.get("requires") or []):
            if metric not in reported:
                near = difflib.get_close_matches(metric, sorted(reported), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ValueError(
                    f"no window reports {metric!r}, which $.requires[{index}] names{hint}; "
                    "a drill must report every metric it requires"
                )
        return telemetry

    minutes_to_notice: NonNegative = Field(5, description="Minutes before the drill clock starts.")
    vary: dict[Key, Probability] = Field(
        default_factory=dict,
        description=(
            "Per metric, how much each trainee's numbers vary (0.05: within 5% either way); "
            "a value that would change a window's breach of a trigger is kept. Alerts show "
            "the numbers as `{metric@N}` (the Nth window in time order, from 1)."
        ),
    )

    @model_validator(mode="after")
    def _placeholders_name_windows(self) -> DrillScenario:
        windows = self.telemetry.in_time_order()
        texts = [("alerts", i, a) for i, a in enumerate(self.alerts)]
        texts += [("injects", i, x.alert) for i, x in enumerate(self.injects)]
        for field, index, text in texts:
            for metric, number in re.findall(r"\{([A-Za-z0-9_-]+)@(\d+)\}", text):
                n = int(number)
                if not 0 < n <= len(windows) or metric not in windows[n - 1].metrics:
                    raise ValueError(
                        f"$.{field}[{index}]: {{{metric}@{n}}} names no value: window {n} "
                        f"(of {len(windows)}, in time order) does not report {metric!r}"
                    )
        for metric in self.vary:
            if metric not in reported_metrics(self.telemetry):
                raise ValueError(f"$.vary: no window reports {metric!r}")
        return self


def reported_metrics(telemetry: Telemetry) -> set[str]:
    return {name for window in telemetry.windows for name in window.metrics}


def covered(spec: GateSpec, telemetry: Telemetry) -> GateSpec:
    """``spec`` with only the triggers whose metric the drill's telemetry reports.

    A drill tells one incident and reports the metrics it is about; the others stayed as
    they were. Left in, a trigger that counts a missing value as a breach would fire on
    every drill that does not mention its metric, and mark the trainee against it."""
    reported = reported_metrics(telemetry)
    policies = [
        policy.model_copy(update={"triggers": [t for t in policy.triggers if t.metric in reported]})
        for policy in spec.rollback
    ]
    narrowed = spec.model_copy(update={"rollback": policies})
    narrowed.model_post_init(None)  # its own lookups, not the original's
    return narrowed


def condition(trigger: SpecTrigger) -> str:
    windows = (
        "in one window"
        if trigger.for_windows == 1
        else (f"for {trigger.for_windows} windows in a row")
    )
    return f"{trigger.metric} {trigger.op} {trigger.value:g} {windows}"


def _clock(moment: Any) -> str:
    return utc_text(moment).replace("T", " ").removesuffix("Z").removesuffix(":00") + " UTC"


@dataclass(frozen=True)
class TriggerEvidence:
    """What the drill's windows, oldest first, show about one trigger."""

    trigger: SpecTrigger
    breached: tuple[str, ...]
    """Times of the windows that breached it (a missing value counts when on_missing is breach)."""
    missing: tuple[str, ...]
    longest: int
    """The longest run of consecutive breached windows."""

    @property
    def fired(self) -> bool:
        return self.longest >= self.trigger.for_windows

    def sentence(self) -> str:
        """One clause (no full stop) a trainee can check against the alerts."""
        t = self.trigger
        head = f"{t.name!r} needs {condition(t)}"
        if not self.breached:
            found = "no window breached it"
        elif self.fired:
            found = (
                f"it breached in {self.longest} consecutive windows "
                f"(breached: {', '.join(self.breached)})"
            )
        else:
            found = (
                f"it breached only at {', '.join(self.breached)}, at most {self.longest} "
                "window(s) in a row"
            )
        rule = ""
        if self.missing:
            counted = {
                "breach": "counts as a breach",
                "ignore": "is skipped, neither breach nor recovery",
            }.get(t.on_missing, f"is handled as {t.on_missing!r}")
            rule = (
                f"; {len(self.missing)} window(s) reported no {t.metric} "
                f"({', '.join(self.missing)}), which its missing-data rule "
                f"(on_missing: {t.on_missing}) {counted}"
            )
        return f"{head}: {found}{rule}"


def evidence(spec: GateSpec, stage: str, telemetry: Telemetry) -> list[TriggerEvidence]:
    """Per trigger of ``stage`` (as ``monitor`` judges it: time order, missing-data rule)."""
    found = []
    windows = telemetry.in_time_order()
    for policy in spec.policies_for(stage):
        for trigger in policy.triggers:
            run = longest = 0
            breached, missing = [], []
            for window in windows:
                if trigger.metric not in window.metrics:
                    missing.append(_clock(window.at))
                verdict = breach(trigger, window.metrics.get(trigger.metric))
                if verdict is None:
                    continue
                run = run + 1 if verdict else 0
                longest = max(longest, run)
                if verdict:
                    breached.append(_clock(window.at))
            found.append(TriggerEvidence(trigger, tuple(breached), tuple(missing), longest))
    return found


def criterion_condition(criterion: Any) -> str:
    """What a check tests, in a few words (``error-rate <= 0.01``)."""
    c = criterion.model_dump(mode="json", exclude_none=True)
    if "metric" in c:
        if c.get("baseline"):
            delta = c.get("delta", 0)
            return f"{c['metric']} {c['op']} the stable baseline {delta:+g}"
        return f"{c['metric']} {c['op']} {c.get('value', '')}".strip()
    if "check" in c:
        return f"{c['check']} = {c.get('equals', 'passed')}"
    if "artifact" in c:
        return f"artifact {c['artifact']} exists"
    return str(c.get("id", ""))


def trainee_name(name: str) -> str:
    """A trainee's name as drills record it and are looked up by: without surrounding
    spaces. A blank one is a :class:`DrillError`: its drills could not be told apart."""
    if not name.strip():
        raise DrillError(
            "give the trainee's name; drills under a blank one could not be told apart"
        )
    return name.strip()


def trainee_seed(trainee: str, session: int = 0) -> int:
    """The seed of one trainee's drill in a session: the same name and session seed give
    the same choice order (a session replays), another name another order."""
    digest = hashlib.sha256(f"{session}:{trainee}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def distinct(choices: tuple[Choice, ...]) -> tuple[Choice, ...]:
    """The choices, each label that two or more still share numbered (``(1 of 2)``), so no
    two choices read the same (their conditions already differ where anything does)."""
    labels = [c.label for c in choices]
    out = []
    for index, c in enumerate(choices):
        total = labels.count(c.label)
        if total > 1:
            nth = labels[: index + 1].count(c.label)
            c = Choice(c.id, f"{c.label} ({nth} of {total})")
        out.append(c)
    return tuple(out)
