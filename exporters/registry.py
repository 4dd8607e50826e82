"""The export formats: what each writes and which module does it (imported only when used)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.model.document import Sop
    from exporters.context import ExportContext


@dataclass(frozen=True)
class ExportFormat:
    name: str
    module: str
    description: str
    folder: bool = False
    needs_spec: bool = False


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("pdf", "exporters.pdf", "the SOP as a PDF for auditors and trainees"),
        ExportFormat("svg", "exporters.graphviz", "the diagram as SVG"),
        ExportFormat("png", "exporters.graphviz", "the diagram as PNG"),
        ExportFormat("dot", "exporters.graphviz", "the diagram as Graphviz DOT text"),
        ExportFormat(
            "markdown", "exporters.markdown", "the SOP as Markdown with a Mermaid diagram"
        ),
        ExportFormat(
            "github",
            "exporters.github",
            "GitHub Actions workflows, environment payloads and the spec",
            folder=True,
            needs_spec=True,
        ),
        ExportFormat(
            "gitlab",
            "exporters.gitlab",
            "a .gitlab-ci.yml, protected-environment payloads and the spec",
            folder=True,
            needs_spec=True,
        ),
        ExportFormat(
            "argo", "exporters.argo", "an Argo Workflow and the spec", folder=True, needs_spec=True
        ),
        ExportFormat(
            "argo-rollouts",
            "exporters.argo_rollouts",
            "Argo Rollouts canary steps and analysis templates for each canary stage",
            folder=True,
            needs_spec=True,
        ),
    )
}


Exporter = Callable[[str, "Sop", Path, "ExportContext"], list[Path]]


def exporter_for(name: str) -> Exporter:
    """The export function of a format, its module (and the libraries it needs) imported.

    Call it on the main thread before exporting in a worker thread: importing C extensions
    such as reportlab's for the first time from a worker thread has crashed the process.
    """
    module = importlib.import_module(FORMATS[name].module)
    if FORMATS[name].module == "exporters.pdf":
        importlib.import_module("svglib.svglib")  # imported lazily by the PDF diagram
    return module.export


def export(name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Run one exporter; returns the files it wrote."""
    return exporter_for(name)(name, doc, out, context)
