"""A chunk of rows as numpy columns: cells parsed into numbers and pass/missing/invalid masks."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np

from app.runtime.backtest.plan import EXACT_LIMIT, _json_artifacts, _Plan
from app.runtime.values import OPERATORS, Status, number, same, unusable_check_value

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # passes, missing, invalid (boolean)

_SPACE = re.compile(r"\s")
_NOT_PLAIN = re.compile(r"[^0-9.eE+\-\n][^\n]*")  # from a cell's first odd character on
_ODD_BYTES = np.ones(256, bool)
_ODD_BYTES[list(b"0123456789.eE+-\n")] = False


class ColumnsBase:
    """One chunk's columns as boolean arrays per criterion; subclasses read the cells.

    A subclass sets ``plan``, ``n`` and ``tier`` and provides ``number``, ``_check``,
    ``_artifact`` and ``evidence_at`` (the row as ``check`` would see it, for the few rows
    decided exactly)."""

    plan: _Plan
    n: int
    tier: np.ndarray | None
    _applies: dict[tuple[str, ...], np.ndarray]

    def number(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        raise NotImplementedError

    def _check(self, criterion: Any) -> Arrays:
        raise NotImplementedError

    def _artifact(self, name: str) -> np.ndarray:
        raise NotImplementedError

    def evidence_at(self, row: int) -> Any:
        raise NotImplementedError

    def applies(self, criterion: Any) -> np.ndarray | None:
        """Rows whose tier the criterion applies to; None when it applies to every tier."""
        if criterion.tiers is None or self.tier is None:
            return None
        key = tuple(criterion.tiers)
        if key not in self._applies:
            table = np.array([tier in key for tier in self.plan.spec.tiers])
            self._applies[key] = table[self.tier]
        return self._applies[key]

    def operands(self, criterion: Any) -> tuple[np.ndarray, Any, np.ndarray, np.ndarray, list[int]]:
        """A numeric criterion's values and what they are compared with (the threshold, or
        each row's baseline plus delta), its missing and invalid masks, rows to decide exactly."""
        values, missing, invalid, inexact = self.number(criterion.metric)
        if criterion.form == "metric":
            return values, criterion.value, missing, invalid, inexact
        base, base_missing, base_invalid, base_inexact = self.number(f"baseline.{criterion.metric}")
        missing = missing | base_missing
        invalid = (invalid | base_invalid) & ~missing
        inexact = sorted({*inexact, *base_inexact})
        return values, base + criterion.delta, missing, invalid, inexact

    def arrays(self, index: int, criterion: Any) -> Arrays:
        """Where the criterion passes, misses its value or finds it invalid (tiers aside)."""
        if index in self.plan.exact_only:
            return self._exact(criterion, range(self.n))
        form = criterion.form
        if form == "artifact":
            passes = self._artifact(criterion.artifact)
            return passes, ~passes, np.zeros(self.n, bool)
        if form == "check":
            return self._check(criterion)
        values, threshold, missing, invalid, inexact = self.operands(criterion)
        passes = compare(criterion.op, values, threshold, missing, invalid)
        if inexact:
            return self._exact(criterion, inexact, (passes, missing, invalid))
        return passes, missing, invalid

    def _exact(self, criterion: Any, rows: Sequence[int], start: Arrays | None = None) -> Arrays:
        """Decide some rows with ``evaluate_criterion`` itself (integers beyond float64)."""
        from app.runtime.evaluate import evaluate_criterion  # rare: loaded when needed

        if start is None:
            passes, missing, invalid = (np.zeros(self.n, bool) for _ in range(3))
        else:
            passes, missing, invalid = (array.copy() for array in start)
        for row in rows:
            evidence = self.evidence_at(row)
            status = evaluate_criterion(criterion, evidence, self.plan.tier_of(evidence)).status
            passes[row], missing[row], invalid[row] = (
                status == Status.PASS,
                status == Status.MISSING,
                status == Status.INVALID,
            )
        return passes, missing, invalid


def compare(op: str, values: np.ndarray, threshold: Any, missing: np.ndarray, invalid: np.ndarray):  # type: ignore[no-untyped-def]
    """``values op threshold`` over usable values (unusable ones are NaN and never pass)."""
    passes = OPERATORS[op](values, threshold)
    if op == "!=":  # NaN != x is true: unusable values never pass
        passes &= ~(missing | invalid)
    return passes


