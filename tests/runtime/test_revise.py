"""Decisions as ../shared/sources/001 describes them: approvals with a comment and conditions,
and `revise`, which sends the candidate back along the reject path with what must change."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.runtime import check
from app.spec.files import write_spec
from tests.cli import run
from tests.runtime.conftest import AT, approval

RETRAIN = "retrain on the Q3 data"
FAIRNESS = "rerun the fairness suite on the new segments"


def remark(record: dict[str, Any], comment: str | None = None, *conditions: str) -> dict:
    """``record`` with a comment and conditions."""
    record = dict(record)
    if comment is not None:
        record["comment"] = comment
    if conditions:
        record["conditions"] = list(conditions)
    return record


def revise(by: str, role: str = "ml-lead", at: str = "2026-11-20T10:00:00Z", *conditions: str):
    return remark(approval(by, role, at, "revise"), "not yet", *(conditions or (RETRAIN,)))


def with_approvals(evidence: dict, *records: dict) -> dict:
    evidence = copy.deepcopy(evidence)
    evidence["approvals"] = list(records)
    return evidence


# -- revise ------------------------------------------------------------------------------------


def test_a_revise_by_an_eligible_approver_sends_the_candidate_back(spec, passing_evidence) -> None:
    records = [
        approval("alice", "ml-lead"),
        remark(approval("bob", "ml-lead", decision="revise"), "close", RETRAIN, FAIRNESS),
    ]
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "reject"
    assert "revise-requested" in decision.codes
    assert not any(code.startswith("approval-rejected") for code in decision.codes)
    assert decision.reasons == [
        "bob asked for a revision for role ml-lead with 2 conditions to meet; the candidate "
        "goes back to dev"
    ]
    document = decision.to_json()
    assert document["approvals"]["status"] == "rejected"
    assert document["approvals"]["counted"][-1] == {
        "by": "bob",
        "role": "ml-lead",
        "decision": "revise",
        "comment": "close",
        "conditions": [RETRAIN, FAIRNESS],
    }
    assert document["conditions"] == [
        {"by": "bob", "role": "ml-lead", "decision": "revise", "text": RETRAIN},
        {"by": "bob", "role": "ml-lead", "decision": "revise", "text": FAIRNESS},
    ]


def test_a_revise_with_only_a_comment_still_sends_the_candidate_back(
    spec, passing_evidence
) -> None:
    record = remark(approval("bob", "ml-lead", decision="revise"), "the card is out of date")
    evidence = with_approvals(passing_evidence, approval("alice", "ml-lead"), record)
    decision = check(spec, "gate", evidence, at=AT)
    assert (decision.decision, decision.codes) == ("reject", ["revise-requested"])
    assert decision.reasons == [
        "bob asked for a revision for role ml-lead; the candidate goes back to dev"
    ]
    assert "conditions" not in decision.to_json()


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (revise("mallory"), "not-a-member"),
        (revise("mallory", "ceo"), "unknown-role"),
        (revise("carol"), "self-approval"),  # carol submitted the candidate
        (revise("bob", "ml-lead", "2026-11-22T10:00:00Z"), "future"),
        (revise("bob", "ml-lead", "2026-11-10T10:00:00Z"), "expired"),  # window: 72 hours
    ],
)
def test_a_revise_by_someone_who_cannot_decide_is_ignored_like_a_rejection(
    spec, passing_evidence, record, reason
) -> None:
    """Eligibility is a rejection's: role membership, separation of duties, the window. An
    ignored revise is reported with its reason and says it was a revise."""
    votes = [approval("alice", "ml-lead"), approval("bob", "ml-lead")]
    decision = check(spec, "gate", with_approvals(passing_evidence, *votes, record), at=AT)
    rejection = {k: v for k, v in record.items() if k != "conditions"} | {"decision": "reject"}
    rejected = check(spec, "gate", with_approvals(passing_evidence, *votes, rejection), at=AT)
    expected = {"by": record["by"], "reason": reason, "decision": "revise"}
    assert expected in decision.approvals.ignored
    assert {**expected, "decision": "reject"} in rejected.approvals.ignored
    assert decision.decision == rejected.decision == "promote"
    assert "revise-requested" not in decision.codes and "conditions" not in decision.to_json()


def test_a_revise_naming_a_role_its_person_cannot_approve_for_still_counts(
    spec, passing_evidence
) -> None:
    """As for rejections (fail closed): alice may approve as an ML lead, so her revise filed
    under the high tier's risk role sends a low-tier candidate back all the same."""
    records = [approval("alice", "ml-lead"), approval("bob", "ml-lead"), revise("alice", "risk")]
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "reject" and "revise-requested" in decision.codes
    assert decision.approvals.counted[-1]["role"] == "ml-lead"


