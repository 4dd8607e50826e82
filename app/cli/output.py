"""JSON on standard output (or error), the one way every ``--json`` prints."""

from __future__ import annotations

import json
import sys
from typing import Any

_BATCH = 1 << 16
"""Characters written at once: a write per encoded token would cost more than encoding."""


def print_json(payload: Any, err: bool = False) -> None:
    """``payload`` as one indented JSON document, written as it is encoded: a large
    simulation's events never become one huge string in memory."""
    stream = sys.stderr if err else sys.stdout
    pending: list[str] = []
    size = 0
    for chunk in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(payload):
        pending.append(chunk)
        size += len(chunk)
        if size >= _BATCH:
            stream.write("".join(pending))
            pending.clear()
            size = 0
    pending.append("\n")
    stream.write("".join(pending))
