"""A compiled spec whose release gate uses every criterion form, data policy and rule kind."""

from __future__ import annotations

from typing import Any

import pytest

from app.compiler.compile import compile_data
from app.model import Sop
from app.spec.schema import GateSpec
from app.spec.timestamps import parse_timestamp
from app.validate.policy import Grant, Policy

NOW = "2026-11-21T10:00:00Z"
AT = parse_timestamp(NOW)
"""The decision time the cases are decided at (``check(..., at=AT)``, ``--at NOW``)."""


@pytest.fixture
def rich_doc(small_doc: Sop) -> Sop:
    small_doc.set_document_field(
        "metrics",
        [
            {"id": "accuracy", "name": "Accuracy", "min": 0, "max": 1},
            {"id": "latency", "name": "Latency p95", "direction": "lower", "min": 0},
            {"id": "auc", "name": "AUC", "min": 0, "max": 1},
            {"id": "fairness-gap", "name": "Fairness gap", "direction": "lower", "min": 0},
            {"id": "calibration", "name": "Calibration error", "direction": "lower", "min": 0},
        ],
    )
    small_doc.set_document_field(
        "roles",
        [
            {"id": "ml-lead", "name": "ML lead", "members": ["alice", "bob", "carol"]},
            {"id": "sre", "name": "SRE", "members": ["sam", "sue"]},
            {"id": "risk", "name": "Model risk", "members": ["rita", "raj", "alice"]},
        ],
    )
    small_doc.set_field(
        "gate",
        "criteria",
        [
            {"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9},
            {"id": "lat", "metric": "latency", "op": "<=", "value": 200, "on_missing": "hold"},
            {
                "id": "auc-reg",
                "metric": "auc",
                "op": ">=",
                "baseline": True,
                "delta": -0.01,
                "on_invalid": "hold",
            },
            {"id": "scan", "check": "security-scan", "equals": "passed"},
            {"id": "card", "artifact": "model-card"},
            {
                "id": "fair",
                "metric": "fairness-gap",
                "op": "<=",
                "value": 0.1,
                "tiers": ["high"],
                "on_missing": "hold",
            },
            {
                "id": "calib",
                "metric": "calibration",
                "op": "<=",
                "value": 0.05,
                "severity": "advisory",
            },
        ],
    )
    small_doc.set_field(
        "gate",
        "approval",
        {
            "rules": [{"role": "ml-lead", "count": 2}, {"role": "risk", "tiers": ["high"]}],
            "window_hours": 72,
        },
    )
    return small_doc


# alice is both an ML lead and a risk reviewer, to test that a person counts once; the
# validator rightly says risk is then not independent of the team. Only an organisation
# policy may grant that exception (a document's own lint may not).
INDEPENDENCE_WAIVED = Policy(
    "test-policy.toml",
    "test policy",
    exceptions=(
        Grant("high-tier-needs-independent-approval", "off", "tests: alice holds two roles"),
    ),
)


@pytest.fixture
def spec_data(rich_doc: Sop) -> dict[str, Any]:
    return compile_data(rich_doc, policy=INDEPENDENCE_WAIVED)


@pytest.fixture
def spec(spec_data: dict[str, Any]) -> GateSpec:
    return GateSpec.model_validate(spec_data)


def approval(
    by: str, role: str, at: str = "2026-11-20T10:00:00Z", decision: str = "approve"
) -> dict[str, str]:
    return {"by": by, "role": role, "decision": decision, "at": at}


@pytest.fixture
def passing_evidence() -> dict[str, Any]:
    """Evidence that promotes a low-tier candidate through the release gate."""
    return {
        "candidate": {
            "model": "scorer",
            "version": "2.0.0",
            "tier": "low",
            "submitted_by": "carol",
        },
        "metrics": {"accuracy": 0.93, "latency": 120, "auc": 0.91, "calibration": 0.02},
        "baseline": {"auc": 0.9},
        "checks": {"security-scan": "passed"},
        "artifacts": ["model-card"],
        "approvals": [approval("alice", "ml-lead"), approval("bob", "ml-lead")],
    }
