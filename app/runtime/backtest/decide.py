"""Deciding a chunk: the vectorised decision over numpy columns, and the per-row fallback."""

from __future__ import annotations

from typing import Any

import numpy as np

from app.runtime.backtest.columns import ColumnsBase
from app.runtime.backtest.plan import _Plan
from app.runtime.backtest.result import BacktestResult, CriterionTally

# --- the per-row path: check's own code, one row at a time ------------------------------


def _decide_rows(plan: _Plan, rows: list[Any], result: BacktestResult) -> None:
    tallies = {tally.id: tally for tally in result.criteria}
    for row in rows:
        decision = plan.compiled.decide(plan.evidence(row))
        result.outcomes[decision.decision] += 1
        for outcome in decision.criteria:
            tallies[outcome.id].counts[outcome.status] += 1
        # decide's codes name each blocking criterion that rejects or holds the row.
        blockers = [code for code in decision.codes if code.startswith("criterion-")]
        for code in blockers:
            kind, _, criterion_id = code.partition(":")
            if kind.endswith("-hold"):
                tallies[criterion_id].holds += 1
            else:
                tallies[criterion_id].rejects += 1
        if len(blockers) == 1:
            tallies[blockers[0].partition(":")[2]].sole += 1


# --- the vectorised path: a chunk of rows as numpy columns ------------------------------


def _policy_mask(criterion: Any, missing: np.ndarray, invalid: np.ndarray) -> np.ndarray | None:
    """Rows the criterion holds: missing/invalid values whose policy is ``hold``."""
    parts = [missing] if criterion.on_missing == "hold" else []
    if criterion.on_invalid == "hold":
        parts.append(invalid)
    return parts[0] | parts[1] if len(parts) == 2 else (parts[0] if parts else None)


def _decide_columns(
    plan: _Plan, columns: ColumnsBase, result: BacktestResult, leave_out: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """decide's criteria part over a whole chunk: boolean arrays instead of one row at a time.

    Returns the rows that the blocking criteria other than the ``leave_out``-th (a sweep's)
    reject, and those they hold."""
    n = columns.n
    rejected, held = np.zeros(n, bool), np.zeros(n, bool)  # by the criteria but leave_out
    own_rejected, own_held = np.zeros(n, bool), np.zeros(n, bool)
    blocker_count = np.zeros(n, np.uint8 if len(plan.criteria) < 256 else np.uint32)
    blocking: list[tuple[CriterionTally, np.ndarray]] = []
    with np.errstate(all="ignore"):  # NaN and overflow are expected; masks handle them
        pairs = zip(plan.criteria, result.criteria, strict=True)
        for index, (criterion, tally) in enumerate(pairs):
            passes, missing, invalid = columns.arrays(index, criterion)
            applies = columns.applies(criterion)
            applicable = n
            if applies is not None:
                passes, missing, invalid = passes & applies, missing & applies, invalid & applies
                applicable = int(np.count_nonzero(applies))
            counts = tally.counts
            passed = int(np.count_nonzero(passes))
            absent = int(np.count_nonzero(missing))
            unusable = int(np.count_nonzero(invalid))
            counts["pass"] += passed
            counts["missing"] += absent
            counts["invalid"] += unusable
            counts["fail"] += applicable - passed - absent - unusable
            counts["skipped"] += n - applicable
            if criterion.severity != "blocking":
                continue  # advisory criteria are reported, never decisive
            blocked = ~passes
            if applies is not None:
                blocked &= applies
            holding = _policy_mask(criterion, missing, invalid)
            rejecting = blocked if holding is None else blocked & ~holding
            into_rejected, into_held = (
                (own_rejected, own_held) if index == leave_out else (rejected, held)
            )
            if holding is not None:
                into_held |= holding
                tally.holds += int(np.count_nonzero(holding))
            into_rejected |= rejecting
            tally.rejects += int(np.count_nonzero(rejecting))
            blocker_count += blocked
            blocking.append((tally, blocked))
    alone = blocker_count == 1
    for tally, blocked in blocking:
        tally.sole += int(np.count_nonzero(blocked & alone))
    all_rejected, all_held = rejected | own_rejected, held | own_held
    rejects = int(np.count_nonzero(all_rejected))
    holds = int(np.count_nonzero(all_held & ~all_rejected))  # reject beats hold
    result.outcomes["reject"] += rejects
    result.outcomes["hold"] += holds
    result.outcomes["promote"] += n - rejects - holds
    return rejected, held
