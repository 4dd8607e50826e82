"""Decisions that cannot be forged, through `gatewright check` as pipelines call it: person ids,
rejections in any order, the decision clock, the submitter, and the decision document."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import app
from app.cli import main
from app.compiler.compile import compile_data
from app.model import Sop
from app.spec.digest import spec_digest
from app.spec.files import write_spec


def ago(hours: float) -> str:
    """A time ``hours`` before the machine's clock, as evidence writes it."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def vote(by: str, role: str | None = "ml-lead", hours: float = 1, decision: str = "approve"):
    record: dict[str, Any] = {"by": by, "decision": decision, "at": ago(hours)}
    if role is not None:
        record["role"] = role
    return record


def evidence(submitter: str | None = "carol", tier: str = "low", *votes: dict) -> dict:
    candidate: dict[str, Any] = {"model": "scorer", "version": "2.0.0", "tier": tier}
    if submitter is not None:
        candidate["submitted_by"] = submitter
    return {
        "candidate": candidate,
        "metrics": {"accuracy": 0.95, "latency": 120, "auc": 0.91, "fairness-gap": 0.02},
        "baseline": {"auc": 0.9},
        "checks": {"security-scan": "passed"},
        "artifacts": ["model-card"],
        "approvals": list(votes),
    }


def pairs(decision: dict) -> list[tuple[str, str]]:
    """Who counted for which role, in the decision's order."""
    return [(c["by"], c["role"]) for c in decision["approvals"]["counted"]]


class Gate:
    """A compiled spec on disk and a way to run `gatewright check` on evidence against it."""

    def __init__(self, data: dict, folder: Path, capsys) -> None:
        self.folder, self.capsys = folder, capsys
        self.spec = folder / "spec.json"
        write_spec(data, self.spec)

    def check(self, given: dict | str, *extra: str) -> tuple[int, dict | None, str]:
        path = self.folder / "evidence.json"
        path.write_text(given if isinstance(given, str) else json.dumps(given))
        code = main(["check", str(self.spec), "--gate", "gate", "--evidence", str(path), *extra])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, (json.loads(out) if "--json" in extra and out else None), err

    def text(self, given: dict) -> tuple[int, str]:
        """`check`'s exit code and what it prints without --json."""
        path = self.folder / "evidence.json"
        path.write_text(json.dumps(given))
        code = main(["check", str(self.spec), "--gate", "gate", "--evidence", str(path)])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, out


@pytest.fixture
def gate(spec_data, tmp_path: Path, capsys) -> Gate:
    """ml-lead (alice, bob, carol) x2 for every tier, risk (rita, raj, alice) x1 for high."""
    return Gate(spec_data, tmp_path, capsys)


def _isabel_spec(small_doc: Sop) -> dict:
    small_doc.set_document_field(
        "roles",
        [
            {
                "id": "ml-lead",
                "name": "ML lead",
                "members": ["alice", "bob", "isabel"],
                "model_team": True,
            },
            {"id": "sre", "name": "SRE", "members": ["sam"], "model_team": False},
            {"id": "risk", "name": "Model risk", "members": ["rita", "raj"], "model_team": False},
        ],
    )
    return compile_data(small_doc)


# -- 1. person ids: one form, compared without case ------------------------------------------


@pytest.mark.parametrize("submitter", ["Isabel", "ISABEL", "isabel"])
def test_the_submitter_in_another_case_cannot_approve(small_doc, tmp_path, capsys, submitter):
    gate = Gate(_isabel_spec(small_doc), tmp_path, capsys)
    code, decision, _ = gate.check(evidence(submitter, "low", vote("isabel")), "--json")
    assert code == 3 and decision["decision"] == "hold"
    assert decision["approvals"]["ignored"] == [{"by": "isabel", "reason": "self-approval"}]
    # And the approver's own spelling does not matter either.
    code, decision, _ = gate.check(evidence("isabel", "low", vote(submitter)), "--json")
    assert code == 3 and decision["approvals"]["ignored"][0]["reason"] == "self-approval"


