"""The designer: a 1,000-node canvas (open, render, move), memory (start-up: bench_start).

Each figure is printed as a ratio against a Qt baseline run the same way: a bare
QMainWindow for start-up and memory, a plain QGraphicsScene of as many rectangles and
lines for rendering, the model-only move for an edit on the canvas.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.timing import median_seconds, paired_medians, report
from synthetic.documents import large_document

ROOT = Path(__file__).resolve().parent.parent
RENDER_SCALE = 0.25

# Scripts run as fresh processes; each prints nothing unless asked for memory.
_QT_START = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
"""
BARE_WINDOW = (
    _QT_START
    + """
from PySide6.QtWidgets import QMainWindow
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.processEvents()
"""
)
_RSS = """
app.processEvents()
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) * 1024)
os._exit(0)  # the figure is printed; tearing down a big scene adds nothing to it
"""
BARE_MEMORY = BARE_WINDOW + _RSS
DESIGNER_MEMORY = (
    _QT_START
    + """
from app.model.document import Sop
from app.ui.main_window import MainWindow
from synthetic.documents import large_document
window = MainWindow(Sop.model_validate(large_document(200)))
window.revalidate()
window.show()
"""
    + _RSS
)


def _environment(folder: str) -> dict[str, str]:
    """Offscreen Qt, settings and workspace in a scratch folder, the checkout importable.

    Bytecode is cached (in the scratch folder, not the checkout) as an installed designer's
    is: compiling every module on each start would measure the compiler, not the designer.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(Path(folder) / "pycache"),
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=folder,
        GATEWRIGHT_WORKSPACE=str(Path(folder) / "workspace.db"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
    )
    return env


def _rss(script: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1])


# -- PySide6 6.12.0 on CPython 3.11 loses a reference to None on every void call ------------

_NONE_RESERVE: list[None] = []
# One extra reference that is never given back: the reserve outlives interpreter shutdown,
# when the references the bindings dropped would otherwise bring None's count to zero.
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_NONE_RESERVE))


def _bindings_lose_none() -> bool:
    from PySide6.QtCore import QPointF

    point, before = QPointF(), sys.getrefcount(None)
    for _ in range(200):
        point.setX(1.0)
    return sys.getrefcount(None) < before - 100


def _guarded(work: Callable[[], object]) -> Callable[[], object]:
    """``work`` with None's count topped up first, so such bindings cannot abort the run."""
    if not _bindings_lose_none():
        return work

    def topped_up() -> object:
        if sys.getrefcount(None) < 2_000_000:
            _NONE_RESERVE.extend([None] * 2_000_000)
        return work()

    return topped_up


# -- the benchmarks -----------------------------------------------------------------------


