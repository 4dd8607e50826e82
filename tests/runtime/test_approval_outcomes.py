"""Approval outcomes are worked out once per policy for the same facts: never a stale one."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.runtime.approvals import ApprovalPolicy, evaluate_approvals
from app.runtime.evaluate import decide
from app.spec.evidence import ApprovalRecord, Evidence
from app.spec.schema import GateSpec
from tests.runtime.conftest import AT, approval

PEOPLE = st.sampled_from(["alice", "bob", "carol", "rita", "raj", "mallory", "Alice", "BOB"])
ROLES = st.sampled_from(["ml-lead", "risk", "sre", None])
TIMES = st.sampled_from(
    ["2026-11-20T10:00:00Z", "2026-11-17T09:00:00Z", "2026-11-22T10:00:00Z", "2026-11-21T10:00:00Z"]
)
RECORDS = st.lists(
    st.builds(approval, PEOPLE, ROLES, TIMES, st.sampled_from(["approve", "approve", "reject"])),
    max_size=5,
)
HOURS = st.integers(-30, 80)  # the decision time moves: records fall in and out of the window


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(RECORDS, HOURS, st.sampled_from(["low", "high"]), st.sampled_from(["carol", "alice"]))
def test_a_policy_that_has_seen_other_records_answers_as_a_new_one(
    spec: GateSpec, records, hours: int, tier: str, submitter: str
) -> None:
    gate = spec.gate("gate")
    assert gate is not None
    now = AT + timedelta(hours=hours)
    parsed = [ApprovalRecord.model_validate(record) for record in records]
    seasoned = ApprovalPolicy.of(spec, gate, tier, submitter)  # shared by every example
    fresh = ApprovalPolicy._make(spec, gate, tier, seasoned.own or submitter.lower())
    assert evaluate_approvals(seasoned, parsed, now) == evaluate_approvals(fresh, parsed, now)


def test_a_shared_outcome_cannot_be_changed_and_documents_are_copies(spec: GateSpec) -> None:
    gate = spec.gate("gate")
    assert gate is not None
    policy = ApprovalPolicy.of(spec, gate, "low", "carol")
    records = [ApprovalRecord.model_validate(approval("alice", "ml-lead"))]
    first = evaluate_approvals(policy, records, AT)
    with pytest.raises(TypeError):
        first.counted[0]["by"] = "mallory"  # type: ignore[index]
    with pytest.raises(AttributeError):
        first.short.append("changed by a caller")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        first.status = "satisfied"  # type: ignore[misc]
    # The decision document holds plain copies: changing one changes nothing remembered.
    evidence = Evidence.model_validate(
        {
            "candidate": {"model": "m", "version": "1", "tier": "low", "submitted_by": "carol"},
            "approvals": [approval("alice", "ml-lead")],
        }
    )
    document = decide(spec, gate, evidence, AT).to_json()
    document["approvals"]["counted"][0]["by"] = "mallory"
    second = evaluate_approvals(policy, records, AT)
    assert second is first
    assert list(map(dict, second.counted)) == [
        {"by": "alice", "role": "ml-lead", "decision": "approve"}
    ]
    assert second.short == ("1 more from ml-lead (1/2)",)
    assert decide(spec, gate, evidence, AT).to_json()["approvals"]["counted"][0]["by"] == "alice"
    # A shared entry still copies, pickles (to a worker process) and serializes as a dict.
    entry = second.counted[0]
    assert pickle.loads(pickle.dumps(entry)) == entry and json.loads(json.dumps(entry)) == entry
    assert copy.deepcopy(entry) == entry and {**entry, "by": "x"}["by"] == "x"


def test_the_same_records_later_are_expired(spec: GateSpec) -> None:
    gate = spec.gate("gate")
    assert gate is not None
    policy = ApprovalPolicy.of(spec, gate, "low", "carol")
    records = [
        ApprovalRecord.model_validate(approval("alice", "ml-lead")),
        ApprovalRecord.model_validate(approval("bob", "ml-lead")),
    ]
    assert evaluate_approvals(policy, records, AT).status == "satisfied"
    later = evaluate_approvals(policy, records, AT + timedelta(hours=80))  # the window is 72 h
    assert later.status == "pending"
    assert [entry["reason"] for entry in later.ignored] == ["expired", "expired"]
