"""The promote path as pipeline jobs, the same for GitHub and GitLab.

Per gate: an evidence job (the one place a team plugs in its evaluation), a check job
(`gatewright check` on that evidence) and, when the gate has approval rules, an approve
job bound to the gate's approval environment, where the platform's reviewers approve and
the check runs again with their approvals. Per stage: a deploy job for each canary step
(traffic weight as a variable), each followed by a bake job (wait, then `gatewright
monitor`) when the SOP gives the stage a bake time. Every job lists the jobs it needs, and
a deploy job the gate decisions it must verify before it deploys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from exporters.pipelines import ExportRefusedError, gates_into, monitored_stages

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecGate, SpecStage

PLATFORM_ENVIRONMENTS = ("development", "staging", "production", "validation")
"""Stage environment kinds that name a platform environment; `other` (or none) means the
stage's own id."""


def stage_environment(stage: SpecStage) -> str:
    """The platform environment a stage deploys to: its SOP environment, else its id."""
    kind = stage.environment
    return kind if kind in PLATFORM_ENVIRONMENTS else stage.id


def approval_environment(gate: SpecGate) -> str:
    """The platform environment whose reviewers approve a gate (its approve job's)."""
    return f"approve-{gate.id}"


def bake_environment(stage: SpecStage) -> str:
    """The GitHub environment whose wait timer is a stage's bake (its bake jobs wait there)."""
    return f"bake-{stage.id}"


@dataclass(frozen=True)
class Rollout:
    """How a stage is entered: the traffic of each deploy step, and the bake after each."""

    strategy: str
    weights: tuple[float, ...]
    bake_minutes: int


def stage_rollout(doc: Sop, stage_id: str) -> Rollout:
    """The stage's strategy from the document (the spec does not carry it)."""
    strategy = getattr(doc.node(stage_id), "strategy", None) if doc.has_node(stage_id) else None
    kind = strategy.type if strategy is not None else "direct"
    bake = math.ceil(strategy.bake_minutes) if kind in ("canary", "shadow") else 0
    if kind == "canary" and strategy is not None and strategy.steps:
        weights = tuple(float(step) for step in strategy.steps)
    else:
        weights = (0.0,) if kind == "shadow" else (100.0,)
    return Rollout(kind, weights, bake)


def weight_text(weight: float) -> str:
    return f"{weight:g}"


@dataclass(frozen=True)
class Job:
    """One job of the promote path."""

    kind: str  # evidence | check | approve | deploy | bake
    id: str
    needs: tuple[str, ...]
    gate: SpecGate | None = None
    stage: SpecStage | None = None
    decisions: tuple[tuple[str, str], ...] = field(default=())
    """Deploy and bake jobs: (gate id, id of the job whose decision counts) per gate in."""
    step: int = 0  # deploy and bake: the rollout step, from 1
    steps: int = 1
    weight: float = 100.0
    bake_minutes: int = 0
    monitored: bool = False

    @property
    def environment(self) -> str:
        if self.kind == "approve":
            assert self.gate is not None
            return approval_environment(self.gate)
        assert self.stage is not None
        return stage_environment(self.stage)

    @property
    def group(self) -> str:
        """The GitLab stage of the job: its gate's, or its stage's."""
        if self.gate is not None:
            return f"gate-{self.gate.id}"
        assert self.stage is not None
        return f"deploy-{self.stage.id}"


def _step_suffix(step: int, steps: int) -> str:
    return f"-step-{step}" if steps > 1 else ""


def promote_jobs(spec: GateSpec, doc: Sop) -> list[Job]:
    """Every job of the promote path in an order where each follows what it needs."""
    check_environments(spec)
    watched = {stage.id for stage in monitored_stages(spec)}
    into = gates_into(spec)
    last_of_stage: dict[str, str] = {}
    jobs: list[Job] = []
    for stage in spec.stages:
        decisions = []
        for gate in into[stage.id]:
            source = last_of_stage.get(gate.from_)
            evidence = Job("evidence", f"evidence-{gate.id}", (source,) if source else (), gate)
            check = Job("check", f"check-{gate.id}", (evidence.id,), gate)
            jobs += [evidence, check]
            final = check.id
            if gate.approval.rules:
                approve = Job("approve", f"approve-{gate.id}", (check.id,), gate)
                jobs.append(approve)
                final = approve.id
            decisions.append((gate.id, final))
        rollout = stage_rollout(doc, stage.id)
        steps = len(rollout.weights)
        before = tuple(final for _gate, final in decisions)
        for number, weight in enumerate(rollout.weights, start=1):
            suffix = _step_suffix(number, steps)
            common = {
                "stage": stage,
                "decisions": tuple(decisions),
                "step": number,
                "steps": steps,
                "weight": weight,
            }
            needs = tuple(dict.fromkeys(before + tuple(final for _g, final in decisions)))
            deploy = Job("deploy", f"deploy-{stage.id}{suffix}", needs, **common)
            jobs.append(deploy)
            before = (deploy.id,)
            if rollout.bake_minutes:
                bake = Job(
                    "bake",
                    f"bake-{stage.id}{suffix}",
                    (deploy.id,),
                    bake_minutes=rollout.bake_minutes,
                    monitored=stage.id in watched,
                    **common,
                )
                jobs.append(bake)
                before = (bake.id,)
        last_of_stage[stage.id] = before[0]
    return jobs


def check_environments(spec: GateSpec) -> None:
    """Refuse an SOP whose stage environment would share a name with a gate's approval
    environment or a stage's bake environment: approving or waiting for one would then
    count for the other."""
    stage_names = {stage_environment(stage): stage.id for stage in spec.stages}
    others = [
        *((approval_environment(gate), f"the approval environment of gate {gate.id!r}")
          for gate in spec.gates),
        *((bake_environment(stage), f"the bake environment of stage {stage.id!r}")
          for stage in spec.stages),
    ]  # fmt: skip
    for name, what in others:
        if name in stage_names:
            raise ExportRefusedError(
                f"cannot export: stage {stage_names[name]!r} deploys to the environment "
                f"{name!r}, which is {what}; rename the stage"
            )


def stage_environments(spec: GateSpec) -> dict[str, list[str]]:
    """Platform environment name -> the stages deploying to it, in promote order."""
    found: dict[str, list[str]] = {}
    for stage in spec.stages:
        found.setdefault(stage_environment(stage), []).append(stage.id)
    return found
