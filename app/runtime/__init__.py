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

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from app.spec.digest import DigestMismatchError

if TYPE_CHECKING:
    from datetime import datetime

    from app.runtime.evaluate import Decision
    from app.runtime.monitor import MonitorResult
    from app.spec.evidence import Evidence, Telemetry
    from app.spec.schema import GateSpec

# The decision code and the spec models load on first use, not with the package: the
# ledger's modules live here too, and `ledger stats` (sqlite3 and the standard library)
# would otherwise pay for every pydantic model of the runtime.
_LAZY = {"Decision": "app.runtime.evaluate", "MonitorResult": "app.runtime.monitor"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Package(types.ModuleType):
    """This package, whose ``monitor`` stays the function below: importing the submodule
    ``app.runtime.monitor`` later (on first use) must not replace it, as it would a plain
    package's attribute."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "monitor" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

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
    from app.spec.digest import verify_digest
    from app.spec.schema import GateSpec

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
    from app.runtime.evaluate import decide
    from app.spec.digest import evidence_digest
    from app.spec.evidence import Evidence

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
    from app.runtime.monitor import watch
    from app.spec.evidence import Telemetry

    model = as_spec(spec)
    if stage not in {s.id for s in model.stages}:
        known = ", ".join(s.id for s in model.stages)
        raise UnknownElementError(f"the spec has no stage {stage!r}; its stages are: {known}")
    if not isinstance(telemetry, Telemetry):
        telemetry = Telemetry.model_validate(telemetry)
    return watch(model, stage, telemetry, at)
