"""The command-line commands; each parses arguments, calls a package, prints, and exits."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import click

from app import __version__
from app.cli import designer
from app.cli.attesting import attestation_option, attestations_for
from app.cli.backtest_command import backtest
from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_NEGATIVE
from app.cli.invoking import Commands, run_command
from app.cli.ledger_commands import register as register_ledger_commands
from app.cli.measured_figures import measured_for, measured_option
from app.cli.output import print_json, printable
from app.cli.pipeline import SUMMARY
from app.cli.scenario_commands import register as register_scenario_commands
from app.cli.workspace_commands import register as register_workspace_commands

JSON_HELP = "Print exactly one JSON document on standard output."
SIGN_HELP = "Sign the spec with this private key (made by gatewright keygen -o NAME)."


@click.group(
    cls=Commands,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__, "--version", prog_name="gatewright", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(context: click.Context) -> None:
    """Gatewright: design, check and rehearse ML deployment SOPs.

    Without a command, opens the designer.
    """
    if context.invoked_subcommand is None:
        sys.exit(designer.main([]))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def templates(as_json: bool) -> None:
    """List the built-in SOP templates."""
    from app.model.templates import list_templates

    infos = list_templates()
    if as_json:
        payload = [{"id": t.id, "title": t.title, "summary": t.summary} for t in infos]
        print_json(payload)
        return
    width = max((len(t.id) for t in infos), default=0)
    for info in infos:
        click.echo(f"{info.id:<{width}}  {info.title}")
        click.echo(f"{'':<{width}}  {info.summary}")


@cli.command()
@click.argument("template")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the new SOP document (*.sop.json).",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
def new(template: str, output: Path, force: bool) -> None:
    """Create a new SOP document from a built-in TEMPLATE."""
    from app.model.io import save_document
    from app.model.templates import UnknownTemplateError, load_template

    if output.exists() and not force:
        raise Failure(
            f"{output}: already exists; choose another name or pass --force to replace it"
        )
    try:
        doc = load_template(template)
    except UnknownTemplateError as error:
        raise Failure(str(error)) from None
    save_document(doc, output, backup=force)
    click.echo(
        f"wrote {printable(str(output))} from template {template!r} ({len(doc.nodes)} nodes)",
        err=True,
    )


POLICY_HELP = (
    "The organisation policy (TOML); default: $GATEWRIGHT_POLICY, else the first "
    ".gatewright-policy.toml in the document's folder or above."
)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--policy", type=click.Path(dir_okay=False, path_type=Path), help=POLICY_HELP)
def validate(file: Path, as_json: bool, policy: Path | None) -> None:
    """Check an SOP document; exit 1 when it has errors. Lists the exceptions in force."""
    from app.cli.report import print_diagnostics
    from app.model.io import load_document
    from app.validate.engine import validate as run_rules
    from app.validate.governed import exceptions
    from app.validate.policy import validation_setup

    doc = load_document(file)
    settings, governing = validation_setup(file, policy)
    diagnostics = run_rules(doc, settings, policy=governing)
    print_diagnostics(
        str(file), diagnostics, as_json, exceptions=exceptions(doc, settings, governing)
    )
    if any(d.severity == "error" for d in diagnostics):
        sys.exit(EXIT_NEGATIVE)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def rules(as_json: bool) -> None:
    """List the validation rules with their default severity."""
    from app.cli.report import print_rules

    print_rules(as_json)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@measured_option
@attestation_option
def assess(file: Path, as_json: bool, url: str | None, attestation_files: tuple[Path, ...]) -> None:
    """Score an SOP against each statement of the automated-deployment standard: from its
    structure, the ledger's measured figures (--ledger), the workspace's drills, revisions
    and simulations, and people's attestations (--attestation)."""
    from app.cli.report import print_assessment
    from app.export_context import assess_with_records
    from app.model.io import load_document

    doc = load_document(file)
    attestations = attestations_for(doc, attestation_files)
    assessment = assess_with_records(doc, measured_for(doc, url), attestations)
    print_assessment(str(file), assessment, as_json)


def named(name: str) -> str:
    """``--trainee`` as drills record it (``trainee_name``); a blank one is a usage error."""
    from app.simulate.drill import DrillError, trainee_name

    try:
        return trainee_name(name)
    except DrillError as error:
        raise click.BadParameter(str(error)) from None


