"""The runtime's shared vocabulary: criterion statuses, verdicts, and how a value is read.

``check``, the simulator and the backtest all use these, so that a number, an equality or a
status means one thing everywhere. The enums are ``StrEnum``: their values are the strings
every output has always carried (``"pass"``, ``"promote"``...), and they compare equal to them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """What one criterion found: the contract's five statuses."""

    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"
    INVALID = "invalid"
    SKIPPED = "skipped"


class Verdict(StrEnum):
    """What a gate decides."""

    PROMOTE = "promote"
    REJECT = "reject"
    HOLD = "hold"


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
"""Comparison operators by their spec symbol (also applied to numpy arrays)."""

MISSING = object()
"""A key the evidence does not have (``None`` is missing too, but is a value)."""


def number(value: Any) -> float | int | None:
    """A usable number, or None for anything else (bool, string, NaN, infinity, an integer
    too large for a float...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return value if math.isfinite(value) else None
    except OverflowError:
        return None


def same(left: Any, right: Any) -> bool:
    """Equality without Python's ``True == 1``: types must agree (numbers among themselves)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    return type(left) is type(right) and left == right


def unusable_check_value(value: Any) -> bool:
    """A check value no ``equals`` can be compared with: a list, an object, NaN, infinity."""
    return isinstance(value, dict | list) or (isinstance(value, float) and not math.isfinite(value))
