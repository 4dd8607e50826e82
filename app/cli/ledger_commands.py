"""`gatewright ledger list | verify | stats`: reading the decision ledger (CONTRACTS section 9)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_NEGATIVE
from app.cli.output import print_json, printable
from app.cli.workspace_commands import json_option

if TYPE_CHECKING:
    from app.runtime.ledger import Ledger
    from app.simulate.sop_outline import Outline

LEDGER_HELP = (
    "The ledger: a file path or sqlite:///PATH (SQLite), or postgresql://USER@HOST/DATABASE "
    "(password from the URL, PGPASSWORD or ~/.pgpass); default: $GATEWRIGHT_LEDGER."
)
ledger_option = click.option("--ledger", "url", metavar="URL", default=None, help=LEDGER_HELP)
SQLITE_MAGIC = b"SQLite format 3\x00"


@contextmanager
def opened(url: str | None) -> Iterator[Ledger]:
    """The ledger ``url`` (or GATEWRIGHT_LEDGER) names, open for reading; every ledger
    problem is one sentence (password masked) and exit 2."""
    from app.runtime.ledger import Ledger, LedgerError
    from app.runtime.ledger_location import location_from

    try:
        location = location_from(url)
        if location is None:
            raise Failure("name the ledger: --ledger URL, or set GATEWRIGHT_LEDGER")
        with Ledger.open(location) as ledger:
            yield ledger
    except LedgerError as error:
        raise Failure(str(error)) from None


@click.group(name="ledger")
def ledger_group() -> None:
    """Read the decision ledger that check, monitor and rollback append to (--ledger)."""


@ledger_group.command(name="list")
@ledger_option
@click.option("--sop", default=None, help="Only the decisions of this SOP id.")
@click.option("--gate", default=None, help="Only the decisions at this gate.")
@click.option("--model", default=None, help="Only the decisions about this model.")
@json_option
def list_command(
    url: str | None, sop: str | None, gate: str | None, model: str | None, as_json: bool
) -> None:
    """List the recorded decisions, oldest first."""
    with opened(url) as ledger:
        entries = ledger.entries(sop=sop, gate=gate, model=model)
    if as_json:
        print_json({"ledger": ledger.shown, "entries": [entry.to_json() for entry in entries]})
        return
    if not entries:
        click.echo(f"no decisions recorded in {printable(ledger.shown)} match")
        return
    rows = [
        (
            str(e.seq),
            e.decided_at.replace(".000000Z", "Z"),
            e.kind,
            e.sop_id,
            e.gate or e.stage or "",
            e.decision,
            " ".join(part for part in (e.model, e.version) if part),
        )
        for e in entries
    ]
    headers = ("SEQ", "DECIDED", "KIND", "SOP", "GATE/STAGE", "DECISION", "CANDIDATE")
    cells = [[printable(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@ledger_group.command(name="verify")
@ledger_option
@json_option
def verify_command(url: str | None, as_json: bool) -> None:
    """Check the hash chain; exit 1 naming the first broken entry.

    Each entry's hash covers its content and the previous entry's hash: an entry that was
    edited, deleted, inserted or moved breaks the chain there. Keep the last hash it
    prints somewhere else: a chain rewritten from the start can only be told from it."""
    with opened(url) as ledger:
        verdict = ledger.verify()
    broken = verdict.broken
    if as_json:
        print_json(
            {
                "ledger": ledger.shown,
                "intact": broken is None,
                "entries": verdict.entries,
                "last_hash": verdict.last_hash,
                "broken": None
                if broken is None
                else {"entry": broken.seq, "reason": broken.reason},
            }
        )
    elif broken is None:
        plural = "y" if verdict.entries == 1 else "ies"
        click.echo(f"ledger intact ({verdict.entries} entr{plural}; last hash {verdict.last_hash})")
    else:
        click.echo(f"ledger broken at entry {broken.seq}: {broken.reason}")
    if broken is not None:
        sys.exit(EXIT_NEGATIVE)


def is_ledger(source: str) -> bool:
    """Whether ``source`` names a ledger (a URL, or an SQLite file) rather than an SOP."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", source):
        return True
    try:
        with open(source, "rb") as file:
            return file.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def since_text(text: str | None) -> str | None:
    """``--since`` as the ledger's sortable UTC time: a date (midnight UTC) or a time."""
    if text is None:
        return None
    from app.runtime.ledger_entries import sortable_time
    from app.spec.timestamps import parse_timestamp

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        text += "T00:00:00Z"
    try:
        return sortable_time(parse_timestamp(text))
    except ValueError as error:
        raise click.BadParameter(
            f"{error} (or a date, e.g. 2026-11-01)", param_hint="--since"
        ) from None


