"""Arrow's compute functions called by name, and Arrow arrays to numpy and back, without
``pyarrow.compute`` and without pandas.

``pyarrow.compute`` builds a Python wrapper for each of Arrow's several hundred functions
when it is imported: 30 to 60 ms of every backtest's start, for the handful the backtest
calls (and ``Array.is_null``, ``cast`` and ``fill_null`` import it too). These call the same
kernels through ``pyarrow._compute``, which ``pyarrow.compute`` itself wraps (pyarrow is
pinned to one major version in pyproject.toml).

pyarrow imports pandas, when it is installed, the first time ``Array.to_numpy``,
``pa.array`` or ``pa.scalar`` is called (to recognise pandas' objects among the values):
0.15 to 0.2 s of a backtest process that has no use for it. Arrays are read here from their
buffers instead, and the few scalars and small arrays the backtest passes to Arrow are built
from buffers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from pyarrow import _compute


def call(name: str, *args: Any, options: Any = None) -> Any:
    """Arrow function ``name`` on arrays and values (Python values become scalars)."""
    arrow = (pa.Array, pa.ChunkedArray, pa.Scalar)
    values = [arg if isinstance(arg, arrow) else scalar(arg) for arg in args]
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


def text_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's offsets and the bytes they index, as numpy views (no copy)."""
    offsets = np.frombuffer(array.buffers()[1], np.int32, len(array) + 1, array.offset * 4)
    data_buffer = array.buffers()[2]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return offsets, np.zeros(0, np.uint8)
    data = np.frombuffer(data_buffer, np.uint8, int(offsets[-1] - offsets[0]), int(offsets[0]))
    return offsets, data


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean, integer or floating-point array's values (what ``Array.to_numpy`` gives):
    null floats are NaN; booleans and integers must have no nulls. A view of the array's
    buffer where numpy can hold it as is (read-only), else a new array."""
    if isinstance(array, pa.ChunkedArray):
        parts = [to_numpy(chunk) for chunk in array.chunks]
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros(0, _dtype(array.type))
    kind, n = array.type, len(array)
    if array.null_count and not pa.types.is_floating(kind):
        raise ValueError(f"{kind} values with nulls have no numpy counterpart here")
    if pa.types.is_boolean(kind):
        if not n:
            return np.zeros(0, bool)
        bits = np.frombuffer(array.buffers()[1], np.uint8)
        unpacked = np.unpackbits(bits, count=array.offset + n, bitorder="little")
        return unpacked[array.offset :].view(bool)
    dtype = _dtype(kind)
    buffer = array.buffers()[1]
    if buffer is None or not n:
        return np.zeros(n, dtype)
    values = np.frombuffer(buffer, dtype, n, array.offset * dtype.itemsize)
    if array.null_count:
        values = values.copy()
        values[nulls(array)] = np.nan
    return values


def _dtype(kind: pa.DataType) -> np.dtype:
    if pa.types.is_boolean(kind):
        return np.dtype(bool)
    if pa.types.is_floating(kind) and kind.bit_width in (32, 64):
        return np.dtype(f"f{kind.bit_width // 8}")
    if pa.types.is_integer(kind):
        return np.dtype(f"{'i' if pa.types.is_signed_integer(kind) else 'u'}{kind.bit_width // 8}")
    raise TypeError(f"{kind} values have no numpy counterpart here")


def strings(values: Sequence[str]) -> pa.Array:
    """A string array of ``values`` (none null)."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])


def scalar(value: Any) -> pa.Scalar:
    """A Python string, boolean, integer or float as an Arrow scalar."""
    if isinstance(value, str):
        return strings([value])[0]
    if isinstance(value, bool):
        return pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(bytes([value]))])[0]
    if isinstance(value, int):
        kind, dtype = pa.int64(), np.int64
    elif isinstance(value, float):
        kind, dtype = pa.float64(), np.float64
    else:
        raise TypeError(f"no Arrow scalar for {type(value).__name__} here")
    buffer = pa.py_buffer(np.array([value], dtype).tobytes())
    return pa.Array.from_buffers(kind, 1, [None, buffer])[0]
