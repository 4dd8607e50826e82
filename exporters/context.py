"""What every exporter is given besides the document: spec, diagnostics, assessment, figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.spec.schema import GateSpec
    from app.validate.assess import Assessment
    from app.validate.diagnostics import Diagnostic

Progress = Callable[[int, int, str], None]
"""``progress(done, total, step)``; may raise to cancel (the exporter lets it propagate)."""


def no_progress(done: int, total: int, step: str) -> None:
    """The default progress callback: report nothing."""


def error_elements(diagnostics: Iterable[Diagnostic]) -> set[str]:
    """Ids of the elements validation errors name (diagrams mark them)."""
    return {element for d in diagnostics if d.severity == "error" for element in d.elements}


@dataclass
class ExportContext:
    """Inputs computed by the caller (CLI or designer) so that exporters stay pure readers.

    ``spec`` is the compiled spec (None when the SOP does not compile); ``diagnostics``
    are validation's findings; ``assessment`` is the maturity assessment; ``figures`` holds
    the latest simulation and drill figures from a workspace, when there are any.
    """

    spec: GateSpec | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    assessment: Assessment | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)
    spec_path: str = "gatewright/spec.json"
    public_key: str | None = None
    """PEM of the public key that signed ``spec`` (``export --sign``): pipeline exports
    write it beside the spec and pass it to ``--trust``."""
    draft: bool = False
    progress: Progress = no_progress
    exceptions: list[dict[str, str]] = field(default_factory=list)
    """Every exception in force (app.validate.governed.exceptions), for the PDF cover."""
    policy: str = ""
    """The name of the organisation policy the SOP was validated under, if any."""
    warnings: list[str] = field(default_factory=list)
    """What an exporter could not carry over as asked, one sentence each (e.g. a trigger
    whose metric has no Prometheus query): the CLI prints them, the designer shows them."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def digests(self) -> tuple[str, str]:
        """The spec's source digest and its own digest, as the title page and sign-off say."""
        if self.spec is None:
            return "not compiled: draft", "not compiled: draft"
        return self.spec.metadata.source_digest, self.spec.digest

    def level_words(self) -> str:
        """``1 (initial): people 2, process 2, technology 1, measurement 1``: the overall
        maturity level and each category's, or that there is no assessment."""
        if self.assessment is None:
            return "not assessed"
        by_category = ", ".join(
            f"{c.name.split()[0].lower()} {c.level}" for c in self.assessment.categories
        )
        return f"{self.assessment.level} ({self.assessment.level_name}): {by_category}"
