"""Runs the registered rules over a document, applying severities, `lint` config and suppression."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import app.validate.rules  # noqa: F401 - registers the rules
from app.model.document import Sop
from app.validate.diagnostics import Diagnostic
from app.validate.graph import document_graph
from app.validate.registry import RULES, Rule


def _level(rule: Rule, config: Mapping[str, str]) -> str:
    return config.get(rule.id, rule.severity)


def validate(
    doc: Sop, config: Mapping[str, str] | None = None, rules: Iterable[str] | None = None
) -> list[Diagnostic]:
    """Every diagnostic for ``doc``, in a stable order (errors first, then by rule and element).

    ``config`` maps rule ids to a severity or ``off`` and takes precedence over the
    document's own ``lint`` section; a node's ``suppress`` list silences rules on it.
    """
    levels = {**doc.lint, **(config or {})}
    graph = document_graph(doc)
    suppressed = {node.id: set(node.suppress) for node in doc.nodes if node.suppress}
    selected = [RULES[rule_id] for rule_id in rules] if rules is not None else RULES.values()
    found: list[Diagnostic] = []
    for rule in selected:
        level = _level(rule, levels)
        if level == "off":
            continue
        for finding in rule.check(doc, graph):
            if any(rule.id in suppressed.get(element, ()) for element in finding.elements):
                continue
            found.append(
                Diagnostic(
                    rule=rule.id,
                    severity=level,  # type: ignore[arg-type]
                    message=finding.message,
                    fix=finding.fix or rule.fix,
                    elements=finding.elements,
                    path=finding.path,
                )
            )
    return sorted(found, key=Diagnostic.sort_key)
