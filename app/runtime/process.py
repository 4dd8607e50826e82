"""Process-wide tuning, kept importable from here: it lives in app.process (see there)."""

from __future__ import annotations

from app.process import collection_paused, skip_pydantic_plugins

__all__ = ["collection_paused", "skip_pydantic_plugins"]