@ledger_group.command(name="stats")
@click.argument("source", metavar="FILE.sop.json|LEDGER")
@ledger_option
@click.option("--sop", default=None, help="The SOP id, when a ledger given alone holds several.")
@click.option(
    "--since", default=None, metavar="DATE", help="Only decisions from this date or time on."
)
@json_option
def stats_command(
    source: str, url: str | None, sop: str | None, since: str | None, as_json: bool
) -> None:
    """Real figures of an SOP's decisions: per gate the promote, reject and hold counts, the
    wait to promotion and the criteria that blocked most; the DORA metrics of its last
    stage. Give the SOP document (the ledger comes from --ledger or GATEWRIGHT_LEDGER), or
    the ledger itself (its SOP and last stage as its entries record them)."""
    from app.simulate.real_figures import ledger_stats, recorded_final_stage

    start = since_text(since)
    outline = None
    if not is_ledger(source):
        outline = sop_outline(Path(source))
    elif url is not None:
        raise click.UsageError("give the ledger once: as SOURCE or as --ledger, not both")
    with opened(url if outline is not None else source) as ledger:
        if outline is not None:
            sop_id, stage, order = outline.sop_id, outline.final_stage, outline.gates
        else:
            sop_id = sop or _only_sop(ledger)
            stage, order = recorded_final_stage(ledger, sop_id), None
        figures = ledger_stats(ledger, sop_id, stage, order, start)  # LedgerError: exit 2
    if as_json:
        print_json(figures)
    else:
        print_figures(figures)


def sop_outline(file: Path) -> Outline:
    """What ``stats`` needs of the SOP: read from its JSON without compiling it (networkx
    and the validation rules were most of the command's time), else from its compiled spec
    (a YAML document, or one whose promote path needs the compiler to name its problems)."""
    from app.simulate.sop_outline import Outline, read_outline

    outline = read_outline(file)
    if outline is not None:
        return outline
    from app.cli.simulating import _spec_of

    _doc, spec = _spec_of(file)
    path = spec.promote_path()
    return Outline(spec.metadata.name, [gate.id for gate in spec.gates],
                   path[-1].to if path else None)  # fmt: skip


def _only_sop(ledger: Ledger) -> str:
    from app.simulate.real_figures import sop_ids

    found = sop_ids(ledger)
    if len(found) == 1:
        return found[0]
    if not found:
        raise Failure(f"{ledger.shown} holds no decisions yet")
    raise Failure(
        f"{ledger.shown} holds the decisions of {len(found)} SOPs ({', '.join(found[:6])}); "
        "give --sop ID or the SOP document"
    )


DORA_LINES = (
    (
        "deployment frequency",
        "deployment_frequency_per_day",
        "deployment_frequency_level",
        " per day",
    ),
    ("lead time for changes", "lead_time_hours", "lead_time_level", " hours"),
    ("change failure rate", "change_failure_rate", "change_failure_rate_level", ""),
    ("time to restore", "time_to_restore_hours", "time_to_restore_level", " hours"),
)


def print_figures(figures: dict[str, Any]) -> None:
    period = figures["period"]
    click.echo(
        f"{printable(figures['sop_id'])}: {figures['decisions']} decisions about "
        f"{figures['candidates']} candidates, {period['from'][:10]} to {period['to'][:10]} "
        f"({period['days']:g} days) in {printable(figures['ledger'])}"
    )
    click.echo(
        f"{'gate':<28}{'entered':>8}{'promote':>8}{'reject':>8}{'hold':>6}"
        f"{'wait h (median)':>17}  blocked most by"
    )
    for gate, stats in figures["gates"].items():
        wait = stats["wait_hours_median"]
        blockers = ", ".join(f"{b['criterion']} ({b['count']})" for b in stats["blocked_most"][:3])
        click.echo(
            f"{printable(gate):<28}{stats['entered']:>8}{stats['passed']:>8}{stats['rejected']:>8}"
            f"{stats['held']:>6}{'-' if wait is None else f'{wait:.2f}':>17}  {blockers or '-'}"
        )
    dora = figures["dora"]
    click.echo(
        f"DORA metrics of {printable(str(figures['stage']))} ({dora['deployments']} deployments):"
    )
    for label, key, level, unit in DORA_LINES:
        shown = "-" if dora[key] is None else f"{dora[key]} ({dora[level]}){unit}"
        click.echo(f"  {label:<22}{shown}")


def register(cli: click.Group) -> None:
    """Add the ``ledger`` group to ``cli``."""
    if ledger_group.name not in cli.commands:
        cli.add_command(ledger_group)
