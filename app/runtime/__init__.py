"""The light pipeline runtime: evaluates a compiled gate spec (check, monitor).

Imports only ``app.spec``, pydantic and the standard library, so pipelines install and
import it fast. ``from app.runtime import check, monitor`` takes dicts or models::

    decision = check(spec, "production-gate", evidence)
    decision.decision           # "promote", "reject" or "hold"
    decision.to_json()          # the contract's decision document

The decision time is the machine's clock, or ``at=`` (an aware datetime) to replay a
decision; evidence cannot set it (its ``now`` is ignored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.runtime.evaluate import Decision, decide
from app.runtime.monitor import MonitorResult, watch
from app.spec.digest import DigestMismatchError, evidence_digest, verify_digest
from app.spec.evidence import Evidence, Telemetry
from app.spec.schema import GateSpec

__all__ = [
    "Decision",
    "DigestMismatchError",
    "MonitorResult",
    "UnknownElementError",
    "as_spec",
    "check",
    "monitor",
]


class UnknownElementError(KeyError):
    """The spec has no gate or stage with this id."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


def as_spec(spec: GateSpec | dict[str, Any]) -> GateSpec:
    """A spec model; a dict is digest-verified first (``DigestMismatchError``), then validated."""
    if isinstance(spec, GateSpec):
        return spec
    verify_digest(spec)
    return GateSpec.model_validate(spec)


def check(
    spec: GateSpec | dict[str, Any],
    gate: str,
    evidence: Evidence | dict[str, Any],
    *,
    at: datetime | None = None,
    given: Any = None,
) -> Decision:
    """Decide whether a candidate passes ``gate`` at time ``at`` (default: now): promote,
    reject or hold. ``given`` is the data ``evidence`` was validated from, when it is a
    model (the decision's ``evidence_digest`` is taken over it)."""
    model = as_spec(spec)
    target = model.gate(gate)
    if target is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate!r}; its gates are: {known}")
    if not isinstance(evidence, Evidence):
        given, evidence = evidence, Evidence.model_validate(evidence)
    elif given is None:
        given = evidence.model_dump(exclude_unset=True)
    decision = decide(model, target, evidence, at)
    decision.evidence_digest = evidence_digest(given)
    return decision


def monitor(
    spec: GateSpec | dict[str, Any],
    stage: str,
    telemetry: Telemetry | dict[str, Any],
    *,
    at: datetime | None = None,
) -> MonitorResult:
    """Decide whether ``stage`` is healthy, must roll back, or cannot be told
    (inconclusive), from its telemetry windows up to ``at`` (default: all of them)."""
    model = as_spec(spec)
    if stage not in {s.id for s in model.stages}:
        known = ", ".join(s.id for s in model.stages)
        raise UnknownElementError(f"the spec has no stage {stage!r}; its stages are: {known}")
    if not isinstance(telemetry, Telemetry):
        telemetry = Telemetry.model_validate(telemetry)
    return watch(model, stage, telemetry, at)
