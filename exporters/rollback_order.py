"""Where an exported rollback moves the registry alias among its runbook's steps, and which
people it waits for first: computed once here, rendered by the GitHub, GitLab and Argo
exports (an approval environment, a manual job, a suspend step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from exporters.pipeline_scripts import registry_policies

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecAction, SpecRollback

REGISTRY_ROLLBACK = "registry-rollback"
"""The ``automation`` of the runbook step the pipeline carries out (app.model.nodes.Action)."""


@dataclass(frozen=True)
class RollbackOrder:
    """One policy's runbook split around the registry move.

    ``before``: the actions done (and printed) before the move; ``after``: the rest, the
    marked step first; ``approvers``: the roles of the people's steps in ``before`` (first
    mention first), whom the move waits for; ``registry``: the policy's job moves the alias
    at all (a previous-stable rollback of the last stage)."""

    policy: str
    registry: bool
    before: tuple[SpecAction, ...]
    after: tuple[SpecAction, ...]
    approvers: tuple[str, ...]
    marked: str | None = None
    """Id of the step marked ``automation: registry-rollback``, when one is."""

    @property
    def waits(self) -> bool:
        """The move waits for people: the platform holds it until one of them releases it."""
        return self.registry and bool(self.approvers)

    @property
    def environment(self) -> str:
        """The approval environment (GitHub, GitLab) the move waits on."""
        return approval_environment(self.policy)


def approval_environment(policy_id: str) -> str:
    return f"rollback-{policy_id}"


def _marked(doc: Sop | None, action_id: str) -> bool:
    if doc is None:
        return False
    try:
        node = doc.node(action_id)
    except KeyError:  # a spec compiled from another version of the SOP: nothing is marked
        return False
    return getattr(node, "automation", None) == REGISTRY_ROLLBACK


def rollback_order(policy: SpecRollback, registry: bool, doc: Sop | None) -> RollbackOrder:
    """Where the move of ``policy`` sits: at its first step marked ``registry-rollback``;
    with none marked, after the last person's step that comes before the checks (the SOP
    does not say which of them the move carries out, so it waits for all of them), or
    first when no step names a role. Not moving (``registry`` false): every action after."""
    actions = tuple(policy.actions)
    if not registry:
        return RollbackOrder(policy.id, False, (), actions, ())
    marked = next((i for i, a in enumerate(actions) if _marked(doc, a.id)), None)
    if marked is not None:
        at = marked
    else:
        people = [i for i, a in enumerate(actions) if a.role and not a.after_checks]
        at = people[-1] + 1 if people else 0
    before, after = actions[:at], actions[at:]
    approvers = people_before(actions, at)
    return RollbackOrder(
        policy.id,
        True,
        before,
        after,
        approvers,
        actions[marked].id if marked is not None else None,
    )


def people_before(actions: Sequence[Any], at: int) -> tuple[str, ...]:
    """The roles of the people's steps (actions with a role) before index ``at``, first
    mention first: whom a registry move at ``at`` waits for."""
    return tuple(dict.fromkeys(a.role for a in actions[:at] if a.role))


def rollback_orders(spec: GateSpec, doc: Sop | None) -> dict[str, RollbackOrder]:
    """Every policy's order, by policy id."""
    moving = set(registry_policies(spec))
    return {p.id: rollback_order(p, p.id in moving, doc) for p in spec.rollback}


def waiting_words(order: RollbackOrder, role_names: dict[str, str]) -> str:
    """``the registry move waits for Data science lead (ds-lead)``, or that it does not."""
    if not order.registry:
        return "this rollback does not move the registry alias"
    if not order.waits:
        return "the registry move runs at once (no person's step comes before it)"
    who = ", ".join(f"{role_names.get(r, r)} ({r})" for r in order.approvers)
    steps = ", ".join(a.id for a in order.before)
    return f"the registry move waits for {who}: people's steps first ({steps})"
