"""The columns a history file offers (a CSV header, JSON lines' keys, a Parquet schema),
read without reading the rows: what the designer lists as outcome columns."""

from __future__ import annotations

import json
import os
from itertools import islice

from app.runtime.backtest.reading import (
    HEADER_BLOCK_BYTES,
    _Lines,
    _open,
    csv_header,
    results_format,
)

JSON_LINES_LOOKED_AT = 200
"""JSON lines have no header: the keys of the first lines stand for the file's."""


def file_columns(path: str | os.PathLike[str]) -> list[str]:
    """The column names of ``path`` in the file's order; :class:`BacktestInputError` (what
    ``backtest`` would say) when the file cannot be used."""
    fmt = results_format(path)
    if fmt == "parquet":
        from app.runtime.backtest.arrow_reading import parquet_source

        return list(parquet_source(path).schema.names)
    stream, _size = _open(path)
    with stream:
        lines = _Lines(stream, HEADER_BLOCK_BYTES)
        if fmt == "csv":
            return csv_header(lines)[1]
        names: dict[str, None] = {}
        for line in islice(lines, JSON_LINES_LOOKED_AT):
            try:
                row = json.loads(line) if line.strip() else None
            except (ValueError, RecursionError):
                continue  # a bad row is the backtest's to report, with its line
            if isinstance(row, dict):
                names.update(dict.fromkeys(row))
        return list(names)
