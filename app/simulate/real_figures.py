"""Real figures from the decision ledger (``gatewright ledger stats``): per gate the promote,
reject and hold counts, the wait from a candidate's first decision to its promotion and the
criteria that blocked most; the four DORA metrics of the SOP's last stage from its real
promotions and rollbacks. The same JSON shape as ``simulate --json`` where they overlap
(``gates``, ``dora``), and the same DORA levels (app.simulate.dora).

The counting is done in SQL (standard SQL that SQLite and PostgreSQL both run); Python only
walks the grouped rows and the last stage's promotions and rollbacks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.runtime.ledger import Ledger, LedgerError
from app.simulate.dora import Release, dora_metrics
from app.simulate.results import GateStats

HOUR = 60.0
BLOCKERS_SHOWN = 5
"""The criteria listed per gate as the ones that blocked most."""


@dataclass
class _Gate(GateStats):
    """A gate's real figures: the simulator's, with the criteria that blocked most."""

    blockers: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        ranked = sorted(self.blockers.items(), key=lambda item: (-item[1], item[0]))
        return {
            **super().to_json(),
            "decisions": self.passed + self.rejected + self.held,
            "blocked_most": [
                {"criterion": criterion, "count": count}
                for criterion, count in ranked[:BLOCKERS_SHOWN]
            ],
        }


_parse = datetime.fromisoformat


def _minutes(later: str, earlier: str) -> float:
    """Minutes from ``earlier`` to ``later`` (the ledger's time texts)."""
    try:
        return (_parse(later) - _parse(earlier)).total_seconds() / 60.0
    except (TypeError, ValueError):
        shown = later if not isinstance(earlier, str) or _bad(later) else earlier
        raise LedgerError(
            f"the ledger holds a decision time that is not one ({str(shown)[:40]!r}): "
            "was it edited? `gatewright ledger verify` names the entry"
        ) from None


def _bad(text: object) -> bool:
    try:
        _parse(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return False


def sop_ids(ledger: Ledger) -> list[str]:
    """The SOPs the ledger holds decisions of."""
    return [row[0] for row in ledger.query("SELECT DISTINCT sop_id FROM gatewright_ledger")]


def recorded_final_stage(ledger: Ledger, sop_id: str) -> str | None:
    """The last stage the SOP's latest entry names (its spec's end of the promote path)."""
    rows = ledger.query(
        "SELECT final_stage FROM gatewright_ledger WHERE sop_id = ? ORDER BY seq DESC LIMIT 1",
        [sop_id],
    )
    return rows[0][0] if rows else None


def decisions_of(
    sop_id: str, since: str | None = None, until: str | None = None
) -> tuple[str, list[str]]:
    """``gatewright_ledger WHERE ...`` selecting one SOP's decisions in a period, and its
    parameters (the ``since`` and ``until`` bounds are included)."""
    where, params = "sop_id = ?", [sop_id]
    if since is not None:
        where, params = where + " AND decided_at >= ?", [*params, since]
    if until is not None:
        where, params = where + " AND decided_at <= ?", [*params, until]
    return f"gatewright_ledger WHERE {where}", params


def ledger_stats(
    ledger: Ledger,
    sop_id: str,
    final_stage: str | None,
    gate_order: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """The real figures of one SOP's decisions (from ``since`` and up to ``until``, sortable
    UTC times as the ledger writes them, when given). ``gate_order``: the gates to list
    first, in order (the SOP's); gates the ledger records that it lacks follow."""
    table, params = decisions_of(sop_id, since, until)
    count, first, last = ledger.query(
        f"SELECT COUNT(*), MIN(decided_at), MAX(decided_at) FROM {table}", params
    )[0]
    if not count:
        raise LedgerError(
            f"{ledger.shown} holds no decision of the SOP {sop_id!r}"
            + (f" since {since}" if since else "")
            + (f" until {until}" if until else "")
        )
    gates: dict[str, _Gate] = {gate: _Gate() for gate in gate_order or []}
    checks = f"{table} AND kind = 'check'"
    for gate, decision, number in ledger.query(
        f"SELECT gate, decision, COUNT(*) FROM {checks} GROUP BY gate, decision", params
    ):
        stats = gates.setdefault(gate, _Gate())
        name = {"promote": "passed", "reject": "rejected", "hold": "held"}.get(decision)
        if name is not None:
            setattr(stats, name, getattr(stats, name) + number)
    # A candidate's first decision at each gate; its earliest one anywhere is its arrival.
    arrivals: dict[tuple[str, str], str] = {}
    for gate, model, version, first_at, promoted_at in ledger.query(
        "SELECT gate, model, version, MIN(decided_at), "
        "MIN(CASE WHEN decision = 'promote' THEN decided_at END) "
        f"FROM {checks} AND version IS NOT NULL GROUP BY gate, model, version",
        params,
    ):
        stats = gates.get(gate) or gates.setdefault(gate, _Gate())
        stats.entered += 1
        if promoted_at is not None:
            stats.waits.append(_minutes(promoted_at, first_at))
        known = arrivals.get((model, version))
        if known is None or first_at < known:
            arrivals[(model, version)] = first_at
    for gate, blocked, number in ledger.query(
        f"SELECT gate, blocked_by, COUNT(*) FROM {checks} AND blocked_by <> '' "
        "GROUP BY gate, blocked_by",
        params,
    ):
        for criterion in blocked.split():
            gates.setdefault(gate, _Gate()).blockers[criterion] += number
    releases, failures = _releases(ledger, table, params, final_stage, arrivals, first)
    period = _minutes(last, first)
    return {
        "sop_id": sop_id,
        "ledger": ledger.shown,
        "since": since,
        **({"until": until} if until is not None else {}),
        "period": {"from": first, "to": last, "days": round(period / (24 * HOUR), 4)},
        "decisions": count,
        "candidates": len(arrivals),
        "stage": final_stage,
        "gates": {gate: stats.to_json() for gate, stats in gates.items()},
        "dora": dora_metrics(releases, period),
        "failures": failures,
    }


def _releases(
    ledger: Ledger,
    table: str,
    params: list[str],
    stage: str | None,
    arrivals: dict[tuple[str, str], str],
    start: str,
) -> tuple[list[Release], list[dict[str, Any]]]:
    """The last stage's deployments (promotions into it) as the simulator's releases, and
    the failed ones. A release failed when the stage was found in need of a rollback
    (``monitor`` deciding ``rollback``, or a ``rollback`` carried out) while it was the
    last one deployed; service is restored by the rollback, or by the next deployment."""
    if stage is None:
        return [], []
    events = ledger.query(
        f"SELECT kind, model, version, decided_at FROM {table} AND stage = ? AND ("
        "(kind = 'check' AND decision = 'promote') OR (kind = 'monitor' AND decision = "
        "'rollback') OR kind = 'rollback') ORDER BY decided_at, seq",
        [*params, stage],
    )
    found: list[dict[str, Any]] = []
    live: dict[str, Any] | None = None
    for kind, model, version, at in events:
        if kind == "check":
            if live is not None and live["detected"] and live["restored"] is None:
                live["restored"] = at  # the next deployment replaced the failed release
            arrived = arrivals.get((model, version), at) if version is not None else at
            live = {"model": model, "version": version, "arrived": arrived, "deployed": at,
                    "detected": None, "restored": None}  # fmt: skip
            found.append(live)
            continue
        if live is None:
            continue
        live["detected"] = live["detected"] or at
        if kind == "rollback":
            live["restored"] = live["restored"] or at
            live = None  # the stage runs an earlier release again
    releases = [
        Release(
            index,
            _minutes(release["arrived"], start),
            _minutes(release["deployed"], start),
            failed=release["detected"] is not None,
            restore_minutes=_minutes(release["restored"], release["detected"])
            if release["detected"] and release["restored"]
            else None,
        )
        for index, release in enumerate(found)
    ]
    failures = [
        {
            "candidate": {"model": release["model"], "version": release["version"]},
            "deployed_at": release["deployed"],
            "detected_at": release["detected"],
            "restored_at": release["restored"],
            "restore_hours": round(_minutes(release["restored"], release["detected"]) / HOUR, 4)
            if release["restored"]
            else None,
        }
        for release in found
        if release["detected"] is not None
    ]
    return releases, failures
