"""The `gatewright` command: a thin layer over the packages, with the contract's exit codes."""

from __future__ import annotations

import errno
import importlib.util
import os
import sys
from collections.abc import Callable

from app.cli.exit_codes import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE
from app.process import collection_paused, skip_pydantic_plugins


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answered before importing anything heavy: pipelines call this to probe the tool.
        from app import __version__

        print(f"gatewright {__version__}")
        return EXIT_OK
    skip_pydantic_plugins()
    if args and args[0] in PIPELINE_COMMANDS:
        # Pipelines call these on every deployment: skip click, and the cyclic collector,
        # which would re-scan the classes pydantic builds while importing (one decision
        # makes no cyclic garbage).
        with collection_paused():
            from app.cli.pipeline import main as pipeline_main

            return guarded(lambda: pipeline_main(args[0], args[1:]))
    if runtime_only():
        command = args[0] if args else "gui"
        print(
            f"error: `gatewright {command}` needs the full gatewright package; this is "
            f"Gatewright's pipeline runtime, which runs {', '.join(RUNTIME_COMMANDS)}",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    if not args or args[0] == "gui":
        # The designer's start-up skips click too: `gatewright` alone opens it as well.
        from app.cli.designer import main as designer_main

        return guarded(lambda: designer_main(args[1:]))
    if args[0] == "backtest":
        # Straight to the command, without the command table's imports (see
        # app.cli.backtest_command); the collector is paused as for pipeline commands.
        with collection_paused():
            from app.cli.backtest_command import main as backtest_main

            code = guarded(lambda: backtest_main(args[1:]))
        if argv is None:  # the process's own command line: it ends here
            end_process(code)
        return code
    from app.cli.commands import run

    return guarded(lambda: run(args))


PIPELINE_COMMANDS = ("check", "monitor", "evidence", "decision", "rollback")
"""What pipelines run (app.cli.pipeline), parsed with argparse before click is imported."""
RUNTIME_COMMANDS = (*PIPELINE_COMMANDS, "--version")
"""What the pipeline runtime (exporters.runtime_wheel) runs, without click or the model."""


def end_process(code: int) -> None:
    """Exit with ``code`` without tearing the interpreter down. For a command that leaves
    nothing to clean up (its files closed, no atexit work of its own): Python's teardown of
    the modules a backtest loads (pydantic's models, numpy, pyarrow) takes 60 to 80 ms, a
    tenth of the command. Standard output and error are flushed first (``guarded`` has
    flushed standard output and reported a failure to write it already; one failing here
    turns a success into exit 2, never into silence)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or EXIT_UNUSABLE
    os._exit(code)


def runtime_only() -> bool:
    """Whether this is the pipeline runtime's install, which lacks the other commands."""
    return importlib.util.find_spec("app.cli.commands") is None


def debug_enabled() -> bool:
    return os.environ.get("GATEWRIGHT_DEBUG", "") not in ("", "0")


def guarded(work: Callable[[], int]) -> int:
    """Run a command; whatever escapes it becomes one sentence on stderr, never a traceback."""
    try:
        code = work()
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
        return code
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or EXIT_OK
        print(_printable(str(done.code)), file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_UNUSABLE
    except OSError as error:
        if error.errno in _NAME_ERRORS and error.filename is not None:
            name = _printable(os.fsdecode(error.filename))
            print(
                f"error: the file system refuses the name {name}: {error.strerror}; "
                "choose a shorter or plainer name",
                file=sys.stderr,
            )
            return EXIT_UNUSABLE
        if error.errno not in _OUTPUT_ERRORS:
            return _internal(error)
        print(f"error: cannot write the output: {error.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as error:  # the last line of defence
        return _internal(error)


_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
"""Errors of writing the output (a full disk, a quota, a failing device), not of Gatewright."""
_NAME_ERRORS = {errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL}
"""Errors of a file name the file system will not hold (too long, bytes it refuses)."""


def _printable(text: str) -> str:
    from app.cli.output import printable

    return printable(text)


def _internal(error: Exception) -> int:
    if debug_enabled():
        raise error
    print(
        f"error: internal error ({type(error).__name__}: {_printable(str(error))}); "
        "set GATEWRIGHT_DEBUG=1 for details and please report it",
        file=sys.stderr,
    )
    return EXIT_INTERNAL
