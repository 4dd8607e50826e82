"""Cyclic garbage is collected in the GUI thread, never in an export or backtest thread
(app.ui.collector): a Qt object destroyed from another thread crashed the designer."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject, QTimer

from app.ui.collector import GuiThreadCollector, collect_in_gui_thread


class _Marker:
    """Sits in the cycle; its finalizer says which thread collected the cycle."""


def _let_go_of_a_cycle_with_a_qt_object(collected_in: list[int]) -> weakref.ref[_Marker]:
    """A QObject (with a timer, which Qt refuses to stop from another thread) in a
    reference cycle, as a dialog that keeps its controller, which keeps it, is: only the
    cyclic collector can free it."""
    holder = QObject()
    QTimer(holder).start(60_000)
    marker = _Marker()
    marker.holder = holder  # type: ignore[attr-defined]
    holder.marker = marker  # type: ignore[attr-defined]  # the cycle
    weakref.finalize(marker, lambda: collected_in.append(threading.get_ident()))
    return weakref.ref(marker)


def test_a_worker_thread_never_collects_a_cycle_the_gui_thread_let_go_of(qapp, qtbot) -> None:
    collector = collect_in_gui_thread(qapp)  # installed for the GUI tests, as in the designer
    assert isinstance(collector, GuiThreadCollector) and not gc.isenabled()
    collected_in: list[int] = []
    alive = _let_go_of_a_cycle_with_a_qt_object(collected_in)
    assert alive() is not None

    built: list[list[int]] = []

    def export_work() -> None:
        # What an export builds and hands back: enough to run every generation's
        # collection many times over, had the worker's allocations triggered it.
        built.extend([index] for index in range(200_000))

    worker = threading.Thread(target=export_work, name="export")
    worker.start()
    worker.join()
    assert collected_in == [] and alive() is not None  # the worker collected nothing
    assert len(built) == 200_000

    qtbot.waitUntil(lambda: alive() is None, timeout=5_000)  # the GUI thread's timer did
    assert collected_in == [threading.get_ident()]


def test_the_collector_collects_what_is_due_and_nothing_when_nothing_is(qapp) -> None:
    collector = collect_in_gui_thread(qapp)
    assert collect_in_gui_thread(qapp) is collector  # one per application
    gc.collect()
    assert collector.collect_due() == 0  # nothing past a threshold
    collected_in: list[int] = []
    alive = _let_go_of_a_cycle_with_a_qt_object(collected_in)
    padding = [[index] for index in range(gc.get_threshold()[0] + 1)]
    assert collector.collect_due() >= 2 and alive() is None
    assert collected_in == [threading.get_ident()] and padding
