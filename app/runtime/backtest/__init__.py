"""``backtest``: replay a gate's criteria over historical candidates (CSV, JSON lines, Parquet).

One row per candidate: metric columns named by metric id, check columns by check id,
``baseline.<metric>`` columns, ``artifacts`` (a JSON list, or ``;``-separated text in CSV)
and ``tier``. The answer counts, per criterion, the rows that pass, fail, miss the value,
hold an invalid one or are skipped by tier; how many rows the criteria alone would promote,
reject or hold (approvals are not part of a backtest); and which blocking criteria block
most. A row that cannot be read at all (a wrong number of CSV fields, invalid JSON, a JSON
line that is not an object, bytes that are not UTF-8) is a *bad row*: counted, its line
reported, never fatal.

How a row becomes evidence (both paths share it):

- CSV: an empty cell is missing. A metric or baseline cell is the number Python's
  ``float`` reads; anything else (text, ``nan``, ``inf``) is invalid, as in ``check``. A check
  cell is text compared with ``equals`` exactly (a number or boolean ``equals`` never
  matches text). ``artifacts`` items are split on ``;`` and stripped.
- JSON lines: values keep their JSON types; an absent key or ``null`` is missing.
  ``artifacts`` is a list of strings (a string is split as in CSV). Integers of 300 digits
  or more become infinity (invalid), as evidence files are read.
- ``tier``: empty, absent, not text or unknown means the strictest tier.

- Parquet (a file, or a folder of them with hive partitions such as ``tier=high/``): values
  keep their types, as in JSON lines; types JSON has no counterpart for (bytes, dates...)
  are invalid. A row group that cannot be decoded is a run of bad rows, by row number.

Two paths give the same answer. The default reads record batches with pyarrow (CSV cells as
text, streamed; Parquet row groups) into numpy columns (NaN plus masks telling missing from
invalid) and decides each batch with array operations. A CSV file whose bad rows Arrow
cannot number exactly (bytes that are not UTF-8, line breaks in cells, a quote left open)
is read again by the Python reader, which does. JSON lines go to Arrow in pieces; a piece
Arrow cannot read exactly as the Python reader does (a bad line, a key twice, a column
mixing types...) is read by the Python reader, which names the line of every bad row (see
``arrow_json``). ``per_row=True`` reads with
the Python reader (Parquet: pyarrow), builds an :class:`Evidence` per row and asks
``decide``, the code ``check`` runs, with the gate's approval rules removed. numpy and
pyarrow are imported here only: ``check`` and ``monitor`` never import this module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.runtime.backtest import arrow_json, arrow_reading
    from app.runtime.backtest.columns import _Columns
    from app.runtime.backtest.decide import _decide_columns
    from app.runtime.backtest.plan import _Plan
    from app.runtime.backtest.reading import BLOCK_BYTES, CHUNK_ROWS, _csv_chunks, _Lines
    from app.runtime.backtest.replay import SHOWN_BAD_ROWS, backtest
    from app.runtime.backtest.result import BacktestInputError, BacktestResult

# Loaded on first use, not with the package: `gatewright backtest` starts reading the
# history file (app.runtime.backtest.early) before the spec models it decides with load.
_LAZY = {
    "BLOCK_BYTES": "reading",
    "CHUNK_ROWS": "reading",
    "SHOWN_BAD_ROWS": "replay",
    "BacktestInputError": "result",
    "BacktestResult": "result",
    "_Columns": "columns",
    "_Lines": "reading",
    "_Plan": "plan",
    "_csv_chunks": "reading",
    "_decide_columns": "decide",
    "backtest": "replay",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    if name in ("arrow_json", "arrow_reading"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BLOCK_BYTES",
    "CHUNK_ROWS",
    "SHOWN_BAD_ROWS",
    "BacktestInputError",
    "BacktestResult",
    "_Columns",  # _Columns, _Lines, _Plan, _csv_chunks, _decide_columns: for benchmarks
    "_Lines",
    "_Plan",
    "_csv_chunks",
    "_decide_columns",
    "arrow_json",
    "arrow_reading",
    "backtest",
]
