"""An SOP document's real figures from a decision ledger: what the designer, the PDF and
``assess --ledger`` show (``ledger_stats`` of the document's SOP, its gates in order).

One function for every caller, so that the figures the designer badges, the PDF prints and
the assessment scores are the same numbers ``gatewright ledger stats`` reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.runtime.ledger import Ledger, LedgerError
from app.runtime.ledger_location import LedgerLocation, parse_location
from app.simulate.real_figures import ledger_stats, recorded_final_stage

if TYPE_CHECKING:
    from app.model.document import Sop


def final_stage_of(doc: Sop) -> str | None:
    """The SOP's last stage along its promote path, or None when it does not compile."""
    from app.compiler.compile import CompileRefusedError, compile_spec

    try:
        path = compile_spec(doc).promote_path()
    except CompileRefusedError:
        return None
    return path[-1].to if path else None


def empty_figures(shown: str, sop_id: str, since: str | None) -> dict[str, Any]:
    """What a ledger that holds no decision of the SOP yields: no real data, said plainly."""
    return {"sop_id": sop_id, "ledger": shown, "since": since, "decisions": 0, "gates": {}}


def document_figures(
    doc: Sop, url: str | LedgerLocation, since: str | None = None
) -> dict[str, Any]:
    """The real figures of ``doc``'s SOP in the ledger at ``url`` (the ``ledger stats``
    shape), or :func:`empty_figures` when it holds none of its decisions. ``LedgerError``
    (one sentence, password masked) when the ledger cannot be opened or read."""
    location = parse_location(url) if isinstance(url, str) else url
    with Ledger.open(location) as ledger:
        where, params = "sop_id = ?", [doc.id]
        if since is not None:
            where, params = where + " AND decided_at >= ?", [*params, since]
        count = ledger.query(f"SELECT COUNT(*) FROM gatewright_ledger WHERE {where}", params)
        if not count or not count[0][0]:
            return empty_figures(ledger.shown, doc.id, since)
        stage = final_stage_of(doc) or recorded_final_stage(ledger, doc.id)
        order = [gate.id for gate in doc.nodes_of_kind("gate")]
        return ledger_stats(ledger, doc.id, stage, order, since)


__all__ = ["LedgerError", "document_figures", "empty_figures", "final_stage_of"]
