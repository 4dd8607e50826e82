"""Field types shared by every Gatewright file format: slugs, finite numbers, the base model."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_SLUG = re.compile(SLUG_PATTERN)
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_KEY = re.compile(KEY_PATTERN)


def json_type_name(value: Any) -> str:
    """Name a Python value the way a person reading JSON would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def suggest_slug(text: str) -> str:
    """The nearest valid id for some text: lowercase, hyphens for anything else."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    return slug or "item"


def check_slug(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"an id must be a string, got {json_type_name(value)}")
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use 1 to 63 lowercase letters, digits and "
            f"hyphens, starting with a letter or digit (for example {suggest_slug(value)!r})"
        )
    return value


def check_key(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a name must be a string, got {json_type_name(value)}")
    if not _KEY.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use 1 to 63 lowercase letters, digits, hyphens "
            f"and underscores, starting with a letter or digit (for example "
            f"{suggest_slug(value).replace('-', '_')!r})"
        )
    return value


def bounded_int(text: str, read: Callable[[str], int] = int) -> int | float:
    """The integer ``text`` (as ``read`` reads it), or infinity with its sign when it is
    beyond what a float can hold. Number fields then refuse it by name, where an
    OverflowError (or Python's 4,300-digit limit on reading an int) would escape as a crash.
    JSON and YAML files, evidence and backtest rows all read their integers through it."""
    try:
        value = read(text)
    except ValueError:  # over 4,300 decimal digits
        return -math.inf if text.lstrip().startswith("-") else math.inf
    if abs(value) > sys.float_info.max:
        return math.inf if value > 0 else -math.inf
    return value


def check_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {json_type_name(value)}")
    if not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        raise ValueError(f"must be a finite number, got {shown}")
    return value


def check_non_negative(value: Any) -> int | float:
    value = check_number(value)
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value}")
    return value


def check_probability(value: Any) -> int | float:
    value = check_number(value)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a probability between 0 and 1, got {value}")
    return value


def check_whole(value: Any, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole JSON number in ``minimum..maximum`` (never a bool, a float or a string)."""
    if isinstance(value, float) and math.isinf(value):  # digits past a float's range
        raise ValueError("must be a whole number, got a number too large to use")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {json_type_name(value)}")
    if value < minimum:
        raise ValueError(f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"must be at most {maximum:,}, got {value:,}")
    return value


def whole(minimum: int = 0, maximum: int | None = None) -> Any:
    """The type of a whole number from ``minimum`` to ``maximum`` (no upper bound: None)."""
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return Annotated[
        int,
        PlainValidator(lambda value: check_whole(value, minimum, maximum)),
        WithJsonSchema(schema),
    ]


def check_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {json_type_name(value)}")
    return value


Slug = Annotated[
    str,
    PlainValidator(check_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN}),
]
"""An identifier: ``^[a-z0-9][a-z0-9-]{0,62}$``."""

Key = Annotated[
    str,
    PlainValidator(check_key),
    WithJsonSchema({"type": "string", "pattern": KEY_PATTERN}),
]
"""A name that evidence files use as a key (metrics, checks, artifacts): a slug that may
also hold underscores, as ML tools usually write them (``latency_p95_ms``)."""

Number = Annotated[
    int | float,
    PlainValidator(check_number),
    WithJsonSchema({"type": "number"}),
]
"""A finite JSON number (never a bool, never NaN or infinity); ints stay ints on save."""

NonNegative = Annotated[
    int | float,
    PlainValidator(check_non_negative),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
"""A finite number that is 0 or more (minutes, durations)."""

Probability = Annotated[
    int | float,
    PlainValidator(check_probability),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]
"""A chance, from 0 (never) to 1 (always)."""

Count = whole(1)
"""A whole number, 1 or more (approvals, windows)."""

Text = Annotated[str, PlainValidator(check_text), WithJsonSchema({"type": "string"})]
"""A string that is never coerced from another type."""


class FileModel(BaseModel):
    """A part of a public file format: unknown fields are refused, defaults are not written."""

    model_config = ConfigDict(extra="forbid", validate_default=False, frozen=False)
