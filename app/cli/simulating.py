"""`gatewright simulate`: run the simulator from the terminal (drills: app.cli.drilling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_NEGATIVE, EXIT_OK, EXIT_UNUSABLE
from app.cli.output import print_json
from app.cli.progress import stderr_progress
from app.simulate.dora import figure_text


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
RESTORE_NOTE = (
    "time to restore runs from the fault's start to the end of the rollback (detection "
    "included), as DORA defines it"
)


def key_level(key: str) -> str:
    """``lead_time_hours`` -> ``lead_time_level`` (the level that goes with a figure)."""
    stem = key.removesuffix("_per_day").removesuffix("_hours")
    return f"{stem}_level"


def print_summary(summary: dict[str, Any]) -> None:
    dora = summary["dora"]
    click.echo(
        f"Scenario {summary['scenario']} (seed {summary['seed']}): "
        f"{summary['candidates']} candidates over {figure_text(summary['simulated_days'])} days"
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
        shown = "-" if figure is None else f"{figure_text(figure)}{unit} ({dora[key_level(key)]})"
        if figure is None and key == "time_to_restore_hours":
            shown = "- (nothing to restore: no release failed)"
        click.echo(f"  {label:<22}{shown}")
    click.echo(f"  ({RESTORE_NOTE})")
    for rollback in summary["rollbacks"]:
        sla = "met" if rollback["sla_met"] else "MISSED"
        click.echo(
            f"  rollback of candidate {rollback['candidate']} in {rollback['stage']} "
            f"by {rollback['policy']}: "
            f"{figure_text(rollback['minutes'])} min (SLA {rollback['max_minutes']}: {sla})"
        )
    click.echo(
        f"This run is one sample (seed {summary['seed']}); --runs 200 gives medians, "
        "percentiles and DORA levels over many."
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
            else (
                f"{figure_text(spread['median'])}{unit} ({spread['level']}; "
                f"p10-p90 {figure_text(spread['p10'])}-{figure_text(spread['p90'])})"
            )
        )
        click.echo(f"  {label:<22}{text}")
    click.echo(f"  ({RESTORE_NOTE})")
    for gate, figures in summary["gates"].items():
        passed = figures["passed"]
        click.echo(
            f"  {gate:<28} passed {passed['median']:g} ({passed['p10']:g}-{passed['p90']:g})"
            if passed
            else f"  {gate}"
        )
    rollbacks = summary["rollbacks"]
    click.echo(f"  rollbacks: {rollbacks['total']} ({rollbacks['sla_met']} within their SLA)")
    for policy, counts in sorted(rollbacks.get("by_runbook", {}).items()):
        missed, total = counts["sla_missed"], counts["rollbacks"]
        if missed:
            click.echo(
                f"  runbook {policy} missed its SLA in {missed} of {total} rollbacks "
                f"({missed / total:.0%})"
            )


def run_simulate(
    file: Path,
    scenario_name: str,
    seed: int,
    runs: int,
    as_json: bool,
    workspace: str | None,
    record: bool,
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
    from app.simulate.bakes import stage_bakes

    try:
        payload, summary, events = _run(spec, scenario, seed, runs, stage_bakes(doc))
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
    spec: Any, scenario: Any, seed: int, runs: int, bakes: dict[str, float]
) -> tuple[Any, Any, list[Any]]:
    """One run (its JSON, summary and events) or Monte Carlo runs (their summary twice)."""
    from app.simulate.engine import simulate
    from app.simulate.montecarlo import monte_carlo

    with stderr_progress() as bar:
        report = None
        if bar is not None:  # candidates arrived in one run, or runs done
            task = bar.add_task(
                "Simulating", total=scenario.candidates.count if runs == 1 else runs
            )
            report = lambda done, _total: bar.update(task, completed=done)  # noqa: E731
        if runs == 1:
            result = simulate(spec, scenario, seed, progress=report, bakes=bakes)
            return result.to_json(), result.summary(), result.events
        summary = monte_carlo(spec, scenario, seed, runs, progress=report, bakes=bakes)
    return summary, summary, []