@pytest.mark.parametrize(
    "submitter", ["isabel ", " isabel", "isabel\u200b", "\u0456sabel", "isabel\n", "is abel", ""]
)
def test_a_submitter_that_is_no_person_id_is_unusable_input(small_doc, tmp_path, capsys, submitter):
    gate = Gate(_isabel_spec(small_doc), tmp_path, capsys)
    code, decision, err = gate.check(evidence(submitter, "low", vote("isabel")), "--json")
    assert (code, decision) == (2, None)
    assert "$.candidate.submitted_by" in err and "person id" in err


@pytest.mark.parametrize("approver", ["alice ", "al\u0456ce", "alice\u200b", "alice\t"])
def test_an_approver_that_is_no_person_id_is_unusable_input(gate, approver) -> None:
    code, _, err = gate.check(evidence("carol", "low", vote(approver), vote("bob")))
    assert code == 2 and "$.approvals[0].by" in err and "person id" in err


def test_one_person_in_two_spellings_counts_once(gate) -> None:
    code, decision, _ = gate.check(evidence("carol", "low", vote("alice"), vote("Alice")), "--json")
    assert code == 3 and decision["approvals"]["status"] == "pending"
    assert pairs(decision) == [("alice", "ml-lead")]
    assert decision["approvals"]["ignored"] == [{"by": "Alice", "reason": "duplicate-person"}]


def test_a_member_listed_twice_in_two_cases_is_one_person(spec_data, tmp_path, capsys) -> None:
    """A spec whose role lists alice and Alice (validation refuses it in a document) does not
    let one person fill a count of 2."""
    spec_data["roles"][0]["members"] = ["alice", "Alice"]
    spec_data["digest"] = spec_digest(spec_data)
    gate = Gate(spec_data, tmp_path, capsys)
    code, decision, _ = gate.check(evidence("carol", "low", vote("alice"), vote("Alice")), "--json")
    assert code == 3 and len(decision["approvals"]["counted"]) == 1
    code, decision, _ = gate.check(evidence("carol", "low", vote("ALICE"), vote("bob")), "--json")
    assert code == 3, "bob is no longer a member"
    assert {"by": "bob", "reason": "not-a-member"} in decision["approvals"]["ignored"]


# -- 2. a valid rejection rejects, in any order ----------------------------------------------


@pytest.mark.parametrize(
    "votes",
    [
        # alice approved earlier in the file, then rejected
        [vote("alice"), vote("bob"), vote("alice", decision="reject")],
        # the rejection is dated before the approvals but listed after them
        [vote("alice", hours=1), vote("bob", hours=1), vote("alice", hours=5, decision="reject")],
        # the rejection first
        [vote("alice", hours=5, decision="reject"), vote("alice", hours=1), vote("bob")],
        # a rejection without a role, by a member
        [vote("alice"), vote("bob"), vote("bob", role=None, decision="reject")],
        # one person's rejection and another's two spellings
        [vote("Alice"), vote("bob"), vote("ALICE", decision="reject")],
    ],
)
def test_a_valid_rejection_rejects_whatever_else_was_recorded(gate, votes) -> None:
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 1 and decision["decision"] == "reject"
    assert decision["approvals"]["status"] == "rejected"
    assert any(code.startswith("approval-rejected:") for code in decision["codes"])


def test_the_order_of_the_entries_never_changes_the_decision(gate) -> None:
    votes = [vote("alice"), vote("bob"), vote("alice", hours=2, decision="reject"), vote("carol")]
    seen = set()
    for shift in range(len(votes)):
        turned = votes[shift:] + votes[:shift]
        for order in (turned, turned[::-1]):
            seen.add(gate.check(evidence("carol", "low", *order))[0])
    assert seen == {1}


def test_an_ineligible_rejection_is_ignored_with_its_reason(gate) -> None:
    votes = [vote("alice"), vote("bob"), vote("mallory", decision="reject")]
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 0
    assert decision["approvals"]["ignored"] == [
        {"by": "mallory", "reason": "not-a-member", "decision": "reject"}
    ]
    code, out = gate.text(evidence("carol", "low", *votes))
    assert code == 0 and "(ignored rejection by mallory: not-a-member)" in out


# -- 3. the clock is the machine's, or --at ---------------------------------------------------


