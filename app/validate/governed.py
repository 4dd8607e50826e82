"""Governed rules as the document sees them: what its lint and suppressions may not relax,
and every exception that does apply (policy grants, relaxations, suppressions,
justifications), listed for validate, the spec's metadata and the PDF cover."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from app.validate.config import RuleSetting, _setting
from app.validate.diagnostics import Diagnostic
from app.validate.policy import GOVERNED, POLICY_NAME, Policy, relaxes
from app.validate.registry import RULES

if TYPE_CHECKING:
    from app.model.document import Sop

FIX = (
    f"Remove the setting: only the organisation policy ({POLICY_NAME}, --policy or "
    "GATEWRIGHT_POLICY) can grant an exception to a governed rule, with a reason."
)


def _refused(message: str, elements: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic(
        rule="governed-rule", severity="error", message=message, fix=FIX, elements=elements
    )


def _relaxation(rule_id: str, setting: RuleSetting) -> str | None:
    """How a setting relaxes a governed rule (a milder level, any option), or None."""
    if relaxes(setting.level, RULES[rule_id].severity):
        return f"sets it to {setting.level!r}"
    if setting.options:
        return f"sets its option(s) {', '.join(sorted(setting.options))}"
    return None


def without_relaxations(
    layer: Mapping[str, Any], where: str
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """``layer`` without the entries that would relax a governed rule, and one error per
    entry left out."""
    kept: dict[str, Any] = {}
    problems = []
    for rule_id, raw in layer.items():
        if rule_id in GOVERNED and (how := _relaxation(rule_id, _setting(raw))):
            problems.append(
                _refused(f"{where} {how} for governed rule {rule_id!r}, which it may not relax")
            )
            continue
        kept[rule_id] = raw
    return kept, problems


def governed_suppressions(doc: Sop) -> list[Diagnostic]:
    """A node's ``suppress`` naming a governed rule silences nothing: say so."""
    return [
        _refused(
            f"node {node.name!r} suppresses governed rule {rule_id!r}, which a document may not do",
            (node.id,),
        )
        for node in doc.nodes
        for rule_id in node.suppress
        if rule_id in GOVERNED
    ]


def _entry(kind: str, rule: str, source: str, **fields: str) -> dict[str, str]:
    return {"kind": kind, "rule": rule, "source": source, **fields}


def exceptions(
    doc: Sop, settings: Mapping[str, Any] | None = None, policy: Policy | None = None
) -> list[dict[str, str]]:
    """Every exception in force for ``doc``: policy grants (with their reasons), milder
    levels or options set by lint settings, node suppressions, written justifications.

    Each is ``{"kind", "rule", "source", "element"?, "setting"?, "reason"?}``; governed
    rules appear only as policy grants (the others are refused, see :func:`validate`).
    """
    found = []
    if policy is not None:
        for grant in policy.granted(doc.id):
            options = "".join(f", {k}={v!r}" for k, v in sorted(grant.options.items()))
            found.append(
                _entry(
                    "policy exception",
                    grant.rule,
                    f"policy {policy.name!r}",
                    setting=grant.level + options,
                    reason=grant.reason,
                )
            )
    for layer, source in ((settings or {}, "lint settings"), (doc.lint, "document lint")):
        for rule_id, raw in layer.items():
            if rule_id not in RULES or rule_id in GOVERNED:
                continue
            setting = _setting(raw)
            milder = relaxes(setting.level, RULES[rule_id].severity)
            parts = [str(setting.level)] if milder else []
            parts += [f"{k}={v!r}" for k, v in sorted(setting.options.items())]
            if parts:
                kind = "relaxation" if milder else "lint setting"
                found.append(_entry(kind, rule_id, source, setting=", ".join(parts)))
    for node in doc.nodes:
        for rule_id in node.suppress:
            if rule_id in RULES and rule_id not in GOVERNED:
                found.append(_entry("suppression", rule_id, "document", element=node.id))
    for gate in doc.nodes_of_kind("gate"):
        if not gate.approval.separation_of_duties and gate.separation_justification.strip():
            found.append(
                _entry(
                    "justification",
                    "separation-of-duties-justified",
                    "document",
                    element=gate.id,
                    setting="separation_of_duties: false",
                    reason=gate.separation_justification.strip(),
                )
            )
    return found


def exception_line(entry: dict[str, str]) -> str:
    """One exception in force, as the CLI and the PDF cover print it."""
    where = f" on {entry['element']}" if entry.get("element") else ""
    setting = f" ({entry['setting']})" if entry.get("setting") else ""
    reason = f": {entry['reason']}" if entry.get("reason") else ""
    return f"{entry['kind']} of {entry['rule']}{where}{setting}, by {entry['source']}{reason}"
