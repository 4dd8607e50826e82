"""`gatewright export`: validate, compile and assess, then hand everything to an exporter."""

from __future__ import annotations

from pathlib import Path

import click

from app.cli import EXIT_NEGATIVE, EXIT_OK
from app.cli.report import print_diagnostics


def build_context(doc, file: Path, spec_path: str):  # type: ignore[no-untyped-def]
    """The export context of a document: diagnostics, spec (when valid), assessment."""
    from app.spec.compile import compile_data
    from app.validate.assess import assess_document
    from app.validate.config import load_lint_file
    from app.validate.engine import validate
    from exporters.context import ExportContext

    settings = load_lint_file(file)
    diagnostics = validate(doc, settings)
    errors = [d for d in diagnostics if d.severity == "error"]
    return ExportContext(
        spec=None if errors else compile_data(doc, settings),
        diagnostics=[d.to_json() for d in diagnostics],
        assessment=assess_document(doc).to_json(),
        spec_path=spec_path,
        draft=bool(errors),
    ), diagnostics


def run_export(
    format_name: str, file: Path, output: Path, allow_invalid: bool, spec_path: str
) -> int:
    from app.model.io import load_document
    from exporters.registry import FORMATS, export

    fmt = FORMATS[format_name]
    doc = load_document(file)
    context, diagnostics = build_context(doc, file, spec_path)
    if context.draft and (fmt.needs_spec or not allow_invalid):
        reason = (
            "pipelines run the compiled spec, which an SOP with errors does not have"
            if fmt.needs_spec
            else "pass --allow-invalid to export a draft"
        )
        click.echo(f"error: {file}: the SOP has validation errors; {reason}", err=True)
        print_diagnostics(str(file), diagnostics, as_json=False, err=True)
        return EXIT_NEGATIVE
    if format_name == "pdf":
        from rich.progress import Progress

        with Progress(transient=True, disable=not click.get_text_stream("stderr").isatty()) as bar:
            task = bar.add_task("Writing PDF", total=None)

            def report(done: int, total: int, step: str) -> None:
                bar.update(task, completed=done, total=total, description=step)

            context.progress = report
            written = export(format_name, doc, output, context)
    else:
        written = export(format_name, doc, output, context)
    for path in written:
        click.echo(f"wrote {path}", err=True)
    return EXIT_OK