@pytest.mark.parametrize("order", ["as-written", "reversed"])
def test_one_persons_records_count_once_whatever_their_order(spec, passing_evidence, order) -> None:
    """alice approves, asks for a revision twice and approves again: her latest revise
    counts (conditions included), whatever the file's order; her approvals do not. A
    rejection by her would outweigh her revise."""
    records = [
        approval("alice", "ml-lead", "2026-11-20T08:00:00Z"),
        revise("alice", "ml-lead", "2026-11-20T09:00:00Z", "old condition"),
        revise("alice", "ml-lead", "2026-11-20T11:00:00Z", RETRAIN),
        approval("alice", "ml-lead", "2026-11-21T09:00:00Z"),
        approval("bob", "ml-lead"),
    ]
    if order == "reversed":
        records.reverse()
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "reject" and decision.codes == ["revise-requested"]
    assert [c["text"] for c in decision.conditions] == [RETRAIN]
    ignored = sorted(
        (i["by"], i["reason"], i.get("decision", "")) for i in decision.approvals.ignored
    )
    assert ignored == [
        ("alice", "duplicate-person", ""),
        ("alice", "duplicate-person", ""),
        ("alice", "duplicate-person", "revise"),
    ]
    rejected = [*records, approval("alice", "ml-lead", "2026-11-19T10:00:00Z", "reject")]
    decision = check(spec, "gate", with_approvals(passing_evidence, *rejected), at=AT)
    assert decision.codes == ["approval-rejected:alice"]
    assert "conditions" not in decision.to_json()


def test_a_rejection_and_a_revise_by_two_people_both_decide(spec, passing_evidence) -> None:
    records = [approval("alice", "ml-lead", decision="reject"), revise("bob")]
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "reject"
    assert decision.codes == ["approval-rejected:alice", "revise-requested"]
    assert len(decision.reasons) == 2


def test_a_revise_of_a_candidate_that_fails_its_criteria_is_recorded_too(
    spec, passing_evidence
) -> None:
    evidence = with_approvals(passing_evidence, revise("bob"))
    evidence["metrics"]["accuracy"] = 0.5
    decision = check(spec, "gate", evidence, at=AT)
    assert decision.codes == ["criterion-failed:acc", "revise-requested"]
    assert decision.to_json()["conditions"][0]["text"] == RETRAIN


# -- approvals with conditions ------------------------------------------------------------------


def test_an_approval_with_conditions_promotes_and_records_them(spec, passing_evidence) -> None:
    records = [
        remark(approval("alice", "ml-lead"), "fine for the pilot region", FAIRNESS),
        remark(approval("bob", "ml-lead"), "agreed"),
    ]
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "promote" and decision.codes == ["promoted"]
    document = decision.to_json()
    assert document["conditions"] == [
        {"by": "alice", "role": "ml-lead", "decision": "approve", "text": FAIRNESS}
    ]
    assert document["approvals"]["counted"] == [
        {
            "by": "alice",
            "role": "ml-lead",
            "decision": "approve",
            "comment": "fine for the pilot region",
            "conditions": [FAIRNESS],
        },
        {"by": "bob", "role": "ml-lead", "decision": "approve", "comment": "agreed"},
    ]
    assert decision.reasons[-1] == (
        "alice (ml-lead) approved with 1 condition that the promotion comes with"
    )


def test_an_approval_without_remarks_adds_nothing_to_the_document(spec, passing_evidence) -> None:
    """Decision documents of approvals without comment or conditions stay as they were."""
    document = check(spec, "gate", passing_evidence, at=AT).to_json()
    assert "conditions" not in document
    assert all(set(c) == {"by", "role", "decision"} for c in document["approvals"]["counted"])


