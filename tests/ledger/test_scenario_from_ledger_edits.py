"""`gatewright scenario from-ledger` on an edited ledger, on SQLite and PostgreSQL: a ledger
recorded by the real `check --ledger` and `monitor --ledger`, then changed directly in the
database. An edited check document is refused as an edited monitor entry is, with the
sentence that names the ledger (password masked) and the entry `ledger verify` names; so
are an entry deleted from the middle or the end, entries reordered, and documents with
duplicated keys or NUL. Nothing is written. The unedited ledger fits."""

from __future__ import annotations

import json
import urllib.parse
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import document_text, sortable_time
from app.runtime.ledger_location import parse_location
from app.spec.timestamps import parse_timestamp
from tests.cli import run
from tests.ledger.conftest import edit, evidence, write_json

pytestmark = pytest.mark.usefixtures("no_ledger_env")

CANDIDATES = 6
BROKEN = "its content does not match its hash"


@pytest.fixture
def recorded(ledger_url: str, spec_file: Path, tmp_path: Path, capsys) -> str:
    """Six candidates decided by `gatewright check --ledger` a day apart, each held for its
    approval first and promoted two hours later; the third watched healthy in prod by
    `gatewright monitor --ledger` an hour after its promotion."""
    start = parse_timestamp("2026-11-02T10:00:00Z")
    for index in range(CANDIDATES):
        at = start + timedelta(days=index)
        for offset, approved, exit_code in ((0, False, 3), (2, True, 0)):
            path = write_json(tmp_path / "evidence.json", evidence(str(index), approved=approved))
            code, _, err = run(capsys, "check", spec_file, "--gate", "gate", "--evidence", path,
                               "--ledger", ledger_url,
                               "--at", sortable_time(at + timedelta(hours=offset)))  # fmt: skip
            assert code == exit_code and "recorded in the ledger" in err, err
        if index == 2:
            watched = at + timedelta(hours=3)
            windows = [{"at": sortable_time(watched - timedelta(minutes=30)),
                        "metrics": {"accuracy": 0.93}}]  # fmt: skip
            path = write_json(tmp_path / "telemetry.json", {"windows": windows})
            code, _, err = run(capsys, "monitor", spec_file, "--stage", "prod", "--telemetry",
                               path, "--ledger", ledger_url, "--at", sortable_time(watched))  # fmt: skip
            assert code == 0, err
    return ledger_url


def entries(url: str) -> list[Any]:
    with Ledger.open(url) as ledger:
        return ledger.entries()


def from_ledger(capsys, sop_file: Path, url: str, out: Path) -> tuple[int, str, str]:
    return run(capsys, "scenario", "from-ledger", sop_file, "--ledger", url, "-o", out)


def verified_break(capsys, url: str) -> dict[str, Any]:
    """What `gatewright ledger verify --json` says is broken."""
    code, text, err = run(capsys, "ledger", "verify", "--ledger", url, "--json")
    assert code == 1, err
    return json.loads(text)["broken"]


def assert_refused(capsys, sop_file: Path, url: str, out: Path, seq: int, reason: str) -> None:
    """One sentence, exit 2, naming the ledger (password masked) and entry ``seq`` as
    `ledger verify` does; no output file."""
    assert verified_break(capsys, url) == {"entry": seq, "reason": reason}
    code, text, err = from_ledger(capsys, sop_file, url, out)
    shown = parse_location(url).shown
    assert (code, text) == (2, ""), err
    assert err == (
        f"error: {shown} is broken at entry {seq}: {reason}; a scenario is fitted only to "
        "an intact ledger (`gatewright ledger verify` checks it)\n"
    )
    password = urllib.parse.urlsplit(url).password
    if password:
        assert password not in err and urllib.parse.unquote(password) not in err
    assert not out.exists() and "Traceback" not in err


def test_the_unedited_ledger_fits(recorded, sop_file, tmp_path, capsys) -> None:
    out = tmp_path / "fitted.json"
    code, _, err = from_ledger(capsys, sop_file, recorded, out)
    assert code == 0, err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["candidates"]["count"] == CANDIDATES
    assert data["candidates"]["every_hours"] == {"dist": "exponential", "mean": 24.0}
    assert data["approvers"]["ml-lead"]["delay_hours"]["median"] == 2.0
    assert data["fitted_from"]["decisions"] == 2 * CANDIDATES + 1


def _observed(document: str) -> str:
    """The document with the accuracy it observed raised: canonical JSON, as `check` writes."""
    data = json.loads(document)
    data["criteria"][0]["observed"] = 0.999
    return document_text(data)


DOCUMENT_EDITS = {
    "observed-value": _observed,
    # The same meaning once parsed (the last "gate" wins), other bytes than were hashed.
    "duplicated-key": lambda document: '{"gate":"other",' + document[1:],
    "escaped-nul": lambda document: document.replace('"carol"', '"car\\u0000ol"'),
    "raw-nul": lambda document: document.replace('"carol"', '"car\x00ol"'),
    "not-json": lambda document: "{not json",
    "empty": lambda document: "",
}


