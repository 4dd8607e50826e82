"""Reading JSON lines with pyarrow, piece by piece, with the Python reader for the pieces
Arrow cannot read exactly as it reads them.

The file goes to Arrow in pieces of about PIECE_BYTES cut after a line end (a JSON string
never holds a raw line break). Arrow reads a piece only when the answer is sure to be the
Python reader's: every line that is not empty starts with ``{`` and ends with ``}``, so
that no object can span two lines; Arrow finds as many objects as there are such lines, so
that no line holds two; it refuses the piece whole for anything the Python reader finds bad
(invalid JSON, a key twice in one object, at any depth); the piece is UTF-8; and the
columns the gate reads hold only what JSON values read the same way (no text Arrow took
for a timestamp, no number beyond float64's exact integers that may have been an integer,
no nesting deep enough to stop Python's decoder). Any other piece (a bad line, a column
mixing numbers and text, a line end that is ``\\r`` alone...) is read by the Python reader,
which numbers its bad lines exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from app.runtime.backtest import kernels
from app.runtime.backtest.arrow_reading import _line_ends, _segments
from app.runtime.backtest.plan import EXACT_LIMIT

PIECE_BYTES = 32 << 20
BATCH_ROWS = 65_536
DEEPEST = 64  # nesting Arrow may read; Python's decoder stops near its recursion limit


def jsonl_pieces(stream: BinaryIO) -> Iterator[tuple[memoryview, int]]:
    """The file in pieces cut after a line end, each with its first line's number."""
    first = 1
    for piece in _segments(stream, PIECE_BYTES, quoted=False):
        yield piece, first
        first += _line_ends(piece)


def arrow_table(piece: memoryview, columns: list[str], parallel: bool = True) -> pa.Table | None:
    """The piece's rows, the gate's ``columns`` only, or None when the Python reader must
    read the piece (see the module's docstring)."""
    lines = _object_lines(piece)
    if lines is None:
        return None
    if not lines:  # empty lines only (Arrow would find nothing either)
        return pa.table({})
    if int(np.frombuffer(piece, np.uint8).max()) >= 128:
        try:  # Arrow takes bytes that are not UTF-8 inside a string as they are
            str(piece, "utf-8")
        except UnicodeDecodeError:
            return None
    try:
        table = pa_json.read_json(
            pa.BufferReader(pa.py_buffer(piece)),
            read_options=pa_json.ReadOptions(use_threads=parallel),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != lines or any(map(_too_deep, table.schema.types)):
        return None
    table = table.select([name for name in columns if name in table.column_names])
    for name, kind in zip(table.column_names, table.schema.types, strict=True):
        if not _plain(kind):
            return None
        if pa.types.is_floating(kind) and _beyond_exact(table.column(name)):
            return None
    return table


def _object_lines(piece: memoryview) -> int | None:
    """How many lines hold something, when each starts with ``{`` and ends with ``}`` and
    the others are empty (lines end with ``\\n`` or ``\\r\\n``); else None."""
    size = len(piece)
    if not size:
        return 0
    data = np.frombuffer(piece, np.uint8)
    ends = np.flatnonzero(data == 10)
    starts = np.concatenate(([0], ends + 1))
    if starts[-1] == size:  # the piece ends with a line end: no line after it
        starts = starts[:-1]
    stops = ends if len(ends) == len(starts) else np.append(ends, size)
    lengths = stops - starts
    if piece.obj.find(b"\r", 0, size) >= 0:  # type: ignore[attr-defined]
        crlf = lengths > 0
        crlf[crlf] = data[stops[crlf] - 1] == 13
        if np.count_nonzero(data == 13) != np.count_nonzero(crlf):
            return None  # a \r that ends no line: Python's reader ends a line there
        stops, lengths = stops - crlf, lengths - crlf
    full = lengths > 0
    starts, stops = starts[full], stops[full]
    if not ((data[starts] == 123).all() and (data[stops - 1] == 125).all()):
        return None
    return len(starts)


def _too_deep(kind: pa.DataType) -> bool:
    """Whether values of the type nest deeper than DEEPEST (looked at without recursion:
    the type of a value nested thousands deep is as deep)."""
    level = [kind]
    for _ in range(DEEPEST + 1):
        inner = []
        for item in level:
            if pa.types.is_list(item) or pa.types.is_large_list(item):
                inner.append(item.value_type)
            elif pa.types.is_struct(item):
                inner.extend(item.field(i).type for i in range(item.num_fields))
        if not inner:
            return False
        level = inner
    return True


def _plain(kind: pa.DataType) -> bool:
    """Types whose values are the JSON values Python reads (Arrow takes text that looks like
    a date for a timestamp; objects are read as structs, which no criterion can use)."""
    if pa.types.is_list(kind):
        return _plain(kind.value_type)
    return (
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_int64(kind)
        or pa.types.is_float64(kind)
        or pa.types.is_string(kind)
        or pa.types.is_struct(kind)
    )


def _beyond_exact(column: pa.ChunkedArray) -> bool:
    """Whether a float column holds a finite value beyond float64's exact integers: it may
    have been an integer, which Python keeps exact (JSON's infinities are Python's too)."""
    for chunk in column.chunks:
        values = np.abs(kernels.to_numpy(chunk))
        with np.errstate(invalid="ignore"):
            if ((values > EXACT_LIMIT) & (values != np.inf)).any():
                return True
    return False
