"""`gatewright export`: validate, compile and assess, then hand everything to an exporter."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli.errors import Failure
from app.cli.exit_codes import EXIT_NEGATIVE, EXIT_OK
from app.cli.measured_figures import measured_for
from app.cli.output import printable
from app.cli.progress import stderr_progress
from app.cli.report import print_diagnostics
from app.export_context import build_context


def _export(format_name: str, doc, output: Path, context) -> list[Path]:  # type: ignore[no-untyped-def]
    """Run an exporter; a missing system program or font becomes one sentence, exit 2."""
    from exporters.graphviz import GraphvizMissingError
    from exporters.pdf_style import FontMissingError
    from exporters.registry import export

    try:
        return export(format_name, doc, output, context)
    except (GraphvizMissingError, FontMissingError) as error:
        raise Failure(f"cannot export {format_name}: {error}") from None


def run_export(
    format_name: str,
    file: Path,
    output: Path,
    allow_invalid: bool,
    spec_path: str,
    key: str | None = None,
    policy: Path | None = None,
    ledger: str | None = None,
    attestation_files: tuple[Path, ...] = (),
) -> int:
    from app.cli.attesting import attestations_for
    from app.model.io import load_document
    from exporters.registry import FORMATS

    fmt = FORMATS[format_name]
    if key is not None and not fmt.needs_spec:
        raise Failure(
            f"--sign signs the spec that pipeline exports hold (github, gitlab, argo, "
            "argo-rollouts); "
            f"{format_name} holds no spec"
        )
    doc = load_document(file)
    context, diagnostics = build_context(
        doc,
        file,
        spec_path,
        policy,
        measured=measured_for(doc, ledger),
        attestations=attestations_for(doc, attestation_files),
    )
    if context.draft and (fmt.needs_spec or not allow_invalid):
        reason = (
            "pipelines run the compiled spec, which an SOP with errors does not have"
            if fmt.needs_spec
            else "pass --allow-invalid to export a draft"
        )
        click.echo(
            f"error: {printable(str(file))}: the SOP has validation errors; {reason}", err=True
        )
        print_diagnostics(str(file), diagnostics, as_json=False, err=True)
        return EXIT_NEGATIVE
    if key is not None and context.spec is not None:
        from app.spec.schema import GateSpec
        from app.spec.signing import public_key_pem, sign_spec

        context.spec = GateSpec.model_validate(sign_spec(context.spec.data(), key))
        context.public_key = public_key_pem(key)
    if format_name == "pdf":
        with stderr_progress() as bar:
            if bar is not None:
                task = bar.add_task("Writing PDF", total=None)

                def report(done: int, total: int, step: str) -> None:
                    bar.update(task, completed=done, total=total, description=step)

                context.progress = report
            written = _export(format_name, doc, output, context)
    else:
        written = _export(format_name, doc, output, context)
    for path in written:
        click.echo(f"wrote {printable(str(path))}", err=True)
    for warning in context.warnings:
        click.echo(f"warning: {printable(warning)}", err=True)
    return EXIT_OK
