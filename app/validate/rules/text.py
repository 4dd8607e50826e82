"""Text rules: what a document's text holds that a reader would not see as it is stored."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.model.graph import SopGraph
from app.spec.types import BIDI_CONTROLS
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop

Path = tuple[str | int, ...]


def text_values(doc: Sop) -> Iterator[tuple[Path, str]]:
    """Every free text of a document (title, owner, description, version, role names,
    descriptions and members, metric names and units, node names and descriptions,
    criterion names and text values) with its JSON path in the file."""
    for field in ("title", "owner", "description", "version"):
        yield (field,), getattr(doc, field)
    for index, role in enumerate(doc.roles):
        yield ("roles", index, "name"), role.name
        yield ("roles", index, "description"), role.description
        for position, member in enumerate(role.members):
            yield ("roles", index, "members", position), member
    for index, metric in enumerate(doc.metrics):
        yield ("metrics", index, "name"), metric.name
        yield ("metrics", index, "unit"), metric.unit
    for index, node in enumerate(doc.nodes):
        yield ("nodes", index, "name"), node.name
        yield ("nodes", index, "description"), node.description
        # By kind, not getattr(): a pydantic model answers a missing attribute slowly.
        criteria = node.criteria if node.kind in ("gate", "check") else ()  # type: ignore[attr-defined]
        for position, criterion in enumerate(criteria):
            where = ("nodes", index, "criteria", position)
            yield (*where, "name"), criterion.name
            if criterion.form == "check" and isinstance(criterion.equals, str):
                yield (*where, "equals"), criterion.equals


def _any_bidi(doc: Sop) -> bool:
    """One search over all the text at once: the usual answer, no, costs little."""
    return BIDI_CONTROLS.search("\n".join(text for _path, text in text_values(doc))) is not None


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
    if not _any_bidi(doc):
        return
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
