"""Gate › Backtest…: opened from the real menu on a clicked gate, a generated history (CSV,
Parquet) swept off the UI thread and drawn: the curves and today's marker are where the
numbers put them (pixels), a click on the chart picks a threshold that becomes the
criterion's as one undoable edit; Cancel stops a large file; a bad file is one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDeadlineTimer, QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from app.model.templates import load_template
from app.ui.dialogs.backtest import NO_OUTCOME, BacktestDialog
from app.ui.main_window import MainWindow
from app.ui.sweep_chart import BOTTOM, LEFT, PRECISION, PROMOTE, RECALL, RIGHT, TODAY, TOP
from tests.gui.histories import (
    history_rows,
    write_history_csv,
    write_history_jsonl,
    write_history_parquet,
)
from tests.gui.viewing import colour_mask, settle, viewport_rect

LEFT_BUTTON = Qt.MouseButton.LeftButton
GATE = "staging-gate"
CRITERION = "accuracy-floor"
TODAY_VALUE = 0.88
ROWS = 3000


@pytest.fixture(scope="module")
def designer(qapp, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One window on the deployment-gate template for the module's tests."""
    from tests.gui.seen import one_window

    yield from one_window(tmp_path_factory)


@pytest.fixture
def window(designer: MainWindow) -> MainWindow:
    designer.editor.replace_document(load_template("deployment-gate"))
    settle()
    yield designer
    dialog = designer.gate_menu.dialog
    if dialog is not None:
        dialog.close()
    designer.editor.stack.setClean()


def wait_for(condition, timeout_ms: int) -> None:  # type: ignore[no-untyped-def]
    deadline = QDeadlineTimer(timeout_ms)
    while not condition():
        assert not deadline.hasExpired(), "still waiting"
        QTest.qWait(10)


def open_from_menu(window: MainWindow) -> BacktestDialog:
    """Click the staging gate on the canvas, then Gate › Backtest… in the menu bar."""
    view = window.view
    centre = viewport_rect(window, window.scene.nodes[GATE].scene_rect()).center().toPoint()
    QTest.mouseClick(view.viewport(), LEFT_BUTTON, pos=centre)
    settle()
    assert window.scene.selected_ids() == [GATE]
    action = window.gate_menu.backtest
    assert action.isEnabled()
    bar = window.menuBar()
    gate_menu = next(a for a in bar.actions() if a.text() == "&Gate")
    QTest.mouseClick(bar, LEFT_BUTTON, pos=bar.actionGeometry(gate_menu).center())
    menu = gate_menu.menu()
    wait_for(menu.isVisible, 3000)
    QTest.mouseClick(menu, LEFT_BUTTON, pos=menu.actionGeometry(action).center())
    settle()
    dialog = window.gate_menu.dialog
    assert isinstance(dialog, BacktestDialog) and dialog.isVisible()
    assert not dialog.isModal()
    return dialog


def run_file(dialog: BacktestDialog, path: Path, outcome: str | None = "incident") -> None:
    """Type the file's path, pick the outcome column by typing its name, click Run, wait."""
    dialog.path.setFocus()
    dialog.path.selectAll()
    if str(path).isprintable():
        QTest.keyClicks(dialog.path, str(path))
    else:  # invisible characters are pasted, not typed (QTest cannot type them)
        QApplication.clipboard().setText(str(path))
        QTest.keyClick(dialog.path, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert dialog.path.text() == str(path)
    dialog.outcome.setFocus()  # leaving the field reads the file's columns
    settle()
    if outcome is None:
        QTest.keyClick(dialog.outcome, Qt.Key.Key_Home)  # (none), the first choice
    else:
        QTest.keyClicks(dialog.outcome, outcome)
    assert dialog.outcome.currentText() == (outcome or NO_OUTCOME)
    QTest.mouseClick(dialog.run_button, LEFT_BUTTON)
    wait_for(lambda: dialog.run is None, 30_000)
    settle()


def hover(widget: QWidget, spot: QPoint) -> None:
    """The pointer moved over ``spot`` (QTest.mouseMove moves no pointer offscreen)."""
    where = QPointF(spot)
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        where,
        widget.mapToGlobal(where),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, move)


