"""A ledger with a known history of the small SOP (the ledger tests' fixtures reused)."""

from __future__ import annotations

from tests.ledger.conftest import (  # noqa: F401  (fixtures)
    decided,
    history,
    ledger_url,
    moment,
    no_ledger_env,
    pg_database,
    pg_server,
    sop_file,
    spec_model,
)
