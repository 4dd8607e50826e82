"""The `gatewright` command: a thin layer over the packages, with the contract's exit codes."""

from __future__ import annotations

import os
import sys

EXIT_OK, EXIT_NEGATIVE, EXIT_UNUSABLE, EXIT_HOLD = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answered before importing anything heavy: pipelines call this to probe the tool.
        from app import __version__

        print(f"gatewright {__version__}")
        return EXIT_OK
    from app.cli.commands import run

    return run(args)


def debug_enabled() -> bool:
    return os.environ.get("GATEWRIGHT_DEBUG", "") not in ("", "0")
