"""The designer's cyclic garbage collection, done in the GUI thread only.

Python's collector runs in whichever thread happens to allocate when a threshold is
crossed: in the designer, that can be an export, a backtest or an auto-layout thread. If
that collection frees a reference cycle holding a Qt object (a closed dialog, a window a
test or a user let go of), Qt destroys the object from the wrong thread, and the designer
crashes: it did, with a segmentation fault in the middle of a PDF export.

So while the designer runs, automatic collection is off and a timer in the GUI thread
collects instead, generation by generation, with the interpreter's own thresholds.
Reference counting still frees everything that is not in a cycle at once, in any thread.
As with the interpreter, a collection is due when the objects alive have grown by a
generation's threshold since the last one, so unreachable cycles stay bounded as before.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer

INTERVAL_MS = 500
"""How often the GUI thread looks at the collector's counts (a look costs microseconds)."""


class GuiThreadCollector(QObject):
    """Turns automatic collection off while installed; :meth:`collect_due` collects in
    the GUI thread what the interpreter would have collected by now."""

    def __init__(self, app: QCoreApplication, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(app)
        self._was_enabled = gc.isenabled()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        gc.disable()
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count is past its threshold, as the
        interpreter does on allocation; how many objects were found unreachable."""
        if QThread.currentThread() is not self.thread():
            return 0  # never from another thread: that is what this class prevents
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            threshold = thresholds[generation]
            if threshold and counts[generation] > threshold:
                return gc.collect(generation)
        return 0

    def uninstall(self) -> None:
        """Give collection back to the interpreter (after collecting what is due)."""
        self.timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self.setParent(None)


def collect_in_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """Install the collector once per application; the installed one if there is one."""
    installed = app.findChild(GuiThreadCollector)
    return installed if installed is not None else GuiThreadCollector(app)