def test_an_ignored_approvals_conditions_are_not_recorded(spec, passing_evidence) -> None:
    """Only the records that count set conditions: a non-member's are not the gate's."""
    records = [
        approval("alice", "ml-lead"),
        approval("bob", "ml-lead"),
        remark(approval("mallory", "ml-lead"), None, "ship on Fridays only"),
    ]
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "promote" and decision.conditions == []


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def files(spec_data, tmp_path: Path) -> tuple[Path, Path]:
    spec_file = tmp_path / "spec.json"
    write_spec(spec_data, spec_file)
    return spec_file, tmp_path / "evidence.json"


def _check(capsys, files, evidence: dict | str, *extra: str) -> tuple[int, str, str]:
    spec_file, evidence_file = files
    evidence_file.write_text(evidence if isinstance(evidence, str) else json.dumps(evidence))
    args = ["check", str(spec_file), "--gate", "gate", "--evidence", str(evidence_file)]
    code, out, err = run(capsys, *args, "--at", "2026-11-21T10:00:00Z", *extra)
    assert "Traceback" not in err
    return code, out, err


def test_check_sends_a_revised_candidate_back_with_exit_1(capsys, files, passing_evidence):
    records = [
        remark(approval("alice", "ml-lead"), "fine", FAIRNESS),
        remark(
            approval("bob", "ml-lead", decision="revise"), "two things:\nfirst the data", RETRAIN
        ),
        revise("mallory"),
    ]
    evidence = with_approvals(passing_evidence, *records)
    code, out, _ = _check(capsys, files, evidence, "--json")
    document = json.loads(out)
    assert code == 1 and document["decision"] == "reject"
    assert "revise-requested" in document["codes"]
    assert [(c["by"], c["decision"], c["text"]) for c in document["conditions"]] == [
        ("alice", "approve", FAIRNESS),
        ("bob", "revise", RETRAIN),
    ]
    code, out, _ = _check(capsys, files, evidence)
    assert code == 1
    assert out.splitlines() == [
        "gate: REJECT",
        "  - bob asked for a revision for role ml-lead with 1 condition to meet; the candidate "
        "goes back to dev",
        "  approved by alice (ml-lead):",
        "    comment: fine",
        f"    condition: {FAIRNESS}",
        "  revise requested by bob (ml-lead):",
        "    comment: two things:",
        "             first the data",
        f"    condition: {RETRAIN}",
        "  (ignored revise request by mallory: not-a-member)",
    ]


def test_check_promotes_with_conditions_with_exit_0(capsys, files, passing_evidence) -> None:
    records = [remark(approval("alice", "ml-lead"), None, FAIRNESS), approval("bob", "ml-lead")]
    code, out, _ = _check(capsys, files, with_approvals(passing_evidence, *records), "--json")
    document = json.loads(out)
    assert code == 0 and document["decision"] == "promote"
    assert document["conditions"] == [
        {"by": "alice", "role": "ml-lead", "decision": "approve", "text": FAIRNESS}
    ]
    code, out, _ = _check(capsys, files, with_approvals(passing_evidence, *records))
    assert code == 0 and f"    condition: {FAIRNESS}" in out.splitlines()


HOSTILE: list[tuple[dict[str, Any], str]] = [
    ({"comment": "ok\u0000"}, "$.approvals[0].comment: holds a NUL character (U+0000)"),
    ({"comment": "fine \u202eexe.txt"}, "$.approvals[0].comment: holds a bidirectional control"),
    ({"comment": "\u2067hidden"}, "$.approvals[0].comment: holds a bidirectional control"),
    ({"comment": "\x1b[2Jcleared"}, "$.approvals[0].comment: holds a control character (U+001B)"),
    ({"comment": "csi \x9b2J"}, "$.approvals[0].comment: holds a control character (U+009B)"),
    ({"comment": "x" * 10_001}, "$.approvals[0].comment: must be at most 10,000 characters"),
    ({"comment": ["a"]}, "$.approvals[0].comment: must be a string"),
    ({"conditions": ["one\ntwo"]}, "$.approvals[0].conditions[0]: holds a line break (U+000A)"),
    ({"conditions": ["ok", "a\u2028b"]}, "$.approvals[0].conditions[1]: holds a line break"),
    ({"conditions": ["a\tb"]}, "$.approvals[0].conditions[0]: holds a control character"),
    ({"conditions": ["\u200f"]}, "$.approvals[0].conditions[0]: holds a bidirectional"),
    ({"conditions": ["   "]}, "$.approvals[0].conditions[0]: must not be blank"),
    ({"conditions": ["\u200b\u2060"]}, "$.approvals[0].conditions[0]: must not be blank"),
    ({"conditions": ["y" * 501]}, "$.approvals[0].conditions[0]: must be at most 500 characters"),
    ({"conditions": ["c"] * 51}, "$.approvals[0].conditions: must have at most 50 items"),
    ({"conditions": "retrain"}, "$.approvals[0].conditions: must be a list, got a string"),
    ({"decision": "reject", "conditions": ["x"]}, "$.approvals[0]: a rejection carries no"),
    ({"decision": "revise"}, "$.approvals[0]: a `revise` says what must change"),
    ({"decision": "revise", "comment": "  "}, "$.approvals[0]: a `revise` says what must change"),
    ({"decision": "revise", "comment": "\u200b"}, "$.approvals[0]: a `revise` says what must"),
    ({"decision": "maybe"}, "$.approvals[0].decision: must be 'approve', 'reject' or 'revise'"),
]


