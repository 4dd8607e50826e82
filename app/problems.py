"""Problems with input, as sentences naming the JSON path at fault (from pydantic errors too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.spec.types import json_type_name

PathItem = str | int


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input: where (a JSON path) and what, with how to fix it."""

    path: tuple[PathItem, ...]
    message: str

    @property
    def where(self) -> str:
        """The JSON path, or an empty string for a problem with the input as a whole."""
        return render_path(self.path) if self.path else ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def render_path(path: tuple[PathItem, ...]) -> str:
    """``("nodes", 3, "criteria", 0, "value")`` -> ``$.nodes[3].criteria[0].value``."""
    text = "$"
    for item in path:
        if isinstance(item, int):
            text += f"[{item}]"
        elif item.replace("-", "").replace("_", "").isalnum():
            text += f".{item}"
        else:
            text += f"[{item!r}]"
    return text


def _real_path(loc: tuple[Any, ...], data: Any) -> tuple[PathItem, ...]:
    """Drop pydantic's union tags from ``loc`` by walking the input alongside it."""
    path: list[PathItem] = []
    current = data
    for position, item in enumerate(loc):
        last = position == len(loc) - 1
        in_list = isinstance(current, list) and isinstance(item, int) and 0 <= item < len(current)
        if in_list or (isinstance(current, dict) and item in current):
            path.append(item)
            current = current[item]
        elif isinstance(current, dict) and last and isinstance(item, str):
            path.append(item)  # a missing or unexpected field: name it
        elif not isinstance(current, dict | list):
            break
    return tuple(path)


def _element_label(path: tuple[PathItem, ...], data: Any) -> str:
    """`` (node 'perf-gate')`` for paths inside an identified element, to help find it."""
    if len(path) >= 2 and path[0] in ("nodes", "edges", "roles", "metrics"):
        collection, index = path[0], path[1]
        try:
            element = data[collection][index]
            element_id = element.get("id") if isinstance(element, dict) else None
        except (KeyError, IndexError, TypeError):
            element_id = None
        if isinstance(element_id, str) and element_id:
            return f" ({collection[:-1]} {element_id!r})"
    return ""


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "this required field is missing"
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}; check its spelling or remove it"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return error["msg"].replace("Input should be", "must be") + f", got {error['input']!r}"
    if kind in ("too_short", "too_long"):
        return error["msg"].replace("List should have", "must have")
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')}, got {error['input']!r}"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = "a list" if kind == "list_type" else "an object"
        return f"must be {expected}, got {json_type_name(error['input'])}"
    if kind in ("string_type", "int_type", "bool_type", "float_type"):
        expected = {
            "string_type": "a string",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "float_type": "a number",
        }[kind]
        return f"must be {expected}, got {json_type_name(error['input'])}"
    return error["msg"]


def problems_from(error: ValidationError, data: Any) -> list[Problem]:
    """Every problem of a validation error, with real JSON paths, in input order."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        ctx_error = (item.get("ctx") or {}).get("error")
        extra_path = getattr(ctx_error, "path", None)
        path = _real_path(loc, data) + (tuple(extra_path) if extra_path else ())
        message = _message(item) + _element_label(path, data)
        problems.append(Problem(path, message))
    return problems
