"""The maturity assessment: levels from what the graph holds, with evidence and next steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.model import Sop
from app.model.io import save_document
from app.model.templates import load_template, template_ids
from app.validate.assess import CATEGORIES, assess_document


def levels(doc: Sop) -> dict[str, int]:
    return {score.category: score.level for score in assess_document(doc).categories}


def test_small_document_levels(small_doc: Sop) -> None:
    # No canary or shadow stage, no baseline comparison, no SLA: defined at best.
    assert levels(small_doc) == {"people": 1, "process": 3, "technology": 2, "measurement": 2}


def test_evidence_and_next_steps_explain_the_score(small_doc: Sop) -> None:
    technology = assess_document(small_doc).categories[2]
    assert technology.evidence == ["at least one gate checks something automatically"]
    assert "level 3: a canary or blue-green stage" in technology.next_steps


def test_adding_a_canary_stage_raises_technology(small_doc: Sop) -> None:
    before = levels(small_doc)["technology"]
    small_doc.set_field("prod", "strategy", {"type": "canary", "steps": [10, 50, 100]})
    assert levels(small_doc)["technology"] == before  # the runbook's check checks nothing yet
    small_doc.set_field("verify", "criteria", [{"id": "smoke", "check": "smoke-tests"}])
    assert levels(small_doc)["technology"] == 4  # canary counts as progressive delivery too


def test_people_level_rises_with_a_second_member(small_doc: Sop) -> None:
    assert levels(small_doc)["people"] == 1  # the SRE role has one member
    roles = [r.model_dump() for r in small_doc.roles]
    roles[1]["members"].append("sue")
    small_doc.set_document_field("roles", roles)
    assert levels(small_doc)["people"] >= 3


def test_a_document_with_errors_stays_below_defined_process(small_doc: Sop) -> None:
    small_doc.disconnect("gate-reject")
    assert levels(small_doc)["process"] == 2


def test_simulations_unlock_level_5_measurement_only_with_the_rest(small_doc: Sop) -> None:
    assert levels(small_doc)["measurement"] == 2
    assert assess_document(small_doc, simulations=3).categories[3].level == 2


@pytest.mark.parametrize("template_id", template_ids())
def test_templates_are_assessed_in_every_category(template_id: str) -> None:
    assessment = assess_document(load_template(template_id))
    assert [s.category for s in assessment.categories] == [c for c, _n in CATEGORIES]
    assert 1 <= assessment.level <= 5
    for score in assessment.categories:
        assert score.level == 5 or score.next_steps


def test_assess_cli_text_and_json(small_doc: Sop, tmp_path: Path, capsys) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    assert main(["assess", str(path)]) == 0
    text = capsys.readouterr().out
    assert "maturity level 1 (initial)" in text and "Technology and tools: level 2" in text
    assert main(["assess", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["level"] == 1 and report["categories"][1]["level_name"] == "defined"
