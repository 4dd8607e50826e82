"""Gate › Backtest…: a history file swept for one criterion of the selected gate, off the UI
thread (progress, Cancel), drawn as a chart; a threshold picked on it becomes the
criterion's threshold as one undoable edit.

The sweep is ``app.runtime.backtest.sweep.sweep``, the code ``gatewright backtest --sweep``
runs, given the spec compiled from the open document. Cancel sets a flag that the sweep's
progress hook, called between record batches, turns into an exception.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from app.runtime.backtest.sweep import DEFAULT_MAX_MISS
from app.ui.panels.binding import chain_focus
from app.ui.panels.fields import InlineError
from app.ui.sweep_chart import SweepChart, series_of

if TYPE_CHECKING:
    from app.runtime.backtest.result import BacktestResult
    from app.runtime.backtest.sweep import SweepRequest
    from app.spec.schema import GateSpec
    from app.ui.main_window import MainWindow

FILE_FILTER = (
    "History files (*.csv *.jsonl *.ndjson *.parquet *.pq);;CSV (*.csv);;"
    "JSON lines (*.jsonl *.ndjson);;Parquet (*.parquet *.pq);;All files (*)"
)
NO_OUTCOME = "(none)"
PROGRESS_STEPS = 1000


class Cancelled(Exception):
    """Raised by the progress hook once Cancel was pressed: the sweep stops there."""


class SweepRun(QThread):
    """One sweep of a history file; the runtime code has no Qt, so this thread calls it and
    reports what it finds through signals."""

    progressed = Signal(int)  # PROGRESS_STEPS-ths of the file read
    loaded = Signal(object)  # the BacktestResult
    failed = Signal(str)  # one sentence naming the file
    stopped = Signal()  # cancelled

    def __init__(
        self, spec: GateSpec, gate_id: str, path: str, request: SweepRequest, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.spec, self.gate_id, self.path, self.request = spec, gate_id, path, request
        self.cancel_flag = threading.Event()
        self.fraction = 0.0
        """How much of the file was read when the sweep last reported (1.0: all)."""

    def cancel(self) -> None:
        self.cancel_flag.set()

    def _progress(self, done: int, total: int) -> None:
        if self.cancel_flag.is_set():
            raise Cancelled
        self.fraction = done / total if total else 1.0
        self.progressed.emit(round(self.fraction * PROGRESS_STEPS))

    def run(self) -> None:
        from app.runtime import UnknownElementError
        from app.runtime.backtest.result import BacktestInputError
        from app.runtime.backtest.sweep import SweepError, sweep

        name = file_name(self.path)
        try:
            if self.cancel_flag.is_set():
                raise Cancelled
            result = sweep(self.spec, self.gate_id, self.path, self.request, self._progress)
        except Cancelled:
            self.stopped.emit()
        except (BacktestInputError, SweepError, UnknownElementError) as error:
            self.failed.emit(sentence(name, str(error)))
        except Exception as error:  # a sentence, never a crash of the designer
            self.failed.emit(sentence(name, f"cannot be backtested: {type(error).__name__}"))
        else:
            self.loaded.emit(result)


def file_name(path: str) -> str:
    """The file's name as a sentence shows it: quoted with escapes when it holds control,
    bidi or other invisible characters, which would garble or hide the sentence."""
    name = os.path.basename(path.rstrip("/")) or path
    return name if name.isprintable() else repr(name)


def sentence(name: str, message: str) -> str:
    """``history.csv line 4: ...``: the file's name, then what is wrong, as one sentence."""
    message = message.strip()
    return f"{name} {message}" + ("" if message.endswith((".", "?", "!")) else ".")


def missing_column_problem(result: BacktestResult, sweep: dict[str, Any], name: str) -> str:
    """A sentence when the file lacks a column the sweep needs ('' when it has them)."""
    needed = [sweep["metric"]]
    if sweep["form"] == "baseline":
        needed.append(f"baseline.{sweep['metric']}")
    if "outcome" in sweep:
        needed.append(sweep["outcome"]["column"])
    absent = [column for column in needed if column in result.absent_columns]
    if not absent:
        return ""
    where = {
        "csv": "the header (line 1) has no column",
        "jsonl": "no line has the key",
        "parquet": "the schema has no column",
    }[result.format]
    return sentence(
        name,
        f"cannot be backtested: {where} {absent[0]!r}, which criterion "
        f"{sweep['criterion']!r} needs",
    )