@pytest.mark.parametrize(("change", "fragment"), HOSTILE, ids=[f for _c, f in HOSTILE])
def test_hostile_remarks_are_refused_in_one_sentence(
    capsys, files, passing_evidence, change, fragment
) -> None:
    records = [{**approval("alice", "ml-lead"), **change}, approval("bob", "ml-lead")]
    code, out, err = _check(capsys, files, with_approvals(passing_evidence, *records), "--json")
    assert code == 2 and out == ""
    assert f"{files[1]}: {fragment}" in err
    assert len(err.strip().splitlines()) == 1


def test_an_unpaired_surrogate_in_a_condition_is_refused(capsys, files, passing_evidence):
    text = json.dumps(with_approvals(passing_evidence, approval("alice", "ml-lead")))
    text = text.replace('"decision": "approve"', '"decision": "approve", "conditions": ["\\ud800"]')
    code, _out, err = _check(capsys, files, text)
    assert code == 2
    assert "$.approvals[0].conditions[0]: holds an unpaired surrogate (U+D800)" in err


def test_text_that_looks_like_code_is_kept_as_text(capsys, files, passing_evidence) -> None:
    """Quotes, `$(...)`, `${{ }}` and other scripts are plain text: kept and shown as they are."""
    condition = 'run $(rm -rf /) and ${{ secrets.TOKEN }} — «ещё раз» "quoted"'
    records = [
        remark(approval("alice", "ml-lead"), "‘ok’ 你好", condition),
        approval("bob", "ml-lead"),
    ]
    code, out, _ = _check(capsys, files, with_approvals(passing_evidence, *records), "--json")
    assert code == 0 and json.loads(out)["conditions"][0]["text"] == condition
    code, out, _ = _check(capsys, files, with_approvals(passing_evidence, *records))
    assert f"    condition: {condition}" in out and "    comment: ‘ok’ 你好" in out


def test_the_evidence_schema_names_the_new_fields(capsys) -> None:
    code, out, _ = run(capsys, "schema", "evidence")
    record = json.loads(out)["$defs"]["ApprovalRecord"]["properties"]
    assert code == 0 and record["decision"]["enum"] == ["approve", "reject", "revise"]
    assert record["comment"]["anyOf"][0]["maxLength"] == 10_000
    assert record["conditions"]["anyOf"][0]["items"]["maxLength"] == 500


@pytest.mark.parametrize("order", ["as-written", "reversed"])
def test_one_persons_latest_approval_counts_with_its_conditions(
    spec, passing_evidence, order
) -> None:
    records = [
        remark(approval("alice", "ml-lead", "2026-11-20T08:00:00Z"), "first look", "old"),
        remark(approval("alice", "ml-lead", "2026-11-20T12:00:00Z"), "second look", FAIRNESS),
        approval("bob", "ml-lead"),
    ]
    if order == "reversed":
        records.reverse()
    decision = check(spec, "gate", with_approvals(passing_evidence, *records), at=AT)
    assert decision.decision == "promote"
    assert decision.conditions == [
        {"by": "alice", "role": "ml-lead", "decision": "approve", "text": FAIRNESS}
    ]
    assert {"by": "alice", "reason": "duplicate-person"} in decision.approvals.ignored
