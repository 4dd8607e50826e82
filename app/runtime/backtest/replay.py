"""``backtest()`` itself: open the results file, read it batch by batch, decide each batch."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from contextlib import closing
from typing import Any

from app.runtime import UnknownElementError, as_spec
from app.runtime.backtest import early
from app.runtime.backtest.arrow_columns import ArrowColumns, json_rows
from app.runtime.backtest.arrow_json import BATCH_ROWS, arrow_table, jsonl_pieces
from app.runtime.backtest.arrow_reading import (
    Ahead,
    ExactReadingNeeded,
    NumberedReadingNeeded,
    arrow_csv_batches,
    batches_of,
    parquet_batches,
    parquet_source,
)
from app.runtime.backtest.columns import ColumnsBase, _Columns
from app.runtime.backtest.decide import _decide_columns, _decide_rows
from app.runtime.backtest.heap import heap_kept
from app.runtime.backtest.plan import _Plan
from app.runtime.backtest.reading import (
    HEADER_BLOCK_BYTES,
    _csv_chunks,
    _jsonl_chunks,
    _Lines,
    _open,
    csv_header,
    results_format,
)
from app.runtime.backtest.result import BacktestResult, BadRow
from app.runtime.process import collection_paused
from app.spec.schema import GateSpec

SHOWN_BAD_ROWS = 20

Progress = Callable[[int, int], None]
"""Called after each batch with (done, total): bytes of a CSV or JSON-lines file, rows of
Parquet; it may raise to cancel."""


def backtest(
    spec: GateSpec | dict[str, Any],
    gate: str,
    path: str | os.PathLike[str],
    *,
    per_row: bool = False,
    progress: Progress | None = None,
    observer: Any = None,
) -> BacktestResult:
    """Replay ``gate``'s criteria over the candidates in ``path`` (``.csv``, ``.jsonl``,
    ``.parquet`` or a folder of Parquet files).

    ``observer`` (the sweep's collector) is shown each batch's columns and decisions.
    Raises ``UnknownElementError`` for an unknown gate and :class:`BacktestInputError` when
    the file cannot be used at all (missing, unreadable, unknown extension, no CSV header).
    """
    model = as_spec(spec)
    target = model.gate(gate)
    if target is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate!r}; its gates are: {known}")
    fmt = results_format(path)
    extra = observer.columns if observer is not None else ()
    method = "per-row" if per_row else "vectorised"

    def fresh() -> tuple[_Plan, BacktestResult]:
        plan = _Plan(model, target, fmt, extra)
        return plan, plan.empty_result(os.fspath(path), method)

    # Batches are many small acyclic objects, and large arrays freed as soon as they are made.
    with collection_paused(), heap_kept():
        if fmt == "parquet":
            plan, result = fresh()
            result.reader = "arrow"
            _replay_parquet(plan, result, path, per_row, progress, observer)
        elif fmt == "csv" and not per_row:
            plan, result = fresh()
            result.reader = "arrow"
            try:
                try:
                    _replay_arrow_csv(plan, result, path, progress, observer, parallel=True)
                except NumberedReadingNeeded:  # bad rows: read again, one block after another
                    if observer is not None:
                        observer.reset()
                    plan, result = fresh()
                    result.reader = "arrow"
                    _replay_arrow_csv(plan, result, path, progress, observer, parallel=False)
            except ExactReadingNeeded:
                if observer is not None:
                    observer.reset()
                plan, result = fresh()
                _replay_python(plan, result, path, per_row, progress, observer)
        elif fmt == "jsonl" and not per_row:
            plan, result = fresh()
            _replay_arrow_jsonl(plan, result, path, progress, observer)
        else:
            plan, result = fresh()
            _replay_python(plan, result, path, per_row, progress, observer)
    result.absent_columns = plan.absent_columns()
    return result


def _tally_bad(result: BacktestResult, bad: list[BadRow], count: int | None = None) -> None:
    result.bad_rows += len(bad) if count is None else count
    result.bad_lines.extend(bad[: SHOWN_BAD_ROWS - len(result.bad_lines)])


def _decide(plan: _Plan, columns: ColumnsBase, result: BacktestResult, observer: Any) -> None:
    leave_out = None if observer is None else observer.index
    others = _decide_columns(plan, columns, result, leave_out)
    if observer is not None:
        observer.see(columns, *others)


def _replay_arrow_csv(
    plan: _Plan,
    result: BacktestResult,
    path: str | os.PathLike[str],
    progress: Progress | None,
    observer: Any,
    parallel: bool,
) -> None:
    started = early.taken(path) if parallel else None  # see app.runtime.backtest.early
    if started is not None:
        stream, size, header = started.stream, started.size, started.header
        batches = batches_of(started.tables)
    else:
        stream, size = _open(path)
    with stream:
        if started is None:
            reader, header = csv_header(_Lines(stream, HEADER_BLOCK_BYTES))
            batches = arrow_csv_batches(stream, header, reader.line_num, parallel)
        plan.bind_header(header)
        with closing(batches):
            for batch, bad, done in batches:
                _tally_bad(result, bad)
                if batch is not None and batch.num_rows:
                    _decide(plan, ArrowColumns(plan, batch), result, observer)
                if progress is not None:
                    progress(min(done, size), size)
    if progress is not None:
        progress(size, size)


def _replay_python(
    plan: _Plan,
    result: BacktestResult,
    path: str | os.PathLike[str],
    per_row: bool,
    progress: Progress | None,
    observer: Any,
) -> None:
    stream, size = _open(path)
    with stream:
        lines = _Lines(stream)
        chunks = _csv_chunks(lines, plan) if plan.csv else _jsonl_chunks(lines, plan)
        for chunk in chunks:
            _tally_bad(result, chunk.bad)
            if chunk.rows and per_row:
                _decide_rows(plan, chunk.rows, result)
            elif chunk.rows:
                _decide(plan, _Columns(plan, chunk.rows), result, observer)
            if progress is not None:
                progress(lines.done, size)


def _replay_arrow_jsonl(
    plan: _Plan,
    result: BacktestResult,
    path: str | os.PathLike[str],
    progress: Progress | None,
    observer: Any,
) -> None:
    """JSON lines piece by piece: Arrow where it reads exactly, else the Python reader."""
    stream, size = _open(path)
    readers = set()
    start = 0  # bytes of the file before the piece

    def report(within: float) -> None:
        # Per batch, not per piece: a file of one piece would otherwise report only at its
        # end, and Cancel (which acts on a report) could not stop it partway.
        if progress is not None:
            progress(min(start + int(within), size), size)

    with stream:
        for piece, first_line in jsonl_pieces(stream):
            table = arrow_table(piece, plan.columns)
            if table is None:
                readers.add("python")
                lines = _Lines(io.BytesIO(piece), first_line=first_line)
                for chunk in _jsonl_chunks(lines, plan):
                    _tally_bad(result, chunk.bad)
                    if chunk.rows:
                        _decide(plan, _Columns(plan, chunk.rows), result, observer)
                    report(lines.done)
            else:
                readers.add("arrow")
                plan.unseen -= set(table.column_names)
                done, rows = 0, max(table.num_rows, 1)
                for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                    if batch.num_rows:
                        _decide(plan, ArrowColumns(plan, batch), result, observer)
                    done += batch.num_rows
                    report(len(piece) * done / rows)
            start += len(piece)
            report(0)
    result.reader = " and ".join(sorted(readers)) or "arrow"


def _replay_parquet(
    plan: _Plan,
    result: BacktestResult,
    path: str | os.PathLike[str],
    per_row: bool,
    progress: Progress | None,
    observer: Any,
) -> None:
    source = parquet_source(path)
    present = [name for name in plan.columns if name in source.schema.names]
    plan.unseen -= set(present)
    total = source.count_rows()
    # The next row groups are decoded while this one is decided.
    with Ahead(parquet_batches(source, present)) as batches:
        for batch, done, bad, count in batches:
            _tally_bad(result, bad, count)
            if batch is not None and batch.num_rows:
                if per_row:
                    _decide_rows(plan, json_rows(batch), result)
                else:
                    _decide(plan, ArrowColumns(plan, batch), result, observer)
            if progress is not None:
                progress(done, total)
