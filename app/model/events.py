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
