"""Values as the inspector shows them in text fields and reads them back, and tooltips."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from app.spec.types import name_with_id

Option = tuple[str, Any]
"""A choice as (label shown, value stored)."""

_INTEGER = re.compile(r"^[+-]?\d+$")


def format_value(value: Any) -> str:
    """A value as a person would type it: ``0.85``, ``250``, ``true``, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)


def parse_number(text: str) -> Any:
    """An int or float from ``text``; anything else is passed on as typed, so that the
    model's validator refuses it with its own message."""
    stripped = text.strip()
    if _INTEGER.match(stripped):
        return int(stripped)
    try:
        return float(stripped)
    except ValueError:
        return text


def parse_optional_number(text: str) -> Any:
    """Like :func:`parse_number`, but an empty text means no value (``None``)."""
    return None if not text.strip() else parse_number(text)


def parse_scalar(text: str) -> Any:
    """A JSON scalar typed as text: ``true``/``false``, a number, or else the string."""
    stripped = text.strip()
    if stripped in ("true", "false"):
        return stripped == "true"
    number = parse_number(stripped)
    return number if isinstance(number, int | float) and math.isfinite(number) else stripped


def parse_list(text: str) -> list[str]:
    """Comma-separated text as a list of its non-empty, trimmed parts."""
    return [part.strip() for part in text.split(",") if part.strip()]


def format_list(values: Sequence[Any] | None) -> str:
    return ", ".join(format_value(value) for value in values or ())


def parse_number_list(text: str) -> list[Any]:
    return [parse_number(part) for part in parse_list(text)]


def as_number(value: float) -> int | float:
    """A spin box's float as the model writes it: whole numbers stay ints on save."""
    return int(value) if float(value).is_integer() else value


def field_tip(model: type, field: str) -> str:
    """The pydantic ``description`` of ``model.field``: the widget's tooltip."""
    info = getattr(model, "model_fields", {}).get(field)
    return (info.description or "") if info is not None else ""


def catalog_options(entries: Sequence[Any]) -> list[Option]:
    """Roles or metrics as choices: the readable name first, the id after it as the
    secondary text (``Data science lead (ds-lead)``); the id alone when they are alike."""
    return [(name_with_id(entry.name, str(entry.id)), entry.id) for entry in entries]
