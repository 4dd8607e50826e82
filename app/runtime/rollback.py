"""A rollback carried out in the model registry (`gatewright rollback`, CONTRACTS section 8):
the alias a stage serves from goes back to the last version the ledger records as promoted
into that stage, and the rollback is recorded.

The order is: read everything (the version holding the alias, the version to go back to),
record the rollback in the ledger, then move the alias. A rollback the ledger cannot record
is not made (the alias stays where it was); a move the registry refuses after the record
leaves an entry saying what was decided, and the error says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from app.runtime.collect import CollectError
from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import rollback_draft
from app.runtime.ledger_location import LedgerLocation
from app.runtime.mlflow_evidence import ModelVersion, shown_uri
from app.spec.schema import GateSpec

PREVIOUS_STABLE = "previous-stable"


class RollbackError(ValueError):
    """A rollback that cannot be carried out; the message is one sentence."""


class AliasRegistry(Protocol):
    """What a rollback needs of the registry (``MlflowClientRegistry`` has it)."""

    uri: str

    def alias(self, model: str, alias: str) -> ModelVersion | None: ...

    def move_alias(self, model: str, alias: str, version: str) -> None: ...


@dataclass(frozen=True)
class RolledBack:
    """What a rollback did."""

    stage: str
    model: str
    alias: str
    from_version: str
    to_version: str
    entry: int
    ledger: str

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": "rollback",
            "stage": self.stage,
            "model": self.model,
            "alias": self.alias,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "ledger": self.ledger,
            "ledger_entry": self.entry,
        }


def _policy(spec: GateSpec, stage: str) -> str:
    """The stage's rollback target this command carries out (``previous-stable``)."""
    if stage not in {known.id for known in spec.stages}:
        raise RollbackError(f"the spec has no stage {stage!r}")
    targets = [policy.target for policy in spec.policies_for(stage)]
    if targets and PREVIOUS_STABLE not in targets:
        raise RollbackError(
            f"the rollback policies of stage {stage!r} demote to {', '.join(targets)}, not "
            f"{PREVIOUS_STABLE}: a registry alias cannot carry that out"
        )
    return PREVIOUS_STABLE


def roll_back(
    spec: GateSpec,
    stage: str,
    registry: AliasRegistry,
    model: str,
    alias: str,
    ledger_location: LedgerLocation,
    at: datetime | None = None,
) -> RolledBack:
    """Move ``alias`` of ``model`` back to the version promoted into ``stage`` before the
    one holding it, recording the rollback first. ``RollbackError`` (the registry's and
    the ledger's errors are the caller's: ``CollectError``, ``LedgerError``)."""
    policy = _policy(spec, stage)
    holder = registry.alias(model, alias)
    if holder is None:
        raise RollbackError(
            f"no version of model {model!r} holds the alias {alias} at "
            f"{shown_uri(registry.uri)}: nothing to roll back"
        )
    with Ledger.open(ledger_location) as ledger:
        target = ledger.last_promoted_before(model, stage, holder.version, spec.metadata.name)
        if target is None:
            raise RollbackError(
                f"the ledger {ledger.shown} records no version of {model!r} promoted into "
                f"{stage} before version {holder.version}: nothing moved"
            )
        details = {"alias": alias, "policy": policy, "registry": shown_uri(registry.uri)}
        draft = rollback_draft(
            spec, stage, model, holder.version, target, at or datetime.now(UTC), details
        )
        entry = ledger.append(draft)
        shown = ledger.shown
    try:
        registry.move_alias(model, alias, target)
    except CollectError as error:
        raise RollbackError(
            f"{error}; the ledger {shown} records the rollback as entry {entry.seq}, but the "
            f"alias {alias} still names version {holder.version}: move it to version {target} "
            "by hand"
        ) from None
    return RolledBack(stage, model, alias, holder.version, target, entry.seq, shown)
