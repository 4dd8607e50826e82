"""The rule registry: each rule is a pure function with an id, a severity and a fix hint."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.validate.diagnostics import Severity

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.model.graph import SopGraph


@dataclass(frozen=True)
class Finding:
    """What a rule function reports; the engine adds the rule's id and configured severity."""

    message: str
    elements: tuple[str, ...] = ()
    fix: str | None = None
    path: tuple[str, ...] = ()
    where: tuple[str | int, ...] = ()
    """The JSON path of the value at fault, for findings about one value in the file."""


RuleCheck = Callable[..., Iterable[Finding]]
"""``check(doc, graph)``, or ``check(doc, graph, options)`` for a rule that has options."""


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    severity: Severity
    description: str
    fix: str
    check: RuleCheck
    options: Mapping[str, Any] = field(default_factory=dict)

    def run(self, doc: Sop, graph: SopGraph, options: Mapping[str, Any]) -> Iterable[Finding]:
        if self.options:
            return self.check(doc, graph, {**self.options, **options})
        return self.check(doc, graph)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    family: str,
    severity: Severity,
    description: str,
    fix: str,
    options: Mapping[str, Any] | None = None,
) -> Callable[[RuleCheck], RuleCheck]:
    """Register a rule function under a stable id (``options``: names and defaults)."""

    def register(check: RuleCheck) -> RuleCheck:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, family, severity, description, fix, check, options or {})
        return check

    return register
