"""`gatewright backtest`: replay a gate over historical candidates and print the tally."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from app.cli.output import print_json
from app.cli.progress import stderr_progress
from app.runtime.backtest import BacktestInputError, BacktestResult, backtest
from app.spec.fileio import InputError
from app.spec.files import load_spec

PROGRESS_BYTES = 8 << 20
"""Files at least this large get a progress bar on a terminal's stderr."""


def run_backtest(
    spec_path: Path,
    gate_id: str,
    results: Path,
    as_json: bool,
    per_row: bool,
    trust: tuple[str, ...] = (),
) -> None:
    """Load the spec (digest first, then the signature when keys are trusted), backtest the
    gate, print a table or one JSON document."""
    from app.runtime import UnknownElementError

    spec = load_spec(spec_path, trust)
    try:
        with progress_bar(results) as progress:
            result = backtest(spec, gate_id, results, per_row=per_row, progress=progress)
    except UnknownElementError as error:
        raise InputError.single(str(spec_path), str(error)) from None
    except BacktestInputError as error:
        raise InputError.single(str(results), str(error)) from None
    if as_json:
        print_json(result.to_json())
    else:
        print_backtest(result)


@contextmanager
def progress_bar(results: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for large files (see ``stderr_progress``)."""
    try:
        size = results.stat().st_size
    except OSError:
        size = 0
    from rich.progress import BarColumn, DownloadColumn, TextColumn, TimeRemainingColumn

    columns = (TextColumn("backtest"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with stderr_progress(*columns, wanted=size >= PROGRESS_BYTES) as bar:
        if bar is None:
            yield None
            return
        task = bar.add_task("backtest", total=size)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def print_backtest(result: BacktestResult) -> None:
    rows = result.rows
    click.echo(
        f"{result.gate}: {rows:,} candidate{_s(rows)} from {result.source} "
        f"({result.format}, {result.method}, read by {result.reader})"
    )
    outcomes = ", ".join(
        f"{count:,} {name} ({_percent(count, rows)})" for name, count in result.outcomes.items()
    )
    click.echo(f"on criteria alone (approvals ignored): {outcomes}")
    click.echo("")
    width = max([len("criterion"), *(len(t.id) for t in result.criteria)])
    heads = ("severity", "pass rate", "pass", "fail", "missing", "invalid", "skipped")
    click.echo(f"{'criterion':<{width}}  {heads[0]:<8}  " + "  ".join(f"{h:>9}" for h in heads[1:]))
    for tally in result.criteria:
        rate = "-" if tally.pass_rate is None else f"{100 * tally.pass_rate:.1f}%"
        counts = [tally.counts[s] for s in ("pass", "fail", "missing", "invalid", "skipped")]
        click.echo(
            f"{tally.id:<{width}}  {tally.severity:<8}  {rate:>9}  "
            + "  ".join(f"{count:>9,}" for count in counts)
        )
    click.echo("")
    blockers = result.blockers()
    if not blockers:
        click.echo("top blockers: none; no blocking criterion rejected or held a row")
    else:
        click.echo("top blockers (rows each blocking criterion rejects or holds):")
        for rank, tally in enumerate(blockers[:10], start=1):
            click.echo(
                f"  {rank:>2}. {tally.id:<{width}}  {tally.blocked:>9,} row{_s(tally.blocked)} "
                f"({tally.rejects:,} reject, {tally.holds:,} hold; "
                f"the only blocker of {tally.sole:,})"
            )
    if result.absent_columns:
        names = ", ".join(result.absent_columns)
        click.echo(f"absent columns (missing in every row): {names}")
    if not result.bad_rows:
        click.echo("bad rows: none")
        return
    click.echo(f"bad rows: {result.bad_rows:,} (not counted as candidates)")
    for bad in result.bad_lines:
        click.echo(f"  line {bad.line}: {bad.reason}")
    if result.bad_rows > len(result.bad_lines):
        click.echo(f"  ... and {result.bad_rows - len(result.bad_lines):,} more")
