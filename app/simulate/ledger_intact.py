"""Where ``gatewright scenario from-ledger`` refuses an edited ledger: the one place that
decides an entry was edited, for check, monitor and rollback entries alike.

Two things tell it. First the hash chain, checked by the ledger's own ``verify`` (what
``gatewright ledger verify`` runs) before anything is read: an entry edited, deleted from
the middle or the end, inserted or moved breaks it, in any SOP's entries (a deleted entry
no longer says whose it was). Then, for a chain rewritten after an edit (which only a copy
of its last hash kept elsewhere can tell), each entry the fit reads must still be what the
command that records it writes; the fit calls :func:`not_as_recorded` when it is not.
"""

from __future__ import annotations

from app.runtime.ledger import Ledger, LedgerError


def require_intact(ledger: Ledger) -> None:
    """``LedgerError`` naming the ledger (password masked) and its first entry that does not
    check out, unless its hash chain is intact."""
    broken = ledger.verify().broken
    if broken is not None:
        raise LedgerError(
            f"{ledger.shown} is broken at entry {broken.seq}: {broken.reason}; a scenario is "
            "fitted only to an intact ledger (`gatewright ledger verify` checks it)"
        )


def not_as_recorded(shown: str, seq: object, kind: str, what: str) -> LedgerError:
    """The error for entry ``seq`` of the ledger ``shown``, whose chain checks out but whose
    ``kind`` entry is not as ``gatewright KIND`` records it (``what`` says how)."""
    return LedgerError(
        f"{shown}: entry {seq} is not a {kind} decision as `gatewright {kind}` records it "
        f"({what}) though its hash checks out: was the chain rewritten after an edit? "
        "Compare the last hash `gatewright ledger verify` prints with a copy kept elsewhere"
    )
