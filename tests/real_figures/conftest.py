"""A ledger with a known history of the small SOP (the ledger tests' fixtures reused)."""

from __future__ import annotations

import pytest

from app.runtime import monitor
from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import monitor_draft, rollback_draft
from tests.ledger.conftest import (  # noqa: F401  (fixtures)
    decided,
    ledger_url,
    moment,
    no_ledger_env,
    pg_database,
    pg_server,
    sop_file,
    spec_model,
)


@pytest.fixture
def history(spec_model, ledger_url) -> str:  # noqa: F811
    """Four candidates over four days at the gate: v2 rejected twice, promoted, failed in
    production and rolled back half an hour after; v4 still held."""
    bad = {"windows": [{"at": "2026-11-03T15:00:00Z", "metrics": {"accuracy": 0.1}}]}
    with Ledger.open(ledger_url, create=True) as ledger:
        for at, version, kwargs in (
            ("2026-11-02T10:00:00Z", "1", {"approved": False}),
            ("2026-11-02T12:00:00Z", "1", {}),
            ("2026-11-03T10:00:00Z", "2", {"accuracy": 0.5}),
            ("2026-11-03T11:00:00Z", "2", {"accuracy": 0.4}),
            ("2026-11-03T14:00:00Z", "2", {}),
        ):
            ledger.append(decided(spec_model, at, version, **kwargs))
        result = monitor(spec_model, "prod", bad)
        ledger.append(monitor_draft(spec_model, result, moment("2026-11-03T15:00:00Z")))
        ledger.append(
            rollback_draft(spec_model, "prod", "scorer", "2", "1", moment("2026-11-03T15:30:00Z"))
        )
        ledger.append(decided(spec_model, "2026-11-05T10:00:00Z", "3"))
        ledger.append(decided(spec_model, "2026-11-06T10:00:00Z", "4", approved=False))
    return ledger_url
