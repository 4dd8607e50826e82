"""``--sweep``: one numeric criterion's threshold tried over a range, on one reading of the file.

For each threshold the sweep counts what a backtest of the gate with that threshold would
count (the rows the criterion passes; the gate's promote, reject and hold on criteria
alone), per tier too; with an outcome column (1: the release caused an incident, 0: it did
not) it counts incidents caught and missed and good releases blocked. One pass over the
file keeps, per row, the criterion's operands and what the gate's other criteria decided;
each threshold is then a comparison over those arrays. Quantiles of every metric the gate
reads come from the same pass (the sweep keeps the usable values of those columns: 8 bytes
per row and metric).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa

from app.runtime import UnknownElementError, as_spec
from app.runtime.backtest import kernels
from app.runtime.backtest.arrow_columns import ArrowColumns
from app.runtime.backtest.columns import ColumnsBase, compare
from app.runtime.backtest.replay import Progress, backtest
from app.runtime.backtest.result import BacktestResult
from app.spec.schema import GateSpec, SpecGate

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
DEFAULT_STEPS = 20
MAX_THRESHOLDS = 10_000
DEFAULT_MAX_MISS = 0.05
# Per row: what the other blocking criteria decided, and the outcome column's reading.
CLEAR, HELD, REJECTED = 0, 1, 2
GOOD, INCIDENT, UNKNOWN = 0, 1, 2


class SweepError(ValueError):
    """The sweep cannot be run as asked (a criterion without a threshold, a bad range)."""


def parse_range(text: str) -> list[float]:
    """``LO:HI:STEP`` as thresholds from LO to HI inclusive, computed in decimal (0.1 steps
    give 0.3, not 0.30000000000000004)."""
    parts = text.split(":")
    try:
        if len(parts) != 3:
            raise InvalidOperation
        low, high, step = (Decimal(part.strip()) for part in parts)
        if not all(value.is_finite() for value in (low, high, step)):
            raise InvalidOperation
    except InvalidOperation:
        raise SweepError(f"--range {text!r} is not LO:HI:STEP with three numbers") from None
    if step <= 0 or high < low:
        raise SweepError(f"--range {text!r}: STEP must be above 0 and HI at least LO")
    if not all(math.isfinite(float(value)) for value in (low, high)):
        raise SweepError(f"--range {text!r}: LO and HI must be numbers a double can hold")
    count = int((high - low) / step) + 1
    if count > MAX_THRESHOLDS:
        raise SweepError(f"--range {text!r} gives {count:,} thresholds; at most {MAX_THRESHOLDS:,}")
    return [float(low + index * step) for index in range(count)]


def outcome_codes(columns: ColumnsBase, name: str) -> np.ndarray:
    """GOOD, INCIDENT or UNKNOWN per row: ``0``/``1`` cells in CSV; 0, 1, false or true in
    JSON lines and Parquet; anything else (empty, text, 2, 0.5) is unknown."""
    n = columns.n
    codes = np.full(n, UNKNOWN, np.int8)
    raw: Any = columns.raw.get(name)  # type: ignore[attr-defined]
    if raw is None:
        return codes
    if isinstance(columns, ArrowColumns) and columns.text:
        for cell, code in (("0", GOOD), ("1", INCIDENT)):
            equal = kernels.fill_null(kernels.call("equal", raw, cell), False)
            codes[kernels.to_numpy(equal)] = code
        return codes
    values = raw.to_pylist() if isinstance(raw, pa.Array) else raw
    text = columns.plan.csv
    for row, value in enumerate(values):
        if text:
            codes[row] = GOOD if value == "0" else INCIDENT if value == "1" else UNKNOWN
        elif value is True or (type(value) is int and value == 1):
            codes[row] = INCIDENT
        elif value is False or (type(value) is int and value == 0):
            codes[row] = GOOD
    return codes


@dataclass
class SweepRequest:
    criterion: str
    thresholds: list[float] | None = None
    """None: the default range, from the values' 1st to 99th percentile."""
    outcome: str | None = None
    max_miss: float = DEFAULT_MAX_MISS


@dataclass
class _Parts:
    """What one pass keeps, batch by batch."""

    values: list[np.ndarray] = field(default_factory=list)
    bases: list[np.ndarray] = field(default_factory=list)
    groups: list[np.ndarray] = field(default_factory=list)  # usable, applicable rows
    fixed: list[np.ndarray] = field(default_factory=list)  # group counts of the others
    metrics: dict[str, list[np.ndarray]] = field(default_factory=dict)


