"""Designer windows for tests, shown and active as a person's would be."""

from __future__ import annotations


def active_window(qtbot, doc=None):  # type: ignore[no-untyped-def]
    """A designer window on ``doc`` (blank: None), shown and active, so that shortcuts and
    the keyboard reach it as they reach a person's."""
    from app.ui.main_window import MainWindow

    made = MainWindow(doc)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    made.activateWindow()
    qtbot.waitActive(made)
    return made
