"""What every exporter is given besides the document: spec, diagnostics, assessment, figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[int, int, str], None]
"""``progress(done, total, step)``; may raise to cancel (the exporter lets it propagate)."""


def no_progress(done: int, total: int, step: str) -> None:
    """The default progress callback: report nothing."""


@dataclass
class ExportContext:
    """Inputs computed by the caller (CLI or designer) so that exporters stay pure readers.

    ``spec`` is the compiled spec as plain JSON data (None when the SOP does not compile);
    ``diagnostics`` are validation diagnostics as JSON objects; ``assessment`` is the
    maturity assessment as JSON (``Assessment.to_json()``); ``figures`` holds the latest
    simulation and drill figures from a workspace, when there are any.
    """

    spec: dict[str, Any] | None = None
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    assessment: dict[str, Any] | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    spec_path: str = "gatewright/spec.json"
    public_key: str | None = None
    """PEM of the public key that signed ``spec`` (``export --sign``): pipeline exports
    write it beside the spec and pass it to ``--trust``."""
    draft: bool = False
    progress: Progress = no_progress
    warnings: list[str] = field(default_factory=list)
    """What an exporter could not carry over as asked, one sentence each (e.g. a trigger
    whose metric has no Prometheus query): the CLI prints them, the designer shows them."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [d for d in self.diagnostics if d.get("severity") == "error"]
