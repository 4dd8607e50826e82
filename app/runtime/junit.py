"""JUnit XML reports as evidence checks: a test case named like a check sets that check.

A test case whose ``name``, or ``classname.name``, is a check id the gate reads sets that
check to ``passed``, ``failed`` (a ``failure`` or ``error`` element) or ``skipped``. When
several cases (in one report or several) name the same check, a failure wins over a pass,
and a pass over a skip: a check passes only if nothing that names it failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from app.runtime.collect import SourceError

RANK = {"skipped": 0, "passed": 1, "failed": 2}


def case_status(case: ElementTree.Element) -> str:
    tags = {child.tag for child in case}
    if tags & {"failure", "error"}:
        return "failed"
    return "skipped" if "skipped" in tags else "passed"


def read_report(text: str, source: str) -> list[tuple[str, str, str]]:
    """``(classname, name, status)`` of every test case in the text of a JUnit XML file."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        # JUnit reports declare no entities; refusing them rules out entity expansion.
        raise SourceError(source, "declares a DTD or entities, which JUnit reports never do")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        line, column = error.position
        raise SourceError(
            source, f"line {line}, column {column + 1}: invalid XML: {error.msg}"
        ) from None
    if root.tag not in ("testsuites", "testsuite"):
        raise SourceError(
            source, f"is not a JUnit report: its root element is <{root.tag}>, not <testsuites>"
        )
    return [
        (case.get("classname") or "", case.get("name") or "", case_status(case))
        for case in root.iter("testcase")
    ]


@dataclass(frozen=True)
class JUnitReports:
    """The evidence source of ``--junit FILE`` (repeatable): checks from test results.

    ``reports`` holds ``(file name, text)`` pairs: the command line reads the files."""

    reports: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        return "JUnit reports"

    def apply(self, evidence: dict[str, Any], reads: Any) -> None:
        wanted = set(reads.checks)
        found: dict[str, str] = {}
        for source, text in self.reports:
            for classname, name, status in read_report(text, source):
                for key in (name, f"{classname}.{name}" if classname else None):
                    if key in wanted and RANK[status] >= RANK.get(found.get(key, ""), -1):
                        found[key] = status
        if found:
            checks = evidence.setdefault("checks", {})
            checks.update(found)