class SweepCollector:
    """The backtest's observer: keeps what each threshold needs, batch by batch."""

    def __init__(self, gate: SpecGate, tiers: list[str], request: SweepRequest) -> None:
        found = [i for i, c in enumerate(gate.criteria) if c.id == request.criterion]
        if not found:
            known = ", ".join(c.id for c in gate.criteria if c.form in ("metric", "baseline"))
            raise SweepError(
                f"gate {gate.id!r} has no criterion {request.criterion!r}; "
                f"its criteria with a threshold are: {known or 'none'}"
            )
        self.index = found[0]
        self.criterion = gate.criteria[self.index]
        if self.criterion.form not in ("metric", "baseline"):
            raise SweepError(
                f"criterion {request.criterion!r} is a {self.criterion.form} criterion; "
                "only metric and baseline criteria have a threshold to sweep"
            )
        self.request, self.tiers = request, tiers
        self.columns: tuple[str, ...] = (request.outcome,) if request.outcome else ()
        self.size = 3 * len(tiers) * 3  # others' decision x tier x outcome
        self.reset()

    def reset(self) -> None:
        """Forget what was seen (the file is being read again from its start)."""
        self.parts = _Parts()

    def _group(self, others: np.ndarray, tier: np.ndarray, outcome: np.ndarray) -> np.ndarray:
        return (others * len(self.tiers) + tier) * 3 + outcome

    def see(self, columns: ColumnsBase, rejected: np.ndarray, held: np.ndarray) -> None:
        """One batch: the criterion's operands on usable rows, the rest as fixed counts."""
        criterion, n, parts = self.criterion, columns.n, self.parts
        others = np.where(rejected, REJECTED, np.where(held, HELD, CLEAR)).astype(np.int64)
        tier = (
            columns.tier.astype(np.int64)
            if columns.tier is not None
            else np.full(n, columns.plan.strictest, np.int64)
        )
        outcome = (
            outcome_codes(columns, self.request.outcome)
            if self.request.outcome
            else np.full(n, UNKNOWN, np.int8)
        ).astype(np.int64)
        group = self._group(others, tier, outcome)
        values, _compared, missing, invalid, _inexact = columns.operands(criterion)
        applies = columns.applies(criterion)
        applicable = np.ones(n, bool) if applies is None else applies
        usable = applicable & ~missing & ~invalid
        parts.values.append(values[usable])
        if criterion.form == "baseline":
            parts.bases.append(columns.number(f"baseline.{criterion.metric}")[0][usable])
        parts.groups.append(group[usable])
        # Rows whose own status no threshold changes: not applicable (the criterion says
        # nothing), or missing/invalid (its policy holds or rejects them).
        unusable_hold = np.zeros(n, bool)
        if criterion.on_missing == "hold":
            unusable_hold |= missing
        if criterion.on_invalid == "hold":
            unusable_hold |= invalid
        unusable = applicable & ~usable
        own = np.full(n, CLEAR, np.int64)
        if criterion.severity == "blocking":
            own[unusable & unusable_hold] = HELD
            own[unusable & ~unusable_hold] = REJECTED
        fixed = ~usable
        combined = np.maximum(others, own)  # reject beats hold beats nothing
        parts.fixed.append(
            np.bincount(
                self._group(combined[fixed], tier[fixed], outcome[fixed]),
                minlength=self.size,
            )
        )
        for name in columns.plan.metrics:
            numbers, gone, bad, _ = columns.number(name)
            parts.metrics.setdefault(name, []).append(numbers[~gone & ~bad])

    def finish(self) -> dict[str, Any]:
        """The sweep's table and quantiles, as the JSON document's ``sweep`` part."""
        parts, criterion = self.parts, self.criterion
        values = _joined(parts.values)
        bases = _joined(parts.bases) if criterion.form == "baseline" else None
        groups = _joined(parts.groups, np.int64)
        fixed = np.sum(parts.fixed, axis=0) if parts.fixed else np.zeros(self.size, np.int64)
        today = criterion.value if criterion.form == "metric" else criterion.delta
        thresholds = self.request.thresholds
        if thresholds is None:
            thresholds = _default_thresholds(values if bases is None else values - bases, today)
        counter = _Counter(criterion.op, values, bases, groups, self.size)
        rows = [self._row(t, counter, fixed) for t in thresholds]
        document: dict[str, Any] = {
            "criterion": criterion.id,
            "metric": criterion.metric,
            "form": criterion.form,
            "op": criterion.op,
            "severity": criterion.severity,
            "today": today,
            "tiers": list(self.tiers),
            "thresholds": rows,
            "quantiles": {
                name: _quantiles(_joined(chunks)) for name, chunks in parts.metrics.items()
            },
        }
        if self.request.outcome:
            document["outcome"] = self._outcome_summary(rows)
        return document

    def _row(self, threshold: float, counter: _Counter, fixed: np.ndarray) -> dict[str, Any]:
        criterion = self.criterion
        passing, failing = counter.counts(threshold)
        # Usable rows: passing ones keep the others' decision; failing ones are rejected by
        # a blocking criterion (an advisory one blocks nothing).
        shape = (3, len(self.tiers), 3)  # [decision, tier, outcome]
        passing, failing = passing.reshape(shape), failing.reshape(shape)
        table = fixed.reshape(shape) + passing
        if criterion.severity == "blocking":
            table[REJECTED] += failing.sum(axis=0)
        else:
            table += failing
        promote, hold, reject = table[CLEAR], table[HELD], table[REJECTED]
        by_tier = {
            tier: {
                "pass": int(passing[:, index, :].sum()),
                "promote": int(promote[index].sum()),
                "reject": int(reject[index].sum()),
                "hold": int(hold[index].sum()),
            }
            for index, tier in enumerate(self.tiers)
            if table[:, index, :].sum()
        }
        row: dict[str, Any] = {
            "threshold": threshold,
            "pass": int(passing.sum()),
            "promote": int(promote.sum()),
            "reject": int(reject.sum()),
            "hold": int(hold.sum()),
            "tiers": by_tier,
        }
        if self.request.outcome:
            incidents = int(table[:, :, INCIDENT].sum())
            missed = int(promote[:, INCIDENT].sum())
            caught = incidents - missed
            good_blocked = int(table[:, :, GOOD].sum() - promote[:, GOOD].sum())
            row.update(
                caught=caught,
                missed=missed,
                good_blocked=good_blocked,
                precision=caught / (caught + good_blocked) if caught + good_blocked else None,
                recall=caught / incidents if incidents else None,
            )
        return row

    def _outcome_summary(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        limit = self.request.max_miss
        first = rows[0] if rows else {}
        incidents = first.get("caught", 0) + first.get("missed", 0)
        keeping = [
            row["threshold"] for row in rows if incidents and row["missed"] / incidents <= limit
        ]
        fewest = min(
            (row for row in rows if row["threshold"] in keeping),
            key=lambda row: row["good_blocked"],
            default=None,
        )
        return {
            "column": self.request.outcome,
            "incidents": incidents,
            "max_miss": limit,
            "keeping_misses_under": keeping,
            "best": None if fewest is None else fewest["threshold"],
        }


class _Counter:
    """Per group, the usable rows a threshold passes and fails. A metric criterion's values
    are sorted once per group, so that each threshold is a binary search per group (the
    same comparison as ``op``: searchsorted compares as the operators do); a baseline
    criterion compares each row's value with its baseline plus the threshold."""

    def __init__(
        self, op: str, values: np.ndarray, bases: np.ndarray | None, groups: np.ndarray, size: int
    ) -> None:
        self.op, self.values, self.bases, self.groups, self.size = op, values, bases, groups, size
        self.totals = np.bincount(groups, minlength=size)
        self.segments: list[tuple[int, np.ndarray]] = []
        if bases is None:
            order = np.lexsort((values, groups))
            ordered, cuts = values[order], np.cumsum(self.totals)
            starts = cuts - self.totals
            self.segments = [
                (g, ordered[starts[g] : cuts[g]]) for g in range(size) if self.totals[g]
            ]

    def counts(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        if self.bases is not None:
            with np.errstate(all="ignore"):
                passes = compare(
                    self.op, self.values, self.bases + threshold, *_no_masks(len(self.values))
                )
            passing = np.bincount(self.groups[passes], minlength=self.size)
            return passing, self.totals - passing
        passing = np.zeros(self.size, np.int64)
        op = self.op
        for group, ordered in self.segments:
            below = int(np.searchsorted(ordered, threshold, "left"))  # values < threshold
            upto = int(np.searchsorted(ordered, threshold, "right"))  # values <= threshold
            passing[group] = {
                ">=": len(ordered) - below,
                ">": len(ordered) - upto,
                "<=": upto,
                "<": below,
                "==": upto - below,
                "!=": len(ordered) - (upto - below),
            }[op]
        return passing, self.totals - passing


def _no_masks(n: int) -> tuple[np.ndarray, np.ndarray]:
    nothing = np.zeros(n, bool)
    return nothing, nothing


def _joined(chunks: list[np.ndarray], kind: Any = np.float64) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.zeros(0, kind)


def _quantiles(values: np.ndarray) -> dict[str, Any]:
    if not len(values):
        return {"count": 0}
    found = np.quantile(values, QUANTILES)
    return {"count": len(values)} | {
        f"p{round(q * 100)}": float(v) for q, v in zip(QUANTILES, found, strict=True)
    }


def _default_thresholds(values: np.ndarray, today: float) -> list[float]:
    """From the 1st to the 99th percentile in DEFAULT_STEPS steps (4 significant digits),
    and today's threshold."""
    if not len(values):
        return [float(today)]
    low, high = (float(v) for v in np.quantile(values, (0.01, 0.99)))
    if high == low:
        return sorted({float(today), low})
    step = (high - low) / DEFAULT_STEPS
    chosen = {_round(low + i * step) for i in range(DEFAULT_STEPS + 1)}
    return sorted(chosen | {float(today)})


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 3 - math.floor(math.log10(abs(value))))


def sweep(
    spec: GateSpec | dict[str, Any],
    gate: str,
    path: str | os.PathLike[str],
    request: SweepRequest,
    progress: Progress | None = None,
) -> BacktestResult:
    """A backtest of ``gate`` over ``path`` that also sweeps ``request.criterion``'s
    threshold (``result.sweep``). Raises :class:`SweepError` for a sweep that cannot be run,
    and what ``backtest`` raises."""
    model = as_spec(spec)
    target = model.gate(gate)
    if target is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate!r}; its gates are: {known}")
    collector = SweepCollector(target, list(model.tiers), request)
    result = backtest(model, gate, path, progress=progress, observer=collector)
    result.sweep = collector.finish()
    return result
