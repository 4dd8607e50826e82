"""docs/rules.md documents every registered rule, once, with examples and its real severity."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

import app.validate.engine  # noqa: F401 - registers the rules
from app.validate.registry import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
RULE_HEADING = re.compile(r"^### `([^`]+)`\s*$", re.MULTILINE)
ANY_HEADING = re.compile(r"^#{1,3} ", re.MULTILINE)
SEVERITY = re.compile(r"^Default severity: \*\*(\w+)\*\*\s*$", re.MULTILINE)


def rule_sections() -> list[tuple[str, str]]:
    """(rule id, section text) for each `### `id`` heading, up to the next heading."""
    text = DOC.read_text(encoding="utf-8")
    sections = []
    for match in RULE_HEADING.finditer(text):
        following = ANY_HEADING.search(text, match.end())
        end = following.start() if following else len(text)
        sections.append((match.group(1), text[match.end() : end]))
    return sections


def section(rule_id: str) -> str:
    return next(body for heading, body in rule_sections() if heading == rule_id)


def test_every_rule_has_exactly_one_heading() -> None:
    counts = Counter(heading for heading, _body in rule_sections())
    assert {rule_id: counts[rule_id] for rule_id in RULES} == dict.fromkeys(RULES, 1)


def test_no_heading_for_an_unknown_rule() -> None:
    assert [heading for heading, _body in rule_sections() if heading not in RULES] == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_section_has_bad_and_good_json_examples(rule_id: str) -> None:
    body = section(rule_id)
    assert "Bad" in body
    assert "Good" in body
    assert "```json" in body


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_section_states_the_default_severity(rule_id: str) -> None:
    assert SEVERITY.findall(section(rule_id)) == [RULES[rule_id].severity]
