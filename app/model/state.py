"""A document's bookkeeping beside its fields: observers, revision counters, indexes, caches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.model.events import Observers


@dataclass(slots=True)
class DocumentState:
    """Kept in one private attribute so that hot lookups avoid pydantic's ``__getattr__``."""

    observers: Observers = field(default_factory=Observers)
    revisions: dict[str, int] = field(
        default_factory=lambda: {"layout": 0, "content": 0, "graph": 0}
    )
    node_index: dict[str, int] | None = None
    edge_index: dict[str, int] | None = None
    derived: dict[str, tuple[int, Any]] = field(default_factory=dict)
