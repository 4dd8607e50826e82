"""Where a metric is read, edited in the metric catalog's form: the MLflow key and the
Prometheus query, typed with real keys into whatever has the keyboard."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.gui.inspecting import Steps, click, focused, press, record_field, select, typed

TAB, RETURN = Qt.Key.Key_Tab, Qt.Key.Key_Return
QUERY = 'avg(model_accuracy{model="credit-scorer", env=~"prod|canary"})'


def sources(window, metric_id: str = "accuracy") -> dict | None:  # type: ignore[no-untyped-def]
    metric = window.editor.doc.metric(metric_id)
    return None if metric.sources is None else metric.sources.model_dump(exclude_none=True)


def dark_pixels(widget) -> int:  # type: ignore[no-untyped-def]
    """How many pixels of the widget, as it is drawn, are text-dark."""
    image = widget.grab().toImage()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).lightness() < 100
    )


@pytest.fixture
def form(qtbot, window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    found = select(window)
    found.metrics.select([m.id for m in window.editor.doc.metrics].index("accuracy"))
    return found


def test_type_the_mlflow_key_then_tab_to_the_query(qtbot, window, form) -> None:
    steps = Steps(window)
    key = record_field(form.metrics, "MLflow key")
    query = record_field(form.metrics, "Prometheus query")
    assert isinstance(key, QLineEdit) and key.text() == "" and query.text() == ""
    empty = dark_pixels(query)
    click(window, key)
    assert focused() is key
    typed("val_accuracy")
    press(TAB)
    assert focused() is query
    typed(QUERY)
    press(RETURN)
    assert sources(window) == {"mlflow": "val_accuracy", "prometheus": QUERY}
    assert steps.pushed == 2  # one undo step per field
    assert query.text() == QUERY and dark_pixels(query) > empty  # the query is drawn
    # Another metric's form shows its own (empty) sources; back on accuracy, they are there.
    form.metrics.select(1)
    assert record_field(form.metrics, "Prometheus query").text() == ""
    form.metrics.select(0)
    assert record_field(form.metrics, "MLflow key").text() == "val_accuracy"
    window.editor.stack.undo()
    assert sources(window) == {"mlflow": "val_accuracy"}
    window.editor.stack.undo()
    assert sources(window) is None


def test_emptying_the_fields_removes_the_sources(qtbot, window, form) -> None:
    key = record_field(form.metrics, "MLflow key")
    click(window, key)
    typed("val_accuracy")
    press(RETURN)
    assert sources(window) == {"mlflow": "val_accuracy"}
    click(window, key)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    press(Qt.Key.Key_Delete)
    press(RETURN)
    assert sources(window) is None
    assert "sources" not in window.editor.doc.model_dump(exclude_defaults=True)["metrics"][0]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("up\u202e}0{", "bidirectional control character (U+202E)"),
        ("up\x1b", "control character (U+001B)"),
        ("x" * 4100, "at most 4,096 characters"),
    ],
)
def test_hostile_queries_are_refused_inline(qtbot, window, form, text: str, said: str) -> None:
    query = record_field(form.metrics, "Prometheus query")
    before, steps = window.editor.doc.model_dump(), Steps(window)
    click(window, query)
    QApplication.clipboard().setText(text)  # pasted, as such text usually arrives
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    press(RETURN)
    assert window.editor.doc.model_dump() == before and steps.pushed == 0
    error = form.metrics.form.error
    assert error.isVisible() and said in error.text()
    assert query.text() == ""  # the field shows the document's value again


def test_a_query_on_one_metric_warns_about_the_other_trigger(qtbot, window, form) -> None:
    query = record_field(form.metrics, "Prometheus query")
    click(window, query)
    typed(QUERY)
    press(RETURN)
    qtbot.waitUntil(
        lambda: any(d.rule == "trigger-metric-queried" for d in window.problems.diagnostics)
    )
    found = [d for d in window.problems.diagnostics if d.rule == "trigger-metric-queried"]
    assert [(d.severity, d.elements) for d in found] == [("warning", ("bias-alert",))]
