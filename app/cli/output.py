"""JSON on standard output (or error), the one way every ``--json`` prints."""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def printable(text: str) -> str:
    """``text`` as one line a terminal shows as it is: control characters (escape sequences,
    line breaks), bidirectional and other invisible format characters, and lone surrogates
    (undecodable bytes in a file name) are written as escapes (``\\x1b``, ``\\u202e``).
    Every path and message the command line echoes goes through it."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


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
            stream.write(_encodable("".join(pending)))
            pending.clear()
            size = 0
    pending.append("\n")
    stream.write(_encodable("".join(pending)))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    """JSON text that UTF-8 can hold: a lone surrogate (from input that let one through)
    is written as its JSON escape, which means the same string, instead of failing the
    write. Surrogates only ever stand inside JSON strings, where the escape is valid."""
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
