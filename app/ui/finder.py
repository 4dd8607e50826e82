"""Find (Ctrl+F), Find next (F3) and Find previous (Shift+F3) over the document's elements."""

from __future__ import annotations

from collections.abc import Callable

from app.model.document import Sop


def matches(doc: Sop, needle: str) -> list[str]:
    """The ids of the nodes, then the edges, whose id or name contains ``needle`` (any case),
    in document order."""
    folded = needle.strip().casefold()
    if not folded:
        return []
    named = [(node.id, node.name) for node in doc.nodes] + [(edge.id, "") for edge in doc.edges]
    return [i for i, name in named if folded in i.casefold() or folded in name.casefold()]


class Finder:
    """Remembers what was last looked for and steps through its matches from the selection."""

    def __init__(self, document: Callable[[], Sop]) -> None:
        self._document = document
        self.needle = ""

    def step(self, current: list[str], forward: bool = True) -> tuple[str, int, int] | None:
        """The match after (or before) the selected element, wrapping around; the first (or
        last) when the selection is not one match. Returns its id, its place among the
        matches (1-based) and how many there are; None without a match.

        Matches are looked up again each time, so edits since the last search count."""
        found = matches(self._document(), self.needle)
        if not found:
            return None
        here = current[0] if len(current) == 1 and current[0] in found else None
        if here is None:
            index = 0 if forward else len(found) - 1
        else:
            index = (found.index(here) + (1 if forward else -1)) % len(found)
        return found[index], index + 1, len(found)
