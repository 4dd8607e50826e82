"""Simulation mode on the canvas: frames per second while replaying 1,000 events offscreen."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtCore import QCoreApplication, QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from app.model.templates import load_template
    from app.simulate.library import load_builtin
    from app.simulate.scenario import Scenario
    from app.ui.main_window import MainWindow
    from benchmarks.timing import report

    QCoreApplication.setOrganizationName("GatewrightBench")
    os.environ.setdefault("GATEWRIGHT_WORKSPACE", "/tmp/gatewright-bench-workspace.db")
    app = QApplication.instance() or QApplication([])
    window = MainWindow(load_template("deployment-gate"))
    window.resize(1280, 800)
    window.show()
    scenario = load_builtin(Scenario, "deployment-gate-month")
    scenario.candidates.count = 120  # enough candidates for about a thousand events
    window.simulation.action.setChecked(True)
    window.simulation.run(scenario)
    events = window.simulation.events[:1000]
    window.simulation.events = events
    image = QImage(1280, 800, QImage.Format.Format_ARGB32_Premultiplied)
    start = time.perf_counter()
    for index in range(len(events)):
        window.simulation.jump(index)
        painter = QPainter(image)
        window.scene.render(painter, QRectF(image.rect()), window.scene.itemsBoundingRect())
        painter.end()
        app.processEvents()
    seconds = time.perf_counter() - start
    fps = len(events) / seconds
    report(
        f"simulation mode, {len(events)} events replayed at full speed (offscreen frames)",
        f"{fps:.0f} frames/s",
        fps / 30,
        "the 30 frames/s target",
        ">= 30 frames/s",
        fps >= 30,
    )
    window.simulation.action.setChecked(False)
    window.close()


if __name__ == "__main__":
    main()
