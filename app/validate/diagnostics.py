"""Diagnostics: what a rule found, where (element ids), how bad, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Diagnostic:
    """One finding of one rule, keyed by the ids of the elements at fault."""

    rule: str
    severity: Severity
    message: str
    fix: str = ""
    elements: tuple[str, ...] = ()
    path: tuple[str, ...] = field(default=())
    """For cycles and chains: the element ids in order."""
    where: str = ""
    """The JSON path of the value at fault (``$.roles[0].members[2]``), when there is one."""

    def sort_key(self) -> tuple[Any, ...]:
        return (_RANK[self.severity], self.rule, self.elements, self.message)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "elements": list(self.elements),
        }
        if self.path:
            data["path"] = list(self.path)
        if self.where:
            data["where"] = self.where
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        """The diagnostic :meth:`to_json` wrote."""
        if data["severity"] not in SEVERITIES:
            raise ValueError(f"unknown severity {data['severity']!r}")
        return cls(
            rule=str(data["rule"]),
            severity=data["severity"],
            message=str(data["message"]),
            fix=str(data["fix"]),
            elements=tuple(str(e) for e in data["elements"]),
            path=tuple(str(e) for e in data.get("path", ())),
            where=str(data.get("where", "")),
        )