def expected(rows: list[dict[str, object]], threshold: float) -> tuple[float, float, float]:
    """Promote rate, precision and recall of the staging gate with ``threshold`` as its
    accuracy floor, computed here from the rows (the gate's criteria written out)."""
    promoted = incidents = caught = blocked = 0
    for row in rows:
        accuracy, base = float(row["accuracy"]), float(row["baseline.accuracy"])  # type: ignore[arg-type]
        passes = (
            accuracy >= threshold
            and float(row["auc"]) >= 0.85  # type: ignore[arg-type]
            and accuracy >= base + -0.005
            and float(row["demographic-parity-gap"]) <= 0.1  # type: ignore[arg-type]
            and row["artifacts"] == "model-card"
        )
        promoted += passes
        incidents += row["incident"] == 1
        blocked += not passes
        caught += (not passes) and row["incident"] == 1
    return promoted / len(rows), caught / blocked, caught / incidents


def keeping_sentence(
    dialog: BacktestDialog, rows: list[dict[str, object]], limit: float = 0.05
) -> str:
    """The thresholds that miss at most ``limit`` of the incidents, and the one of them
    that blocks the fewest good releases, counted here from the rows."""
    incidents = sum(row["incident"] == 1 for row in rows)
    keeping = []
    for threshold in dialog.chart.series.thresholds:  # type: ignore[union-attr]
        _promote, precision, recall = expected(rows, threshold)
        caught = round(recall * incidents)
        good_blocked = round(caught / precision) - caught
        if (incidents - caught) / incidents <= limit:
            keeping.append((good_blocked, threshold))
    best = min(keeping)[1]
    return (
        f" {len(keeping)} thresholds keep missed incidents at or under {100 * limit:g}% of "
        f"{incidents:,};"
        f" of these, {best:g} blocks the fewest good releases."
    )


def plot_of(dialog: BacktestDialog) -> QRectF:
    chart = dialog.chart
    return QRectF(LEFT, TOP, chart.width() - LEFT - RIGHT, chart.height() - TOP - BOTTOM)


def x_at(dialog: BacktestDialog, threshold: float, today: float = TODAY_VALUE) -> float:
    """Where the chart must draw ``threshold``: its span is the thresholds' and today's."""
    thresholds = dialog.chart.series.thresholds  # type: ignore[union-attr]
    low, high = min(*thresholds, today), max(*thresholds, today)
    plot = plot_of(dialog)
    return plot.left() + (threshold - low) / (high - low) * plot.width()


def y_at(dialog: BacktestDialog, rate: float) -> float:
    plot = plot_of(dialog)
    return plot.bottom() - rate * plot.height()


def drawn_near(mask, x: float, y: float, reach: int = 2) -> bool:  # type: ignore[no-untyped-def]
    col, row = round(x), round(y)
    return bool(mask[row - reach : row + reach + 1, col - reach : col + reach + 1].any())


def curve_failures(
    dialog: BacktestDialog, image: QImage, rows: list[dict[str, object]]
) -> list[str]:
    """Each threshold's promote rate, precision and recall, looked for at its position."""
    masks = {
        name: colour_mask(image, colour.name(), 40)
        for name, colour in (("promote", PROMOTE), ("precision", PRECISION), ("recall", RECALL))
    }
    failures = []
    for threshold in dialog.chart.series.thresholds:  # type: ignore[union-attr]
        values = dict(
            zip(("promote", "precision", "recall"), expected(rows, threshold), strict=True)
        )
        for name, value in values.items():
            others = [v for n, v in values.items() if n != name]
            if any(abs(y_at(dialog, value) - y_at(dialog, v)) < 6 for v in others):
                continue  # another curve is drawn over this point
            if not drawn_near(masks[name], x_at(dialog, threshold), y_at(dialog, value)):
                failures.append(f"{name} {value:.3f} at threshold {threshold:g} not drawn")
    return failures


def today_column(dialog: BacktestDialog, image: QImage, today: float) -> float:
    """The share of the plot's height drawn in today's colour at today's x."""
    mask = colour_mask(image, TODAY.name(), 40)
    plot = plot_of(dialog)
    x = round(x_at(dialog, today, today))
    column = mask[int(plot.top()) : int(plot.bottom()), x - 1 : x + 2].any(axis=1)
    return float(column.mean())


