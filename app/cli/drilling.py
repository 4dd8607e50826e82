"""`gatewright drill`: a trainee answers a drill in the terminal, or a trainer reads its key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_OK
from app.cli.output import print_json
from app.cli.simulating import _record, _spec_of, _unrecorded


class Numbers(click.ParamType):
    """Choice numbers from 1 to ``count``: one, or (``several``) separated by commas, e.g.
    ``1, 3``. Anything else is asked again, saying why, never read as no choice."""

    name = "numbers"

    def __init__(self, count: int, several: bool) -> None:
        self.count, self.several = count, several

    def convert(self, value: Any, param: Any, ctx: Any) -> list[int]:
        if isinstance(value, list):
            return value
        parts = [p.strip() for p in (str(value).split(",") if self.several else [str(value)])]
        picks = [
            int(p) for p in parts if p.isascii() and p.isdecimal() and 1 <= int(p) <= self.count
        ]
        if not picks or len(picks) != len(parts):
            if self.several:
                self.fail(f"give numbers from 1 to {self.count} separated by commas, e.g. 1, 3")
            self.fail(f"give a number from 1 to {self.count}")
        return sorted(set(picks))


def _ask(step: Any, err: bool) -> Any:
    """Ask one step; with ``err`` (--json) the conversation goes to stderr."""
    click.echo(f"\n{step.prompt}", err=err)
    if step.kind == "text":
        return click.prompt("Your answer", type=str, err=err)
    for number, choice in enumerate(step.choices, start=1):
        click.echo(f"  {number}. {choice.label}", err=err)
    several = step.kind == "multi"
    numbers = Numbers(len(step.choices), several)
    text = "Choose (numbers separated by commas)" if several else "Choose a number"
    picks = click.prompt(text, type=numbers, err=err)
    chosen = [step.choices[p - 1].id for p in picks]
    return chosen if several else chosen[0]


def open_session(file: Path, scenario_name: str, seed: int = 0) -> tuple[Any, Any]:
    """(document, session) of the drill on the SOP in ``file``; a drill that cannot run is
    one sentence naming the file at fault (the drill's place when the drill is)."""
    from app.simulate.drill import DrillError, DrillScenario, DrillSession
    from app.simulate.library import load_builtin
    from app.spec.fileio import InputError

    doc, spec = _spec_of(file)
    scenario = load_builtin(DrillScenario, scenario_name)
    try:
        return doc, DrillSession(spec, scenario, seed)
    except DrillError as error:
        if error.where:
            raise InputError.single(scenario_name, f"{error} (SOP {file})", error.where) from None
        raise Failure(f"{file}: {error}") from None


def write_card(file: Path, scenario_name: str, out: Path, with_key: bool) -> int:
    """A printable scenario card: the briefing for trainees, or with the key for the
    facilitator."""
    from app.simulate.drill_key import drill_warnings, key_lines
    from exporters.drill_card import drill_card_pdf

    doc, session = open_session(file, scenario_name)
    for warning in drill_warnings(session, doc.id):
        click.echo(f"warning: drill {scenario_name}: {warning}", err=True)
    drill_card_pdf(
        session.scenario.title,
        session.briefing()[1:],
        key_lines(session) if with_key else None,
        f"SOP {doc.title} ({doc.id}), stage {session.scenario.stage}",
        out,
    )
    click.echo(f"wrote {out}")
    return EXIT_OK


def print_key(file: Path, scenario_name: str, as_json: bool) -> int:
    from app.simulate.drill_key import drill_warnings, key_json, key_lines

    doc, session = open_session(file, scenario_name)
    for warning in drill_warnings(session, doc.id):
        click.echo(f"warning: drill {scenario_name}: {warning}", err=True)
    if as_json:
        print_json(key_json(session))
    else:
        for line in key_lines(session):
            click.echo(line)
    return EXIT_OK


def run_drill(
    file: Path,
    scenario_name: str,
    answers_file: Path | None,
    as_json: bool,
    trainee: str,
    workspace: str | None,
    record: bool,
    session_seed: int = 0,
) -> int:
    from app.simulate.drill import DrillError, run_scripted, trainee_seed
    from app.simulate.drill_key import drill_warnings
    from app.spec.fileio import InputError, load_model

    doc, session = open_session(file, scenario_name, trainee_seed(trainee, session_seed))
    for warning in drill_warnings(session, doc.id):
        click.echo(f"warning: drill {scenario_name}: {warning}", err=True)
    scenario = session.scenario
    started = datetime.now(UTC)
    try:
        if answers_file is not None:
            from pydantic import RootModel

            answers = load_model(RootModel[dict[str, Any]], answers_file).root
            try:
                result = run_scripted(session, answers)
            except DrillError as error:
                raise InputError.single(str(answers_file), str(error)) from None
        else:
            for line in session.briefing():
                click.echo(line, err=as_json)
            told = 0  # injected alerts printed so far
            while (step := session.step()) is not None:
                while True:
                    try:
                        feedback = session.answer(_ask(step, as_json))
                        break
                    except DrillError as error:
                        click.echo(str(error), err=as_json)
                click.echo(
                    ("Correct. " if feedback.correct else "Not quite. ") + feedback.explanation,
                    err=as_json,
                )
                session.due((datetime.now(UTC) - started).total_seconds() / 60)
                for alert in session.revealed[told:]:
                    click.echo(f"\nNEW ALERT: {alert}", err=as_json)
                told = len(session.revealed)
            result = session.result()
    except DrillError as error:
        raise Failure(f"{file}: {error}") from None
    finished = datetime.now(UTC)
    problem = _record(
        workspace,
        record,
        lambda store: store.record_drill(
            sop_id=doc.id,
            trainee=trainee,
            scenario=scenario.id,
            answers=[{"step": k, "answer": v} for k, v in result.answers.items()],
            score=result.to_json(),
            started_at=started.isoformat().replace("+00:00", "Z"),
            finished_at=finished.isoformat().replace("+00:00", "Z"),
            seconds=(finished - started).total_seconds(),
        ),
    )
    if as_json:
        print_json(result.to_json())
        return _unrecorded("drill", problem, EXIT_OK)
    for line in debrief_lines(result.to_json()):
        click.echo(line)
    return _unrecorded("drill", problem, EXIT_OK)


def debrief_lines(score: dict[str, Any]) -> list[str]:
    """The debrief as the terminal prints it (from a result's or a recorded drill's JSON)."""
    from app.simulate.drill import PASS_MARK

    verdict = "PASSED" if score.get("passed") else "FAILED"
    if score.get("critical"):
        verdict += f" (critical mistake: {', '.join(score['critical'])})"
    elif score.get("score", 0) < score.get("pass_mark", PASS_MARK):
        verdict += f" (under the pass mark of {score.get('pass_mark', PASS_MARK):g})"
    sla = score.get("sla_minutes")
    lines = [
        f"\nDebrief: {score.get('score', 0):g} / {score.get('max_score', 100):g} points, "
        f"{verdict}; "
        + ("simulated recovery" if sla else "simulated time (nothing to restore)")
        + f" {score.get('minutes', 0):g} min"
        + (
            f" against an SLA of {sla:g} min ({'met' if score.get('sla_met') else 'missed'})"
            if sla
            else ""
        )
    ]
    for mistake in score.get("mistakes", []):
        lines.append(
            f"  - {mistake['step']}: {mistake['explanation']} (-{mistake['points_lost']:g})"
        )
    if restored := score.get("restored"):
        lines += ["The rollback restores, in order:", *(f"  {line}" for line in restored)]
    lesson = score.get("lesson") or {}
    if lesson:
        grade = lesson.get("grade", "pending")
        lines.append(
            f"Lesson: {grade}"
            + (" until a trainer grades it (gatewright drills grade)" if grade == "pending" else "")
        )
        if lesson.get("model"):
            lines.append(f"Model lesson: {lesson['model']}")
    return lines
