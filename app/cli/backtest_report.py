"""`gatewright backtest`: replay a gate over historical candidates and print the tally."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.cli.output import print_json
from app.cli.progress import stderr_progress

if TYPE_CHECKING:
    from app.runtime.backtest import BacktestResult

PROGRESS_BYTES = 8 << 20
"""Files at least this large get a progress bar on a terminal's stderr."""


@dataclass
class SweepOptions:
    """``--sweep`` and the options that go with it."""

    criterion: str | None = None
    thresholds: str | None = None
    outcome: str | None = None
    max_miss: float = 0.05


def run_backtest(
    spec_path: Path,
    gate_id: str,
    results: Path,
    as_json: bool,
    per_row: bool,
    trust: tuple[str, ...] = (),
    options: SweepOptions | None = None,
) -> None:
    """Load the spec (digest first, then the signature when keys are trusted), backtest the
    gate (and sweep a criterion), print a table or one JSON document."""
    from app.runtime.backtest import early

    if not per_row:
        # Arrow reads the file's first rows while the spec and its models load; the
        # backtest takes the reading up (app.runtime.backtest.early).
        early.start(results)
    try:
        _run_backtest(spec_path, gate_id, results, as_json, per_row, trust, options)
    finally:
        early.discard()  # a reading the backtest never took (the spec was refused, say)


def _run_backtest(
    spec_path: Path,
    gate_id: str,
    results: Path,
    as_json: bool,
    per_row: bool,
    trust: tuple[str, ...],
    options: SweepOptions | None,
) -> None:
    from app.runtime import UnknownElementError
    from app.runtime.backtest import BacktestInputError, backtest
    from app.spec.fileio import InputError
    from app.spec.files import load_spec

    options = options or SweepOptions()
    spec = load_spec(spec_path, trust)
    if options.criterion is None:
        extra = ("--range", options.thresholds), ("--outcome", options.outcome)
        if given := [name for name, value in extra if value is not None]:
            raise InputError.single(str(results), f"{given[0]} goes with --sweep CRITERION")
    elif per_row:
        raise InputError.single(str(results), "--sweep and --per-row do not go together")
    elif not 0 <= options.max_miss <= 1:  # click's range lets NaN through
        raise InputError.single(str(results), "--max-miss must be a rate from 0 to 1")
    try:
        with progress_bar(results) as progress:
            if options.criterion is None:
                result = backtest(spec, gate_id, results, per_row=per_row, progress=progress)
            else:
                result = _sweep(spec, gate_id, results, options, progress)
    except UnknownElementError as error:
        raise InputError.single(str(spec_path), str(error)) from None
    except BacktestInputError as error:
        raise InputError.single(str(results), str(error)) from None
    if as_json:
        print_json(result.to_json())
    else:
        print_backtest(result)
        if result.sweep is not None:
            print_sweep(result.sweep)


def _sweep(spec: Any, gate_id: str, results: Path, options: SweepOptions, progress: Any) -> Any:
    from app.runtime.backtest.sweep import SweepError, SweepRequest, parse_range, sweep
    from app.spec.fileio import InputError

    try:
        thresholds = None if options.thresholds is None else parse_range(options.thresholds)
        request = SweepRequest(
            options.criterion or "", thresholds, options.outcome, options.max_miss
        )
        return sweep(spec, gate_id, results, request, progress)
    except SweepError as error:
        raise InputError.single(str(results), str(error)) from None


@contextmanager
def progress_bar(results: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for large files (see ``stderr_progress``)."""
    try:
        size = results.stat().st_size
    except OSError:
        size = 0
    if size < PROGRESS_BYTES or not sys.stderr.isatty():  # rich alone takes ~80 ms to import
        yield None
        return
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


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def print_sweep(sweep: dict[str, Any]) -> None:
    """The sweep as a table: per threshold, what passes and what the gate would decide."""
    click.echo("")
    what = "baseline + delta" if sweep["form"] == "baseline" else "threshold"
    click.echo(
        f"sweep of {sweep['criterion']} ({sweep['metric']} {sweep['op']} {what}; "
        f"today {sweep['today']:g}), {len(sweep['thresholds'])} thresholds:"
    )
    outcome = sweep.get("outcome")
    heads = ["threshold", "pass", "promote", "reject", "hold"]
    if outcome:
        heads += ["caught", "missed", "good blocked", "precision", "recall"]
    rows = []
    for row in sweep["thresholds"]:
        total = row["promote"] + row["reject"] + row["hold"]
        cells = [f"{row['threshold']:g}", f"{row['pass']:,}", _percent(row["promote"], total)]
        cells += [_percent(row["reject"], total), _percent(row["hold"], total)]
        if outcome:
            cells += [f"{row['caught']:,}", f"{row['missed']:,}", f"{row['good_blocked']:,}"]
            cells += [_rate(row["precision"]), _rate(row["recall"])]
        rows.append(cells)
    _table(heads, rows, sweep)
    tiers = [t for t in sweep["tiers"] if any(t in row["tiers"] for row in sweep["thresholds"])]
    if len(tiers) > 1:
        click.echo("")
        click.echo("promote rate per tier:")
        rows = [
            [f"{row['threshold']:g}"]
            + [
                _percent(row["tiers"][t]["promote"], _total(row["tiers"][t]))
                if t in row["tiers"]
                else "-"
                for t in tiers
            ]
            for row in sweep["thresholds"]
        ]
        _table(["threshold", *tiers], rows, sweep)
    if outcome:
        keeping = outcome["keeping_misses_under"]
        limit = f"{100 * outcome['max_miss']:g}%"
        if not outcome["incidents"]:
            click.echo(f"no incident in column {outcome['column']!r}: precision and recall are -")
        elif not keeping:
            click.echo(f"no threshold keeps missed incidents at or under {limit}")
        else:
            shown = ", ".join(f"{t:g}" for t in keeping[:12]) + (
                " ..." if len(keeping) > 12 else ""
            )
            click.echo(
                f"thresholds keeping missed incidents at or under {limit} "
                f"of {outcome['incidents']:,}: {shown}; of these, {outcome['best']:g} blocks "
                "the fewest good releases"
            )
    click.echo("")
    click.echo("quantiles of the metrics the gate reads (usable values):")
    names = list(sweep["quantiles"])
    width = max([len("metric"), *map(len, names)])
    keys = ["p1", "p5", "p25", "p50", "p75", "p95", "p99"]
    click.echo(f"{'metric':<{width}}  {'count':>9}  " + "  ".join(f"{k:>9}" for k in keys))
    for name in names:
        found = sweep["quantiles"][name]
        figures = "  ".join(f"{found[k]:>9.4g}" if k in found else f"{'-':>9}" for k in keys)
        click.echo(f"{name:<{width}}  {found['count']:>9,}  {figures}")


def _total(split: dict[str, int]) -> int:
    return split["promote"] + split["reject"] + split["hold"]


def _table(heads: list[str], rows: list[list[str]], sweep: dict[str, Any]) -> None:
    """Right-aligned columns; the row of today's threshold is marked."""
    widths = [max(len(head), *(len(row[i]) for row in rows)) for i, head in enumerate(heads)]
    click.echo("  ".join(f"{head:>{width}}" for head, width in zip(heads, widths, strict=True)))
    for cells, row in zip(rows, sweep["thresholds"], strict=True):
        marker = "  <- today" if row["threshold"] == sweep["today"] else ""
        line = "  ".join(f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True))
        click.echo(line + marker)
