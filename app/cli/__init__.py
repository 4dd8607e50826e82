"""The `gatewright` command: a thin layer over the packages, with the contract's exit codes."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable

from app.cli.exit_codes import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE
from app.runtime.process import collection_paused, skip_pydantic_plugins


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answered before importing anything heavy: pipelines call this to probe the tool.
        from app import __version__

        print(f"gatewright {__version__}")
        return EXIT_OK
    skip_pydantic_plugins()
    if args and args[0] in ("check", "monitor"):
        # Pipelines call these on every deployment: skip click, and the cyclic collector,
        # which would re-scan the classes pydantic builds while importing (one decision
        # makes no cyclic garbage).
        with collection_paused():
            from app.cli.pipeline import main as pipeline_main

            return guarded(lambda: pipeline_main(args[0], args[1:]))
    if not args or args[0] == "gui":
        # The designer's start-up skips click too: `gatewright` alone opens it as well.
        from app.cli.designer import main as designer_main

        return guarded(lambda: designer_main(args[1:]))
    from app.cli.commands import run

    return guarded(lambda: run(args))


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
        print(done.code, file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_UNUSABLE
    except OSError as error:
        if error.errno not in _OUTPUT_ERRORS:
            return _internal(error)
        print(f"error: cannot write the output: {error.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as error:  # the last line of defence
        return _internal(error)


_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
"""Errors of writing the output (a full disk, a quota, a failing device), not of Gatewright."""


def _internal(error: Exception) -> int:
    if debug_enabled():
        raise error
    print(
        f"error: internal error ({type(error).__name__}: {error}); "
        "set GATEWRIGHT_DEBUG=1 for details and please report it",
        file=sys.stderr,
    )
    return EXIT_INTERNAL
