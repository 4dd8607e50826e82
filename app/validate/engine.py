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
from app.validate.governed import governed_suppressions, without_relaxations
from app.validate.policy import GOVERNED, Policy
from app.validate.registry import RULES


def validate(
    doc: Sop,
    settings: Mapping[str, Any] | None = None,
    rules: Iterable[str] | None = None,
    policy: Policy | None = None,
) -> list[Diagnostic]:
    """Every diagnostic for ``doc``, in a stable order (errors first, then rule, elements).

    ``settings`` (e.g. from a ``.gatewright-lint.toml``) maps rule ids to a severity,
    ``off``, or ``{"level": ..., option: value}``; the document's own ``lint`` section
    wins over it. A node's ``suppress`` list silences rules on that node. Neither may relax
    a governed rule (each attempt is an error diagnostic); only ``policy``, the
    organisation's, may, and its settings win over both.
    """
    outside, problems = without_relaxations(settings or {}, "the lint settings")
    own, refused = without_relaxations(doc.lint, "the document's lint")
    layers = [outside, own] + ([policy.layer(doc.id)] if policy is not None else [])
    resolved, unknown = resolve(*layers)
    problems += refused + unknown + unknown_suppressions(doc) + governed_suppressions(doc)
    graph = document_graph(doc)
    suppressed = {node.id: set(node.suppress) - GOVERNED for node in doc.nodes if node.suppress}
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


def validate_cached(
    doc: Sop,
    settings: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
) -> list[Diagnostic]:
    """``validate(doc, settings, policy=policy)``, cached until the content changes."""
    if not settings and policy is None:
        return doc.derived("validate.diagnostics", validate)
    key = f"validate.diagnostics:{id(policy)}:{id(settings)}"
    return doc.derived(key, lambda doc: validate(doc, settings, policy=policy))
