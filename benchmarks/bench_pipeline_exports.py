"""Pipeline exports of a 10,000-node SOP: GitHub, GitLab and Argo each against compiling the
same SOP (the floor: an export compiles nothing, it writes what the spec says), measured
alternately in the same run. Issue 17 asked for each under 5 s, from 25, 37 and 47 s."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from app.compiler.compile import compile_data, compile_spec
from app.model.document import Sop
from benchmarks.timing import paired_medians, report
from exporters.context import ExportContext
from exporters.registry import export, exporter_for
from synthetic.documents import large_document

UNITS = 2_000
"""Units of :func:`large_document`: 5 nodes each, 10,001 nodes in all."""
SECONDS = 5.0
RATIO = 5.0
"""An export takes at most this many times a compile of the same SOP: the 5 s asked for,
where compiling it takes 1 s (0.4 to 1.4 s on the shared 2-core machine, by its load)."""


def main() -> None:
    doc = Sop.model_validate(large_document(UNITS))
    spec = compile_spec(doc)
    with tempfile.TemporaryDirectory(prefix="gatewright-bench-") as name:
        folder = Path(name)
        for fmt in ("github", "gitlab", "argo"):
            exporter_for(fmt)  # imports outside the timing
            target = folder / fmt

            def export_once(fmt: str = fmt, target: Path = target) -> None:
                shutil.rmtree(target, ignore_errors=True)
                export(fmt, doc, target, ExportContext(spec=spec))

            ours, floor = paired_medians(export_once, lambda: compile_data(doc), repeat=5)
            ratio = ours / floor
            report(
                f"export {fmt} of a {len(doc.nodes):,}-node SOP",
                f"{ours:.2f} s",
                ratio,
                f"compiling the same SOP ({floor:.2f} s)",
                f"< {SECONDS:g} s and < {RATIO:g}x",
                ours < SECONDS and ratio < RATIO,
            )


if __name__ == "__main__":
    main()
