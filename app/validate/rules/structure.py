"""Structure rules: one entry, everything reachable, production reached, no promotion cycles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.model.edges import ALLOWED_ENDPOINTS, endpoints_allowed
from app.model.graph import SopGraph
from app.validate.registry import Finding, rule

if TYPE_CHECKING:
    from app.model.document import Sop


def production_stages(doc: Sop) -> list[str]:
    return [n.id for n in doc.nodes if n.kind == "stage" and n.environment == "production"]


@rule(
    "single-entry",
    "structure",
    "error",
    "Exactly one stage starts the promote path (has no incoming promote edge).",
    "Connect the extra starting stages into the promote path through a gate, or remove them.",
)
def single_entry(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    stages = doc.nodes_of_kind("stage")
    if not stages:
        yield Finding(
            "the SOP has no stage; add the stage where models start",
            fix="Add a stage (Insert › Stage, or the palette) for where models start.",
        )
    elif not graph.entries:
        yield Finding(
            "every stage has an incoming promote edge, so nothing starts the promote path",
            tuple(s.id for s in stages),
            fix="Remove the promote edge that leads back into the first stage.",
        )
    elif len(graph.entries) > 1:
        names = ", ".join(repr(doc.node(e).name) for e in graph.entries)
        yield Finding(
            f"{len(graph.entries)} stages start a promote path: {names}", tuple(graph.entries)
        )


@rule(
    "stage-reachable",
    "structure",
    "error",
    "Every node can be reached from the entry stage through some edges.",
    "Connect the node to the rest of the SOP, or delete it.",
)
def stage_reachable(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    if len(graph.entries) != 1:
        return  # single-entry reports it; reachability needs one starting point
    reached = graph.reachable_from(graph.entries[0])
    for node in doc.nodes:
        if node.id not in reached:
            yield Finding(
                f"{node.kind} {node.name!r} cannot be reached from the entry stage "
                f"{doc.node(graph.entries[0]).name!r}",
                (node.id,),
            )


@rule(
    "production-reachable",
    "structure",
    "error",
    "A production stage exists and the promote path from the entry reaches it.",
    "Mark the final stage's environment as production and connect it through gates.",
)
def production_reachable(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    production = production_stages(doc)
    if not production:
        if doc.nodes_of_kind("stage"):
            yield Finding("no stage is marked as a production environment")
        return
    if len(graph.entries) != 1:
        return
    entry = graph.entries[0]
    if not any(stage == entry or graph.is_upstream(entry, stage) for stage in production):
        yield Finding(
            "the promote path from the entry stage never reaches production",
            tuple(production),
        )


@rule(
    "no-promotion-cycle",
    "structure",
    "error",
    "Promote edges never lead back to where they came from.",
    "Remove the promote edge that closes the loop; send candidates back with a reject edge.",
)
def no_promotion_cycle(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    for component, cycle in graph.promotion_cycles():
        names = " -> ".join(doc.node(n).name for n in [*cycle, cycle[0]])
        yield Finding(f"promotion loops: {names}", component, path=cycle)


@rule(
    "edge-kind-allowed",
    "structure",
    "error",
    "Each edge kind joins only the node kinds the format allows.",
    "Change the edge's kind, or connect it to a node of the right kind.",
)
def edge_kind_allowed(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    kinds = graph.kinds
    for edge in doc.edges:
        source, target = kinds[edge.source], kinds[edge.target]
        if (source, target) in ALLOWED_ENDPOINTS[edge.kind]:
            continue
        if edge.kind == "promote" and source == target == "stage":
            continue  # ungated-promotion says it better
        verdict = endpoints_allowed(edge.kind, source, target)
        if not verdict:
            names = doc.node(edge.source).name, doc.node(edge.target).name
            yield Finding(
                f"edge {edge.id!r} from {names[0]!r} to {names[1]!r}: {verdict.reason}",
                (edge.id,),
            )


@rule(
    "no-dead-end",
    "structure",
    "error",
    "Every stage other than production has a way on along the promote path.",
    "Connect the stage to a gate leading on, or mark it as production if releases end here.",
)
def no_dead_end(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    production = set(production_stages(doc))
    if not production:
        return  # production-reachable asks for one to be marked; then the ends are known
    for stage in doc.nodes_of_kind("stage"):
        if stage.id not in production and not graph.out_edges(stage.id, "promote"):
            yield Finding(
                f"stage {stage.name!r} leads nowhere: no promote edge leaves it", (stage.id,)
            )


@rule(
    "duplicate-name",
    "structure",
    "warning",
    "No two nodes of the same kind share a name.",
    "Rename one of them so that people (and the PDF) can tell them apart.",
)
def duplicate_name(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in doc.nodes:
        groups[(node.kind, " ".join(node.name.split()).casefold())].append(node.id)
    for (kind, _name), ids in groups.items():
        if len(ids) > 1:
            yield Finding(f"{len(ids)} {kind}s are called {doc.node(ids[0]).name!r}", tuple(ids))