def test_evidence_cannot_set_the_decision_time(gate) -> None:
    last_year = datetime.now(UTC) - timedelta(days=365)
    stamp = last_year.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    old = [{**vote("alice"), "at": stamp}, {**vote("bob"), "at": stamp}]
    given = {**evidence("carol", "low", *old), "now": stamp}
    code, decision, err = gate.check(given, "--json")
    assert code == 3 and decision["decision"] == "hold"
    assert {i["reason"] for i in decision["approvals"]["ignored"]} == {"expired"}
    assert "warning:" in err and "$.now" in err and "ignored" in err
    # A replay at that time, asked for on the command line, decides as then.
    code, decision, _ = gate.check(given, "--json", "--at", stamp)
    assert code == 0 and decision["decided_at"] == stamp


def test_an_approval_after_the_decision_time_is_in_the_future(gate) -> None:
    votes = [vote("alice", hours=-2), vote("bob")]
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 3 and {"by": "alice", "reason": "future"} in decision["approvals"]["ignored"]


@pytest.mark.parametrize(
    "at",
    [
        "2026-11-21T10:00:00",  # no timezone
        "2026-11-21",
        "1763719200",
        "yesterday",
        "2026-11-21T10:00:00Z junk",
        "\u0662\u0660\u0662\u0666-11-21T10:00:00Z",
    ],
)
def test_at_must_be_iso_8601_with_a_timezone(gate, at) -> None:
    code, _, err = gate.check(evidence("carol", "low", vote("alice"), vote("bob")), "--at", at)
    assert code == 2 and "--at" in err


@pytest.mark.parametrize(
    "at",
    [1763632800, 1763632800.5, "1763632800", "2026-11-20", "2026-11-20T10:00:00", True],
)
def test_an_approval_time_must_be_iso_8601_with_a_timezone(gate, at) -> None:
    record = {**vote("alice"), "at": at}
    code, _, err = gate.check(evidence("carol", "low", record, vote("bob")))
    assert code == 2 and "$.approvals[0].at" in err


def test_at_with_any_timezone_is_the_same_moment(gate) -> None:
    votes = [
        {**vote("alice"), "at": "2026-11-20T10:00:00Z"},
        {**vote("bob"), "at": "2026-11-20T12:00:00+02:00"},
    ]
    code, decision, _ = gate.check(
        evidence("carol", "low", *votes), "--json", "--at", "2026-11-21T05:30:00-05:00"
    )
    assert code == 0 and decision["decided_at"] == "2026-11-21T10:30:00Z"


# -- 4. the submitter is required under separation of duties ---------------------------------


def test_a_missing_submitter_holds_under_separation_of_duties(gate) -> None:
    code, decision, _ = gate.check(evidence(None, "low", vote("alice"), vote("bob")), "--json")
    assert code == 3 and decision["decision"] == "hold"
    assert "submitter-unknown" in decision["codes"]
    assert any("submitted_by" in reason for reason in decision["reasons"])
    code, _, _ = gate.check(evidence(None, "low", vote("alice"), vote("bob")))
    assert code == 3


def test_a_missing_submitter_does_not_hide_a_rejection(gate) -> None:
    votes = [vote("alice"), vote("bob", decision="reject")]
    assert gate.check(evidence(None, "low", *votes))[0] == 1


def test_without_separation_of_duties_the_submitter_is_not_needed(spec_data, tmp_path, capsys):
    spec_data["gates"][0]["approval"]["separation_of_duties"] = False
    spec_data["digest"] = spec_digest(spec_data)
    gate = Gate(spec_data, tmp_path, capsys)
    code, decision, _ = gate.check(evidence(None, "low", vote("alice"), vote("bob")), "--json")
    assert code == 0 and "submitter-unknown" not in decision["codes"]


def test_a_gate_without_approval_rules_needs_no_submitter(spec_data, tmp_path, capsys) -> None:
    spec_data["gates"][0]["approval"]["rules"] = []
    spec_data["digest"] = spec_digest(spec_data)
    gate = Gate(spec_data, tmp_path, capsys)
    assert gate.check(evidence(None, "low"))[0] == 0


# -- 5. approvals without a role: the assignment that satisfies the most rules ----------------


def test_approvals_without_a_role_count_for_the_rule_their_person_fits(gate) -> None:
    votes = [vote("alice", None), vote("bob", None)]
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 0 and pairs(decision) == [("alice", "ml-lead"), ("bob", "ml-lead")]


