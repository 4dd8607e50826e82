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


def _real_path(loc: tuple[Any, ...], data: Any, missing: bool = False) -> tuple[PathItem, ...]:
    """Drop pydantic's union tags from ``loc`` by walking the input alongside it."""
    path: list[PathItem] = []
    current = data
    for position, item in enumerate(loc):
        last = position == len(loc) - 1
        in_list = isinstance(current, list) and isinstance(item, int) and 0 <= item < len(current)
        if in_list or (isinstance(current, dict) and item in current):
            path.append(item)
            current = current[item]
        elif missing and isinstance(current, dict) and last and isinstance(item, str):
            path.append(item)  # a missing field: name it (any other last item is a union tag)
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


def _shown(value: Any) -> str:
    """A value as it would be written in the file: ``'text'``, ``0.9``, ``true``, ``null``."""
    if value is None or isinstance(value, bool):
        return json_type_name(value)
    if isinstance(value, str | int | float):
        return repr(value)
    return json_type_name(value)


def _owner(loc: tuple[Any, ...]) -> str:
    """``a check criterion`` or ``a stage`` from the last union tag in ``loc``, else ``""``."""
    for item in reversed(loc):
        if isinstance(item, str) and item.endswith(("-criterion", "-node")):
            kind, _, what = item.rpartition("-")
            return f"a {kind} criterion" if what == "criterion" else f"a {kind}"
    return ""


_CRITERION_FORMS = (
    "`metric` with `op` and `value` (or `baseline: true`), `check` with `equals`, or `artifact`"
)
_FORM_KEYS = frozenset(
    {"metric", "op", "value", "baseline", "delta", "check", "equals", "artifact"}
)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "this required field is missing"
    if kind == "extra_forbidden":
        field, owner = error["loc"][-1], _owner(tuple(error["loc"]))
        if owner.endswith("criterion") and field in _FORM_KEYS:
            return (
                f"{field!r} does not belong in {owner}; each criterion has one form: "
                f"{_CRITERION_FORMS}"
            )
        where = f" for {owner}" if owner else ""
        return f"unknown field {field!r}{where}; check its spelling or remove it"
    if kind == "node_kind":
        if not isinstance(value, dict):
            return f"must be an object (a node with `id`, `kind` and `name`), got {_shown(value)}"
        if "kind" not in value:
            return "this node has no `kind`; give it one of stage, gate, trigger, action, check"
        got = _shown(value["kind"])
        return f"`kind` must be one of stage, gate, trigger, action, check; got {got}"
    if kind == "criterion_form" and not isinstance(value, dict):
        return f"must be an object (a criterion), got {_shown(value)}"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        if message.endswith(", got a number") and isinstance(value, int | float):
            return message.removesuffix("a number") + _shown(value)  # "got 1.5", not "a number"
        return message
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return error["msg"].replace("Input should be", "must be") + f", got {_shown(value)}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return f"must have at least {least} item{'s' if least != 1 else ''}, got {len(value)}"
    if kind == "too_long":
        most = ctx.get("max_length", 0)
        return f"must have at most {most} item{'s' if most != 1 else ''}, got {len(value)}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "one of the allowed values"))
        expected = {"True": "true", "False": "false", "None": "null"}.get(expected, expected)
        return f"must be {expected}, got {_shown(value)}"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = "a list" if kind == "list_type" else "an object"
        return f"must be {expected}, got {json_type_name(value)}"
    if kind in ("string_type", "int_type", "bool_type", "float_type"):
        expected = {
            "string_type": "a string",
            "int_type": "a whole number",
            "bool_type": "true or false",
            "float_type": "a number",
        }[kind]
        return f"must be {expected}, got {json_type_name(value)}"
    return error["msg"].replace("Input should be", "must be")


def problems_from(error: ValidationError, data: Any) -> list[Problem]:
    """Every problem of a validation error, with real JSON paths, in input order."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        ctx_error = (item.get("ctx") or {}).get("error")
        extra_path = getattr(ctx_error, "path", None)
        path = _real_path(loc, data, item["type"] == "missing")
        path += tuple(extra_path) if extra_path else ()
        if item["type"] == "node_kind" and isinstance(item.get("input"), dict):
            path += ("kind",)
        message = _message(item)
        label = _element_label(path, data)
        word, _, quoted = label.strip(" ()").partition(" ")
        if f"{word} {quoted}" not in message and f"{word} id {quoted}" not in message:
            message += label  # but not "node 'a' ... (node 'a')"
        problems.append(Problem(path, message))
    return problems
