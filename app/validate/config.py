"""Lint configuration: severities and options per rule, from the document or a TOML file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.spec.fileio import InputError, read_text
from app.validate.diagnostics import Diagnostic
from app.validate.registry import RULES

CONFIG_NAME = ".gatewright-lint.toml"
LEVELS = ("error", "warning", "info", "off")


@dataclass(frozen=True)
class RuleSetting:
    level: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def _setting(value: Any) -> RuleSetting:
    if isinstance(value, str):
        return RuleSetting(level=value)
    # A LintRule from the document, or a plain table from a TOML file.
    data = value.model_dump(exclude_none=True) if hasattr(value, "model_dump") else dict(value)
    level = data.pop("level", None)
    return RuleSetting(level=level, options=data)


def resolve(*layers: Mapping[str, Any]) -> tuple[dict[str, RuleSetting], list[Diagnostic]]:
    """Merge settings layers (later ones win) and report names no rule knows."""
    merged: dict[str, RuleSetting] = {}
    problems: list[Diagnostic] = []
    for layer in layers:
        for rule_id, raw in layer.items():
            setting = _setting(raw)
            rule = RULES.get(rule_id)
            if rule is None:
                problems.append(_config_problem(f"lint settings name unknown rule {rule_id!r}"))
                continue
            unknown = set(setting.options) - set(rule.options)
            if unknown:
                problems.append(
                    _config_problem(
                        f"rule {rule_id!r} has no option {sorted(unknown)[0]!r}"
                        + (f" (options: {', '.join(rule.options)})" if rule.options else "")
                    )
                )
            previous = merged.get(rule_id, RuleSetting())
            merged[rule_id] = RuleSetting(
                level=setting.level or previous.level,
                options={**previous.options, **setting.options},
            )
    return merged, problems


def _config_problem(message: str, elements: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic(
        rule="lint-config",
        severity="warning",
        message=message,
        fix="Check the spelling; `gatewright rules` lists every rule and its options.",
        elements=elements,
    )


def unknown_suppressions(doc: Any) -> list[Diagnostic]:
    """A ``suppress`` entry naming no rule silences nothing: say so."""
    return [
        _config_problem(f"node {node.name!r} suppresses unknown rule {rule_id!r}", (node.id,))
        for node in doc.nodes
        for rule_id in node.suppress
        if rule_id not in RULES
    ]


def load_lint_file(document_path: str | Path) -> dict[str, Any]:
    """The ``[rules]`` table of the ``.gatewright-lint.toml`` beside a document, if any."""
    config = Path(document_path).parent / CONFIG_NAME
    if not config.is_file():
        return {}
    source = str(config)
    try:
        data = tomllib.loads(read_text(config))
    except tomllib.TOMLDecodeError as error:
        raise InputError.single(source, f"invalid TOML: {error}") from None
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise InputError.single(source, "must be a table of rule settings", ("rules",))
    for rule_id, value in rules.items():
        level = value.get("level") if isinstance(value, dict) else value
        if not isinstance(value, str | dict) or (level is not None and level not in LEVELS):
            raise InputError.single(
                source,
                f"must be one of {', '.join(LEVELS)} or a table with `level`",
                ("rules", rule_id),
            )
    return rules
