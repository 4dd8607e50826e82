"""Ledger entries: what one decision records, and the hash that chains it to the one before."""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import suppress
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.runtime.evaluate import Decision
    from app.runtime.monitor import MonitorResult
    from app.spec.schema import GateSpec

GENESIS = ""
"""The ``prev_hash`` of the first entry."""
BLOCKING_STATUSES = ("fail", "missing", "invalid")


@dataclass(frozen=True)
class Entry:
    """One ledger row as stored; every field but ``hash`` is hashed (:func:`entry_hash`).

    Texts are stored as they come, except NUL and unpaired surrogates, which no database
    holds: they are written as escapes (``\\x00``, ``\\udc80``) before hashing."""

    seq: int
    kind: str  # check | monitor | rollback
    sop_id: str
    spec_digest: str
    gate: str | None
    stage: str | None
    """The stage decided about: a gate's ``to`` for checks, the watched or rolled-back stage."""
    final_stage: str | None
    """The spec's last stage on the promote path (where DORA figures are measured)."""
    decision: str
    model: str | None
    version: str | None
    tier: str | None
    submitted_by: str | None
    evidence_digest: str | None
    decided_at: str
    """The decision time in UTC, always with microseconds (text order is time order)."""
    recorded_at: str
    blocked_by: str
    """The ids of the blocking criteria that did not pass, separated by spaces."""
    document: str
    """The decision document as canonical JSON (sorted keys, ASCII)."""
    prev_hash: str
    hash: str = ""

    def candidate(self) -> dict[str, str]:
        fields_ = ("model", "version", "tier", "submitted_by")
        return {name: value for name in fields_ if (value := getattr(self, name))}

    def to_json(self) -> dict[str, Any]:
        """The entry as ``ledger list --json`` prints it: the document decoded."""
        data = asdict(self)
        for name in ("model", "version", "tier", "submitted_by"):
            del data[name]
        data["candidate"] = self.candidate()
        data["blocked_by"] = self.blocked_by.split()
        with suppress(ValueError):  # a tampered row is shown as stored; verify reports it
            data["document"] = document = json.loads(self.document)
            conditions = document.get("conditions") if isinstance(document, dict) else None
            if conditions:
                # Conditions are recorded in the (hashed) decision document; entries from
                # before approvals could carry them have none, and verify as they are.
                data["conditions"] = conditions
        return data


COLUMNS = tuple(field.name for field in fields(Entry))
HASHED = tuple(name for name in COLUMNS if name != "hash")


def storable(value: Any) -> Any:
    """Text any database holds: NUL and unpaired surrogates written as escapes."""
    if not isinstance(value, str):
        return value
    text = value.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def document_text(document: Any) -> str:
    """Canonical JSON, ASCII only: NUL and surrogates escaped, the same bytes everywhere."""
    try:
        return json.dumps(
            document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"the decision document is not plain JSON data ({error})") from None


