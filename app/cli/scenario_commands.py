"""`gatewright scenario from-ledger`: a simulation scenario fitted to a decision ledger."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from app.cli.errors import Failure
from app.cli.ledger_commands import ledger_option, opened, since_text
from app.cli.output import printable

BASE_HELP = (
    "The scenario that supplies what the ledger cannot (a built-in id or a file); default: "
    "the built-in scenario written for the SOP, if there is one."
)


@click.group(name="scenario")
def scenario_group() -> None:
    """Make simulation scenarios."""


def until_text(text: str | None) -> str | None:
    """``--until`` as the ledger's sortable UTC time: a date means to the end of that day."""
    if text is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        text = f"{text}T23:59:59.999999Z"
    try:
        return since_text(text)
    except click.BadParameter as error:
        raise click.BadParameter(error.message, param_hint="--until") from None


@scenario_group.command(name="from-ledger")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE.sop.json")
@ledger_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the scenario (JSON).",
)
@click.option("--since", default=None, metavar="DATE", help="Only decisions from this date on.")
@click.option("--until", default=None, metavar="DATE", help="Only decisions up to this date.")
@click.option("--base", default=None, metavar="SCENARIO", help=BASE_HELP)
def from_ledger_command(
    file: Path,
    url: str | None,
    output: Path,
    since: str | None,
    until: str | None,
    base: str | None,
) -> None:
    """Write a scenario fitted to the SOP's recorded decisions: arrivals, risk tiers and
    submitters, metric values, check outcomes and artifacts, per role the approval delay
    and rejection chance, and from monitor and rollback entries each watched stage's fault
    chance and the rollback actions' factor. What the ledger has too little data for (or does not
    record) is kept from the base scenario, with a warning; `fitted_from` in the file
    says where it came from. A ledger whose hash chain does not check out (an entry
    edited, deleted, inserted or moved) is refused, naming the entry. Run it with
    `gatewright simulate FILE --scenario OUTPUT`."""
    from app.cli.simulating import _spec_of
    from app.runtime.ledger_location import LedgerError
    from app.simulate.ledger_fit import fit_scenario
    from app.spec.fileio import inputs_kept, write_atomic

    start, end = since_text(since), until_text(until)
    if start is not None and end is not None and start > end:
        raise click.BadParameter(f"{until} is before --since {since}", param_hint="--until")
    doc, spec = _spec_of(file)
    base_scenario = _base(base, doc.id)
    with opened(url) as ledger:
        try:
            fitted = fit_scenario(spec, ledger, base_scenario, start, end)
        except LedgerError as error:
            raise Failure(str(error)) from None
    for warning in fitted.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    data = fitted.scenario.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    with inputs_kept(file, ledger.location.target if ledger.location.kind == "sqlite" else None):
        write_atomic(output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    made = fitted.scenario.fitted_from
    click.echo(
        f"wrote {printable(str(output))}: fitted to {made.decisions} decisions about "  # type: ignore[union-attr]
        f"{made.candidates} candidates in {printable(made.ledger)} ({len(made.fitted)} "  # type: ignore[union-attr]
        f"fitted, {len(made.kept)} kept{f' from {base_scenario.id}' if base_scenario else ''})",  # type: ignore[union-attr]
        err=True,
    )


def _base(name: str | None, sop_id: str):  # type: ignore[no-untyped-def]
    """The base scenario: ``--base``, else the built-in one written for the SOP, else None."""
    from app.simulate.library import builtin_ids, load_builtin
    from app.simulate.scenario import Scenario

    if name is not None:
        return load_builtin(Scenario, name)
    for candidate in builtin_ids(Scenario):
        scenario = load_builtin(Scenario, candidate)
        if scenario.sop == sop_id:
            return scenario
    return None


def register(cli: click.Group) -> None:
    """Add the ``scenario`` group to ``cli``."""
    if scenario_group.name not in cli.commands:
        cli.add_command(scenario_group)
