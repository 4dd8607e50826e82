"""The command line as a test calls it: through its entry point, with what it printed."""

from __future__ import annotations

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of ``gatewright ARGS...`` (paths and
    numbers given as they are, passed as text)."""
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err
