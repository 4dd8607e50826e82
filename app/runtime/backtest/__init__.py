"""``backtest``: replay a gate's criteria over a file of historical candidates (CSV or JSON lines).

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

Two paths give the same answer. The default reads each chunk of rows into numpy columns
(NaN plus masks telling missing from invalid) and decides the chunk with array operations;
``per_row=True`` builds an :class:`Evidence` per row and asks ``decide``, the code ``check``
runs, with the gate's approval rules removed. numpy is imported here only: ``check`` and
``monitor`` never import this module.
"""

from __future__ import annotations

from app.runtime.backtest.columns import _Columns
from app.runtime.backtest.decide import _decide_columns
from app.runtime.backtest.plan import _Plan
from app.runtime.backtest.reading import BLOCK_BYTES, CHUNK_ROWS, _csv_chunks, _Lines
from app.runtime.backtest.replay import SHOWN_BAD_ROWS, backtest
from app.runtime.backtest.result import BacktestInputError, BacktestResult

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
    "backtest",
]