@cli.command(name="compile")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the spec (JSON; YAML when the name ends in .yaml).",
)
@click.option("--sign", "key", metavar="NAME", default=None, help=SIGN_HELP)
@click.option("--policy", type=click.Path(dir_okay=False, path_type=Path), help=POLICY_HELP)
def compile_command(file: Path, output: Path, key: str | None, policy: Path | None) -> None:
    """Compile an SOP into the gate spec pipelines run; exit 1 if the SOP has errors."""
    from app.cli.report import print_diagnostics
    from app.compiler.compile import CompileRefusedError, compile_data
    from app.model.io import load_document
    from app.spec.fileio import inputs_kept
    from app.spec.files import write_spec
    from app.validate.policy import validation_setup

    doc = load_document(file)
    settings, governing = validation_setup(file, policy)
    try:
        data = compile_data(doc, settings, governing)
    except CompileRefusedError as refused:
        click.echo(f"error: {printable(f'{file}: {refused}')}", err=True)
        print_diagnostics(str(file), refused.diagnostics, as_json=False, err=True)
        sys.exit(EXIT_NEGATIVE)
    signed = ""
    if key is not None:
        from app.spec.signing import sign_spec

        data = sign_spec(data, key)
        signed = f", signed by {data['signature']['key']}"
    with inputs_kept(file, key):
        write_spec(data, output)
    click.echo(
        f"wrote {printable(str(output))} ({len(data['gates'])} gates, digest "
        f"{data['digest']}{signed})",
        err=True,
    )


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The private key's file; the public key goes to the same name with .pub added.",
)
@click.option("--force", is_flag=True, help="Replace an existing key pair.")
def keygen(output: Path, force: bool) -> None:
    """Make an Ed25519 key pair for signing specs (compile --sign, export --sign)."""
    from app.spec.signing import generate_key_pair, public_key_path

    fingerprint = generate_key_pair(output, force=force)
    click.echo(
        f"wrote {printable(str(output))} (the private key: keep it secret, readable by you "
        f"only) and {printable(str(public_key_path(output)))} (the public key to trust: "
        f"--trust); fingerprint {fingerprint}",
        err=True,
    )


@cli.command(name="export")
@click.argument(
    "format_name",
    metavar="FORMAT",
    type=click.Choice(
        ["pdf", "svg", "png", "dot", "markdown", "github", "gitlab", "argo", "argo-rollouts"]
    ),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Output file, or folder for github, gitlab, argo and argo-rollouts.",
)
@click.option(
    "--allow-invalid",
    is_flag=True,
    help="Export an SOP with validation errors (the PDF carries a draft banner).",
)
@click.option(
    "--spec-path",
    default="gatewright/spec.json",
    show_default=True,
    help="Where pipelines find the compiled spec, relative to the repository root.",
)
@click.option(
    "--sign",
    "key",
    metavar="NAME",
    default=None,
    help=SIGN_HELP + " github, gitlab, argo: the export holds the public key, and every "
    "step passes it to --trust.",
)
@click.option("--policy", type=click.Path(dir_okay=False, path_type=Path), help=POLICY_HELP)
@measured_option
@attestation_option
def export_command(
    format_name: str,
    file: Path,
    output: Path,
    allow_invalid: bool,
    spec_path: str,
    key: str | None,
    policy: Path | None,
    url: str | None,
    attestation_files: tuple[Path, ...],
) -> None:
    """Export an SOP as FORMAT: pdf svg png dot markdown github gitlab argo argo-rollouts.
    With --ledger, the PDF and markdown print the real figures beside the simulated ones."""
    from app.cli.exporting import run_export
    from app.spec.fileio import inputs_kept

    with inputs_kept(file, key):
        code = run_export(
            format_name,
            file,
            output,
            allow_invalid,
            spec_path,
            key,
            policy,
            ledger=url,
            attestation_files=attestation_files,
        )
    sys.exit(code)


class DecimalRange(click.IntRange):
    """click's IntRange for numbers written with the digits 0-9 only: ``int`` would also
    read ``1_0`` as 10, ``١٢`` as 12 and `` 7 `` as 7."""

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> object:
        if isinstance(value, str) and not re.fullmatch(r"[-+]?[0-9]+", value):
            self.fail(f"{value!r} is not a whole number written with the digits 0-9", param, ctx)
        return super().convert(value, param, ctx)


