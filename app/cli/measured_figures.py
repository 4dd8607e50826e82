"""``--ledger`` on ``assess`` and ``export``: the document's real figures from a decision
ledger, every ledger problem one sentence (password masked) and exit 2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from app.cli.errors import Failure

if TYPE_CHECKING:
    from app.model.document import Sop

MEASURED_HELP = (
    "A decision ledger (a file path, sqlite:///PATH or postgresql://USER@HOST/DATABASE) "
    "whose recorded decisions give the real figures."
)
measured_option = click.option("--ledger", "url", metavar="URL", default=None, help=MEASURED_HELP)


def measured_for(doc: Sop, url: str | None) -> dict[str, Any] | None:
    """The real figures of ``doc`` in the ledger ``url`` (None: no ledger given)."""
    if url is None:
        return None
    from app.runtime.ledger_location import LedgerError
    from app.simulate.measured import document_figures

    try:
        return document_figures(doc, url)
    except LedgerError as error:
        raise Failure(str(error)) from None
