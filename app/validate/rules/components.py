"""Component rules: the catalog hangs together, and each rollback restores it in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.model.graph import SopGraph, dependency_cycles, order_violations
from app.validate.registry import Finding, rule
from app.validate.rules.structure import production_stages

if TYPE_CHECKING:
    from app.model.document import Sop


@rule(
    "component-defined",
    "rollback",
    "error",
    "Every component a rollback restores, or a component depends on, is in the catalog.",
    "Add the component to the components catalog, or choose one that is there.",
)
def component_defined(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    known = {component.id for component in doc.components}
    for component in doc.components:
        for needed in component.depends_on:
            if needed == component.id:
                yield Finding(f"component {component.name!r} depends on itself", (component.id,))
            elif needed not in known:
                yield Finding(
                    f"component {component.name!r} depends on {needed!r}, which is not in the "
                    "components catalog",
                    (component.id,),
                )
    for trigger in doc.nodes_of_kind("trigger"):
        for index, restore in enumerate(trigger.restores):
            if restore.component not in known:
                yield Finding(
                    f"the rollback of trigger {trigger.name!r} restores {restore.component!r}, "
                    "which is not in the components catalog",
                    (trigger.id,),
                    where=("nodes", doc.node_position(trigger.id), "restores", index),
                )


@rule(
    "component-dependencies-acyclic",
    "rollback",
    "error",
    "No components depend on one another in a circle, so a restore order exists.",
    "Remove the dependency that closes the circle: a component cannot need what needs it.",
)
def component_dependencies_acyclic(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    names = {component.id: component.name for component in doc.components}
    for group in dependency_cycles(doc):
        if len(group) == 1:
            continue  # a component that depends on itself: component-defined says so
        circle = ", ".join(repr(names[c]) for c in group)
        yield Finding(
            f"components {circle} depend on one another in a circle, so none can be restored first",
            tuple(group),
        )


@rule(
    "production-rollback-restores",
    "rollback",
    "error",
    "Every rollback of a production stage says which components it restores.",
    "List, on the trigger, the components its rollback puts back (the model, its data, "
    "configuration...) with where each safe version is found.",
)
def production_rollback_restores(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    production = set(production_stages(doc))
    for trigger in doc.nodes_of_kind("trigger"):
        watched = [s for s in graph.monitored_by.get(trigger.id, []) if s in production]
        if watched and not trigger.restores:
            yield Finding(
                f"the rollback of production that trigger {trigger.name!r} starts restores "
                "nothing: it names no component to put back",
                (trigger.id,),
            )


@rule(
    "restore-order",
    "rollback",
    "error",
    "A rollback restores the components another one depends on before that one "
    "(dependencies first).",
    "Move the dependency above the component that needs it in the trigger's restores.",
)
def restore_order(doc: Sop, graph: SopGraph) -> Iterator[Finding]:
    names = {component.id: component.name for component in doc.components}
    cyclic = {c for group in dependency_cycles(doc) for c in group}
    for trigger in doc.nodes_of_kind("trigger"):
        restored = [r.component for r in trigger.restores]
        for earlier, later in order_violations(doc, restored):
            if earlier in cyclic and later in cyclic:
                continue  # no order can satisfy a circle: component-dependencies-acyclic
            yield Finding(
                f"the rollback of trigger {trigger.name!r} restores {names[earlier]!r} before "
                f"{names[later]!r}, which it depends on; restore {names[later]!r} first",
                (trigger.id,),
                where=("nodes", doc.node_position(trigger.id), "restores"),
            )
