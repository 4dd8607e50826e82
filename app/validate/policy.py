"""The organisation policy (``.gatewright-policy.toml``): the only place that may relax
governed rules, and where an organisation tightens what every SOP must require."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.spec.fileio import InputError, read_text
from app.spec.types import check_text
from app.validate.registry import RULES

POLICY_NAME = ".gatewright-policy.toml"
POLICY_ENV = "GATEWRIGHT_POLICY"
LEVELS = ("error", "warning", "info", "off")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}

GOVERNED = frozenset(
    {
        "production-has-rollback",
        "production-rollback-restores",
        "high-tier-needs-independent-approval",
        "separation-of-duties-justified",
        "gate-has-blocking-criterion",
        "last-gate-has-blocking-metric",
        "criterion-decides",
    }
)
"""Rules a document, a lint file or a node's ``suppress`` may never relax."""

REQUIRE = {
    "artifacts": ("required-artifacts", "artifacts"),
    "max_approval_window_hours": ("approval-window-limit", "max_hours"),
    "min_production_approvals": ("production-approvals-minimum", "min_approvals"),
}
"""``[require]`` keys of a policy: the rule and option each one sets."""


def relaxes(level: str | None, default: str) -> bool:
    """Whether ``level`` is milder than a rule's default severity (``off`` mildest)."""
    return level is not None and _RANK[level] > _RANK[default]


@dataclass(frozen=True)
class Grant:
    """One relaxation granted by the policy: a rule's level for some or all SOPs, and why."""

    rule: str
    level: str
    reason: str
    sops: tuple[str, ...] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def covers(self, sop_id: str) -> bool:
        return self.sops is None or sop_id in self.sops


@dataclass(frozen=True)
class Policy:
    """A loaded policy: where it came from, its settings (tightening), its exceptions."""

    source: str
    name: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    exceptions: tuple[Grant, ...] = ()

    def granted(self, sop_id: str) -> list[Grant]:
        return [e for e in self.exceptions if e.covers(sop_id)]

    def layer(self, sop_id: str) -> dict[str, Any]:
        """The policy's rule settings for one SOP: its own settings, then its exceptions."""
        merged: dict[str, Any] = {k: dict(v) for k, v in self.settings.items()}
        for granted in self.granted(sop_id):
            merged[granted.rule] = {**merged.get(granted.rule, {}), **granted.options}
            merged[granted.rule]["level"] = granted.level
        return merged


def find_policy(document: str | Path | None, explicit: str | Path | None = None) -> Path | None:
    """``explicit`` (``--policy``), else ``$GATEWRIGHT_POLICY``, else the first
    ``.gatewright-policy.toml`` in the document's folder or one above it."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get(POLICY_ENV):
        return Path(env)
    if document is None:
        return None
    folder = Path(document).resolve().parent
    for candidate in (folder, *folder.parents):
        found = candidate / POLICY_NAME
        if found.is_file():
            return found
    return None


def policy_for(document: str | Path | None, explicit: str | Path | None = None) -> Policy | None:
    """The policy that governs ``document`` (see :func:`find_policy`), loaded; None when
    there is none. An unreadable or invalid policy is an :class:`InputError`."""
    path = find_policy(document, explicit)
    return load_policy(path) if path is not None else None


def _table(source: str, data: Any, path: tuple[Any, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError.single(source, "must be a table", path)
    return data


def _text(source: str, value: Any, path: tuple[Any, ...], required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InputError.single(source, "must be a non-empty text", path)
    try:
        return check_text(value)
    except ValueError as error:
        raise InputError.single(source, str(error), path) from None


def _rule_id(source: str, rule_id: Any, path: tuple[Any, ...]) -> str:
    if not isinstance(rule_id, str) or rule_id not in RULES:
        raise InputError.single(
            source, f"names no rule ({rule_id!r}); `gatewright rules` lists them", path
        )
    return rule_id


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file; every problem names the file and the TOML path."""
    source = str(path)
    try:
        data = tomllib.loads(read_text(Path(path)))
    except tomllib.TOMLDecodeError as error:
        raise InputError.single(source, f"invalid TOML: {error}") from None
    meta = _table(source, data.get("policy", {}), ("policy",))
    name = _text(source, meta.get("name", Path(path).name), ("policy", "name"))
    settings: dict[str, dict[str, Any]] = {}
    for rule_id, value in _table(source, data.get("rules", {}), ("rules",)).items():
        _rule_id(source, rule_id, ("rules", rule_id))
        setting = (
            {"level": value}
            if isinstance(value, str)
            else dict(_table(source, value, ("rules", rule_id)))
        )
        level = setting.get("level")
        if level is not None and level not in LEVELS:
            raise InputError.single(
                source, f"level must be one of {', '.join(LEVELS)}", ("rules", rule_id)
            )
        if relaxes(level, RULES[rule_id].severity):
            raise InputError.single(
                source,
                "relaxes the rule: write it as an [[exceptions]] entry with a reason",
                ("rules", rule_id),
            )
        settings[rule_id] = setting
    for key, value in _table(source, data.get("require", {}), ("require",)).items():
        if key not in REQUIRE:
            raise InputError.single(
                source, f"is not a requirement (known: {', '.join(REQUIRE)})", ("require", key)
            )
        rule_id, option = REQUIRE[key]
        settings.setdefault(rule_id, {})[option] = _requirement(source, key, value)
    exceptions = []
    raw = data.get("exceptions", [])
    if not isinstance(raw, list):
        raise InputError.single(source, "must be an array of tables ([[exceptions]])", ())
    for index, entry in enumerate(raw):
        where = ("exceptions", index)
        entry = _table(source, entry, where)
        rule_id = _rule_id(source, entry.get("rule"), (*where, "rule"))
        level = entry.get("level", "off")
        if level not in LEVELS:
            raise InputError.single(
                source, f"must be one of {', '.join(LEVELS)}", (*where, "level")
            )
        reason = _text(source, entry.get("reason"), (*where, "reason"))
        sops = entry.get("sops")
        if sops is not None and (
            not isinstance(sops, list) or not all(isinstance(s, str) for s in sops)
        ):
            raise InputError.single(source, "must be a list of SOP ids", (*where, "sops"))
        options = {k: v for k, v in entry.items() if k not in ("rule", "level", "reason", "sops")}
        unknown = set(options) - set(RULES[rule_id].options)
        if unknown:
            raise InputError.single(
                source, f"rule {rule_id!r} has no option {sorted(unknown)[0]!r}", where
            )
        exceptions.append(
            Grant(rule_id, level, reason, tuple(sops) if sops is not None else None, options)
        )
    return Policy(source, name, settings, tuple(exceptions))


def _requirement(source: str, key: str, value: Any) -> Any:
    where = ("require", key)
    if key == "artifacts":
        table = _table(source, value, where)
        for tier, artifacts in table.items():
            if not isinstance(artifacts, list) or not all(isinstance(a, str) for a in artifacts):
                raise InputError.single(source, "must be a list of artifact names", (*where, tier))
        return table
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InputError.single(source, "must be a number above 0", where)
    if key == "min_production_approvals" and not isinstance(value, int):
        raise InputError.single(source, "must be a whole number", where)
    return value


def validation_setup(
    document: str | Path | None, explicit: str | Path | None = None
) -> tuple[dict[str, Any], Policy | None]:
    """The lint settings beside ``document`` and the policy that governs it: what every
    command (and the designer) validates with."""
    from app.validate.config import load_lint_file

    settings = load_lint_file(document) if document is not None else {}
    return settings, policy_for(document, explicit)