@pytest.mark.parametrize("change", sorted(DOCUMENT_EDITS))
def test_an_edited_check_document_is_refused(change, recorded, sop_file, tmp_path, capsys):
    check = [e for e in entries(recorded) if e.kind == "check"][4]
    changed = DOCUMENT_EDITS[change](check.document)
    assert changed != check.document
    if change == "raw-nul" and recorded.startswith("postgresql://"):
        # PostgreSQL text cannot hold NUL: the edit itself is refused there.
        with pytest.raises(Exception, match=r"NUL|0x00"):
            edit(recorded, "UPDATE gatewright_ledger SET document = ? WHERE seq = ?",
                 [changed, check.seq])  # fmt: skip
        return
    edit(recorded, "UPDATE gatewright_ledger SET document = ? WHERE seq = ?", [changed, check.seq])
    out = tmp_path / "fitted.json"
    assert_refused(capsys, sop_file, recorded, out, check.seq, BROKEN + " (it was changed after "
                   "it was recorded, or entries were reordered)")  # fmt: skip


def test_an_edited_monitor_entry_is_refused_the_same_way(recorded, sop_file, tmp_path, capsys):
    (watch,) = [e for e in entries(recorded) if e.kind == "monitor"]
    document = {**json.loads(watch.document), "decision": "rollback"}
    edit(recorded, "UPDATE gatewright_ledger SET document = ? WHERE seq = ?",
         [document_text(document), watch.seq])  # fmt: skip
    assert_refused(capsys, sop_file, recorded, tmp_path / "fitted.json", watch.seq, BROKEN +
                   " (it was changed after it was recorded, or entries were reordered)")  # fmt: skip


def test_an_edited_column_of_a_check_entry_is_refused(recorded, sop_file, tmp_path, capsys):
    held = [e for e in entries(recorded) if e.kind == "check" and e.decision == "hold"][1]
    edit(recorded, "UPDATE gatewright_ledger SET decision = 'promote' WHERE seq = ?", [held.seq])
    assert_refused(capsys, sop_file, recorded, tmp_path / "fitted.json", held.seq, BROKEN +
                   " (it was changed after it was recorded, or entries were reordered)")  # fmt: skip


@pytest.mark.parametrize("change", ["deleted", "end-deleted", "reordered", "inserted"])
def test_deleted_reordered_and_inserted_entries_are_refused(
    change, recorded, sop_file, tmp_path, capsys
):
    last = entries(recorded)[-1].seq
    table = "gatewright_ledger"
    if change == "deleted":
        edit(recorded, f"DELETE FROM {table} WHERE seq = 5")
        seq, reason = 5, "entry 5 is missing: entry 6 follows entry 4"
    elif change == "end-deleted":
        edit(recorded, f"DELETE FROM {table} WHERE seq = ?", [last])
        seq = last
        reason = (f"entry {last} is missing: the ledger ends at entry {last - 1} but {last} "
                  "entries were recorded (the end of the ledger was deleted)")  # fmt: skip
    elif change == "reordered":  # entries 3 and 4 swap places, each with its own hash
        for sql in ("seq = -1 WHERE seq = 3", "seq = 3 WHERE seq = 4", "seq = 4 WHERE seq = -1"):
            edit(recorded, f"UPDATE {table} SET {sql}")
        seq = 3
        reason = BROKEN + " (it was changed after it was recorded, or entries were reordered)"
    else:  # a copy of entry 2 appended after the last, the head moved onto it
        columns = "kind, sop_id, spec_digest, gate, stage, final_stage, decision, model, "
        columns += "version, tier, submitted_by, evidence_digest, decided_at, recorded_at, "
        columns += "blocked_by, document, prev_hash, hash"
        edit(recorded, f"INSERT INTO {table} (seq, {columns}) SELECT ?, {columns} "
             f"FROM {table} WHERE seq = 2", [last + 1])  # fmt: skip
        edit(recorded, f"UPDATE {table}_head SET seq = ?", [last + 1])
        seq = last + 1
        reason = BROKEN + " (it was changed after it was recorded, or entries were reordered)"
    assert_refused(capsys, sop_file, recorded, tmp_path / "fitted.json", seq, reason)


@pytest.mark.parametrize("document", ["{not json", "[]", "{}", '{"criteria":[]}'])
def test_a_rewritten_chain_still_refuses_a_check_document_not_as_recorded(
    document, recorded, sop_file, tmp_path, capsys
):
    """Edited, then every hash after it made again: `ledger verify` finds the chain intact
    (only a copy of its last hash kept elsewhere tells); the document read is still not
    what `check` records, and the sentence names its entry."""
    first = next(e for e in entries(recorded) if e.kind == "check")
    edit(recorded, "UPDATE gatewright_ledger SET document = ? WHERE seq = ?",
         [document, first.seq], rewrite=True)  # fmt: skip
    code, _, err = run(capsys, "ledger", "verify", "--ledger", recorded)
    assert code == 0, err
    out = tmp_path / "fitted.json"
    code, text, err = from_ledger(capsys, sop_file, recorded, out)
    assert (code, text) == (2, "") and err.count("\n") == 1 and not out.exists(), err
    assert err.startswith(
        f"error: {parse_location(recorded).shown}: entry {first.seq} is not a check decision "
        "as `gatewright check` records it (its document is not JSON, or its criteria or "
        "counted approvals are not lists) though its hash checks out"
    ), err