def entry_hash(values: dict[str, Any]) -> str:
    """``sha256:`` of the canonical JSON of an entry's hashed fields (its content and the
    previous entry's hash)."""
    payload = json.dumps(
        {name: values[name] for name in HASHED},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return "sha256:" + hashlib.sha256(payload.encode("ascii")).hexdigest()


def sortable_time(moment: datetime) -> str:
    """``2026-11-21T10:00:00.000000Z``: fixed width, so that text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_TIME_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
KINDS = ("check", "monitor", "rollback")


def not_as_written(values: dict[str, Any]) -> str | None:
    """Why a stored entry is not as :meth:`Draft.entry` writes one (None: it is): a kind
    the ledger does not record, or a time not in its fixed-width UTC form. Such an entry
    can pass its hash only when someone rewrote the chain after editing it."""
    if values["kind"] not in KINDS:
        return f"its kind ({str(values['kind'])[:40]!r}) is none the ledger records"
    for name in ("decided_at", "recorded_at"):
        text = values[name]
        if not isinstance(text, str) or not _TIME_SHAPE.fullmatch(text) or _impossible(text):
            return (
                f"its {name} ({str(text)[:40]!r}) is not a time as the ledger records them "
                "(UTC, to the microsecond)"
            )
    return None


def _impossible(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return True  # e.g. a 13th month
    return False


@dataclass(frozen=True)
class Draft:
    """An entry before the ledger gives it a place in the chain (seq, prev_hash, hash)."""

    kind: str
    sop_id: str
    spec_digest: str
    decision: str
    decided_at: datetime
    document: dict[str, Any]
    gate: str | None = None
    stage: str | None = None
    final_stage: str | None = None
    candidate: dict[str, Any] | None = None
    evidence_digest: str | None = None
    blocked_by: tuple[str, ...] = ()

    def entry(self, seq: int, prev_hash: str, recorded_at: datetime) -> Entry:
        """The stored entry at ``seq`` after ``prev_hash``, hash included."""
        candidate = self.candidate or {}

        def text(name: str) -> str | None:
            value = candidate.get(name)
            return storable(str(value)) if value not in (None, "") else None

        values: dict[str, Any] = {
            "seq": seq,
            "kind": self.kind,
            "sop_id": storable(self.sop_id),
            "spec_digest": storable(self.spec_digest),
            "gate": storable(self.gate),
            "stage": storable(self.stage),
            "final_stage": storable(self.final_stage),
            "decision": storable(self.decision),
            "model": text("model"),
            "version": text("version"),
            "tier": text("tier"),
            "submitted_by": text("submitted_by"),
            "evidence_digest": storable(self.evidence_digest),
            "decided_at": sortable_time(self.decided_at),
            "recorded_at": sortable_time(recorded_at),
            "blocked_by": storable(" ".join(self.blocked_by)),
            "document": document_text(self.document),
            "prev_hash": prev_hash,
        }
        return Entry(**values, hash=entry_hash(values))


def final_stage(spec: GateSpec) -> str | None:
    """The last stage of the spec's promote path (where DORA figures are measured)."""
    path = spec.promote_path()
    return path[-1].to if path else None


def check_draft(spec: GateSpec, decision: Decision) -> Draft:
    """What ``check`` records: the gate's decision, its candidate and the criteria that
    blocked it."""
    document = decision.to_json()
    target = spec.gate(decision.gate)
    blocked = tuple(
        result.id
        for result in decision.criteria
        if result.severity == "blocking" and result.status in BLOCKING_STATUSES
    )
    return Draft(
        kind="check",
        sop_id=spec.metadata.name,
        spec_digest=spec.digest,
        decision=decision.decision,
        decided_at=decision.decided_at,
        document=document,
        gate=decision.gate,
        stage=target.to if target is not None else None,
        final_stage=final_stage(spec),
        candidate=document.get("candidate") or {},
        evidence_digest=decision.evidence_digest,
        blocked_by=blocked,
    )


def monitor_draft(spec: GateSpec, result: MonitorResult, decided_at: datetime) -> Draft:
    """What ``monitor`` records: the stage's verdict (it names no candidate: the version
    live in the stage is the one last promoted into it)."""
    from app.spec.timestamps import utc_text  # with pydantic: not for reading the ledger

    return Draft(
        kind="monitor",
        sop_id=spec.metadata.name,
        spec_digest=spec.digest,
        decision=result.decision,
        decided_at=decided_at,
        document={**result.to_json(), "decided_at": utc_text(decided_at)},
        stage=result.stage,
        final_stage=final_stage(spec),
    )


def rollback_draft(
    spec: GateSpec,
    stage: str,
    model: str,
    from_version: str,
    to_version: str,
    decided_at: datetime,
    details: dict[str, Any] | None = None,
) -> Draft:
    """What ``rollback`` records: the stage now runs ``to_version`` of ``model`` again,
    instead of ``from_version``. ``details`` (alias, policy, registry...) join the
    document."""
    from app.spec.timestamps import utc_text

    document = {
        "kind": "rollback",
        "stage": stage,
        "model": model,
        "from_version": from_version,
        "to_version": to_version,
        "decided_at": utc_text(decided_at),
        "spec_digest": spec.digest,
        **(details or {}),
    }
    return Draft(
        kind="rollback",
        sop_id=spec.metadata.name,
        spec_digest=spec.digest,
        decision="rollback",
        decided_at=decided_at,
        document=document,
        stage=stage,
        final_stage=final_stage(spec),
        candidate={"model": model, "version": to_version},
    )
