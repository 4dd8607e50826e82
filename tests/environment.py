"""What a test may do when a tool it needs is missing: skip on a developer's machine, fail in CI."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
"""CI installs every tool the tests use: there, a missing one is a failure, never a skip."""


def missing(reason: str) -> None:
    """Skip the test, or fail it under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason}, and CI must have it")
    pytest.skip(reason)
