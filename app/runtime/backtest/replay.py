"""``backtest()`` itself: open the results file, read it chunk by chunk, decide each chunk."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from app.runtime import UnknownElementError, as_spec
from app.runtime.backtest.columns import _Columns
from app.runtime.backtest.decide import _decide_columns, _decide_rows
from app.runtime.backtest.plan import _Plan
from app.runtime.backtest.reading import _csv_chunks, _jsonl_chunks, _Lines, _open
from app.runtime.backtest.result import BacktestInputError, BacktestResult
from app.runtime.process import collection_paused
from app.spec.schema import GateSpec

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SHOWN_BAD_ROWS = 20

Progress = Callable[[int, int], None]
"""Called after each chunk with (bytes read, file size); it may raise to cancel."""


def backtest(
    spec: GateSpec | dict[str, Any],
    gate: str,
    path: str | os.PathLike[str],
    *,
    per_row: bool = False,
    progress: Progress | None = None,
) -> BacktestResult:
    """Replay ``gate``'s criteria over the candidates in ``path`` (``.csv`` or ``.jsonl``).

    Raises ``UnknownElementError`` for an unknown gate and :class:`BacktestInputError` when
    the file cannot be used at all (missing, unreadable, unknown extension, no CSV header).
    """
    model = as_spec(spec)
    target = model.gate(gate)
    if target is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate!r}; its gates are: {known}")
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in FORMATS:
        raise BacktestInputError(
            f"has the extension {extension or '(none)'!r}; backtest reads .csv or .jsonl files"
        )
    plan = _Plan(model, target, FORMATS[extension])
    result = plan.empty_result(os.fspath(path), "per-row" if per_row else "vectorised")
    stream, size = _open(path)
    with collection_paused(), stream:  # chunks are many small acyclic objects
        lines = _Lines(stream)
        chunks = _csv_chunks(lines, plan) if plan.csv else _jsonl_chunks(lines, plan)
        for chunk in chunks:
            result.bad_rows += len(chunk.bad)
            result.bad_lines.extend(chunk.bad[: SHOWN_BAD_ROWS - len(result.bad_lines)])
            if chunk.rows and per_row:
                _decide_rows(plan, chunk.rows, result)
            elif chunk.rows:
                _decide_columns(plan, _Columns(plan, chunk.rows), result)
            if progress is not None:
                progress(lines.done, size)
    result.absent_columns = plan.absent_columns()
    return result
