"""Arrow's compute functions called by name, without importing ``pyarrow.compute``.

``pyarrow.compute`` builds a Python wrapper for each of Arrow's several hundred functions
when it is imported: 30 to 60 ms of every backtest's start, for the handful the backtest
calls (and ``Array.is_null``, ``cast`` and ``fill_null`` import it too). These call the same
kernels through ``pyarrow._compute``, which ``pyarrow.compute`` itself wraps (pyarrow is
pinned to one major version in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from pyarrow import _compute


def call(name: str, *args: Any, options: Any = None) -> Any:
    """Arrow function ``name`` on arrays and values (Python values become scalars)."""
    arrow = (pa.Array, pa.ChunkedArray, pa.Scalar)
    values = [arg if isinstance(arg, arrow) else pa.scalar(arg) for arg in args]
    return _compute.call_function(name, values, options)


def cast(array: Any, kind: pa.DataType, safe: bool = True) -> Any:
    options = _compute.CastOptions.safe(kind) if safe else _compute.CastOptions.unsafe(kind)
    return _compute.call_function("cast", [array], options)


def fill_null(array: Any, value: Any) -> Any:
    return call("coalesce", array, value)


def index_in(array: Any, value_set: pa.Array) -> Any:
    return call("index_in", array, options=_compute.SetLookupOptions(value_set))


def match_substring(array: Any, pattern: str) -> Any:
    return call("match_substring", array, options=_compute.MatchSubstringOptions(pattern))


def nulls(array: pa.Array) -> np.ndarray:
    """Which values are null, read from the validity bitmap."""
    n = len(array)
    if not array.null_count:
        return np.zeros(n, bool)
    if pa.types.is_null(array.type):  # no bitmap: every value is null
        return np.ones(n, bool)
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little")
    return bits[array.offset : array.offset + n] == 0
