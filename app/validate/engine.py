"""Runs the registered rules over a document, applying severities, settings and suppression."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import app.validate.rules  # noqa: F401 - registers the rules
from app.model.document import Sop
from app.model.graph import document_graph
from app.spec.problems import render_path
from app.validate.config import resolve, unknown_suppressions
from app.validate.diagnostics import Diagnostic
from app.validate.registry import RULES


def validate(
    doc: Sop,
    settings: Mapping[str, Any] | None = None,
    rules: Iterable[str] | None = None,
) -> list[Diagnostic]:
    """Every diagnostic for ``doc``, in a stable order (errors first, then rule, elements).

    ``settings`` (e.g. from a ``.gatewright-lint.toml``) maps rule ids to a severity,
    ``off``, or ``{"level": ..., option: value}``; the document's own ``lint`` section
    wins over it. A node's ``suppress`` list silences rules on that node.
    """
    resolved, problems = resolve(settings or {}, doc.lint)
    problems += unknown_suppressions(doc)
    graph = document_graph(doc)
    suppressed = {node.id: set(node.suppress) for node in doc.nodes if node.suppress}
    selected = [RULES[rule_id] for rule_id in rules] if rules is not None else RULES.values()
    found = list(problems)
    for rule in selected:
        setting = resolved.get(rule.id)
        level = (setting.level if setting else None) or rule.severity
        if level == "off":
            continue
        for finding in rule.run(doc, graph, setting.options if setting else {}):
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
                    where=render_path(finding.where) if finding.where else "",
                )
            )
    return sorted(found, key=Diagnostic.sort_key)


def validate_cached(doc: Sop) -> list[Diagnostic]:
    """``validate(doc)`` with the document's own settings, cached until its content changes."""
    return doc.derived("validate.diagnostics", validate)
