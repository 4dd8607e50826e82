"""The CLI's one error type: a sentence for stderr and the contract's exit code."""

from __future__ import annotations

import click

from app.cli.exit_codes import EXIT_UNUSABLE


class Failure(click.ClickException):
    """An error to print as one sentence on stderr, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"error: {self.message}", err=True)
