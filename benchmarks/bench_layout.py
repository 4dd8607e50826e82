"""Auto-layout of a 1,001-node SOP: Graphviz on a worker thread, the UI thread's share.

The worker's figure is a ratio against ``dot -Tjson0`` alone on the same DOT text (what
the layout adds: reading its JSON, wrapping long rows). The UI thread's figure (preparing
the job, then applying the positions as one undoable move and showing the result) is a
ratio against moving the same nodes through the editor, which any 1,000-node move costs
(the scene re-routes each node's edges).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.timing import paired_medians, report
from synthetic.documents import large_document


def bench_layout() -> None:
    from PySide6.QtWidgets import QApplication

    from app.model.autolayout import LayoutJob
    from app.model.document import Sop
    from app.ui.canvas.items import SIZES
    from app.ui.main_window import MainWindow

    dot = shutil.which("dot")
    if dot is None:
        print("auto-layout: skipped (Graphviz's dot is not installed)")
        return
    app = QApplication.instance() or QApplication(sys.argv[:1])
    doc = Sop.model_validate(large_document(200))
    nodes = len(doc.nodes)
    job = LayoutJob.of(doc, "LR", SIZES, 1.46)

    def dot_alone() -> None:
        subprocess.run(
            [dot, "-Tjson0"], input=job.source, capture_output=True, check=True, text=True
        )

    worker, floor = paired_medians(job.run, dot_alone, repeat=5)
    report(
        f"auto-layout of {nodes} nodes on the worker thread (dot, JSON, wrapping)",
        f"{worker * 1000:.0f} ms",
        worker / floor,
        f"dot -Tjson0 alone ({floor * 1000:.0f} ms)",
        "< 1.3x",
        worker / floor < 1.3,
    )

    window = MainWindow(doc)
    window.resize(1366, 728)
    window.show()
    app.processEvents()
    layouts = [job.run(), LayoutJob.of(doc, "TB", SIZES, 1.46).run()]
    turns = iter(range(1000))

    def on_the_ui_thread() -> None:
        LayoutJob.of(window.editor.doc, "LR", SIZES, 1.46)
        window.layout_runner._direction = "LR"
        window.layout_runner._apply(layouts[next(turns) % 2], "")
        app.processEvents()

    def move_alone() -> None:
        window.editor.move(layouts[next(turns) % 2], "Move")
        app.processEvents()

    blocked, moving = paired_medians(on_the_ui_thread, move_alone, repeat=5)
    report(
        f"  the UI thread's share (prepare the job; one undoable move of {nodes} nodes; show)",
        f"{blocked * 1000:.0f} ms",
        blocked / moving,
        f"the same {nodes} nodes moved by the editor alone ({moving * 1000:.0f} ms)",
        "< 1.3x",
        blocked / moving < 1.3,
    )
    window.editor.stack.setClean()
    window.close()


def main() -> None:
    from PySide6.QtCore import QSettings

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as folder:
        # Never the user's settings, journals or workspace.
        os.environ.update(
            QT_QPA_PLATFORM="offscreen",
            GATEWRIGHT_WORKSPACE=str(Path(folder) / "workspace.db"),
        )
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        try:
            bench_layout()
        finally:
            os.environ.clear()
            os.environ.update(saved)


if __name__ == "__main__":
    main()
