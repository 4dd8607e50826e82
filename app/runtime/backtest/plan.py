"""What a gate needs from each row, and how a row becomes evidence (shared by both paths)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.runtime.backtest.result import BacktestResult, CriterionTally
from app.spec.criteria import Approval
from app.spec.schema import GateSpec, SpecGate
from app.spec.types import text_problem

if TYPE_CHECKING:
    from app.runtime.evaluate import CompiledGate
    from app.spec.evidence import Evidence

EXACT_LIMIT = 2**52
"""Larger integers (and sums of them) are not exact as float64: the rows or criteria that
hold one are decided by ``evaluate_criterion`` itself, so that both paths agree exactly."""


DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)
"""A number as a CSV cell may write it: an ASCII decimal literal, nothing else (``float``
would also read ``1_0`` as 10, ``١٢`` as 12, `` 1.5 `` and ``nan``)."""


def _csv_number(cell: str) -> float | str:
    """A non-empty CSV cell as a metric value: the decimal number it writes, else the text,
    which ``evaluate_criterion`` finds invalid (as it finds NaN and infinity)."""
    return float(cell) if DECIMAL.fullmatch(cell) else cell


def _split_artifacts(text: str) -> list[str]:
    return [name for item in text.split(";") if (name := item.strip())]


def _json_artifacts(value: Any) -> list[str]:
    if isinstance(value, str):
        return _split_artifacts(value)
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _needs_exact(criterion: Any) -> bool:
    if criterion.form not in ("metric", "baseline"):
        return False
    constant = criterion.value if criterion.form == "metric" else criterion.delta
    return type(constant) is int and abs(constant) > EXACT_LIMIT


class _Plan:
    """What a gate needs from each row, and how a row becomes the evidence ``check`` sees."""

    def __init__(self, spec: GateSpec, gate: SpecGate, fmt: str, extra: Sequence[str] = ()) -> None:
        self.spec = spec
        self.format = fmt
        self.csv = fmt == "csv"
        self.criteria = list(gate.criteria)
        self.criteria_only = gate.model_copy(update={"approval": Approval()})
        self.tier_index = {tier: index for index, tier in enumerate(spec.tiers)}
        self.strictest = self.tier_index[spec.strictest_tier()]
        numeric = [c for c in self.criteria if c.form in ("metric", "baseline")]
        self.metrics = list(dict.fromkeys(c.metric for c in numeric))
        self.baselines = list(dict.fromkeys(c.metric for c in numeric if c.form == "baseline"))
        self.checks = list(dict.fromkeys(c.check for c in self.criteria if c.form == "check"))
        self.exact_only = {i for i, c in enumerate(self.criteria) if _needs_exact(c)}
        names = [*self.metrics, *(f"baseline.{m}" for m in self.baselines), *self.checks]
        if any(c.form == "artifact" for c in self.criteria):
            names.append("artifacts")
        self.wants_tier = any(c.tiers is not None for c in self.criteria)
        if self.wants_tier:
            names.append("tier")
        self.columns = list(dict.fromkeys([*names, *extra]))  # extra: a sweep's outcome
        self.unseen = set(self.columns)
        self.positions: dict[str, int] = {}  # CSV: column name -> field index

    @functools.cached_property
    def compiled(self) -> CompiledGate:
        """The per-row path's decide. Made, and check's decision code and evidence models
        imported, only when a row is decided that way: the vectorised path never needs them."""
        from app.runtime.evaluate import CompiledGate

        return CompiledGate(self.spec, self.criteria_only)

    def empty_result(self, source: str, method: str) -> BacktestResult:
        return BacktestResult(
            gate=self.criteria_only.id,
            spec_digest=self.spec.digest,
            source=source,
            format=self.format,
            method=method,
            criteria=[
                CriterionTally(c.id, c.name, c.severity, None if c.tiers is None else list(c.tiers))
                for c in self.criteria
            ],
        )

    def bind_header(self, header: list[str]) -> None:
        self.positions = {name: header.index(name) for name in self.columns if name in header}
        self.unseen -= set(self.positions)

    def see(self, rows: list[dict[str, Any]]) -> None:
        for name in [n for n in self.unseen if any(n in row for row in rows)]:
            self.unseen.discard(name)

    def absent_columns(self) -> list[str]:
        return [name for name in self.columns if name in self.unseen]

    def evidence(self, row: Any) -> Evidence:
        """The evidence one row stands for: what ``decide`` reads on the per-row path."""
        if self.csv and isinstance(row, list):
            row = {name: row[j] for name, j in self.positions.items() if row[j] != ""}
        return self.evidence_of(row)

    def evidence_of(self, values: dict[str, Any]) -> Evidence:
        """The evidence of one row given as a mapping: CSV cells (text; empty cells left out)
        or JSON values (JSON lines, Parquet)."""
        from app.spec.evidence import Candidate, Evidence

        if self.csv:
            metrics = {m: _csv_number(values[m]) for m in self.metrics if m in values}
            baseline = {
                m: _csv_number(values[key])
                for m in self.baselines
                if (key := f"baseline.{m}") in values
            }
            artifacts = _split_artifacts(values.get("artifacts", ""))
            tier = values.get("tier")
        else:
            metrics = {m: values[m] for m in self.metrics if m in values}
            baseline = {
                m: values[key] for m in self.baselines if (key := f"baseline.{m}") in values
            }
            artifacts = _json_artifacts(values.get("artifacts"))
            tier = values.get("tier") if isinstance(values.get("tier"), str) else None
        # A cell holding control characters cannot be text in evidence; it could not name an
        # artifact or a tier either, so the row reads as the vectorised path reads it.
        artifacts = [name for name in artifacts if text_problem(name) is None]
        if tier is not None and text_problem(tier) is not None:
            tier = None
        return Evidence(
            candidate=Candidate(tier=tier),
            metrics=metrics,
            baseline=baseline,
            checks={c: values[c] for c in self.checks if c in values},
            artifacts=artifacts,
        )

    def tier_of(self, evidence: Evidence) -> str:
        tier = evidence.candidate.tier
        return tier if tier in self.tier_index else self.spec.strictest_tier()