def test_a_person_in_two_roles_goes_where_the_rules_need_them(gate) -> None:
    """High tier: ml-lead x2 and risk x1. alice is in both; with bob and carol (not the
    submitter here) as ML leads, alice must count for risk, whatever the file order."""
    votes = [vote("alice", None), vote("bob", None), vote("carol", None)]
    for order in (votes, votes[::-1], votes[1:] + votes[:1]):
        code, decision, _ = gate.check(evidence("dmitri", "high", *order), "--json")
        assert code == 0, decision["reasons"]
        assert ("alice", "risk") in pairs(decision)


def test_a_person_in_two_roles_still_counts_once(gate) -> None:
    votes = [vote("alice", None), vote("bob", None)]
    code, decision, _ = gate.check(evidence("dmitri", "high", *votes), "--json")
    assert code == 3
    assert len(decision["approvals"]["counted"]) == 2
    assert any("risk" in reason or "ml-lead" in reason for reason in decision["reasons"])


def test_a_stated_role_binds_the_approval(gate) -> None:
    """alice said ml-lead: she cannot be moved to risk, so risk is short."""
    votes = [vote("alice", "ml-lead"), vote("bob", None), vote("carol", None)]
    code, decision, _ = gate.check(evidence("dmitri", "high", *votes), "--json")
    assert code == 3 and "approvals-pending" in decision["codes"]


def _two_rules(spec_data: dict, mode: str, ml_count: int = 1, risk_count: int = 1) -> dict:
    spec_data["gates"][0]["approval"]["mode"] = mode
    spec_data["gates"][0]["approval"]["rules"] = [
        {"role": "ml-lead", "count": ml_count},
        {"role": "risk", "count": risk_count},
    ]
    spec_data["digest"] = spec_digest(spec_data)
    return spec_data


def test_two_rules_competing_for_one_person(spec_data, tmp_path, capsys) -> None:
    """Both rules could take alice; only alice -> risk, bob -> ml-lead satisfies both."""
    gate = Gate(_two_rules(spec_data, "all"), tmp_path, capsys)
    for votes in (
        [vote("alice", None), vote("bob", None)],
        [vote("bob", None), vote("alice", None)],
    ):
        code, decision, _ = gate.check(evidence("dmitri", "low", *votes), "--json")
        assert code == 0
        assert sorted(pairs(decision)) == [("alice", "risk"), ("bob", "ml-lead")]


def test_mode_any_is_satisfied_by_one_rule(spec_data, tmp_path, capsys) -> None:
    gate = Gate(_two_rules(spec_data, "any", ml_count=2, risk_count=2), tmp_path, capsys)
    assert gate.check(evidence("dmitri", "low", vote("bob", None), vote("rita", None)))[0] == 3
    votes = [vote("alice", None), vote("rita", None)]
    code, decision, _ = gate.check(evidence("dmitri", "low", *votes), "--json")
    assert code == 0 and ("alice", "risk") in pairs(decision)


def test_counts_above_one_take_the_people_they_need(spec_data, tmp_path, capsys) -> None:
    gate = Gate(_two_rules(spec_data, "all", ml_count=2, risk_count=2), tmp_path, capsys)
    votes = [vote(p, None) for p in ("alice", "bob", "carol", "raj")]
    code, decision, _ = gate.check(evidence("dmitri", "low", *votes), "--json")
    assert code == 0  # alice -> risk with raj; bob and carol -> ml-lead
    votes = [vote(p, None) for p in ("alice", "bob", "raj")]
    code, decision, _ = gate.check(evidence("dmitri", "low", *votes), "--json")
    assert code == 3 and "1 more from" in " ".join(decision["reasons"])


def test_an_approval_without_a_role_by_a_non_member_is_ignored(gate) -> None:
    votes = [vote("alice", None), vote("bob", None), vote("mallory", None), vote("rita", None)]
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 0
    assert decision["approvals"]["ignored"] == [
        {"by": "mallory", "reason": "not-a-member"},
        {"by": "rita", "reason": "not-applicable-tier"},
    ]


# -- 6. the decision document ----------------------------------------------------------------


