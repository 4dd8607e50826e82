"""The evidence functions of the maturity assessment: each looks at one kind of evidence
(the SOP's structure, the ledger's measured figures, the workspace's records) and says
what it found, whether or not the claim holds.

None of them reads a name or a description: structure comes from node kinds, edges,
criteria forms and severities, declared fields (a role's ``model_team``, an action's
``automation``, a metric's Prometheus query); measurement only from measured figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.model.document import Sop
from app.model.graph import SopGraph
from app.validate.rules.governance import applies, criterion_verdict, final_gates
from app.validate.rules.risk import independent_roles

AUTOMATED_FORMS = ("metric", "baseline", "check")
"""Criterion forms a pipeline evaluates by itself (an artifact needs a person's upload)."""
PROGRESSIVE = ("shadow", "canary")
REGISTRY_ROLLBACK = "registry-rollback"


@dataclass
class Records:
    """What the workspace records of the SOP: drill sessions, saved revisions, simulation
    runs (all empty when no workspace can be reached)."""

    drills: list[dict[str, Any]] = field(default_factory=list)
    revisions: int = 0
    simulations: int = 0


@dataclass
class Found:
    """One evidence function's answer: whether its claim holds, and what it saw."""

    holds: bool
    seen: str


@dataclass
class Context:
    """What the evidence functions look at, gathered once per assessment."""

    doc: Sop
    graph: SopGraph
    errors: list[str]
    measured: dict[str, Any] | None
    records: Records

    def gates(self) -> list[Any]:
        return self.doc.nodes_of_kind("gate")

    def last_stage(self) -> str | None:
        """The stage the promote path ends on (the pipelines' "last stage")."""
        gates = [n for n in self.graph.promote_order() if self.graph.kind(n) == "gate"]
        for gate in reversed(gates):
            for _e, target in self.graph.out_edges(gate, "promote"):
                if self.graph.kind(target) == "stage":
                    return target
        return None

    def watching(self, stage: str) -> list[Any]:
        """The triggers that monitor ``stage``."""
        return [
            t
            for t in self.doc.nodes_of_kind("trigger")
            if stage in self.graph.monitored_by.get(t.id, [])
        ]

    def watched_stages(self) -> list[str]:
        stages = {
            s
            for t in self.doc.nodes_of_kind("trigger")
            for s in self.graph.monitored_by.get(t.id, [])
        }
        return sorted(stages, key=self.doc.node_position)

    def dora(self) -> dict[str, Any]:
        return (self.measured or {}).get("dora") or {}


Evidence = Callable[[Context], Found]


def _names(ids: list[str], limit: int = 4) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


# -- structure ------------------------------------------------------------------------------


def documented_promote_path(c: Context) -> Found:
    gates = [n for n in c.graph.promote_order() if c.graph.kind(n) == "gate"]
    broken = [t for t, book in c.graph.runbooks.items() if book.problem]
    if not gates:
        return Found(False, "no gate on the promote path: the SOP documents no deployment step")
    if broken:
        return Found(False, f"incomplete runbooks: {_names(broken)}")
    books = len(c.graph.runbooks)
    return Found(True, f"{len(gates)} gate(s) on the promote path, {books} complete runbook(s)")


def acting_roles_staffed(c: Context) -> Found:
    acting = {r.role for g in c.gates() for r in g.approval.rules}
    acting |= {a.role for a in c.doc.nodes_of_kind("action") if a.role}
    if not acting:
        return Found(False, "no role approves a gate or carries out a runbook step")
    thin = [r.id for r in c.doc.roles if r.id in acting and len(set(r.members)) < 2]
    missing = sorted(acting - {r.id for r in c.doc.roles})
    if thin or missing:
        return Found(False, f"roles with fewer than two members: {_names(thin + missing)}")
    return Found(True, f"{len(acting)} acting role(s), each with two or more members")


def _blocking_automated(criteria: list[Any], tier: str, forms: tuple[str, ...]) -> bool:
    return any(k.severity == "blocking" and k.form in forms and applies(k, tier) for k in criteria)


def _gates_lacking(c: Context, forms: tuple[str, ...], gates: list[Any]) -> list[str]:
    return [
        g.id
        for g in gates
        if not all(_blocking_automated(g.criteria, t, forms) for t in c.doc.tiers)
    ]


def undecided(c: Context) -> list[str]:
    """Metric criteria that can never fail, or always fail, within the catalog range."""
    catalog = {m.id: m for m in c.doc.metrics}
    found = []
    for node in (*c.gates(), *c.doc.nodes_of_kind("check")):
        for k in node.criteria:
            metric = catalog.get(k.metric) if k.form == "metric" else None
            if metric is None:
                continue
            low = -math.inf if metric.min is None else metric.min
            high = math.inf if metric.max is None else metric.max
            if criterion_verdict(k.op, k.value, low, high):
                found.append(f"{node.id}/{k.id}")
    return found


def checklist_blocks(c: Context) -> Found:
    gates = c.gates()
    if not gates:
        return Found(False, "no gate")
    lacking = [
        g.id
        for g in gates
        if not all(
            any(k.severity == "blocking" and applies(k, t) for k in g.criteria) for t in c.doc.tiers
        )
    ]
    if lacking:
        return Found(False, f"gates without a blocking criterion for every tier: {_names(lacking)}")
    if trivial := undecided(c):
        return Found(False, f"criteria that can never fail (or always fail): {_names(trivial)}")
    return Found(True, f"every gate ({len(gates)}) has a blocking criterion for every tier")


def independent_signoff(c: Context) -> Found:
    finals = final_gates(c.doc, c.graph)
    if not finals:
        return Found(False, "no gate into the last stage")
    independent = independent_roles(c.doc)
    staffed = {r.id for r in c.doc.roles if r.members}
    strictest = c.doc.tiers[-1]
    for gate_id in finals:
        approval = c.doc.node(gate_id).approval
        if not approval.separation_of_duties:
            return Found(
                False, f"gate {gate_id}: the submitter may approve (separation of duties off)"
            )
        for tier in c.doc.tiers:
            rules = [r for r in approval.rules if applies(r, tier) and r.role in staffed]
            if not rules:
                return Found(False, f"gate {gate_id} promotes tier {tier} without a sign-off")
        rules = [r for r in approval.rules if applies(r, strictest)]
        # Under "any", one satisfied rule promotes: every rule must then be independent.
        test = all if approval.mode == "any" else any
        if not test(r.role in independent and r.role in staffed for r in rules):
            return Found(
                False,
                f"gate {gate_id} promotes tier {strictest} without an approval by a role "
                "declared independent of the model team (model_team: false)",
            )
    return Found(
        True,
        f"{_names(finals)}: a sign-off for every tier; for {strictest}, an independent role",
    )


def validates_clean(c: Context) -> Found:
    if c.errors:
        return Found(False, f"{len(c.errors)} validation error(s), first: {c.errors[0]}")
    return Found(True, "validates without errors: it compiles into the gate spec pipelines run")


def every_gate_automated(c: Context) -> Found:
    gates = c.gates()
    if not gates:
        return Found(False, "no gate")
    if lacking := _gates_lacking(c, AUTOMATED_FORMS, gates):
        return Found(
            False,
            "gates without a blocking metric, baseline or check criterion for every tier: "
            + _names(lacking),
        )
    finals = [c.doc.node(g) for g in final_gates(c.doc, c.graph)]
    if lacking := _gates_lacking(c, ("metric", "baseline"), finals):
        return Found(
            False, f"gates into the last stage without a blocking metric: {_names(lacking)}"
        )
    return Found(
        True, f"all {len(gates)} gate(s) decide on blocking criteria the pipeline evaluates"
    )


def some_gate_automated(c: Context) -> Found:
    done = [g.id for g in c.gates() if not _gates_lacking(c, AUTOMATED_FORMS, [g])]
    if not done:
        return Found(
            False, "no gate has a blocking metric, baseline or check criterion for every tier"
        )
    return Found(True, f"gatewright check decides at {_names(done)}")


def documented_owners(c: Context) -> Found:
    if not c.doc.owner.strip():
        return Found(False, "the SOP names no owner")
    unowned = [a.id for a in c.doc.nodes_of_kind("action") if not a.role]
    if unowned:
        return Found(False, f"runbook steps without a role: {_names(unowned)}")
    return Found(True, "the SOP names its owner and every runbook step its role")


def tiered_with_slas(c: Context) -> Found:
    if len(c.doc.tiers) < 2:
        return Found(False, "one risk tier only")
    tiered = any(r.tiers for g in c.gates() for r in g.approval.rules) or any(
        k.tiers for g in c.gates() for k in g.criteria
    )
    if not tiered:
        return Found(False, "no criterion or approval rule differs by risk tier")
    finals = final_gates(c.doc, c.graph)
    windowless = [g for g in finals if c.doc.node(g).approval.window_hours is None]
    if not finals or windowless:
        return Found(
            False, f"gates into the last stage without an approval window: {_names(windowless)}"
        )
    last = c.last_stage()
    triggers = c.watching(last) if last else []
    if not triggers or any(t.max_minutes is None for t in triggers):
        return Found(False, "the last stage has no trigger, or one without a restore SLA")
    return Found(
        True, "criteria or approvals differ by tier; decision windows and restore SLAs are set"
    )


def progressive_stage(kinds: tuple[str, ...]) -> Evidence:
    def found(c: Context) -> Found:
        stages = [s.id for s in c.doc.nodes_of_kind("stage") if s.strategy.type in kinds]
        if not stages:
            return Found(False, f"no {' or '.join(kinds)} stage")
        return Found(True, f"{' or '.join(kinds)} stage(s): {_names(stages)}")

    return found


def smoke_tested(c: Context) -> Found:
    rollouts = [
        s.id for s in c.doc.nodes_of_kind("stage") if s.strategy.type in ("canary", "blue-green")
    ]
    into = [
        src
        for s in rollouts
        for _e, src in c.graph.in_edges(s, "promote")
        if c.graph.kind(src) == "gate"
    ]
    if not into:
        return Found(False, "no gate into a canary or blue-green stage")
    if lacking := _gates_lacking(c, ("check",), [c.doc.node(g) for g in into]):
        return Found(
            False, f"gates into a rollout without a blocking pipeline check: {_names(lacking)}"
        )
    return Found(True, f"blocking pipeline checks (smoke tests) at {_names(into)}")


def progressive_by_default(c: Context) -> Found:
    last = c.last_stage()
    if last is None:
        return Found(False, "no last stage")
    if c.doc.node(last).strategy.type in PROGRESSIVE:
        return Found(True, f"the last stage {last} is entered by {c.doc.node(last).strategy.type}")
    before = [
        s.id
        for s in c.doc.nodes_of_kind("stage")
        if s.strategy.type in PROGRESSIVE and c.graph.is_upstream(s.id, last)
    ]
    if not before:
        return Found(False, f"no shadow or canary stage before the last stage {last}")
    return Found(True, f"every release reaches {last} after {_names(before)}")


def registry_rollback_runs(c: Context, trigger_id: str, stage: str) -> bool:
    """Whether the exported rollback job of this trigger's runbook on ``stage`` runs the
    registry rollback: a previous-stable runbook (it ends on the stage it watches) of the
    last stage (as ``exporters.pipeline_scripts.registry_policies`` chooses)."""
    return stage == c.last_stage() and c.graph.runbooks[trigger_id].target == stage


def _automated_runbooks(c: Context, stages: list[str]) -> Found:
    queries = {m.id for m in c.doc.metrics if m.sources is not None and m.sources.prometheus}
    count = 0
    for stage in stages:
        triggers = c.watching(stage)
        if not triggers:
            return Found(False, f"no trigger watches {stage}")
        for trigger in triggers:
            if trigger.metric not in queries:
                return Found(False, f"trigger {trigger.id}'s metric has no Prometheus query")
            book = c.graph.runbooks[trigger.id]
            actions = [c.doc.node(s) for s in book.steps if c.graph.kind(s) == "action"]
            if book.problem or not actions:
                return Found(False, f"trigger {trigger.id} has no complete runbook with an action")
            manual = [a.id for a in actions if a.automation != REGISTRY_ROLLBACK]
            if manual:
                return Found(
                    False, f"runbook of {trigger.id} has steps for people: {_names(manual)}"
                )
            if not registry_rollback_runs(c, trigger.id, stage):
                return Found(
                    False,
                    f"runbook of {trigger.id} is marked registry-rollback but no pipeline job "
                    "carries it out (only previous-stable rollbacks of the last stage)",
                )
            count += 1
    return Found(True, f"{count} runbook(s) detected by Prometheus and carried out by the pipeline")


def rollback_automated(c: Context) -> Found:
    last = c.last_stage()
    return _automated_runbooks(c, [last]) if last else Found(False, "no last stage")


def every_stage_self_heals(c: Context) -> Found:
    stages = c.watched_stages()
    return _automated_runbooks(c, stages) if stages else Found(False, "no stage is watched")


# -- measured figures -----------------------------------------------------------------------

NO_DATA = "no measured data (assess --ledger URL gives the ledger's real figures)"


def measured(*keys: str, levels: bool = False) -> Evidence:
    """The ledger's figures name every DORA ``key`` (and its DORA band when ``levels``)."""

    def found(c: Context) -> Found:
        if not c.measured or not c.measured.get("decisions"):
            return Found(False, NO_DATA)
        dora = c.dora()
        if not dora.get("deployments"):
            return Found(False, "no measured data: the ledger records no real deployment")
        missing = [k for k in keys if dora.get(k) is None]
        if levels:
            missing += [k for k in keys if dora.get(_level_key(k)) is None]
        if missing:
            return Found(False, f"not measured: {', '.join(sorted(set(missing)))}")
        shown = ", ".join(
            f"{k} {dora[k]:g}" + (f" ({dora[_level_key(k)]})" if levels else "") for k in keys
        )
        return Found(True, f"measured from {c.measured['decisions']} real decisions: {shown}")

    return found


def _level_key(key: str) -> str:
    stem = key.removesuffix("_per_day").removesuffix("_hours")
    return f"{stem}_level"


def real_deployments(c: Context) -> Found:
    return measured()(c)


# -- workspace records ----------------------------------------------------------------------


def drilled_by_two(c: Context) -> Found:
    passed = sorted(
        {
            str(d.get("trainee", "")).casefold()
            for d in c.records.drills
            if isinstance(d.get("score"), dict) and d["score"].get("passed") is True
        }
        - {""}
    )
    if len(passed) < 2:
        return Found(False, f"{len(passed)} person(s) passed a recorded rollback drill of this SOP")
    return Found(True, f"{len(passed)} people passed recorded rollback drills")


def revised(c: Context) -> Found:
    if c.records.revisions < 2:
        return Found(False, f"{c.records.revisions} revision(s) recorded in the workspace")
    return Found(True, f"{c.records.revisions} revisions recorded in the workspace")


def forecast(c: Context) -> Found:
    if not c.records.simulations:
        return Found(False, "no simulation run recorded (gatewright simulate)")
    return Found(True, f"{c.records.simulations} simulation run(s) recorded")
