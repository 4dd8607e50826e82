"""Hand-built SOPs for the maturity assessment: one per level 1..5, each with exactly the
evidence its level needs in every category (and what stops it at that level), and the
gaming SOP of issue 21."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.model.document import Sop
from app.model.io import loads_document
from app.validate.attestation import Attestation
from app.validate.maturity_evidence import Records

TIERS = ["low", "high"]


@dataclass
class Case:
    """An SOP and everything else the assessment reads for it."""

    doc: Sop
    measured: dict[str, Any] | None = None
    records: Records = field(default_factory=Records)
    attested: tuple[str, ...] = ()

    def attestations(self) -> list[Attestation]:
        if not self.attested:
            return []
        return [
            Attestation(
                "test.toml",
                self.doc.id,
                "rita@example.com",
                "Rita Rossi",
                date(2026, 11, 30),
                self.attested,
            )
        ]


def _roles(level: int) -> list[dict[str, Any]]:
    return [
        {"id": "builders", "name": "Builders", "members": ["ann", "bo"], "model_team": True},
        {"id": "risk", "name": "Model risk", "members": ["rita", "raj"], "model_team": False},
        {"id": "sre", "name": "SRE", "members": ["sam", "sue"], "model_team": False},
    ]


def _metrics(level: int) -> list[dict[str, Any]]:
    query = {"sources": {"prometheus": "sum(rate(errors[5m])) / sum(rate(requests[5m]))"}}
    return [
        {"id": "accuracy", "name": "Accuracy", "min": 0, "max": 1},
        {
            "id": "error_rate",
            "name": "Error rate",
            "direction": "lower",
            "min": 0,
            "max": 1,
            **(query if level >= 4 else {}),
        },
    ]


def _gate(gate_id: str, level: int, *, smoke: bool = False, last: bool = False) -> dict[str, Any]:
    severity = "advisory" if level == 1 else "blocking"
    criteria: list[dict[str, Any]] = [
        {"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9, "severity": severity}
    ]
    if smoke:
        criteria.append({"id": "smoke", "check": "smoke-tests", "severity": severity})
    if level >= 4:
        criteria.append(
            {"id": "acc-high", "metric": "accuracy", "op": ">=", "value": 0.95, "tiers": ["high"]}
        )
    rules = [{"role": "builders"}, {"role": "risk"}] if last else [{"role": "builders"}]
    approval: dict[str, Any] = {"rules": rules}
    if last and level >= 4:
        approval["window_hours"] = 72
    return {
        "kind": "gate",
        "id": gate_id,
        "name": gate_id,
        "criteria": criteria,
        "approval": approval,
    }


def level_case(level: int) -> Case:
    """An SOP at ``level`` in every category, with the records, figures and attestations
    that level needs (and nothing of the next level's)."""
    prod_strategy = {"type": "canary", "steps": [10, 50]} if level >= 4 else {"type": "blue-green"}
    stages = [
        {"kind": "stage", "id": "dev", "name": "Development", "environment": "development"},
        {"kind": "stage", "id": "staging", "name": "Staging", "environment": "staging"},
        {
            "kind": "stage",
            "id": "prod",
            "name": "Production",
            "environment": "production",
            **({"strategy": prod_strategy} if level >= 3 else {}),
        },
    ]
    automation = "registry-rollback" if level >= 4 else "manual"
    nodes = [
        *stages,
        _gate("staging-gate", level),
        _gate("prod-gate", level, smoke=level >= 3, last=True),
        {
            "kind": "trigger",
            "id": "errors-high",
            "name": "Errors high",
            "metric": "error_rate",
            "op": ">",
            "value": 0.05,
            "for_windows": 2,
            "max_minutes": 30,
            "restores": [{"component": "model", "source": "registry-alias", "ref": "model@stable"}],
        },
        {
            "kind": "action",
            "id": "roll-back",
            "name": "Roll back",
            "role": "sre",
            "minutes": 5,
            "automation": automation,
        },
        {
            "kind": "check",
            "id": "verify",
            "name": "Verify",
            "criteria": [{"id": "errors-ok", "metric": "error_rate", "op": "<=", "value": 0.01}],
        },
    ]
    edges = [
        ("dev", "staging-gate", "promote"),
        ("staging-gate", "staging", "promote"),
        ("staging-gate", "dev", "reject"),
        ("staging", "prod-gate", "promote"),
        ("prod-gate", "prod", "promote"),
        ("prod-gate", "staging", "reject"),
        ("prod", "errors-high", "monitor"),
        ("errors-high", "roll-back", "rollback"),
        ("roll-back", "verify", "next"),
        ("verify", "prod", "next"),
    ]
    data = {
        "format": "gatewright.sop/1",
        "id": f"level-{level}",
        "title": f"Level {level} SOP",
        "version": "1.0.0",
        "owner": "Platform team" if level >= 4 else "",
        "tiers": TIERS,
        "roles": _roles(level),
        "metrics": _metrics(level),
        "components": [{"id": "model", "name": "Model", "kind": "model", "owner": "sre"}],
        "nodes": nodes,
        "edges": [
            {"id": f"e{i}", "source": s, "target": t, "kind": k}
            for i, (s, t, k) in enumerate(edges)
        ],
    }
    doc = loads_document(json.dumps(data))
    drills = [{"trainee": name, "score": {"score": 90, "passed": True}} for name in ("ann", "sam")]
    records = Records(
        drills=drills if level >= 2 else [],
        revisions=2 if level >= 5 else 1,
        simulations=1 if level >= 5 else 0,
    )
    return Case(doc, figures(level), records, ATTESTED[level])


def figures(level: int) -> dict[str, Any] | None:
    """Ledger figures (the ``ledger stats`` shape) as measured at ``level``."""
    if level == 1:
        return None
    dora: dict[str, Any] = {
        "deployments": 6,
        "lead_time_hours": 20.0,
        "lead_time_level": "high",
        "change_failure_rate": 0.1,
        "change_failure_rate_level": "elite",
        "deployment_frequency_per_day": None if level == 2 else 0.4,
        "deployment_frequency_level": None if level == 2 else "high",
        "time_to_restore_hours": 0.5 if level >= 4 else None,
        "time_to_restore_level": "elite" if level >= 4 else None,
    }
    return {
        "sop_id": f"level-{level}",
        "ledger": "ledger.db",
        "decisions": 14,
        "period": {"from": "2026-11-01T00:00:00Z", "to": "2026-11-15T00:00:00Z", "days": 14},
        "dora": dora,
        "gates": {},
    }


NEW_ATTESTATIONS: dict[int, tuple[str, ...]] = {
    1: (),
    2: ("technology-2", "measurement-2"),
    3: ("people-3", "process-3", "technology-3"),
    4: ("people-4", "process-4"),
    5: ("people-5", "process-5", "technology-5", "measurement-5"),
}
"""The statements a person attests at each level, beyond those of the levels below."""
ATTESTED: dict[int, tuple[str, ...]] = {
    level: tuple(s for n in range(1, level + 1) for s in NEW_ATTESTATIONS[n])
    for level in NEW_ATTESTATIONS
}


def gaming_sop(automation: str = "manual") -> Sop:
    """Issue 21's SOP built to game the old assessment: six nodes, an advisory
    `accuracy >= 0`, an approver role called "Friends of builders" (declared independent),
    a 100,000-minute SLA and a "rollback" that only writes lessons learned (``automation``
    `registry-rollback` tries the automation evidence too)."""
    data = {
        "format": "gatewright.sop/1",
        "id": "gaming",
        "title": "Optimising deployment excellence",
        "version": "1.0.0",
        "owner": "Builders",
        "tiers": ["low", "high"],
        "roles": [
            {
                "id": "builders",
                "name": "Model builders",
                "members": ["ann", "bo"],
                "model_team": True,
            },
            {
                "id": "friends",
                "name": "Friends of builders",
                "members": ["fred", "fay"],
                "model_team": False,
            },
        ],
        "metrics": [
            {
                "id": "accuracy",
                "name": "Accuracy",
                "min": 0,
                "max": 1,
                "sources": {"prometheus": "model_accuracy"},
            }
        ],
        "nodes": [
            {"kind": "stage", "id": "dev", "name": "Development", "environment": "development"},
            {
                "kind": "gate",
                "id": "gate",
                "name": "Excellence gate",
                "criteria": [
                    {
                        "id": "acc",
                        "metric": "accuracy",
                        "op": ">=",
                        "value": 0,
                        "severity": "advisory",
                    }
                ],
                "approval": {"rules": [{"role": "friends"}], "window_hours": 1},
            },
            {
                "kind": "stage",
                "id": "prod",
                "name": "Production",
                "environment": "production",
                "strategy": {"type": "canary", "steps": [50, 100]},
            },
            {
                "kind": "trigger",
                "id": "any-drop",
                "name": "Any drop",
                "metric": "accuracy",
                "op": "<",
                "value": 0.5,
                "for_windows": 3,
                "max_minutes": 100000,
            },
            {
                "kind": "action",
                "id": "lessons",
                "name": "Write lessons learned and review the retrospective",
                "role": "builders",
                "automation": automation,
            },
            {"kind": "check", "id": "post-mortem", "name": "Post-mortem review"},
        ],
        "edges": [
            {"id": "a", "source": "dev", "target": "gate", "kind": "promote"},
            {"id": "b", "source": "gate", "target": "prod", "kind": "promote"},
            {"id": "c", "source": "gate", "target": "dev", "kind": "reject"},
            {"id": "d", "source": "prod", "target": "any-drop", "kind": "monitor"},
            {"id": "e", "source": "any-drop", "target": "lessons", "kind": "rollback"},
            {"id": "f", "source": "lessons", "target": "post-mortem", "kind": "next"},
            {"id": "g", "source": "post-mortem", "target": "prod", "kind": "next"},
        ],
    }
    return loads_document(json.dumps(data))
