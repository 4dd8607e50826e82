"""Real figures (``ledger stats`` JSON) in words: the assessment's measured evidence, the
PDF's rows and the designer's gate lines all read them from here, so they say the same."""

from __future__ import annotations

from typing import Any

DORA = (
    ("deployment frequency", "deployment_frequency_per_day", "deployment_frequency_level", "/day"),
    ("lead time", "lead_time_hours", "lead_time_level", " h"),
    ("change failure rate", "change_failure_rate", "change_failure_rate_level", ""),
    ("time to restore", "time_to_restore_hours", "time_to_restore_level", " h"),
)


def has_data(figures: dict[str, Any]) -> bool:
    return bool(figures.get("decisions"))


def period_text(figures: dict[str, Any]) -> str:
    """``2026-11-02 to 2026-11-06 (4 days)``, or why there is no period."""
    period = figures.get("period")
    if not has_data(figures) or not period:
        return "no decisions recorded"
    return f"{period['from'][:10]} to {period['to'][:10]} ({round(period['days'], 1):g} days)"


def no_data_sentence(figures: dict[str, Any]) -> str:
    since = f" since {figures['since']}" if figures.get("since") else ""
    return (
        f"no real data: {figures.get('ledger', 'the ledger')} holds no decision of the SOP "
        f"{figures.get('sop_id', '')!r}{since}"
    )


def dora_lines(figures: dict[str, Any]) -> list[str]:
    """The four DORA metrics of the last stage as measured, one line each (or why not)."""
    if not has_data(figures):
        return [no_data_sentence(figures)]
    dora = figures.get("dora") or {}
    stage = figures.get("stage") or "the last stage"
    if not dora.get("deployments"):
        return [
            f"no real deployments: none of the {figures['decisions']} recorded decisions "
            f"promoted into {stage} ({period_text(figures)})"
        ]
    return [f"{label} {shown}" for label, shown in _dora_values(dora)]


def _dora_values(dora: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (label, "no data" if dora.get(key) is None else f"{dora[key]:g}{unit} ({dora.get(level)})")
        for label, key, level, unit in DORA
    ]


def measured_evidence(figures: dict[str, Any]) -> list[str]:
    """The Measurement category's evidence from real decisions (``assess --ledger``)."""
    if not has_data(figures):
        return [no_data_sentence(figures)]
    head = (
        f"measured from {figures['decisions']} real decisions in {figures['ledger']}, "
        f"{period_text(figures)}"
    )
    return [head, *(f"measured {line}" for line in dora_lines(figures))]


def gate_line(stats: dict[str, Any]) -> str:
    """One gate's real counts: ``12 promoted · 3 rejected · 1 held``."""
    return f"{stats['passed']} promoted · {stats['rejected']} rejected · {stats['held']} held"


def gate_details(stats: dict[str, Any]) -> list[str]:
    """A gate's real figures, line by line (inspector, PDF)."""
    wait = stats.get("wait_hours_median")
    blockers = stats.get("blocked_most") or []
    blocked = (
        f"{blockers[0]['criterion']} ({blockers[0]['count']} decisions)" if blockers else "none"
    )
    return [
        gate_line(stats),
        "median wait to promotion: " + ("no promotion" if wait is None else f"{wait:.2f} h"),
        f"blocked most by: {blocked}",
    ]


def figure_table(figures: dict[str, Any]) -> dict[str, Any]:
    """The real figures as the export context's nested ``figures`` (the PDF's rows)."""
    if not has_data(figures):
        return {"ledger": figures.get("ledger", ""), "data": no_data_sentence(figures)}
    table: dict[str, Any] = {
        "ledger": figures["ledger"],
        "period": period_text(figures),
        "decisions": figures["decisions"],
    }
    dora = figures.get("dora") or {}
    if not dora.get("deployments"):
        table["last stage"] = dora_lines(figures)[0]
    else:
        table.update(_dora_values(dora))
    for gate, stats in figures.get("gates", {}).items():
        table[f"gate {gate}"] = "; ".join(gate_details(stats))
    return table
