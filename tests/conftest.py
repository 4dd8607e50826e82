"""Shared fixtures; Qt runs offscreen so that no test needs a display."""

from __future__ import annotations

import os

# Offscreen, on a 1366x768 screen: the small laptop screen the designer must fit (Qt's
# offscreen default is 800x800). A platform chosen with options is left as it is.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _SCREEN = os.path.join(os.path.dirname(__file__), "fixtures", "laptop-screen.json")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

import pytest

from app.model import Gate, Sop, Stage, Trigger, new_document


@pytest.fixture(autouse=True)
def own_workspace(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every test gets a workspace of its own: none reads or writes the user's."""
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(tmp_path / "own-workspace.db"))


@pytest.fixture
def small_doc() -> Sop:
    """dev -> gate -> prod, a reject path, and prod monitored by a trigger with a runbook."""
    return small_sop()


def small_sop() -> Sop:
    """The ``small_doc`` fixture's SOP, for fixtures of a wider scope."""
    doc = new_document("small", "Small SOP")
    doc.set_document_field(
        "roles",
        [
            {"id": "ml-lead", "name": "ML lead", "members": ["alice", "bob"], "model_team": True},
            {"id": "sre", "name": "SRE", "members": ["sam"], "model_team": False},
            {"id": "risk", "name": "Model risk", "members": ["rita", "raj"], "model_team": False},
        ],
    )
    doc.set_document_field(
        "metrics",
        [{"id": "accuracy", "name": "Accuracy", "direction": "higher", "min": 0, "max": 1}],
    )
    doc.set_document_field(
        "components", [{"id": "model", "name": "Model", "kind": "model", "owner": "ml-lead"}]
    )
    doc.add_node(Stage(id="dev", name="Development", environment="development"), (0, 0))
    doc.add_node(
        Gate(
            id="gate",
            name="Release gate",
            criteria=[{"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9}],
            approval={
                "rules": [{"role": "ml-lead", "count": 1}, {"role": "risk", "tiers": ["high"]}]
            },
        ),
        (190, 0),
    )
    doc.add_node(Stage(id="prod", name="Production", environment="production"), (380, 0))
    doc.add_node(
        Trigger(
            id="acc-drop",
            name="Accuracy drop",
            metric="accuracy",
            op="<",
            value=0.85,
            restores=[{"component": "model", "source": "registry-alias", "ref": "model@stable"}],
        ),
        (380, 200),
    )
    doc.add_node({"kind": "action", "id": "revert", "name": "Revert", "role": "sre", "minutes": 5})
    doc.add_node({"kind": "check", "id": "verify", "name": "Verify"})
    doc.connect("dev", "gate", "promote", "dev-to-gate")
    doc.connect("gate", "prod", "promote", "gate-to-prod")
    doc.connect("gate", "dev", "reject", "gate-reject")
    doc.connect("prod", "acc-drop", "monitor", "prod-watch")
    doc.connect("acc-drop", "revert", "rollback", "start-revert")
    doc.connect("revert", "verify", "next", "revert-then-verify")
    doc.connect("verify", "prod", "next", "verify-then-prod")
    return doc
