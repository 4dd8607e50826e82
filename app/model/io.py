"""Load and save ``*.sop.json`` (and ``.sop.yaml``) documents: canonical, atomic, migrated."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from app.model.document import FORMAT, Sop
from app.spec.fileio import InputError, parse_data, read_text, validate_data, write_atomic

Migration = Callable[[dict[str, Any]], dict[str, Any]]

MIGRATIONS: dict[str, tuple[str, Migration]] = {}
"""Older format -> (next format, function turning a document of the first into the second).

Each release that changes the format registers one step here; ``migrate`` chains them.
"""


def migrate(data: Any, source: str) -> dict[str, Any]:
    """Bring a parsed document up to the current format, or say why it cannot be."""
    if not isinstance(data, dict):
        raise InputError.single(
            source, f'the top level must be an object with "format": "{FORMAT}"'
        )
    seen: set[str] = set()
    while True:
        found = data.get("format")
        if found == FORMAT:
            return data
        if not isinstance(found, str):
            message = (
                f'"format" is missing; a Gatewright SOP starts with "format": "{FORMAT}"'
                if found is None
                else f'"format" must be a string such as "{FORMAT}"'
            )
            raise InputError.single(source, message, ("format",))
        if found in MIGRATIONS and found not in seen:
            seen.add(found)
            next_format, step = MIGRATIONS[found]
            data = {**step(data), "format": next_format}
            continue
        newer = found.startswith("gatewright.sop/")
        hint = (
            "it was written by a newer Gatewright; upgrade to open it"
            if newer
            else "this is not a Gatewright SOP document"
        )
        raise InputError.single(
            source, f"unknown format {found!r} ({hint}); this version reads {FORMAT!r}", ("format",)
        )


def loads_document(text: str, source: str = "<text>") -> Sop:
    """A document from JSON (or YAML, when ``source`` ends in .yaml/.yml) text."""
    data = migrate(parse_data(text, source), source)
    return validate_data(Sop, data, source)


def load_document(path: str | os.PathLike[str]) -> Sop:
    """Read a document; every failure is an :class:`~app.spec.fileio.InputError`."""
    return loads_document(read_text(path), str(path))


def dumps_document(doc: Sop) -> str:
    """The canonical text: 2-space JSON, fields in schema order, defaults left out."""
    return doc.model_dump_json(indent=2, exclude_defaults=True) + "\n"


def save_document(doc: Sop, path: str | os.PathLike[str], backup: bool = True) -> None:
    """Save atomically as JSON, keeping the previous version as ``FILE.bak``."""
    write_atomic(path, dumps_document(doc), backup=backup)
