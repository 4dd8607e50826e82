"""Running a click command with the contract's error style and exit codes."""

from __future__ import annotations

from typing import Any

import click

from app.cli.exit_codes import EXIT_OK, EXIT_UNUSABLE
from app.cli.output import printable


class PipeClosed(Exception):
    """Standard output's reader went away (``| head``); not an OSError, which click would
    turn into exit 1, the contract's "negative verdict"."""


class PipeSafe:
    """A click command or group whose closed standard output is :class:`PipeClosed`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except BrokenPipeError:
            raise PipeClosed() from None


class Commands(PipeSafe, click.Group):
    pass


class Command(PipeSafe, click.Command):
    pass


def run_command(command: click.Command, args: list[str], prog_name: str) -> int:
    """Invoke ``command`` (the whole command line, or one command of it) as ``prog_name``."""
    try:
        command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except PipeClosed:
        raise BrokenPipeError from None  # app.cli.guarded stops quietly, exit 2
    except Exception as error:
        # Imported here, not at start: the file readers load pydantic, which commands
        # such as `ledger stats` never need (and an error of theirs means they are loaded).
        from app.spec.fileio import InputError, SaveError

        if not isinstance(error, InputError | SaveError):
            raise
        click.echo(f"error: {printable(str(error))}", err=True)
        return EXIT_UNUSABLE
    return EXIT_OK