def bench_large_canvas() -> None:
    from PySide6.QtCore import QLineF, QPointF, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication, QGraphicsScene

    from app.model.document import Sop
    from app.ui.canvas.scene import SopScene
    from app.ui.editor import DocumentEditor
    from app.ui.main_window import MainWindow
    from app.validate.engine import validate_cached

    app = QApplication.instance() or QApplication(sys.argv[:1])
    data = large_document(200)
    docs = iter([Sop.model_validate(data) for _ in range(12)])
    windows: list[MainWindow] = []

    def open_window() -> None:
        window = MainWindow(next(docs))
        app.processEvents()
        windows.append(window)

    def open_blank() -> None:
        window = MainWindow()
        app.processEvents()
        windows.append(window)

    blank = median_seconds(_guarded(open_blank), repeat=5, warmup=1)
    opened = median_seconds(_guarded(open_window), repeat=5, warmup=1)
    window = windows.pop()
    for old in windows:
        old.editor.stack.setClean()
        old.close()
        old.deleteLater()
    app.processEvents()
    doc = window.editor.doc
    nodes, edges = len(doc.nodes), len(doc.edges)
    report(
        f"open a {nodes}-node document in the designer (scene built)",
        f"{opened * 1000:.0f} ms",
        opened / blank,
        f"a blank designer window ({blank * 1000:.0f} ms)",
        "< 1.0 s",
        opened < 1.0,
    )

    # Rendering: the designer's scene against plain rectangles and lines at the same spots.
    floor_scene = QGraphicsScene()
    centres = {n: QPointF(p.x, p.y) for n, p in doc.layout.items()}
    for centre in centres.values():
        floor_scene.addRect(QRectF(centre.x() - 75, centre.y() - 28, 150, 56))
    for edge in doc.edges:
        floor_scene.addLine(QLineF(centres[edge.source], centres[edge.target]))

    def render(scene: QGraphicsScene) -> Callable[[], object]:
        source = scene.itemsBoundingRect()
        size = (source.size() * RENDER_SCALE).toSize()

        def draw() -> None:
            image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0xFFFFFFFF)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            scene.render(painter, QRectF(image.rect()), source)
            painter.end()

        return draw

    ours, floor = paired_medians(
        _guarded(render(window.scene)), _guarded(render(floor_scene)), repeat=9
    )
    ratio = ours / floor
    report(
        f"render the {nodes}-node scene into an image at {RENDER_SCALE:g}x",
        f"{ours * 1000:.0f} ms",
        ratio,
        f"{nodes} plain rects + {edges} lines ({floor * 1000:.0f} ms)",
        "< 3x",
        ratio < 3,
    )

    # One edit on the canvas: move a node through the editor, then re-validate.
    spots = iter([(3800 + 10 * (i % 2), 260) for i in range(1000)])

    def move_in_window() -> None:
        window.editor.move({"s-100": next(spots)})
        window.revalidate()

    def move_in_model() -> None:
        x, y = next(spots)
        doc.move("s-100", x, y)
        validate_cached(doc)

    model = median_seconds(_guarded(move_in_model), repeat=21)
    moved = median_seconds(_guarded(move_in_window), repeat=21)
    report(
        f"move one node of {nodes} via the editor + re-validate",
        f"{moved * 1000:.1f} ms",
        moved / model,
        f"the model-only move + cached validation ({model * 1000:.2f} ms)",
        "< 16 ms",
        moved < 0.016,
    )

    # The canvas's share of that edit: the same editor and scene, without the window's docks.
    canvas_doc = Sop.model_validate(data)
    scene = SopScene(DocumentEditor(canvas_doc))

    def move_on_canvas() -> None:
        scene.editor.move({"s-100": next(spots)})
        scene.set_problems(_worst(validate_cached(canvas_doc)))

    canvas = median_seconds(_guarded(move_on_canvas), repeat=21)
    report(
        "  of which the canvas (editor, undo command, scene, badges; no docks)",
        f"{canvas * 1000:.1f} ms",
        canvas / model,
        "the model-only move",
        "< 16 ms",
        canvas < 0.016,
    )
    window.editor.stack.setClean()
    window.close()


def _worst(diagnostics: list) -> dict[str, tuple[str, str]]:  # type: ignore[type-arg]
    worst: dict[str, tuple[str, str]] = {}
    for d in diagnostics:
        for element in d.elements:
            worst.setdefault(element, (d.severity, d.message))
    return worst


def bench_memory() -> None:
    floor = _rss(BARE_MEMORY)
    ours = _rss(DESIGNER_MEMORY)
    mib = 1024 * 1024
    report(
        "resident memory, 1,001-node document open and validated",
        f"{ours / mib:.0f} MB",
        ours / floor,
        f"a bare QMainWindow ({floor / mib:.0f} MB)",
        "< 300 MB",
        ours < 300 * mib,
    )


def main() -> None:
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as folder:
        # Never the user's settings or workspace, here or in the processes started.
        environment = _environment(folder)
        os.environ.clear()
        os.environ.update(environment)
        try:
            bench_large_canvas()
            bench_memory()
        finally:
            os.environ.clear()
            os.environ.update(saved)


if __name__ == "__main__":
    main()
