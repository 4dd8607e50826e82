"""A record batch read by pyarrow (CSV cells as text, Parquet typed values) as numpy columns.

Each reading gives what the per-row path reads from the same row: CSV cells through
``_csv_number`` (plain decimal literals only), Parquet values as JSON values are read
(``_json_numbers``: booleans and text are no numbers, integers beyond float64's exact range
are decided exactly). The per-cell Python readings are used only for the rare columns the
array operations cannot settle.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa

from app.runtime.backtest import kernels
from app.runtime.backtest.columns import (
    Arrays,
    ColumnsBase,
    _check_code,
    _csv_numbers,
    _finish_numbers,
    absent_numbers,
)
from app.runtime.backtest.kernels import text_bytes
from app.runtime.backtest.plan import EXACT_LIMIT, _json_artifacts, _Plan, _split_artifacts

Numbers = tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]


def odd_cells(array: pa.Array) -> np.ndarray:
    """Rows whose cell holds a byte other than digits, ``.``, ``e``, ``E``, ``+`` and ``-``."""
    offsets, data = text_bytes(array)
    if not len(data):
        return np.zeros(0, np.intp)
    shifted = data - np.uint8(45)  # '-', '.', '/', '0'-'9' become 0..12, all else wraps above
    flagged = shifted > 12
    flagged |= shifted == 2  # '/'
    candidates = np.flatnonzero(flagged)
    if not len(candidates):
        return candidates
    found = data[candidates]
    odd = candidates[(found != 43) & (found != 69) & (found != 101)]  # '+', 'E', 'e'
    # In the offsets' own type (another makes searchsorted convert them all); the rows come
    # out sorted, so repeats are neighbours (np.unique would import numpy.ma, 20 ms).
    rows = np.searchsorted(offsets, (odd + int(offsets[0])).astype(offsets.dtype), "right") - 1
    return rows[np.concatenate(([True], rows[1:] != rows[:-1]))] if len(rows) else rows


def csv_numbers(array: pa.Array) -> Numbers:
    """A CSV column (text, empty cells null) as numbers, as ``_csv_number`` reads each cell."""
    missing = kernels.nulls(array)
    odd = odd_cells(array)
    clean = without(array, missing, odd) if len(odd) else array
    try:
        values = kernels.to_numpy(kernels.cast(clean, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # "1e5e5", "--1": plain, no number
        cells = ["" if cell is None else cell for cell in array.to_pylist()]
        return _csv_numbers(cells)
    if not values.flags.writeable:
        values = values.copy()
    values[odd] = np.nan
    return _finish_numbers(values, missing, [])


def without(array: pa.Array, missing: np.ndarray, rows: np.ndarray) -> pa.Array:
    """A string array with the cells at ``rows`` null too: the same buffers under a new
    validity bitmap (``pa.array`` of a numpy mask would import numpy.ma, 20 ms)."""
    valid = ~missing
    valid[rows] = False
    if array.offset:  # the bitmap counts from the buffers' start
        valid = np.concatenate((np.zeros(array.offset, bool), valid))
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    _, offsets, data = array.buffers()
    return pa.Array.from_buffers(array.type, len(array), [bitmap, offsets, data], -1, array.offset)


def typed_numbers(array: pa.Array) -> Numbers:
    """A typed column (Parquet) as JSON values are read: numbers are numbers, null is missing,
    anything else (booleans, text, lists) invalid."""
    kind, n = array.type, len(array)
    missing = kernels.nulls(array)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        values = kernels.to_numpy(kernels.cast(array, pa.float64(), safe=False))
        if not values.flags.writeable:
            values = values.copy()
        inexact: list[int] = []
        if pa.types.is_integer(kind) and kind.bit_width > 52:
            with np.errstate(invalid="ignore"):
                inexact = np.flatnonzero(np.abs(values) > EXACT_LIMIT).tolist()
        return _finish_numbers(values, missing, inexact)
    if pa.types.is_null(kind):
        return absent_numbers(n)
    values = np.full(n, np.nan)
    return values, missing, ~missing, []


def pylist(array: pa.Array) -> list[Any]:
    """Python values as a JSON reader would give them (see ``json_values``)."""
    return json_values(array.type, array.to_pylist())


def json_values(kind: pa.DataType, values: list[Any]) -> list[Any]:
    """Values of a column whose type JSON has no counterpart for (dates, bytes...) become
    objects, which no criterion can use: invalid wherever they are read."""
    if supported(kind):
        return values
    return [None if value is None else {"value": str(value)} for value in values]


def json_rows(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """A batch's rows as JSON-like dicts: what the per-row path decides."""
    names = batch.schema.names
    if not names:  # none of the columns the gate reads
        return [{} for _ in range(batch.num_rows)]
    columns = [json_values(array.type, array.to_pylist()) for array in batch.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def supported(kind: pa.DataType) -> bool:
    """Types whose Python values are JSON values: numbers, booleans, text, lists of text."""
    return (
        pa.types.is_floating(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_null(kind)
        or ((pa.types.is_list(kind) or pa.types.is_large_list(kind)) and supported(kind.value_type))
    )


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))


