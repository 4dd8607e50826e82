"""Hand-written evidence cases for every rule of the fail-closed decision semantics."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import pytest

from app.runtime import UnknownElementError, check
from tests.runtime.conftest import AT, approval

Evidence = dict[str, Any]


def metric(name: str, value: Any) -> Callable[[Evidence], None]:
    return lambda e: e["metrics"].__setitem__(name, value)


def drop_metric(name: str) -> Callable[[Evidence], None]:
    return lambda e: e["metrics"].pop(name)


def tier(value: Any) -> Callable[[Evidence], None]:
    return lambda e: e["candidate"].__setitem__("tier", value)


def approvals(*records: dict[str, str]) -> Callable[[Evidence], None]:
    return lambda e: e.__setitem__("approvals", list(records))


def both(*changes: Callable[[Evidence], None]) -> Callable[[Evidence], None]:
    def apply(evidence: Evidence) -> None:
        for change in changes:
            change(evidence)

    return apply


HIGH_OK = both(
    tier("high"),
    metric("fairness-gap", 0.05),
    approvals(approval("alice", "ml-lead"), approval("bob", "ml-lead"), approval("rita", "risk")),
)

# name: (change, decision, codes expected among the decision's codes, statuses, ignored)
CASES: dict[str, tuple[Callable[[Evidence], None], str, set[str], dict[str, str], list[str]]] = {
    "everything passes": (lambda e: None, "promote", {"promoted"}, {"acc": "pass"}, []),
    "op >= at its boundary passes": (
        metric("accuracy", 0.9),
        "promote",
        set(),
        {"acc": "pass"},
        [],
    ),
    "op >= just below fails": (
        metric("accuracy", 0.8999),
        "reject",
        {"criterion-failed:acc"},
        {"acc": "fail"},
        [],
    ),
    "op <= at its boundary passes": (metric("latency", 200), "promote", set(), {"lat": "pass"}, []),
    "op <= just above fails": (
        metric("latency", 200.5),
        "reject",
        {"criterion-failed:lat"},
        {"lat": "fail"},
        [],
    ),
    "missing metric with fail policy rejects": (
        drop_metric("accuracy"),
        "reject",
        {"criterion-missing-fail:acc"},
        {"acc": "missing"},
        [],
    ),
    "null metric counts as missing": (
        metric("accuracy", None),
        "reject",
        {"criterion-missing-fail:acc"},
        {"acc": "missing"},
        [],
    ),
    "missing metric with hold policy holds": (
        drop_metric("latency"),
        "hold",
        {"criterion-missing-hold:lat"},
        {"lat": "missing"},
        [],
    ),
    "NaN is invalid and its fail policy rejects": (
        metric("accuracy", math.nan),
        "reject",
        {"criterion-invalid-fail:acc"},
        {"acc": "invalid"},
        [],
    ),
    "infinity is invalid": (
        metric("accuracy", math.inf),
        "reject",
        {"criterion-invalid-fail:acc"},
        {"acc": "invalid"},
        [],
    ),
    "a string where a number belongs is invalid": (
        metric("accuracy", "0.95"),
        "reject",
        {"criterion-invalid-fail:acc"},
        {"acc": "invalid"},
        [],
    ),
    "a boolean is not a number": (
        metric("accuracy", True),
        "reject",
        {"criterion-invalid-fail:acc"},
        {"acc": "invalid"},
        [],
    ),
    "invalid with hold policy holds": (
        metric("auc", "n/a"),
        "hold",
        {"criterion-invalid-hold:auc-reg"},
        {"auc-reg": "invalid"},
        [],
    ),
    "baseline plus delta at the boundary passes": (
        metric("auc", 0.89),
        "promote",
        set(),
        {"auc-reg": "pass"},
        [],
    ),
    "baseline plus delta below fails": (
        metric("auc", 0.88),
        "reject",
        {"criterion-failed:auc-reg"},
        {"auc-reg": "fail"},
        [],
    ),
    "missing baseline is missing": (
        lambda e: e["baseline"].clear(),
        "reject",
        {"criterion-missing-fail:auc-reg"},
        {"auc-reg": "missing"},
        [],
    ),
    "check with another value fails": (
        lambda e: e["checks"].__setitem__("security-scan", "failed"),
        "reject",
        {"criterion-failed:scan"},
        {"scan": "fail"},
        [],
    ),
    "check value true is not the string passed": (
        lambda e: e["checks"].__setitem__("security-scan", True),
        "reject",
        {"criterion-failed:scan"},
        {"scan": "fail"},
        [],
    ),
    "missing artifact rejects": (
        lambda e: e["artifacts"].clear(),
        "reject",
        {"criterion-missing-fail:card"},
        {"card": "missing"},
        [],
    ),
    "advisory failing never blocks": (
        metric("calibration", 0.5),
        "promote",
        {"promoted"},
        {"calib": "fail"},
        [],
    ),
    "tier-restricted criterion is skipped for other tiers": (
        lambda e: None,
        "promote",
        set(),
        {"fair": "skipped"},
        [],
    ),
    "unknown tier is treated as the strictest": (
        tier("platinum"),
        "hold",
        {"approvals-pending", "criterion-missing-hold:fair"},
        {"fair": "missing"},
        [],
    ),
    "missing tier is treated as the strictest": (
        tier(None),
        "hold",
        {"criterion-missing-hold:fair"},
        {"fair": "missing"},
        [],
    ),
    "high tier with everything": (HIGH_OK, "promote", {"promoted"}, {"fair": "pass"}, []),
    "quorum across two rules: risk approval missing holds": (
        both(HIGH_OK, approvals(approval("alice", "ml-lead"), approval("bob", "ml-lead"))),
        "hold",
        {"approvals-pending"},
        {},
        [],
    ),
    "quorum short by one holds": (
        approvals(approval("alice", "ml-lead")),
        "hold",
        {"approvals-pending"},
        {},
        [],
    ),
    "self-approval is ignored": (
        approvals(approval("alice", "ml-lead"), approval("carol", "ml-lead")),
        "hold",
        {"approvals-pending"},
        {},
        ["carol:self-approval"],
    ),
    "a non-member is ignored": (
        approvals(approval("alice", "ml-lead"), approval("mallory", "ml-lead")),
        "hold",
        {"approvals-pending"},
        {},
        ["mallory:not-a-member"],
    ),
    "an unknown role is ignored": (
        approvals(approval("alice", "ml-lead"), approval("bob", "ml-lead"), approval("sam", "ceo")),
        "promote",
        {"promoted"},
        {},
        ["sam:unknown-role"],
    ),
    "a role the gate does not name is ignored": (
        approvals(approval("alice", "ml-lead"), approval("bob", "ml-lead"), approval("sam", "sre")),
        "promote",
        set(),
        {},
        ["sam:unknown-role"],
    ),
    "a rule for another tier does not count": (
        approvals(
            approval("alice", "ml-lead"), approval("bob", "ml-lead"), approval("rita", "risk")
        ),
        "promote",
        set(),
        {},
        ["rita:not-applicable-tier"],
    ),
    "an approval older than the window expired": (
        approvals(
            approval("alice", "ml-lead"), approval("bob", "ml-lead", at="2026-11-17T09:59:59Z")
        ),
        "hold",
        {"approvals-pending"},
        {},
        ["bob:expired"],
    ),
    "an approval exactly at the window edge counts": (
        approvals(
            approval("alice", "ml-lead"), approval("bob", "ml-lead", at="2026-11-18T10:00:00Z")
        ),
        "promote",
        set(),
        {},
        [],
    ),
    "an approval from the future is ignored": (
        approvals(
            approval("alice", "ml-lead"), approval("bob", "ml-lead", at="2026-11-22T10:00:00Z")
        ),
        "hold",
        {"approvals-pending"},
        {},
        ["bob:future"],
    ),
    "one person counts once whatever roles they hold": (
        both(
            HIGH_OK,
            approvals(
                approval("alice", "ml-lead"), approval("bob", "ml-lead"), approval("alice", "risk")
            ),
        ),
        "hold",
        {"approvals-pending"},
        {},
        ["alice:duplicate-person"],
    ),
    "the same approval twice counts once": (
        approvals(approval("alice", "ml-lead"), approval("alice", "ml-lead")),
        "hold",
        {"approvals-pending"},
        {},
        ["alice:duplicate-person"],
    ),
    "a rejection by an eligible approver rejects": (
        approvals(
            approval("alice", "ml-lead"),
            approval("bob", "ml-lead"),
            approval("rita", "risk", decision="reject"),
        ),
        "promote",
        set(),
        {},
        ["rita:not-applicable-tier"],
    ),
    "a rejection by an eligible approver of the tier rejects": (
        both(
            HIGH_OK,
            approvals(
                approval("alice", "ml-lead"),
                approval("bob", "ml-lead"),
                approval("raj", "risk", decision="reject"),
            ),
        ),
        "reject",
        {"approval-rejected:raj"},
        {},
        [],
    ),
    "a rejection by a non-member is ignored": (
        approvals(
            approval("alice", "ml-lead"),
            approval("bob", "ml-lead"),
            approval("eve", "ml-lead", decision="reject"),
        ),
        "promote",
        set(),
        {},
        ["eve:not-a-member"],
    ),
    "reject beats hold": (
        both(drop_metric("latency"), metric("accuracy", 0.5)),
        "reject",
        {"criterion-failed:acc", "criterion-missing-hold:lat"},
        {},
        [],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_decision_case(name: str, spec, passing_evidence) -> None:
    change, expected, codes, statuses, ignored = CASES[name]
    evidence = copy.deepcopy(passing_evidence)
    change(evidence)
    decision = check(spec, "gate", evidence, at=AT)
    assert decision.decision == expected, decision.reasons
    assert codes <= set(decision.codes)
    got = {r.id: r.status for r in decision.criteria}
    assert {k: got[k] for k in statuses} == statuses
    assert [f"{i['by']}:{i['reason']}" for i in decision.approvals.ignored] == ignored
    assert decision.reasons and all(isinstance(r, str) and r for r in decision.reasons)


def test_any_mode_needs_one_rule(spec_data, passing_evidence) -> None:
    from app.spec.digest import spec_digest

    spec_data["gates"][0]["approval"]["mode"] = "any"
    spec_data["digest"] = spec_digest(spec_data)
    evidence = copy.deepcopy(passing_evidence)
    evidence["candidate"]["tier"] = "high"
    evidence["metrics"]["fairness-gap"] = 0.01
    evidence["approvals"] = [approval("rita", "risk")]
    assert check(spec_data, "gate", evidence, at=AT).decision == "promote"


def test_no_applicable_rule_means_not_required(spec_data, passing_evidence) -> None:
    from app.spec.digest import spec_digest

    spec_data["gates"][0]["approval"]["rules"] = [{"role": "risk", "count": 1, "tiers": ["high"]}]
    spec_data["digest"] = spec_digest(spec_data)
    evidence = copy.deepcopy(passing_evidence)
    evidence["approvals"] = []
    decision = check(spec_data, "gate", evidence, at=AT)
    assert decision.decision == "promote"
    assert decision.approvals.status == "not_required"


def test_separation_of_duties_off_lets_the_submitter_approve(spec_data, passing_evidence):
    from app.spec.digest import spec_digest

    spec_data["gates"][0]["approval"]["separation_of_duties"] = False
    spec_data["digest"] = spec_digest(spec_data)
    evidence = copy.deepcopy(passing_evidence)
    evidence["approvals"] = [approval("alice", "ml-lead"), approval("carol", "ml-lead")]
    assert check(spec_data, "gate", evidence, at=AT).decision == "promote"


def test_a_tampered_spec_dict_is_refused_before_evaluation(spec_data, passing_evidence):
    from app.spec.digest import DigestMismatchError

    spec_data["gates"][0]["criteria"][0]["value"] = 0.0
    with pytest.raises(DigestMismatchError):
        check(spec_data, "gate", passing_evidence, at=AT)


def test_unknown_gate(spec, passing_evidence) -> None:
    with pytest.raises(UnknownElementError, match=r"no gate 'nope'.*gate"):
        check(spec, "nope", passing_evidence)


def test_decision_json_matches_the_contract(spec, passing_evidence) -> None:
    evidence = copy.deepcopy(passing_evidence)
    evidence["metrics"]["accuracy"] = math.nan
    payload = check(spec, "gate", evidence, at=AT).to_json()
    assert list(payload) == [
        "gate",
        "decision",
        "spec_digest",
        "criteria",
        "approvals",
        "reasons",
        "codes",
        "decided_at",
        "candidate",
        "evidence_digest",
        "gatewright_version",
        "signed_by",
    ]
    assert payload["decided_at"] == "2026-11-21T10:00:00Z"
    assert payload["candidate"] == evidence["candidate"]
    assert payload["criteria"][0] == {
        "id": "acc",
        "status": "invalid",
        "severity": "blocking",
        "observed": "NaN",
        "expected": ">= 0.9",
    }
    assert set(payload["approvals"]) == {"status", "counted", "ignored"}
    import json

    json.dumps(payload, allow_nan=False)  # strictly valid JSON
