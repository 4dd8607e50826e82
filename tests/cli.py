"""The command line as a test calls it: through its entry point, with what it printed."""

from __future__ import annotations

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of ``gatewright ARGS...``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