def outcome_text(outcome: dict[str, Any] | None) -> str:
    """What the outcome column says about the thresholds, as the command line says it."""
    if not outcome:
        return ""
    limit = f"{100 * outcome['max_miss']:g}%"
    if not outcome["incidents"]:
        return f" No incident in column {outcome['column']!r}: precision and recall are -."
    keeping = outcome["keeping_misses_under"]
    if not keeping:
        return f" No threshold keeps missed incidents at or under {limit}."
    return (
        f" {len(keeping)} threshold{'s' if len(keeping) > 1 else ''} keep missed incidents at"
        f" or under {limit} of {outcome['incidents']:,}; of these, {outcome['best']:g} blocks"
        " the fewest good releases."
    )


class BacktestDialog(QDialog):
    """Non-modal: the designer stays usable while the file is read and the chart shown."""

    def __init__(self, window: MainWindow, gate_id: str) -> None:
        super().__init__(window)
        self.window_ = window
        self.gate_id = gate_id
        self.run: SweepRun | None = None
        self.result: BacktestResult | None = None
        self.setModal(False)
        self.setWindowTitle("Backtest")
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.path = QLineEdit()
        self.path.setAccessibleName("History file")
        self.path.setPlaceholderText("history.csv, .jsonl or .parquet")
        self.path.setMinimumWidth(380)
        self.path.returnPressed.connect(self.start)
        self.path.editingFinished.connect(self.read_columns)
        browse = QPushButton("Choose…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self.choose_file)
        self.criterion = QComboBox()
        self.criterion.setAccessibleName("Criterion")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome column")
        self.outcome.addItem(NO_OUTCOME)
        self.outcome.setToolTip(
            "A 0/1 column: 1 when the release caused an incident. With it the chart adds "
            "the precision and recall of what the gate blocks."
        )
        self.max_miss = QDoubleSpinBox()
        self.max_miss.setAccessibleName("Max missed incidents")
        self.max_miss.setRange(0, 100)
        self.max_miss.setDecimals(1)
        self.max_miss.setSuffix(" %")
        self.max_miss.setValue(100 * DEFAULT_MAX_MISS)
        self.max_miss.setToolTip(
            "The summary names the thresholds that miss at most this share of the incidents "
            "(--max-miss)."
        )
        self.range = QLineEdit()
        self.range.setAccessibleName("Range")
        self.range.setPlaceholderText("LO:HI:STEP (empty: the data's 1st to 99th percentile)")
        self.range.returnPressed.connect(self.start)
        self.run_button = QPushButton("&Run")
        self.run_button.setAutoDefault(False)
        self.run_button.clicked.connect(self.start)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.error = InlineError()
        self.error.setAccessibleName("Backtest problem")
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Backtest summary")
        self.chart = SweepChart()
        self.chart.chosen.connect(self._chosen)
        self.chart.hovered.connect(self._hovered)
        self.chart.applied.connect(self.use_threshold)
        self.values = QLabel()
        self.values.setTextFormat(Qt.TextFormat.PlainText)
        self.values.setAccessibleName("Values at the threshold")
        self.use_button = QPushButton("&Use this threshold")
        self.use_button.setAutoDefault(False)
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(lambda: self.use_threshold(self.chart.chosen_index))
        close = QPushButton("Close")
        close.setObjectName("close")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        self._layout(browse, close)
        self.fill_criteria()
        window.editor.changed.connect(self._document_changed)
        window.editor.documentReplaced.connect(self._document_changed)
        self._following = True  # until closed

    def _layout(self, browse: QPushButton, close: QPushButton) -> None:
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        label = QLabel("History &file:")
        label.setBuddy(self.path)  # addRow sets buddies for widgets only, not a row
        form.addRow(label, file_row)
        form.addRow("&Criterion:", self.criterion)
        form.addRow("&Outcome column:", self.outcome)
        form.addRow("&Max missed incidents:", self.max_miss)
        form.addRow("Ran&ge:", self.range)
        running = QHBoxLayout()
        running.addWidget(self.run_button)
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.values.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)
        order = [self.path, browse, self.criterion, self.outcome, self.max_miss, self.range]
        order.append(self.run_button)
        order += [self.cancel_button, self.chart, self.use_button, close]
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(running)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.values)
        layout.addLayout(buttons)
        chain_focus(order)  # once all are in the dialog (a tab order is within one window)
        self.resize(760, 600)

    # -- the gate and its criteria -----------------------------------------------------

    def gate(self) -> Any:
        doc = self.window_.editor.doc
        if doc.has_node(self.gate_id) and doc.node(self.gate_id).kind == "gate":
            return doc.node(self.gate_id)
        return None

    def fill_criteria(self) -> None:
        gate = self.gate()
        chosen = self.criterion.currentData()
        self.criterion.clear()
        if gate is None:
            return
        self.heading.setText(f"Gate: {gate.name} ({gate.id})")
        for criterion in gate.criteria:
            if criterion.form == "metric":
                rule = f"{criterion.metric} {criterion.op} {criterion.value:g}"
            elif criterion.form == "baseline":
                rule = f"{criterion.metric} {criterion.op} baseline {criterion.delta:+g}"
            else:
                continue
            self.criterion.addItem(f"{criterion.id}: {rule}", criterion.id)
        if chosen is not None and (index := self.criterion.findData(chosen)) >= 0:
            self.criterion.setCurrentIndex(index)
        if not self.criterion.count():
            self.error.show_message(
                f"Gate {gate.id!r} has no metric or baseline criterion: nothing has a "
                "threshold to backtest."
            )

    def threshold_today(self) -> float | None:
        """The swept criterion's threshold (a baseline criterion's delta) in the document."""
        gate, swept = self.gate(), self._swept()
        if gate is None or swept is None:
            return None
        for criterion in gate.criteria:
            if criterion.id == swept and criterion.form in ("metric", "baseline"):
                return float(criterion.value if criterion.form == "metric" else criterion.delta)
        return None

    def _swept(self) -> str | None:
        sweep = None if self.result is None else self.result.sweep
        return None if sweep is None else str(sweep["criterion"])

    def _document_changed(self, *_args: Any) -> None:
        self.fill_criteria()
        if self.result is not None:
            self.chart.set_today(self.threshold_today())

    # -- the file ----------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a history file", self.path.text(), FILE_FILTER
        )
        if path:
            self.path.setText(path)
            self.read_columns()
            self.start()

    def read_columns(self) -> None:
        """The file's columns as outcome choices (a column named like one is preselected)."""
        from app.runtime.backtest.header import file_columns
        from app.runtime.backtest.result import BacktestInputError

        text = self.path.text().strip()
        if not text or getattr(self, "_columns_of", None) == text:
            return
        chosen = self.outcome.currentText()
        self.outcome.clear()
        self.outcome.addItem(NO_OUTCOME)
        try:
            columns = file_columns(text)
        except BacktestInputError as error:
            self.error.show_message(sentence(file_name(text), str(error)))
            return
        except Exception as error:  # a sentence, never a traceback
            self.error.show_message(
                sentence(file_name(text), f"cannot be read: {type(error).__name__}")
            )
            return
        self._columns_of = text  # read again only when another file is named
        self.error.clear_message()
        self.outcome.addItems(columns)
        if (index := self.outcome.findText(chosen)) > 0:
            self.outcome.setCurrentIndex(index)

    # -- running -----------------------------------------------------------------------

    def start(self) -> None:
        from app.compiler.compile import CompileRefusedError, compile_spec
        from app.runtime.backtest.sweep import SweepError, SweepRequest, parse_range

        if self.run is not None:
            return
        text = self.path.text().strip()
        if not text:
            self.error.show_message("Choose a history file (CSV, JSON lines or Parquet).")
            return
        criterion = self.criterion.currentData()
        if criterion is None:
            self.fill_criteria()
            return
        self.read_columns()
        try:
            thresholds = parse_range(self.range.text()) if self.range.text().strip() else None
        except SweepError as error:
            self.error.show_message(f"Range: {str(error).removeprefix('--range ')}.")
            return
        try:
            spec = compile_spec(self.window_.editor.doc)
        except CompileRefusedError as error:
            self.error.show_message(f"The SOP cannot be compiled: {error}.")
            return
        outcome = self.outcome.currentText()
        request = SweepRequest(
            criterion,
            thresholds,
            None if outcome == NO_OUTCOME else outcome,
            self.max_miss.value() / 100,
        )
        self.error.clear_message()
        self.summary.setText(f"Reading {file_name(text)}…")
        self.progress.setValue(0)
        self._set_running(True)
        self.run = run = SweepRun(spec, self.gate_id, text, request, self)
        run.progressed.connect(self.progress.setValue)
        run.loaded.connect(self._loaded)
        run.failed.connect(self._failed)
        run.stopped.connect(self._stopped)
        run.finished.connect(self._finished)
        run.start()

    def cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()
            self.summary.setText("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.use_button.setEnabled(not running and self.chart.chosen_index >= 0)

    def _finished(self) -> None:
        run, self.run = self.run, None
        if run is not None:
            run.deleteLater()
        self._set_running(False)

    def _failed(self, message: str) -> None:
        """The file just named cannot be charted: no chart of an earlier file stays up,
        as if it were this one's."""
        self.summary.setText("")
        self.progress.setValue(0)
        self.result = None
        self.chart.show_series(None)
        self.values.setText("")
        self.use_button.setEnabled(False)
        self.error.show_message(message)

    def _stopped(self) -> None:
        self.summary.setText(
            f"Cancelled after reading {100 * (self.run.fraction if self.run else 0):.0f}% "
            "of the file; the chart is as it was."
        )

    def _loaded(self, result: BacktestResult) -> None:
        sweep = result.sweep or {}
        name = file_name(result.source)
        problem = missing_column_problem(result, sweep, name) or (
            sentence(name, "holds no candidates to backtest") if not result.rows else ""
        )
        if problem:
            self._failed(problem)
            return
        self.result = result
        self.progress.setValue(PROGRESS_STEPS)
        self.chart.show_series(series_of(sweep))
        self.chart.set_today(self.threshold_today())
        self.values.setText("Click the chart to pick a threshold.")
        text = (
            f"{result.rows:,} candidates from {name} ({result.format}, read by "
            f"{result.reader}); {len(sweep['thresholds'])} thresholds of "
            f"{sweep['criterion']}."
        )
        text += outcome_text(sweep.get("outcome"))
        if result.bad_rows:
            first = result.bad_lines[0] if result.bad_lines else None
            where = "row" if result.format == "parquet" else "line"
            text += f" {result.bad_rows:,} unreadable rows left out" + (
                f" (first: {where} {first.line}: {first.reason})." if first else "."
            )
        self.summary.setText(text)

    # -- choosing ----------------------------------------------------------------------

    def _chosen(self, index: int) -> None:
        self.use_button.setEnabled(index >= 0 and self.run is None)
        self.values.setText(self.chart.values_text(index))

    def _hovered(self, index: int) -> None:
        shown = index if index >= 0 else self.chart.chosen_index
        self.values.setText(self.chart.values_text(shown))

    def use_threshold(self, index: int) -> bool:
        """The threshold at ``index`` into the document: one undoable edit."""
        from app.ui.gate_menu import set_threshold

        series = self.chart.series
        swept = self._swept()
        if series is None or swept is None or not 0 <= index < len(series.thresholds):
            return False
        problem = set_threshold(self.window_, self.gate_id, swept, series.thresholds[index])
        if problem:
            self.error.show_message(problem)
            return False
        self.error.clear_message()
        return True

    # -- closing -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        self._unfollow()
        super().closeEvent(event)

    def reject(self) -> None:  # Esc: closed as the Close button closes it
        self.stop()
        self._unfollow()
        super().reject()

    def stop(self) -> None:
        """Cancel a sweep under way and wait for its thread (it stops at the next batch)."""
        if self.run is not None:
            self.run.cancel()
            self.run.wait()

    def _unfollow(self) -> None:
        if not self._following:
            return
        self._following = False
        for signal, slot in (
            (self.window_.editor.changed, self._document_changed),
            (self.window_.editor.documentReplaced, self._document_changed),
        ):
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                signal.disconnect(slot)