MAX_SEED = 2**63 - 1
"""The largest seed: workspaces keep seeds as SQLite's signed 64-bit integers. (Python's
generator seeds with an int's absolute value, so negative seeds are refused too.)"""
WORKSPACE_HELP = "Workspace file (default: $GATEWRIGHT_WORKSPACE or the user data folder)."


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--scenario", "scenario_name", required=True, help="Built-in scenario id or a scenario file."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=DecimalRange(0, MAX_SEED),
    help="Random seed, 0 or more (same seed, same run).",
)
@click.option(
    "--runs",
    default=1,
    show_default=True,
    type=DecimalRange(1, 10_000),
    help="Monte Carlo runs with seeds derived from --seed.",
)
@click.option(
    "--workers",
    type=DecimalRange(1, 256),
    default=None,
    help="Processes to spread Monte Carlo runs over (default: the machine's cores); "
    "the result is the same for any number.",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--workspace", default=None, help=WORKSPACE_HELP)
@click.option("--no-record", is_flag=True, help="Do not save the run in the workspace.")
def simulate(
    file: Path,
    scenario_name: str,
    seed: int,
    runs: int,
    workers: int | None,
    as_json: bool,
    workspace: str | None,
    no_record: bool,
) -> None:
    """Simulate an SOP against a scenario: gate statistics and DORA metrics."""
    from app.cli.simulating import run_simulate

    code = run_simulate(file, scenario_name, seed, runs, as_json, workspace, not no_record, workers)
    sys.exit(code)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--scenario", "scenario_name", required=True, help="Built-in drill id or a drill file."
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Answer every step from this JSON file instead of asking.",
)
@click.option(
    "--trainee",
    default="trainee",
    show_default=True,
    callback=lambda _ctx, _param, name: named(name),
    help="Who is rehearsing.",
)
@click.option(
    "--key",
    "show_key",
    is_flag=True,
    help="Print the answer key and the drill's warnings (with --json: an answers file).",
)
@click.option(
    "--seed",
    "session_seed",
    type=click.IntRange(0, 2**63 - 1),
    default=0,
    show_default=True,
    help="Session seed: with the trainee's name it sets the order of the choices.",
)
@click.option(
    "--card",
    "card",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a printable scenario card (PDF) for trainees; with --key, the facilitator's.",
)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.option("--workspace", default=None, help=WORKSPACE_HELP)
@click.option("--no-record", is_flag=True, help="Do not save the drill in the workspace.")
def drill(
    file: Path,
    scenario_name: str,
    answers_file: Path | None,
    trainee: str,
    show_key: bool,
    session_seed: int,
    card: Path | None,
    as_json: bool,
    workspace: str | None,
    no_record: bool,
) -> None:
    """Rehearse a rollback: a drill scored against the SOP's own runbooks."""
    from app.cli.drilling import print_key, run_drill, write_card

    if card is not None:
        sys.exit(write_card(file, scenario_name, card, show_key))
    if show_key:
        sys.exit(print_key(file, scenario_name, as_json))
    sys.exit(
        run_drill(
            file,
            scenario_name,
            answers_file,
            as_json,
            trainee,
            workspace,
            not no_record,
            session_seed,
        )
    )


def _argparse_command(name: str, summary: str, run: Callable[[list[str]], int]) -> None:
    """List a command that argparse parses before click is imported (see app.cli.main):
    ``run`` gets its arguments when it is reached through click after all."""

    @cli.command(
        name=name,
        help=f"{summary} Run `gatewright {name} --help` for its options.",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.pass_context
    def command(context: click.Context) -> None:
        sys.exit(run(context.args))


def _pipeline(name: str) -> Callable[[list[str]], int]:
    def run(args: list[str]) -> int:
        from app.cli.pipeline import main as pipeline_main

        return pipeline_main(name, args)

    return run


for _name, _summary in SUMMARY.items():
    _argparse_command(_name, _summary, _pipeline(_name))
_argparse_command("gui", designer.SUMMARY, designer.main)


@cli.command()
@click.argument(
    "what", type=click.Choice(["sop", "spec", "evidence", "telemetry", "scenario", "drill"])
)
def schema(what: str) -> None:
    """Print the JSON Schema of a Gatewright file format."""
    from app.cli.schemas import schema_of

    print_json(schema_of(what))


cli.add_command(backtest)
register_workspace_commands(cli)
register_ledger_commands(cli)
register_scenario_commands(cli)


def run(args: list[str]) -> int:
    """Invoke the command line with the contract's error style and exit codes."""
    return run_command(cli, args, "gatewright")
