"""The observer hook through which the designer follows changes to a document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Change = Literal[
    "node-added",
    "node-removed",
    "node-changed",
    "node-moved",
    "node-renamed",
    "edge-added",
    "edge-removed",
    "edge-changed",
    "document-changed",
]


@dataclass(frozen=True)
class ModelEvent:
    """One change to a document: what happened, to which element ids, and which field."""

    change: Change
    ids: tuple[str, ...]
    field: str | None = None


Listener = Callable[[ModelEvent], None]


@dataclass(frozen=True)
class ChangeBatch:
    """The model events of one finished edit (a command done, undone or redone), in order.

    The designer's views follow these batches, one per edit however many elements it
    touched, as diagram-js's views follow ``elements.changed``.
    """

    events: tuple[ModelEvent, ...]

    @property
    def layout_only(self) -> bool:
        """Only nodes moved: names, kinds, fields and connections are as they were."""
        return all(event.change == "node-moved" for event in self.events)

    def renames(self) -> list[tuple[str, str]]:
        """Each node rename in the batch as ``(old id, new id)``, in order."""
        return [
            (event.ids[0], event.ids[1]) for event in self.events if event.change == "node-renamed"
        ]


class Observers:
    """A list of listeners called in subscription order; a listener is subscribed at most once."""

    __slots__ = ("_listeners",)

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: ModelEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
