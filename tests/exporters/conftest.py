"""Fixtures of the tests that run exported pipelines: one runner for the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.exporters.runner_support import make_runner


@pytest.fixture(scope="session")
def runner_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtual environment with nothing of ours installed; jobs
    install the runtime wheel of their export into it, as on a CI runner."""
    return make_runner(tmp_path_factory.mktemp("runner") / "venv")
