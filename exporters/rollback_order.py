"""Where an exported rollback moves the registry alias among its runbook's steps, and which
people's steps it waits for first, in order: computed once here, rendered by the GitHub,
GitLab and Argo exports (one approval environment, manual job or suspend step per step)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from exporters.pipeline_scripts import registry_policies
from exporters.promote_plan import approval_environment as gate_environment
from exporters.promote_plan import bake_environment, stage_environments

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecAction, SpecRollback

REGISTRY_ROLLBACK = "registry-rollback"
"""The ``automation`` of the runbook step the pipeline carries out (app.model.nodes.Action)."""


@dataclass(frozen=True)
class Approval:
    """One people's step the registry move waits for: released only by its role's people.

    ``number``: the step's place in the runbook (1-based); ``environment``: the GitHub or
    GitLab environment (Argo: the suspend step) whose reviewers are ``role``'s people."""

    action: str
    role: str
    number: int
    environment: str

    @property
    def job(self) -> str:
        """The approval job (GitHub, GitLab) and suspend step (Argo) of this step."""
        return f"approve-{self.environment}"


@dataclass(frozen=True)
class RollbackOrder:
    """One policy's runbook split around the registry move.

    ``before``: the actions done (and printed) before the move; ``after``: the rest, the
    marked step first; ``registry``: the policy's job moves the alias at all (a
    previous-stable rollback of the last stage)."""

    policy: str
    registry: bool
    before: tuple[SpecAction, ...]
    after: tuple[SpecAction, ...]
    marked: str | None = None
    """Id of the step marked ``automation: registry-rollback``, when one is."""
    approvals: tuple[Approval, ...] = ()
    """One per people's step in ``before``, in runbook order: the move waits for each, and
    each waits for the one before it, released only by its own role's people."""

    @property
    def approvers(self) -> tuple[str, ...]:
        """The roles the move waits for, first mention first."""
        return tuple(dict.fromkeys(approval.role for approval in self.approvals))

    @property
    def waits(self) -> bool:
        """The move waits for people: the platform holds it until each of them releases it."""
        return self.registry and bool(self.approvals)


def step_environment(policy_id: str, action_id: str) -> str:
    """``rollback-<policy>-<action>``: ids are slugs, so at most 136 characters of
    ``[a-z0-9-]``, within GitHub's and GitLab's limits (255) and charsets."""
    return f"rollback-{policy_id}-{action_id}"


def _approvals(policy_id: str, actions: Sequence[SpecAction]) -> tuple[Approval, ...]:
    return tuple(
        Approval(a.id, a.role, number, step_environment(policy_id, a.id))
        for number, a in enumerate(actions, start=1)
        if a.role
    )


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
        return RollbackOrder(policy.id, False, (), actions)
    marked = next((i for i, a in enumerate(actions) if _marked(doc, a.id)), None)
    if marked is not None:
        at = marked
    else:
        people = [i for i, a in enumerate(actions) if a.role and not a.after_checks]
        at = people[-1] + 1 if people else 0
    before, after = actions[:at], actions[at:]
    return RollbackOrder(
        policy.id,
        True,
        before,
        after,
        actions[marked].id if marked is not None else None,
        _approvals(policy.id, before),
    )


def people_before(actions: Sequence[Any], at: int) -> tuple[str, ...]:
    """The roles of the people's steps (actions with a role) before index ``at``, first
    mention first: whom a registry move at ``at`` waits for."""
    return tuple(dict.fromkeys(a.role for a in actions[:at] if a.role))


def rollback_orders(spec: GateSpec, doc: Sop | None) -> dict[str, RollbackOrder]:
    """Every policy's order, by policy id. An approval environment whose name another one
    also has (policy ``a`` step ``b-c`` and policy ``a-b`` step ``c``), or a stage's, a
    bake's or a gate's, gets a suffix from a hash of its policy and step ids."""
    moving = set(registry_policies(spec))
    orders = {p.id: rollback_order(p, p.id in moving, doc) for p in spec.rollback}
    taken = set(stage_environments(spec))
    taken |= {bake_environment(stage) for stage in spec.stages}
    taken |= {gate_environment(gate) for gate in spec.gates}
    taken |= {gate.id for gate in spec.gates}  # approve-<name> is also a gate's job
    names = [a.environment for o in orders.values() for a in o.approvals]
    clashing = {name for name in names if names.count(name) > 1 or name in taken}
    return {
        policy: replace(
            order, approvals=tuple(_unclashed(order, a, clashing) for a in order.approvals)
        )
        for policy, order in orders.items()
    }


def _unclashed(order: RollbackOrder, approval: Approval, clashing: set[str]) -> Approval:
    if approval.environment not in clashing:
        return approval
    digest = hashlib.sha256(f"{order.policy}\0{approval.action}".encode()).hexdigest()[:8]
    return replace(approval, environment=f"{approval.environment}-{digest}")


def waiting_words(order: RollbackOrder, role_names: dict[str, str]) -> str:
    """``the registry move waits for Data science lead (ds-lead)``, or that it does not."""
    if not order.registry:
        return "this rollback does not move the registry alias"
    if not order.waits:
        return "the registry move runs at once (no person's step comes before it)"
    steps = ", then ".join(
        f"{a.action} by {role_names.get(a.role, a.role)} ({a.role})" for a in order.approvals
    )
    return f"the registry move waits for each people's step in order, released by its role: {steps}"


def approval_words(approval: Approval, role_names: dict[str, str]) -> str:
    """``step 2 (acc-approve): released by Data science lead (ds-lead) only``."""
    who = role_names.get(approval.role, approval.role)
    return f"step {approval.number} ({approval.action}): released by {who} ({approval.role}) only"