class ArrowColumns(ColumnsBase):
    """One record batch's columns, parsed once into arrays and shared by the gate's criteria."""

    def __init__(self, plan: _Plan, batch: pa.RecordBatch) -> None:
        self.plan, self.batch, self.n = plan, batch, batch.num_rows
        self.text = plan.csv  # CSV cells are text to be read; Parquet values are typed
        names = set(batch.schema.names)
        self.raw: dict[str, pa.Array] = {
            name: batch.column(name) for name in plan.columns if name in names
        }
        self._numbers: dict[str, Numbers] = {}
        if self.text:  # Arrow's casts and numpy's scans release the GIL: read them side by side
            wanted = [*plan.metrics, *(f"baseline.{m}" for m in plan.baselines)]
            present = [name for name in wanted if name in self.raw]
            if len(present) > 1:
                found = _pool().map(csv_numbers, [self.raw[name] for name in present])
                self._numbers.update(zip(present, found, strict=True))
        self._applies = {}
        self.tier = self._tiers() if plan.wants_tier else None

    def _tiers(self) -> np.ndarray:
        raw = self.raw.get("tier")
        strictest = self.plan.strictest
        if raw is None or not pa.types.is_string(raw.type):
            return np.full(self.n, strictest, np.int16)
        index = kernels.index_in(raw, kernels.strings(self.plan.spec.tiers))
        return kernels.to_numpy(kernels.fill_null(index, strictest)).astype(np.int16)

    def number(self, name: str) -> Numbers:
        if name not in self._numbers:
            raw = self.raw.get(name)
            if raw is None:
                self._numbers[name] = absent_numbers(self.n)
            elif self.text:
                self._numbers[name] = csv_numbers(raw)
            else:
                self._numbers[name] = typed_numbers(raw)
        return self._numbers[name]

    def evidence_at(self, row: int) -> Any:
        values = {
            name: json_values(array.type, [array[row].as_py()])[0]
            for name, array in self.raw.items()
        }
        if self.text:
            values = {name: value for name, value in values.items() if value is not None}
        return self.plan.evidence_of(values)

    def _check(self, criterion: Any) -> Arrays:
        raw = self.raw.get(criterion.check)
        n = self.n
        if raw is None:
            nothing = np.zeros(n, bool)
            return nothing, ~nothing, nothing
        missing = kernels.nulls(raw)
        equals = criterion.equals
        if self.text or pa.types.is_string(raw.type):
            if isinstance(equals, str) and equals:
                passes = kernels.to_numpy(
                    kernels.fill_null(kernels.call("equal", raw, equals), False)
                )
            else:  # text never equals a number or a boolean; a CSV cell is never ""
                empty = equals == "" and not self.text
                passes = (
                    kernels.to_numpy(kernels.fill_null(kernels.call("equal", raw, ""), False))
                    if empty
                    else np.zeros(n, bool)
                )
            return passes, missing, np.zeros(n, bool)
        codes = np.fromiter((_check_code(v, equals) for v in pylist(raw)), np.int8, n)
        return codes == 0, codes == 2, codes == 3

    def _artifact(self, name: str) -> np.ndarray:
        raw = self.raw.get("artifacts")
        n = self.n
        if raw is None:
            return np.zeros(n, bool)
        if pa.types.is_string(raw.type):
            return _artifacts_in_text(raw, name)
        if pa.types.is_list(raw.type) or pa.types.is_large_list(raw.type):
            if not pa.types.is_string(raw.type.value_type):
                return np.zeros(n, bool)
            items = kernels.call("list_flatten", raw)
            parents = kernels.to_numpy(kernels.call("list_parent_indices", raw))
            hits = kernels.fill_null(kernels.call("equal", items, name), False)
            hits = kernels.to_numpy(hits)
            passes = np.zeros(n, bool)
            passes[parents[hits]] = True
            return passes
        found = [name in _json_artifacts(value) for value in pylist(raw)]
        return np.fromiter(found, bool, n)


def _artifacts_in_text(raw: pa.Array, name: str) -> np.ndarray:
    """Cells naming the artifact among their ``;``-separated, stripped items."""
    _offsets, data = text_bytes(raw)
    plain = not len(data) or (int(data.max()) < 128 and not (data <= 32).any())
    if not plain:  # whitespace or non-ASCII text: Python's strip decides
        cells = raw.to_pylist()
        found = [cell is not None and name in _split_artifacts(cell) for cell in cells]
        return np.fromiter(found, bool, len(cells))
    padded = kernels.call("binary_join_element_wise", "", kernels.fill_null(raw, ""), "", ";")
    return kernels.to_numpy(kernels.match_substring(padded, f";{name};"))
