"""Properties of check: fail-closed under removal, monotone under approvals, tamper-evident."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.runtime import as_spec, check
from app.runtime.evaluate import CompiledGate
from app.spec.evidence import ApprovalRecord, Evidence
from app.spec.fileio import InputError
from app.spec.files import load_spec, write_spec
from app.spec.schema import GateSpec
from tests.runtime.conftest import AT, approval

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 500),
    st.sampled_from(["x", None, True]),
)
METRICS = st.dictionaries(
    st.sampled_from(["accuracy", "latency", "auc", "fairness-gap", "calibration"]), VALUES
)
PEOPLE = st.sampled_from(["alice", "bob", "carol", "rita", "raj", "mallory", "sam", "Alice", "BOB"])
ROLES = st.sampled_from(["ml-lead", "risk", "sre", "ceo", None])  # None: no role stated
TIMES = st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-10T10:00:00Z", "2026-11-22T10:00:00Z"])
CONDITIONS = st.lists(st.sampled_from(["retrain", "recalibrate", "document the data"]), max_size=2)


def _remarked(record: dict, conditions: list[str], comment: str | None) -> dict:
    """``record`` with a comment and conditions where its decision may carry them: a
    revise always says something; a rejection sets no conditions."""
    if record["decision"] == "reject":
        conditions = []
    if record["decision"] == "revise" and not conditions and comment is None:
        conditions = ["retrain"]
    if conditions:
        record["conditions"] = conditions
    if comment is not None:
        record["comment"] = comment
    return record


RECORDS = st.builds(
    _remarked,
    st.builds(
        approval, PEOPLE, ROLES, TIMES, st.sampled_from(["approve", "approve", "reject", "revise"])
    ),
    CONDITIONS,
    st.sampled_from([None, "ok", "not yet"]),
)


def evidence_with(base: dict, metrics: dict, records: list, tier: str) -> dict:
    evidence = copy.deepcopy(base)
    evidence["metrics"].update(metrics)
    evidence["approvals"] = records
    evidence["candidate"]["tier"] = tier
    return evidence


@SETTINGS
@given(
    METRICS,
    st.lists(RECORDS, max_size=5),
    st.sampled_from(["low", "medium", "high"]),
    st.sampled_from(["accuracy", "latency", "auc", "fairness-gap"]),
)
def test_removing_a_metric_never_turns_reject_into_promote(
    spec, passing_evidence, metrics, records, tier, removed
) -> None:
    evidence = evidence_with(passing_evidence, metrics, records, tier)
    before = check(spec, "gate", evidence, at=AT).decision
    evidence["metrics"].pop(removed, None)
    after = check(spec, "gate", evidence, at=AT).decision
    if before == "reject":
        assert after != "promote"
    if before == "hold":
        assert after != "promote"


@SETTINGS
@given(METRICS, st.lists(RECORDS, max_size=5), RECORDS, st.sampled_from(["low", "high"]))
def test_an_approval_never_turns_promote_into_hold_or_reject(
    spec, passing_evidence, metrics, records, extra, tier
) -> None:
    evidence = evidence_with(passing_evidence, metrics, records, tier)
    before = check(spec, "gate", evidence, at=AT).decision
    evidence["approvals"].append(extra)
    after = check(spec, "gate", evidence, at=AT).decision
    if before == "promote" and extra["decision"] == "approve":
        assert after == "promote"


@pytest.fixture
def spec_file(spec_data, tmp_path: Path) -> Path:
    path = tmp_path / "spec.json"
    write_spec(spec_data, path)
    return path


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_single_byte_change_to_a_spec_file_is_detected(spec_file: Path, data) -> None:
    original = spec_file.read_bytes()
    position = data.draw(st.integers(0, len(original) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[position]))
    tampered = spec_file.with_name("tampered.json")
    tampered.write_bytes(original[:position] + bytes([byte]) + original[position + 1 :])
    with pytest.raises(InputError):
        load_spec(tampered)


def test_the_untouched_spec_file_loads(spec_file: Path) -> None:
    assert load_spec(spec_file).gate("gate") is not None


@SETTINGS
@given(METRICS, st.lists(RECORDS, max_size=6), st.sampled_from(["low", "medium", "high"]))
def test_a_review_decided_as_approvals_arrive_agrees_with_check_at_every_step(
    spec, passing_evidence, metrics, records, tier
) -> None:
    """The simulator's incremental path (``GateReview``) and ``check`` give the same decision,
    and the gate never promotes before ``approvals_needed`` approvals have been recorded."""
    model = as_spec(spec)
    gate = model.gate("gate")
    evidence = Evidence.model_validate(evidence_with(passing_evidence, metrics, [], tier))
    review = CompiledGate.of(model, gate).review(evidence)
    fresh = check(model, "gate", evidence, at=AT)
    held_on_data = any(code.startswith("criterion-") for code in fresh.codes)
    waiting_for_approvals = fresh.decision == "hold" and not held_on_data
    assert review.criteria_outcome == ("promote" if waiting_for_approvals else fresh.decision)
    for record in records:
        evidence.approvals.append(ApprovalRecord.model_validate(record))
        incremental = review.decision(AT)
        fresh = check(model, "gate", evidence, at=AT)
        fresh.evidence_digest = None  # the review decides from records, not from a file
        assert incremental.to_json() == fresh.to_json()
        approving = [r for r in evidence.approvals if r.decision == "approve"]
        if len(approving) < review.approvals_needed:
            assert incremental.approvals.status != "satisfied"


@SETTINGS
@given(st.lists(RECORDS, max_size=6), st.sampled_from(["low", "high"]), st.randoms())
def test_the_order_of_the_approvals_never_changes_the_decision(
    spec, passing_evidence, records, tier, random
) -> None:
    evidence = evidence_with(passing_evidence, {"fairness-gap": 0.01}, records, tier)
    before = check(spec, "gate", evidence, at=AT)
    random.shuffle(evidence["approvals"])
    after = check(spec, "gate", evidence, at=AT)
    assert (after.decision, after.approvals.status) == (before.decision, before.approvals.status)
    assert sorted(after.codes) == sorted(before.codes)

    def key(item: dict) -> str:
        return json.dumps(item, sort_keys=True)

    assert sorted(after.conditions, key=key) == sorted(before.conditions, key=key)
    assert sorted(map(key, after.approvals.counted)) == sorted(map(key, before.approvals.counted))
    reasons = sorted(i["reason"] for i in before.approvals.ignored)
    assert sorted(i["reason"] for i in after.approvals.ignored) == reasons


@SETTINGS
@given(st.lists(RECORDS, max_size=6), st.sampled_from(["low", "high"]), st.data())
def test_the_case_of_a_person_id_never_changes_the_decision(
    spec, passing_evidence, records, tier, data
) -> None:
    evidence = evidence_with(passing_evidence, {"fairness-gap": 0.01}, records, tier)
    before = check(spec, "gate", evidence, at=AT).decision
    for record in evidence["approvals"]:
        record["by"] = data.draw(st.sampled_from([str.upper, str.lower, str.title]))(record["by"])
    evidence["candidate"]["submitted_by"] = "CAROL"
    assert check(spec, "gate", evidence, at=AT).decision == before


@SETTINGS
@given(st.lists(RECORDS, max_size=6), st.sampled_from(["low", "high"]), st.data())
def test_leaving_out_an_approvals_role_never_loses_a_promotion(
    spec, passing_evidence, records, tier, data
) -> None:
    evidence = evidence_with(passing_evidence, {"fairness-gap": 0.01}, records, tier)
    if check(spec, "gate", evidence, at=AT).decision != "promote":
        return
    approving = [r for r in evidence["approvals"] if r["decision"] == "approve"]
    if approving:
        data.draw(st.sampled_from(approving))["role"] = None
    assert check(spec, "gate", evidence, at=AT).decision == "promote"


@SETTINGS
@given(
    METRICS,
    st.lists(RECORDS, max_size=5),
    st.sampled_from(["low", "medium", "high"]),
    st.integers(-30, 80),
)
def test_a_compiled_gate_that_has_decided_before_decides_as_a_new_one(
    spec, spec_data, passing_evidence, metrics, records, tier, hours
) -> None:
    """Conclusions and approval outcomes are remembered by a compiled gate (for the spec's
    life) and by its policies: one that has seen every earlier example, failing criteria,
    holds and rejections included, decides exactly as one made now."""
    evidence = Evidence.model_validate(evidence_with(passing_evidence, metrics, records, tier))
    gate = spec.gate("gate")
    now = AT + timedelta(hours=hours)
    seasoned = CompiledGate.of(spec, gate).decide(evidence, now)
    fresh_spec = GateSpec.model_validate(spec_data)  # its own memo: nothing remembered
    fresh = CompiledGate(fresh_spec, fresh_spec.gate("gate")).decide(evidence, now)
    assert seasoned.to_json() == fresh.to_json()