def test_a_csv_history_is_charted_and_a_clicked_threshold_is_one_undoable_edit(
    window: MainWindow, tmp_path: Path
) -> None:
    rows = history_rows(ROWS)
    path = write_history_csv(tmp_path / "history.csv", ROWS)
    dialog = open_from_menu(window)
    assert dialog.criterion.currentData() == CRITERION
    blank = dialog.chart.grab().toImage()
    assert not colour_mask(blank, PROMOTE.name(), 40).any()
    run_file(dialog, path)
    assert not dialog.error.isVisible(), dialog.error.text()
    assert dialog.summary.text().startswith(f"{ROWS:,} candidates from history.csv")
    assert keeping_sentence(dialog, rows) in dialog.summary.text()
    image = dialog.chart.grab().toImage()
    assert curve_failures(dialog, image, rows) == []
    assert today_column(dialog, image, TODAY_VALUE) > 0.7
    # a click on the chart at a threshold picks it; Use this threshold sets it, one step
    series = dialog.chart.series
    assert series is not None
    index = next(i for i, t in enumerate(series.thresholds) if t < 0.87)
    chosen = series.thresholds[index]
    plot = plot_of(dialog)
    spot = QPoint(round(x_at(dialog, chosen)), round(plot.center().y()))
    # the pointer over a threshold shows its values; leaving the chart clears them
    hover(dialog.chart, spot)
    assert dialog.chart.hover_index == index
    assert dialog.values.text().startswith(f"threshold {chosen:g}: promote ")
    QTest.mouseClick(dialog.chart, LEFT_BUTTON, pos=spot)
    assert dialog.chart.chosen_index == index
    promote, precision, recall = expected(rows, chosen)
    assert f"threshold {chosen:g}: promote {100 * promote:.1f}%" in dialog.values.text()
    assert f"precision {100 * precision:.1f}%, recall {100 * recall:.1f}%" in dialog.values.text()
    steps = window.editor.stack.count()
    QTest.mouseClick(dialog.use_button, LEFT_BUTTON)
    criterion = window.editor.doc.node(GATE).criteria[0]
    assert (criterion.id, criterion.value) == (CRITERION, chosen)
    assert window.editor.stack.count() == steps + 1
    assert window.editor.stack.undoText() == f"Set {CRITERION} threshold to {chosen:g} (backtest)"
    settle()
    # today's marker follows the document
    moved = dialog.chart.grab().toImage()
    assert today_column(dialog, moved, chosen) > 0.7
    undo = next(a for a in window.edit_menu.actions() if a.text().startswith("&Undo"))
    undo.trigger()
    settle()
    assert window.editor.doc.node(GATE).criteria[0].value == TODAY_VALUE
    assert window.editor.stack.index() == steps
    assert today_column(dialog, dialog.chart.grab().toImage(), TODAY_VALUE) > 0.7


def test_a_parquet_history_gives_the_csv_chart(window: MainWindow, tmp_path: Path) -> None:
    rows = history_rows(ROWS)
    dialog = open_from_menu(window)
    run_file(dialog, write_history_parquet(tmp_path / "history.parquet", ROWS))
    assert not dialog.error.isVisible(), dialog.error.text()
    assert "(parquet, read by arrow)" in dialog.summary.text()
    image = dialog.chart.grab().toImage()
    assert curve_failures(dialog, image, rows) == []
    assert today_column(dialog, image, TODAY_VALUE) > 0.7
    # a looser limit on missed incidents, typed, keeps more thresholds
    dialog.max_miss.setFocus()
    dialog.max_miss.selectAll()
    QTest.keyClicks(dialog.max_miss, "20")
    QTest.mouseClick(dialog.run_button, LEFT_BUTTON)
    wait_for(lambda: dialog.run is None, 30_000)
    assert keeping_sentence(dialog, rows, 0.2) in dialog.summary.text()
    # a bad file after it takes the chart down: what stays is its sentence
    broken = tmp_path / "broken.csv"
    broken.write_text("accuracy,accuracy\n", encoding="utf-8")
    run_file(dialog, broken, outcome=None)
    assert dialog.error.text().startswith("broken.csv line 1: the header names the column")
    assert dialog.chart.series is None and not dialog.use_button.isEnabled()
    # without an outcome column there are no precision and recall lines
    run_file(dialog, write_history_csv(tmp_path / "plain.csv", ROWS), outcome=None)
    plain = dialog.chart.grab().toImage()
    assert colour_mask(plain, PROMOTE.name(), 40).sum() > 200
    assert not colour_mask(plain, PRECISION.name(), 20).any()
    assert not colour_mask(plain, RECALL.name(), 20).any()


