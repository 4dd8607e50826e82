"""`gatewright backtest`: the command, reached from the command table or straight from
``app.cli.main``, which runs it without importing the other commands (see ``main``)."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.help_texts import JSON_HELP, TRUST_HELP
from app.cli.invoking import Command, run_command


@click.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--gate", "gate_id", required=True, help="Id of the gate to replay.")
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    required=True,
    help="Historical candidates, one per row: a .csv, .jsonl or .parquet file, or a folder "
    "of Parquet files (a partitioned dataset).",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--per-row", is_flag=True, help="Decide row by row with check's code (slower).")
@click.option("--trust", multiple=True, metavar="PUB", help=TRUST_HELP)
@click.option(
    "--sweep", "sweep_id", metavar="CRITERION", help="Try a criterion's threshold over a range."
)
@click.option(
    "--range",
    "sweep_range",
    metavar="LO:HI:STEP",
    help="Thresholds to sweep (default: from the values' 1st to 99th percentile).",
)
@click.option(
    "--outcome",
    metavar="COLUMN",
    help="With --sweep: a 0/1 column, 1 if the release caused an incident.",
)
@click.option(
    "--max-miss",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="With --outcome: the share of incidents a threshold may let through.",
)
def backtest(
    spec: Path,
    gate_id: str,
    results: Path,
    as_json: bool,
    per_row: bool,
    trust: tuple[str, ...],
    sweep_id: str | None,
    sweep_range: str | None,
    outcome: str | None,
    max_miss: float,
) -> None:
    """Replay a gate's criteria over historical candidates: pass rates, outcomes, blockers;
    with --sweep, what each threshold of one criterion would have done."""
    from app.cli.backtest_report import SweepOptions, run_backtest

    options = SweepOptions(sweep_id, sweep_range, outcome, max_miss)
    run_backtest(spec, gate_id, results, as_json, per_row, trust, options)


def main(args: list[str]) -> int:
    """``gatewright backtest ARGS``: the same command, options, messages and exit codes as
    through the command table (app.cli.commands), without importing the other commands,
    which a backtest process would pay for before reading a row."""
    return run_command(backtest, args, "gatewright backtest")
