"""Printing validation diagnostics for people (grouped by severity) and for machines (JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from app.cli.output import print_json, printable
from app.validate.diagnostics import SEVERITIES, Diagnostic
from app.validate.governed import exception_line


def diagnostics_json(
    source: str,
    diagnostics: Sequence[Diagnostic],
    exceptions: Sequence[dict[str, str]] | None = None,
) -> dict[str, object]:
    counts = {severity: 0 for severity in SEVERITIES}
    for diagnostic in diagnostics:
        counts[diagnostic.severity] += 1
    payload: dict[str, object] = {
        "file": source,
        "valid": counts["error"] == 0,
        "counts": counts,
        "diagnostics": [diagnostic.to_json() for diagnostic in diagnostics],
    }
    if exceptions is not None:
        payload["exceptions"] = list(exceptions)
    return payload


def print_diagnostics(
    source: str,
    diagnostics: Sequence[Diagnostic],
    as_json: bool,
    err: bool = False,
    exceptions: Sequence[dict[str, str]] | None = None,
) -> None:
    """Diagnostics grouped by severity (or one JSON document) on stdout, or stderr with err;
    then the exceptions in force, when given."""

    def echo(line: str) -> None:
        click.echo(printable(line), err=err)

    if as_json:
        payload = diagnostics_json(source, diagnostics, exceptions)
        print_json(payload, err=err)
        return
    if exceptions:
        echo(f"EXCEPTIONS ({len(exceptions)})")
        for entry in exceptions:
            echo(f"  {exception_line(entry)}")
    if not diagnostics:
        echo(f"{source}: valid, no problems found")
        return
    for severity in SEVERITIES:
        group = [d for d in diagnostics if d.severity == severity]
        if not group:
            continue
        echo(f"{severity.upper()}S ({len(group)})" if len(group) > 1 else severity.upper())
        for diagnostic in group:
            where = f" [{', '.join(diagnostic.elements)}]" if diagnostic.elements else ""
            if diagnostic.where:
                where += f" at {diagnostic.where}"
            echo(f"  {diagnostic.rule}{where}: {diagnostic.message}")
            if diagnostic.fix:
                echo(f"      fix: {diagnostic.fix}")
    counts = ", ".join(f"{sum(d.severity == s for d in diagnostics)} {s}" for s in SEVERITIES)
    echo(f"{source}: {counts}")


def print_rules(as_json: bool) -> None:
    from app.validate.engine import RULES
    from app.validate.rules import FAMILIES

    ordered = sorted(RULES.values(), key=lambda r: FAMILIES.index(r.family))
    if as_json:
        payload = [
            {
                "id": r.id,
                "family": r.family,
                "severity": r.severity,
                "description": r.description,
                "fix": r.fix,
                "options": dict(r.options),
            }
            for r in ordered
        ]
        print_json(payload)
        return
    width = max(len(r.id) for r in ordered)
    family = ""
    for r in ordered:
        if r.family != family:
            family = r.family
            click.echo(f"{family}:")
        click.echo(f"  {r.id:<{width}}  {r.severity:<7}  {r.description}")


STATUS_MARKS = {"met": "+", "unmet": "-", "needs attestation": "?", "starting point": " "}
PART_MARKS = {"met": "ok", "unmet": "no", "needs attestation": "??", "starting point": "  "}


def print_assessment(source: str, assessment: Any, as_json: bool) -> None:
    """Per category: its level, then every statement of the standard with its status
    (``+`` met, ``-`` unmet, ``?`` needs attestation) and the evidence part by part."""
    if as_json:
        payload = {"file": source, **assessment.to_json()}
        print_json(payload)
        return
    overall = assessment.to_json()
    click.echo(f"{assessment.title}: maturity level {overall['level']} ({overall['level_name']})")
    for attestation in assessment.attestations:
        attested = ", ".join(attestation.statements)
        click.echo(f"attestation: {printable(attestation.who())} attests {attested}")
    for score in assessment.categories:
        click.echo(f"\n{score.name}: level {score.level} ({score.level_name})")
        for statement in score.statements:
            mark = STATUS_MARKS[statement.status]
            click.echo(f"  {mark} {statement.id} [{statement.status}] {statement.text}")
            for part in statement.parts:
                click.echo(f"      {PART_MARKS[part.status]} {part.kind}: {printable(part.seen)}")
        for item in score.measured or []:
            click.echo(f"  = {printable(item)}")
    if needed := assessment.needs_attestation():
        click.echo(f"\nneeds attestation: {', '.join(needed)}")
