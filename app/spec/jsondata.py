"""Reading JSON as every Gatewright input is read: a key twice is refused, integers bounded."""

from __future__ import annotations

import json
from typing import Any

from app.spec.types import bounded_int


class DuplicateKeyError(ValueError):
    """One JSON object names a key twice: which value was meant cannot be known."""


def refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The ``object_pairs_hook`` of every JSON reader: Python's ``json`` would keep the last
    value silently, so a second ``"submitted_by"`` or ``"accuracy"`` could hide the first."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"the key {key!r} appears twice in one object; keep one")
        result[key] = value
    return result


JSON_DECODER = json.JSONDecoder(object_pairs_hook=refuse_duplicate_keys, parse_int=bounded_int)
"""The one decoder of JSON input (evidence, telemetry, specs, documents, result lines...)."""


def loads(text: str) -> Any:
    """``json.loads`` with :data:`JSON_DECODER`: ``DuplicateKeyError`` for a repeated key,
    ``json.JSONDecodeError`` for text that is not JSON."""
    return JSON_DECODER.decode(text)