class _Columns(ColumnsBase):
    """One chunk of rows read by Python (CSV cells as text, JSON lines as dicts)."""

    def __init__(self, plan: _Plan, rows: list[Any]) -> None:
        self.plan, self.rows, self.n = plan, rows, len(rows)
        if plan.csv:
            transposed = list(zip(*rows, strict=True))
            self.raw: dict[str, Sequence[Any]] = {
                name: transposed[j] for name, j in plan.positions.items()
            }
        else:
            self.raw = {name: [row.get(name) for row in rows] for name in plan.columns}
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]] = {}
        self._applies = {}
        self._padded: list[str] | None = None
        self.tier = self._tiers() if plan.wants_tier else None

    def _tiers(self) -> np.ndarray:
        raw = self.raw.get("tier")
        if raw is None:
            return np.full(self.n, self.plan.strictest, np.int16)
        if not self.plan.csv:
            raw = [value if isinstance(value, str) else None for value in raw]
        lookup = map(self.plan.tier_index.get, raw, repeat(self.plan.strictest))
        return np.fromiter(lookup, np.int16, self.n)

    def number(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Values (NaN unless usable), missing and invalid masks, rows to decide exactly."""
        if name not in self._numbers:
            raw = self.raw.get(name)
            if raw is None:
                self._numbers[name] = absent_numbers(self.n)
            else:
                self._numbers[name] = (_csv_numbers if self.plan.csv else _json_numbers)(raw)
        return self._numbers[name]

    def evidence_at(self, row: int) -> Any:
        return self.plan.evidence(self.rows[row])

    def _artifact(self, name: str) -> np.ndarray:
        needle = f";{name};"
        return np.fromiter((needle in cell for cell in self._artifacts()), bool, self.n)

    def _check(self, criterion: Any) -> Arrays:
        raw = self.raw.get(criterion.check)
        if raw is None:
            nothing = np.zeros(self.n, bool)
            return nothing, ~nothing, nothing
        if not self.plan.csv:
            codes = np.fromiter(map(_check_code, raw, repeat(criterion.equals)), np.int8, self.n)
            return codes == 0, codes == 2, codes == 3
        cells = np.array(raw, dtype=object)
        missing = cells == ""
        if isinstance(criterion.equals, str) and criterion.equals:
            passes = cells == criterion.equals
        else:  # a CSV cell is non-empty text: it never equals "" (missing), a number or a bool
            passes = np.zeros(self.n, bool)
        return passes, missing, np.zeros(self.n, bool)

    def _artifacts(self) -> list[str]:
        """Each row's artifacts as ``;a;b;``, so that membership is a substring test."""
        if self._padded is None:
            raw = self.raw.get("artifacts")
            if raw is None:
                self._padded = [""] * self.n
            elif not self.plan.csv:
                self._padded = [
                    ";" + ";".join(a for a in _json_artifacts(v) if ";" not in a) + ";" for v in raw
                ]
            elif _SPACE.search("".join(raw)):
                self._padded = [";" + ";".join(map(str.strip, c.split(";"))) + ";" for c in raw]
            else:
                self._padded = [f";{cell};" for cell in raw]
        return self._padded


def _float_or_nan(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _csv_numbers(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """A CSV column as numbers, exactly as ``_csv_number`` reads each cell: the plain cells
    in one C-level pass of ``float`` (on digits, ``.``, ``e`` and signs alone it reads
    decimal literals only), the few odd ones (see ``_odd_cells``) as missing or invalid."""
    n = len(cells)
    odd = _odd_cells(cells)
    plain = cells
    if odd:
        plain = list(cells)
        for row in odd:
            plain[row] = "0"
    try:
        values = np.fromiter(map(float, plain), np.float64, n)
    except ValueError:  # "1e5e5", "--1": plain characters, still no number
        values = np.fromiter(map(_float_or_nan, plain), np.float64, n)
    missing = np.zeros(n, bool)
    for row in odd:  # empty (missing), or holding a character no decimal number has
        missing[row] = not cells[row]
        values[row] = math.nan
    return _finish_numbers(values, missing, [])


def _odd_cells(cells: Sequence[str]) -> list[int]:
    """Rows whose cell is empty or holds anything but digits, ``.``, ``e``, ``E`` and signs."""
    blob = "\n".join(cells)
    if blob.isascii():
        codes = np.frombuffer(blob.encode("ascii"), np.uint8)
        breaks = np.flatnonzero(codes == 10)
        if len(breaks) == len(cells) - 1:  # no cell holds a line break of its own
            rows = set(np.searchsorted(breaks, np.flatnonzero(_ODD_BYTES[codes])).tolist())
            bounds = np.concatenate(([-1], breaks, [len(codes)]))
            rows.update(np.flatnonzero(np.diff(bounds) == 1).tolist())  # empty cells
            return sorted(rows)
    lengths = np.fromiter(map(len, cells), np.intp, len(cells))
    ends = np.cumsum(lengths + 1)  # just past each cell's separator in the blob
    starts = [match.start() for match in _NOT_PLAIN.finditer(blob)]
    rows = set(np.searchsorted(ends, starts, side="right").tolist())
    return sorted(rows.union(np.flatnonzero(lengths == 0).tolist()))


def _json_numbers(raw: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    n = len(raw)
    kinds = set(map(type, raw))
    if kinds <= {float, int}:  # the usual case: every value a JSON number
        values = np.fromiter(raw, np.float64, n)
        missing = np.zeros(n, bool)
        inexact = [] if int not in kinds else [i for i, v in enumerate(raw) if _is_big(v)]
        return _finish_numbers(values, missing, inexact)
    values, missing, inexact = np.full(n, np.nan), np.zeros(n, bool), []
    for index, value in enumerate(raw):
        if value is None:
            missing[index] = True
        elif (usable := number(value)) is not None:
            values[index] = float(usable)
            if _is_big(value):
                inexact.append(index)
    return _finish_numbers(values, missing, inexact)


def absent_numbers(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """A column the file does not have: every value missing."""
    return np.full(n, np.nan), np.ones(n, bool), np.zeros(n, bool), []


def _is_big(value: Any) -> bool:
    return type(value) is int and abs(value) > EXACT_LIMIT


def _finish_numbers(
    values: np.ndarray, missing: np.ndarray, inexact: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    invalid = ~np.isfinite(values)
    invalid &= ~missing
    if invalid.any():
        values[invalid] = np.nan  # so that no comparison passes an infinity
    return values, missing, invalid, inexact


def _check_code(value: Any, equals: Any) -> int:
    """evaluate_criterion's reading of one check value: 0 pass, 1 fail, 2 missing, 3 invalid."""
    if value is None:
        return 2
    if unusable_check_value(value):
        return 3
    return 0 if same(value, equals) else 1
