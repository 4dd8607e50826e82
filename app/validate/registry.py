"""The rule registry: each rule is a pure function with an id, a severity and a fix hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.validate.diagnostics import Severity

if TYPE_CHECKING:
    import networkx as nx

    from app.model.document import Sop


@dataclass(frozen=True)
class Finding:
    """What a rule function reports; the engine adds the rule's id and configured severity."""

    message: str
    elements: tuple[str, ...] = ()
    fix: str | None = None
    path: tuple[str, ...] = ()


RuleCheck = Callable[["Sop", "nx.MultiDiGraph"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    severity: Severity
    description: str
    fix: str
    check: RuleCheck


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, family: str, severity: Severity, description: str, fix: str
) -> Callable[[RuleCheck], RuleCheck]:
    """Register a rule function under a stable id."""

    def register(check: RuleCheck) -> RuleCheck:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, family, severity, description, fix, check)
        return check

    return register


def element_ids(*elements: Any) -> tuple[str, ...]:
    return tuple(getattr(element, "id", element) for element in elements)
