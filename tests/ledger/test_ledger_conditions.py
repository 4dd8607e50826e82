"""The ledger records a decision's conditions (in its hashed decision document): `ledger
list` shows them, `verify` finds them edited, and entries recorded without any still verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli import run
from tests.ledger.conftest import check_recorded, evidence, write_json
from tests.ledger.test_ledger import sql

pytestmark = pytest.mark.usefixtures("no_ledger_env")

CONDITION = "watch the fairness gap weekly for a month"


def record_with_conditions(spec_file: Path, tmp_path: Path, url: str, capsys: Any) -> None:
    """A plain promote (as every entry was before approvals carried conditions), a revise
    and a promote with a condition."""
    plain = write_json(tmp_path / "plain.json", evidence("1.0"))
    assert check_recorded(capsys, spec_file, plain, url)["decision"] == "promote"
    revised = evidence("1.1")
    revised["approvals"].append(
        {
            "by": "bob",
            "role": "ml-lead",
            "decision": "revise",
            "at": "2026-11-01T01:00:00Z",
            "comment": "almost",
            "conditions": ["retrain on the Q3 data"],
        }
    )
    document = check_recorded(capsys, spec_file, write_json(tmp_path / "r.json", revised), url)
    assert document["decision"] == "reject" and "revise-requested" in document["codes"]
    conditional = evidence("1.2")
    conditional["approvals"][0]["conditions"] = [CONDITION]
    document = check_recorded(capsys, spec_file, write_json(tmp_path / "c.json", conditional), url)
    assert document["decision"] == "promote"


def test_entries_carry_their_conditions_and_verify(spec_file, tmp_path, ledger_url, capsys) -> None:
    record_with_conditions(spec_file, tmp_path, ledger_url, capsys)
    code, out, err = run(capsys, "ledger", "list", "--ledger", ledger_url, "--json")
    assert code == 0, err
    entries = json.loads(out)["entries"]
    assert "conditions" not in entries[0] and "conditions" not in entries[0]["document"]
    assert entries[1]["conditions"] == [
        {"by": "bob", "role": "ml-lead", "decision": "revise", "text": "retrain on the Q3 data"}
    ]
    assert entries[1]["document"]["approvals"]["counted"][-1]["comment"] == "almost"
    assert entries[2]["conditions"] == [
        {"by": "alice", "role": "ml-lead", "decision": "approve", "text": CONDITION}
    ]
    assert run(capsys, "ledger", "verify", "--ledger", ledger_url)[0] == 0


def test_an_edited_condition_breaks_the_chain_at_its_entry(
    spec_file, tmp_path, ledger_url, capsys
) -> None:
    record_with_conditions(spec_file, tmp_path, ledger_url, capsys)
    sql(
        ledger_url,
        "UPDATE gatewright_ledger SET document = "
        f"replace(document, '{CONDITION}', 'nothing to watch') WHERE seq = 3;",
    )
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", ledger_url)
    assert code == 1 and out.startswith("ledger broken at entry 3:")
