"""Text rules: what a document's text holds that a reader would not see as it is stored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from app.validate.graph import SopGraph
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Unicode's Bidi_Control characters: marks, embeddings, overrides and isolates. They change
the order in which the text around them is shown ("Trojan Source"), so a name can read
differently from what it says; the exports show the embeddings, overrides and isolates as
U+FFFD."""

Path = tuple[str | int, ...]


def text_values(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every string held by a model (fields under their JSON names, lists, dicts, dict
    keys), with its JSON path in the file."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from text_values(getattr(value, name), (*path, info.alias or name))
        for name, extra in (value.model_extra or {}).items():
            yield from text_values(extra, (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from text_values(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield path, key
            yield from text_values(item, (*path, key))


def _element(doc: Sop, path: Path) -> tuple[str, ...]:
    """The id of the node, role or metric a path lies in, when it lies in one."""
    if len(path) >= 2 and path[0] in ("nodes", "roles", "metrics", "edges"):
        items = getattr(doc, str(path[0]))
        index = path[1]
        if isinstance(index, int) and 0 <= index < len(items):
            return (items[index].id,)
    return ()


@rule(
    "bidi-control",
    "text",
    "warning",
    "No text holds bidirectional control characters, which show it in another order "
    "than it is stored.",
    "Remove the character; to write right-to-left text, type it as it is read.",
)
def bidi_control(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for path, text in text_values(doc):
        found = BIDI_CONTROLS.search(text)
        if found is None:
            continue
        char = found.group()
        name = unicodedata.name(char, "BIDI CONTROL")
        yield Finding(
            f"holds the bidirectional control character U+{ord(char):04X} ({name}) at "
            f"position {found.start() + 1}, which can make it read differently from what it "
            f"says: {text!r:.80}",
            _element(doc, path),
            where=path,
        )