def test_the_decision_document_ties_the_decision_to_its_inputs(gate) -> None:
    given = evidence("carol", "low", vote("alice"), vote("bob"))
    text = json.dumps(given, indent=4)
    code, decision, _ = gate.check(text, "--json", "--at", "2026-12-01T08:00:00+01:00")
    assert code in (0, 3)
    assert decision["decided_at"] == "2026-12-01T07:00:00Z"
    assert decision["candidate"] == given["candidate"]
    canonical = json.dumps(given, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert decision["evidence_digest"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert decision["gatewright_version"] == app.__version__
    assert "signed_by" in decision and decision["signed_by"] is None
    assert decision["spec_digest"].startswith("sha256:")


def test_decided_at_is_the_machine_clock_without_at(gate) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    _, decision, _ = gate.check(evidence("carol", "low", vote("alice"), vote("bob")), "--json")
    decided = datetime.fromisoformat(decision["decided_at"].replace("Z", "+00:00"))
    assert decision["decided_at"].endswith("Z")
    assert before <= decided <= datetime.now(UTC)


# -- 9. strict numbers and keys in evidence ---------------------------------------------------


def test_duplicate_keys_in_evidence_are_refused(gate) -> None:
    text = json.dumps(evidence("carol", "low", vote("alice"), vote("bob")))
    text = text.replace('"submitted_by": "carol"', '"submitted_by": "carol", "submitted_by": "x"')
    code, _, err = gate.check(text)
    assert code == 2 and "'submitted_by' appears twice" in err


@pytest.mark.parametrize("number", ["1_0", "0x1F", "017", "1:30", "0.9_5", "+0b101", "1:30.5"])
def test_yaml_evidence_numbers_are_decimal_only(gate, number) -> None:
    path = gate.folder / "evidence.yaml"
    path.write_text(
        f"candidate: {{tier: low, submitted_by: carol}}\nmetrics:\n  latency: {number}\n"
    )
    code = main(["check", str(gate.spec), "--gate", "gate", "--evidence", str(path)])
    err = gate.capsys.readouterr().err
    assert code == 2 and "decimal" in err and "line 3" in err


def test_times_at_the_edges_of_the_calendar_never_crash(gate) -> None:
    votes = [vote("alice"), vote("bob")]
    code, decision, _ = gate.check(
        evidence("carol", "low", *votes), "--json", "--at", "0001-01-01T00:00:00Z"
    )
    assert code == 3 and {i["reason"] for i in decision["approvals"]["ignored"]} == {"future"}
    code, _, err = gate.check(evidence("carol", "low", *votes), "--at", "9999-12-31T23:59:59-23:00")
    assert code == 2 and "outside the years 1 to 9999" in err
    edge = {**vote("alice"), "at": "9999-12-31T23:59:59-23:59"}
    code, _, err = gate.check(evidence("carol", "low", edge, vote("bob")))
    assert code == 2 and "$.approvals[0].at" in err


def test_values_no_output_can_carry_are_shown_escaped(gate) -> None:
    """An unpaired surrogate where a number or check result belongs is an invalid value,
    reported (escaped) in the decision document, never an internal error."""
    text = json.dumps(evidence("carol", "low", vote("alice"), vote("bob")))
    text = text.replace('"accuracy": 0.95', '"accuracy": "\\ud800", "\\udfff": 1')
    code, decision, _ = gate.check(text, "--json")
    assert code == 1
    acc = next(c for c in decision["criteria"] if c["id"] == "acc")
    assert (acc["status"], acc["observed"]) == ("invalid", "\\ud800")
    assert gate.check(text)[0] == 1


@pytest.mark.parametrize("role", ["risk", "ceo", "sre"])
def test_a_rejection_naming_the_wrong_role_still_rejects(gate, role) -> None:
    """alice may approve as an ML lead; her rejection, filed under a role that does not
    apply (risk is for high tier), is unknown, or is not hers, rejects all the same."""
    votes = [vote("alice"), vote("bob"), vote("alice", role=role, decision="reject")]
    code, decision, _ = gate.check(evidence("carol", "low", *votes), "--json")
    assert code == 1
    assert decision["approvals"]["counted"][-1] == {
        "by": "alice",
        "role": "ml-lead",
        "decision": "reject",
    }
    # Someone who could not approve the candidate at all is still ignored.
    votes = [vote("alice"), vote("bob"), vote("rita", role=role, decision="reject")]
    assert gate.check(evidence("carol", "low", *votes))[0] == 0
