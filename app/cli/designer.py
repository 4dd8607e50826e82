"""`gatewright gui [FILE]` (and `gatewright` alone): open the designer.

Parsed with argparse and dispatched before click is imported, as `check` and `monitor` are:
the designer's start-up does not pay for the command line's framework.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli.exit_codes import EXIT_UNUSABLE
from app.cli.pipeline import ContractParser

SUMMARY = "Open the designer (optionally with FILE)."


def parser() -> argparse.ArgumentParser:
    p = ContractParser(prog="gatewright gui", description=SUMMARY)
    p.add_argument("file", nargs="?", help="An SOP to open (.sop.json or .sop.yaml).")
    return p


def main(args: Sequence[str]) -> int:
    """Run the designer until its last window closes; returns the exit code."""
    options = parser().parse_args(list(args))
    from app.ui.launch import NoDisplayError, launch

    try:
        return launch(options.file)
    except NoDisplayError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
