"""The simulator compares people as check does: a submitter in another case is still the submitter,
and a scenario's submitter must be a person id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.model import Sop
from app.model.io import save_document


def _scenario(submitter: str) -> dict:
    fixed = {"dist": "fixed", "value": 1}
    return {
        "format": "gatewright.scenario/1",
        "id": "identities",
        "title": "Identities",
        "candidates": {
            "count": 6,
            "every_hours": {"dist": "fixed", "value": 48},
            "tiers": {"low": 1},
            "submitters": [submitter],
            "metrics": {"accuracy": {"dist": "fixed", "value": 0.95}},
        },
        "approvers": {"ml-lead": {"delay_hours": fixed}},
        "telemetry": {"window_minutes": 60, "watch_windows": 2, "metrics": {}},
    }


@pytest.fixture
def files(small_doc: Sop, tmp_path: Path):  # type: ignore[no-untyped-def]
    sop = tmp_path / "small.sop.json"
    save_document(small_doc, sop, backup=False)
    return sop, tmp_path / "scenario.json"


@pytest.mark.parametrize("submitter", ["ALICE", "Alice", "alice"])
def test_the_submitter_in_any_case_never_approves_their_candidate(files, capsys, submitter):
    sop, scenario = files
    scenario.write_text(json.dumps(_scenario(submitter)))
    code = main(["simulate", str(sop), "--scenario", str(scenario), "--json", "--no-record"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    approvers = {e["detail"]["by"] for e in result["events"] if e["type"] == "approval"}
    assert approvers == {"bob"}  # alice, the submitter, is never asked
    passed = [e for e in result["events"] if e["type"] == "gate-passed"]
    assert len(passed) == 6 and all("bob (ml-lead)" in e["detail"]["reasons"][1] for e in passed)


@pytest.mark.parametrize("submitter", ["alice ", "\u0430lice", "alice\u200b", "a lice"])
def test_a_submitter_that_is_no_person_id_is_refused_with_its_place(files, capsys, submitter):
    sop, scenario = files
    scenario.write_text(json.dumps(_scenario(submitter)))
    code = main(["simulate", str(sop), "--scenario", str(scenario), "--no-record"])
    err = capsys.readouterr().err
    assert code == 2 and "$.candidates.submitters[0]" in err and "person id" in err
