"""Evidence for one gate: the skeleton a team fills in (`evidence init`), and evidence built
from the systems teams run (`evidence collect`, CONTRACTS section 8).

Evidence is built as plain JSON data, the way a file holds it, so that values a source does
not touch pass through exactly (a NaN stays a NaN: `check` then applies `on_invalid`, where
a null would have applied `on_missing`). What no source supplies stays absent.

A source is any object with a ``name`` and an ``apply(evidence, reads)`` method (see
:class:`EvidenceSource`): JUnit reports and platform approvals live here; a connector with
a heavy client (MLflow, issue 20) is another source, imported only by the command that uses
it, and the command line passes it in with the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from app.runtime import UnknownElementError, as_spec
from app.spec.criteria import ArtifactCriterion, BaselineCriterion, CheckCriterion
from app.spec.evidence import Evidence
from app.spec.problems import PathItem, Problem
from app.spec.schema import GateSpec, SpecGate
from app.spec.types import person_id_problem

APPROVALS_FROM = ("evidence", "github", "gitlab", "none")
"""Where the approvals of collected evidence came from (its ``approvals_from`` field)."""


@dataclass(frozen=True)
class GateReads:
    """What a gate's criteria read from evidence, first mention first."""

    metrics: tuple[str, ...]
    baseline: tuple[str, ...]
    checks: tuple[str, ...]
    artifacts: tuple[str, ...]


def gate_reads(gate: SpecGate) -> GateReads:
    metrics: dict[str, None] = {}
    baseline: dict[str, None] = {}
    checks: dict[str, None] = {}
    artifacts: dict[str, None] = {}
    for criterion in gate.criteria:
        if isinstance(criterion, ArtifactCriterion):
            artifacts[criterion.artifact] = None
        elif isinstance(criterion, CheckCriterion):
            checks[criterion.check] = None
        else:
            metrics[criterion.metric] = None
            if isinstance(criterion, BaselineCriterion):
                baseline[criterion.metric] = None
    return GateReads(tuple(metrics), tuple(baseline), tuple(checks), tuple(artifacts))


def find_gate(spec: GateSpec | dict[str, Any], gate_id: str) -> tuple[GateSpec, SpecGate]:
    model = as_spec(spec)
    gate = model.gate(gate_id)
    if gate is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate_id!r}; its gates are: {known}")
    return model, gate


def skeleton(spec: GateSpec | dict[str, Any], gate_id: str) -> dict[str, Any]:
    """The evidence a gate reads, every value null and no approval recorded.

    ``artifacts`` starts empty: an artifact counts by being listed, so a skeleton that
    listed them would pass those criteria before anyone looked (the command names them)."""
    _model, gate = find_gate(spec, gate_id)
    reads = gate_reads(gate)
    return {
        "candidate": {"model": None, "version": None, "tier": None, "submitted_by": None},
        "metrics": dict.fromkeys(reads.metrics),
        "baseline": dict.fromkeys(reads.baseline),
        "checks": dict.fromkeys(reads.checks),
        "artifacts": [],
        "approvals": [],
    }


class EvidenceSource(Protocol):
    """One system that evidence comes from."""

    @property
    def name(self) -> str: ...

    def apply(self, evidence: dict[str, Any], reads: GateReads) -> None:
        """Set in ``evidence`` (plain JSON data) what this source knows; leave the rest."""


class CollectError(ValueError):
    """Evidence that cannot be built as asked; the message is one sentence."""


class SourceError(CollectError):
    """A source's input that cannot be used: one sentence naming the input and the JSON
    path (or place) at fault, as the command line reports unusable files."""

    def __init__(self, source: str, message: str, path: tuple[PathItem, ...] = ()) -> None:
        self.source = source
        self.problem = Problem(path, message)
        super().__init__(f"{source}: {self.problem}")


@dataclass(frozen=True)
class Approvals:
    """Approvals read from a platform: they replace any recorded in the base evidence."""

    records: tuple[dict[str, Any], ...]
    origin: str  # "github" | "gitlab"

    @property
    def name(self) -> str:
        return f"{self.origin} approvals"

    def apply(self, evidence: dict[str, Any], reads: GateReads) -> None:
        evidence["approvals"] = [dict(record) for record in self.records]
        evidence["approvals_from"] = self.origin


@dataclass(frozen=True)
class NoApprovals:
    """No approvals at all: a criteria check before the platform's approvals exist."""

    name: str = "no approvals"

    def apply(self, evidence: dict[str, Any], reads: GateReads) -> None:
        evidence["approvals"] = []
        evidence["approvals_from"] = "none"


@dataclass(frozen=True)
class Submitter:
    """Who submitted the candidate, as the platform knows it (the pipeline's user)."""

    person: str

    @property
    def name(self) -> str:
        return "the submitter"

    def apply(self, evidence: dict[str, Any], reads: GateReads) -> None:
        if problem := person_id_problem(self.person):
            raise CollectError(f"--submitted-by: {problem}")
        candidate = evidence.setdefault("candidate", {})
        if not isinstance(candidate, dict):
            raise CollectError("the base evidence's candidate is not an object")
        candidate["submitted_by"] = self.person


def collect(
    spec: GateSpec | dict[str, Any],
    gate_id: str,
    sources: list[EvidenceSource],
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evidence for ``gate_id``: ``base`` (already valid evidence) or nothing, then each
    source in turn. Checked against the evidence schema before it is returned."""
    _model, gate = find_gate(spec, gate_id)
    reads = gate_reads(gate)
    evidence: dict[str, Any] = dict(base or {})
    evidence.setdefault("approvals", [])
    if base is not None:
        evidence["approvals_from"] = "evidence"
    elif "approvals_from" not in evidence:
        evidence["approvals_from"] = "none"
    evidence.pop("now", None)  # evidence does not set the decision time
    for source in sources:
        source.apply(evidence, reads)
    try:
        Evidence.model_validate(evidence)
    except ValueError as error:  # a source wrote what the schema refuses: a defect
        raise CollectError(f"the collected evidence is not valid: {error}") from None
    return evidence
