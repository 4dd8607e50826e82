"""`gatewright simulate` and `gatewright drill`: run the simulator and drills from the terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_NEGATIVE, EXIT_OK, EXIT_UNUSABLE
from app.cli.output import print_json
from app.cli.progress import stderr_progress


def _spec_of(file: Path):  # type: ignore[no-untyped-def]
    from app.compiler.compile import CompileRefusedError, compile_spec
    from app.model.io import load_document
    from app.validate.config import load_lint_file

    doc = load_document(file)
    try:
        return doc, compile_spec(doc, load_lint_file(file))
    except CompileRefusedError as refused:
        raise Failure(f"{file}: {refused}", EXIT_NEGATIVE) from None


def _record(workspace: str | None, record: bool, write: Any) -> str | None:
    """Save into the workspace; None when saved (or not asked to), else why not.

    A workspace problem never loses the result: the caller prints it, then says why it was
    not recorded and exits 2 (:func:`_unrecorded`), since what was asked was not done."""
    if not record:
        return None
    from app.store.workspace import Workspace

    try:
        # A path typed with --workspace is never given folders of its own making: a typo
        # would record the run somewhere nobody looks.
        with Workspace.open(workspace, folders=workspace is None) as store:
            write(store)
    except Exception as error:
        return str(error)
    return None


def _unrecorded(what: str, problem: str | None, code: int) -> int:
    """``code``, or exit 2 after saying why ``what`` (printed above) was not recorded."""
    if problem is None:
        return code
    click.echo(
        f"error: the {what} above was not saved in the workspace: {problem} "
        "(or pass --no-record not to record it)",
        err=True,
    )
    return EXIT_UNUSABLE


WARNINGS_SHOWN = 8
"""Scenario warnings printed; the rest are counted."""

DORA_LINES = (
    ("deployment frequency", "deployment_frequency_per_day", " per day"),
    ("lead time for changes", "lead_time_hours", " hours"),
    ("change failure rate", "change_failure_rate", ""),
    ("time to restore", "time_to_restore_hours", " hours"),
)


def key_level(key: str) -> str:
    """``lead_time_hours`` -> ``lead_time_level`` (the level that goes with a figure)."""
    stem = key.removesuffix("_per_day").removesuffix("_hours")
    return f"{stem}_level"


def _level(figure: Any, level: Any) -> str:
    return "-" if figure is None else f"{figure} ({level})"


def print_summary(summary: dict[str, Any]) -> None:
    dora = summary["dora"]
    click.echo(
        f"Scenario {summary['scenario']} (seed {summary['seed']}): "
        f"{summary['candidates']} candidates over {summary['simulated_days']:g} days"
    )
    click.echo(
        f"{'gate':<28}{'entered':>8}{'passed':>8}{'rejected':>9}{'held':>6}{'wait h (median)':>17}"
    )
    for gate, stats in summary["gates"].items():
        wait = stats["wait_hours_median"]
        click.echo(
            f"{gate:<28}{stats['entered']:>8}{stats['passed']:>8}{stats['rejected']:>9}"
            f"{stats['held']:>6}{'-' if wait is None else f'{wait:.2f}':>17}"
        )
    click.echo("DORA metrics:")
    for label, key, unit in DORA_LINES:
        figure = dora[key]
        shown = _level(figure, dora[key_level(key)]) + unit if figure is not None else "-"
        if figure is None and key == "time_to_restore_hours":
            shown = "- (nothing to restore: no release failed)"
        click.echo(f"  {label:<22}{shown}")
    for rollback in summary["rollbacks"]:
        sla = "met" if rollback["sla_met"] else "MISSED"
        click.echo(
            f"  rollback of candidate {rollback['candidate']} in {rollback['stage']} "
            f"by {rollback['policy']}: "
            f"{rollback['minutes']:g} min (SLA {rollback['max_minutes']}: {sla})"
        )


def print_monte_carlo(summary: dict[str, Any]) -> None:
    click.echo(
        f"Scenario {summary['scenario']}: {summary['runs']} runs from seed "
        f"{summary['seed']} (median, p10-p90)"
    )
    for label, key, unit in DORA_LINES:
        spread = summary["dora"][key]
        text = (
            "-"
            if spread is None
            else (f"{spread['median']:g}{unit} ({spread['p10']:g}-{spread['p90']:g})")
        )
        click.echo(f"  {label:<22}{text}")
    for gate, figures in summary["gates"].items():
        passed = figures["passed"]
        click.echo(
            f"  {gate:<28} passed {passed['median']:g} ({passed['p10']:g}-{passed['p90']:g})"
            if passed
            else f"  {gate}"
        )
    rollbacks = summary["rollbacks"]
    click.echo(f"  rollbacks: {rollbacks['total']} ({rollbacks['sla_met']} within their SLA)")


def run_simulate(
    file: Path,
    scenario_name: str,
    seed: int,
    runs: int,
    as_json: bool,
    workspace: str | None,
    record: bool,
    workers: int | None = None,
) -> int:
    from app.simulate.clock import ScenarioRangeError
    from app.simulate.fit import scenario_warnings, written_for_another
    from app.simulate.library import load_builtin
    from app.simulate.scenario import Scenario

    doc, spec = _spec_of(file)
    scenario = load_builtin(Scenario, scenario_name)
    warnings = scenario_warnings(spec, scenario)
    if heading := written_for_another(scenario, doc.id, warnings):
        click.echo(f"warning: scenario {scenario_name} was {heading}", err=True)
    for warning in warnings[:WARNINGS_SHOWN]:
        click.echo(f"warning: scenario {scenario_name}: {warning}", err=True)
    if len(warnings) > WARNINGS_SHOWN:
        click.echo(f"warning: ... and {len(warnings) - WARNINGS_SHOWN} more", err=True)
    try:
        payload, summary, events = _run(spec, scenario, seed, runs, workers)
    except ScenarioRangeError as error:
        raise Failure(f"scenario {scenario_name}: {error}") from None
    problem = _record(
        workspace,
        record,
        lambda store: store.record_run(
            sop_id=doc.id,
            scenario=scenario.id,
            seed=seed,
            runs=runs,
            parameters={"file": str(file), "spec_digest": spec.digest},
            summary=summary,
            events=events,
        ),
    )
    if as_json:
        print_json(payload)
    elif runs == 1:
        print_summary(summary)
    else:
        print_monte_carlo(summary)
    return _unrecorded("simulation", problem, EXIT_OK)


def _run(
    spec: Any, scenario: Any, seed: int, runs: int, workers: int | None = None
) -> tuple[Any, Any, list[Any]]:
    """One run (its JSON, summary and events) or Monte Carlo runs (their summary twice)."""
    from app.simulate.engine import simulate
    from app.simulate.montecarlo import default_workers, monte_carlo

    with stderr_progress() as bar:
        report = None
        if bar is not None:  # candidates arrived in one run, or runs done
            task = bar.add_task(
                "Simulating", total=scenario.candidates.count if runs == 1 else runs
            )
            report = lambda done, _total: bar.update(task, completed=done)  # noqa: E731
        if runs == 1:
            result = simulate(spec, scenario, seed, progress=report)
            return result.to_json(), result.summary(), result.events
        workers = default_workers() if workers is None else workers
        summary = monte_carlo(spec, scenario, seed, runs, progress=report, workers=workers)
    return summary, summary, []


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


def run_drill(
    file: Path,
    scenario_name: str,
    answers_file: Path | None,
    as_json: bool,
    trainee: str,
    workspace: str | None,
    record: bool,
) -> int:
    from app.simulate.drill import DrillError, DrillScenario, DrillSession, run_scripted
    from app.simulate.library import load_builtin
    from app.spec.fileio import InputError, load_model

    doc, spec = _spec_of(file)
    scenario = load_builtin(DrillScenario, scenario_name)
    started = datetime.now(UTC)
    try:
        session = DrillSession(spec, scenario)
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
    click.echo(
        f"\nDebrief: {result.score:g} / {result.max_score:g} points; simulated recovery "
        f"{result.minutes:g} min"
        + (f" against an SLA of {result.sla_minutes:g} min" if result.sla_minutes else "")
    )
    for mistake in result.mistakes:
        click.echo(f"  - {mistake.step}: {mistake.explanation} (-{mistake.points_lost:g})")
    return _unrecorded("drill", problem, EXIT_OK)