def test_cancel_stops_a_large_file(window: MainWindow, tmp_path: Path) -> None:
    block = write_history_jsonl(tmp_path / "block.jsonl", 10_000).read_bytes()
    path = tmp_path / "large.jsonl"
    path.write_bytes(block * 20)  # 200,000 rows: several batches
    dialog = open_from_menu(window)
    reports: list[int] = []

    def first_report(value: int) -> None:
        # Runs on the UI thread while the sweep's thread waits for it: Cancel is pressed
        # at the first report, as a person watching the bar would.
        reports.append(value)
        if len(reports) == 1:
            QTest.mouseClick(dialog.cancel_button, LEFT_BUTTON)

    dialog.path.setFocus()
    dialog.path.selectAll()  # the file of the dialog opened before is offered again
    QTest.keyClicks(dialog.path, str(path))
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    run = dialog.run
    assert run is not None and dialog.cancel_button.isEnabled()
    # Connected as the thread starts: its first batch of 32,768 JSON lines takes longer.
    run.progressed.connect(first_report, Qt.ConnectionType.BlockingQueuedConnection)
    wait_for(lambda: dialog.run is None, 30_000)
    settle()
    assert run.cancel_flag.is_set()
    assert len(reports) == 1  # no batch was read after Cancel
    assert 0 < run.fraction < 0.5
    assert dialog.summary.text().startswith("Cancelled after reading")
    assert dialog.chart.series is None and dialog.result is None
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()
    # closing the dialog while it reads stops the reading too
    QTest.keyClick(dialog.path, Qt.Key.Key_Return)
    run = dialog.run
    assert run is not None and run.isRunning()
    QTest.mouseClick(dialog.findChild(QPushButton, "close"), LEFT_BUTTON)
    assert not dialog.isVisible()
    assert run.cancel_flag.is_set() and run.isFinished()


@pytest.mark.parametrize(
    ("content", "name", "sentence"),
    [
        (
            "accuracy,auc,accuracy\n0.9,0.9,0.9\n",
            "twice.csv",
            "twice.csv line 1: the header names the column 'accuracy' twice; name each "
            "column once.",
        ),
        (
            "auc,tier\n0.9,low\n",
            "no-accuracy.csv",
            "no-accuracy.csv cannot be backtested: the header (line 1) has no column "
            "'accuracy', which criterion 'accuracy-floor' needs.",
        ),
        ("", "empty.csv", "empty.csv is empty; a CSV file starts with a header row naming"),
        (b"PAR1 not really", "broken.parquet", "broken.parquet cannot be read as Parquet: "),
        (None, "absent.csv", "absent.csv does not exist."),
        (None, "ev\u202elic.csv", "'ev\\u202elic.csv' does not exist."),
    ],
)
def test_a_bad_file_is_one_sentence_in_the_dialog(
    window: MainWindow, tmp_path: Path, content: str | bytes | None, name: str, sentence: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    dialog = open_from_menu(window)
    run_file(dialog, path, outcome=None)
    assert dialog.error.isVisible()
    text = dialog.error.text()
    assert text.startswith(sentence), text
    assert "\n" not in text and "Traceback" not in text
    assert dialog.chart.series is None
    assert QApplication.activeModalWidget() is None


def test_a_baseline_criterion_sweeps_its_delta(window: MainWindow, tmp_path: Path) -> None:
    dialog = open_from_menu(window)
    dialog.criterion.setFocus()
    QTest.keyClicks(dialog.criterion, "no-")
    assert dialog.criterion.currentData() == "no-accuracy-regression"
    run_file(dialog, write_history_csv(tmp_path / "history.csv", 500), outcome=None)
    series = dialog.chart.series
    assert series is not None and series.title == "accuracy >= baseline + delta"
    assert dialog.chart.today == -0.005
    dialog.chart.setFocus()
    QTest.keyClick(dialog.chart, Qt.Key.Key_Home)  # the lowest delta
    QTest.keyClick(dialog.chart, Qt.Key.Key_Return)  # used as the criterion's delta
    criterion = window.editor.doc.node(GATE).criteria[2]
    assert criterion.delta == series.thresholds[0] != -0.005
    window.editor.stack.undo()
    assert window.editor.doc.node(GATE).criteria[2].delta == -0.005


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("1:0:1", "Range: '1:0:1': STEP must be above 0 and HI at least LO."),
        ("$(rm -rf)", "Range: '$(rm -rf)' is not LO:HI:STEP with three numbers."),
        ("0:1:0.00001", "Range: '0:1:0.00001' gives 100,001 thresholds; at most 10,000."),
    ],
)
def test_a_bad_range_is_one_sentence(window: MainWindow, tmp_path: Path, typed, sentence) -> None:  # type: ignore[no-untyped-def]
    dialog = open_from_menu(window)
    dialog.path.setFocus()
    dialog.path.selectAll()
    QTest.keyClicks(dialog.path, str(write_history_csv(tmp_path / "history.csv", 10)))
    dialog.range.setFocus()
    QTest.keyClicks(dialog.range, typed)
    QTest.keyClick(dialog.range, Qt.Key.Key_Return)
    assert dialog.run is None
    assert dialog.error.isVisible() and dialog.error.text() == sentence
