"""What a deploy job may deploy: the candidate its gate promoted, on the spec it runs.

A deploy job is handed the gate's decision document (``check --json``, kept as an
artifact) and the model and version it is about to deploy. It goes on only when the
document is a ``promote`` of that gate, decided on this spec, for that same candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.spec.schema import GateSpec


@dataclass(frozen=True)
class DeployVerdict:
    """``allowed``, and one sentence saying why (or what will be deployed)."""

    allowed: bool
    sentence: str


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def deployable(
    spec: GateSpec, gate_id: str, document: Any, model: str = "", version: str = ""
) -> DeployVerdict:
    """Whether the decision ``document`` lets the candidate ``model`` ``version`` through
    ``gate_id``. An empty ``model`` or ``version`` is not compared: the deploy job then
    deploys the decided candidate, which the sentence names."""
    if not isinstance(document, dict):
        return DeployVerdict(False, "is not a decision document (a JSON object)")
    gate = _text(document.get("gate"))
    if gate != gate_id:
        return DeployVerdict(False, f"decides gate {gate!r}, not {gate_id!r}")
    if document.get("spec_digest") != spec.digest:
        return DeployVerdict(
            False, "was decided on another spec than the one this job runs (its spec_digest)"
        )
    decision = _text(document.get("decision"))
    if decision != "promote":
        return DeployVerdict(False, f"is a {decision or 'missing'} decision, not a promote")
    candidate = document.get("candidate")
    if not isinstance(candidate, dict):
        return DeployVerdict(False, "names no candidate, so what was decided is unknown")
    decided_model = _text(candidate.get("model")) or ""
    decided_version = _text(candidate.get("version")) or ""
    for given, decided, what in (
        (model, decided_model, "model"),
        (version, decided_version, "version"),
    ):
        if given and given != decided:
            return DeployVerdict(
                False,
                f"promoted {what} {decided!r}, but this job was given {what} {given!r}; "
                "deploy what the gate decided, or run the gate for this candidate",
            )
    if not decided_model or not decided_version:
        # Nothing to compare: the evidence named no candidate, and the job was given none.
        return DeployVerdict(
            True,
            f"gate {gate_id} promoted a candidate its evidence did not name (no model and "
            "version): deploying what this job deploys",
        )
    return DeployVerdict(
        True,
        f"gate {gate_id} promoted {decided_model} {decided_version}: deploying it"
        + _with_conditions(document.get("conditions")),
    )


def _with_conditions(conditions: Any) -> str:
    """`` with 2 conditions ...`` when the promotion comes with conditions (the decision
    document lists them with who set them), else ``""``: the deployer should know."""
    if not isinstance(conditions, list) or not conditions:
        return ""
    count = len(conditions)
    return (
        f", with {count} condition{'s' if count != 1 else ''} its approvers set (listed under "
        '"conditions" in the decision document)'
    )
