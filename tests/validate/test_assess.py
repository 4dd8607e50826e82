"""The maturity assessment: each statement of 004 from its evidence; a hand-built SOP per
level, the gaming SOP of issue 21, and no score from names."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.compiler.compile import compile_spec
from app.model.templates import load_template, template_ids
from app.validate.assess import CATEGORIES, assess_document
from app.validate.attestation import Attestation
from app.validate.maturity_evidence import Context, Records, registry_rollback_runs
from app.validate.maturity_standard import ATTESTABLE, STATEMENTS
from exporters.pipeline_scripts import registry_policies
from tests.validate.maturity_sops import Case, gaming_sop, level_case


def assessed(case: Case, **changes):  # type: ignore[no-untyped-def]
    given = {
        "measured": case.measured,
        "records": case.records,
        "attestations": case.attestations(),
        **changes,
    }
    return assess_document(case.doc, **given)


def levels(assessment) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {score.category: score.level for score in assessment.categories}


def statement(assessment, statement_id: str):  # type: ignore[no-untyped-def]
    return next(s for c in assessment.categories for s in c.statements if s.id == statement_id)


def test_the_standard_has_twenty_statements_one_per_category_and_level() -> None:
    cells = {(s.category, s.level) for s in STATEMENTS}
    assert len(STATEMENTS) == 20
    assert cells == {(c, n) for c, _name in CATEGORIES for n in range(1, 6)}


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_each_hand_built_sop_reaches_its_level_in_every_category(level: int) -> None:
    assessment = assessed(level_case(level))
    assert levels(assessment) == {c: level for c, _name in CATEGORIES}
    assert assessment.level == level
    for score in assessment.categories:
        for result in score.statements:
            expected = "starting point" if result.level == 1 else "met"
            if 1 < result.level <= level:
                assert result.status == expected, (result.id, result.evidence())
            elif result.level == level + 1:
                assert result.status != "met", result.id


def test_without_attestations_the_level_5_sop_lists_what_needs_one() -> None:
    case = level_case(5)
    assessment = assessed(case, attestations=[])
    assert levels(assessment) == {
        "people": 2,
        "process": 2,
        "technology": 1,
        "measurement": 1,
    }
    needed = assessment.needs_attestation()
    assert set(needed) == set(ATTESTABLE)  # everything else holds for this SOP
    part = statement(assessment, "technology-2").parts[-1]
    assert (part.kind, part.status) == ("attestation", "needs attestation")


def test_attestations_for_another_sop_do_not_count() -> None:
    case = level_case(3)
    other = [replace(a, sop="another-sop") for a in case.attestations()]
    assert assessed(case, attestations=other).level < 3


def test_measurement_only_from_measured_data() -> None:
    case = level_case(5)
    assessment = assessed(case, measured=None)
    measurement = assessment.categories[3]
    assert measurement.level == 1
    assert "no measured data" in statement(assessment, "measurement-3").evidence()
    # Targets are not measurements: SLAs and approval windows stay in the SOP.
    assert case.doc.node("prod-gate").approval.window_hours == 72


def test_a_ledger_without_real_deployments_is_no_measured_data() -> None:
    case = level_case(5)
    figures = {**case.measured, "dora": {"deployments": 0}}
    assessment = assessed(case, measured=figures)
    assert assessment.categories[3].level == 1
    assert "records no real deployment" in statement(assessment, "measurement-2").evidence()


def test_rollback_automation_needs_the_field_and_a_pipeline_job() -> None:
    case = level_case(4)
    case.doc.set_field("roll-back", "automation", "manual")
    result = statement(assessed(case), "technology-4")
    assert result.status == "unmet" and "steps for people: roll-back" in result.evidence()

    # Marked automated, but the runbook demotes to staging: no pipeline job carries it out.
    case = level_case(4)
    case.doc.disconnect("e9")
    case.doc.connect("verify", "staging", "next", "verify-then-staging")
    result = statement(assessed(case), "technology-4")
    assert result.status == "unmet" and "no pipeline job carries it out" in result.evidence()


def test_detection_needs_a_prometheus_query() -> None:
    case = level_case(4)
    metrics = [m.model_dump(exclude_none=True) for m in case.doc.metrics]
    metrics[1].pop("sources")
    case.doc.set_document_field("metrics", metrics)
    result = statement(assessed(case), "technology-4")
    assert "has no Prometheus query" in result.evidence()


def test_drills_count_distinct_people_who_passed() -> None:
    case = level_case(2)
    one_person = [
        {"trainee": "ann", "score": {"passed": True}},
        {"trainee": "ANN", "score": {"passed": True}},
        {"trainee": "sam", "score": {"passed": False}},
    ]
    result = statement(assessed(case, records=Records(drills=one_person)), "people-2")
    assert result.status == "unmet" and "1 person(s) passed" in result.evidence()


def test_names_and_descriptions_score_nothing() -> None:
    """Renaming every node and role to words the old assessment looked for (learn, lesson,
    review, independent) changes no status."""
    case = level_case(3)
    before = [(s.id, s.status) for c in assessed(case).categories for s in c.statements]
    for node in case.doc.nodes:
        case.doc.set_field(node.id, "name", "Lessons learned: independent review, post-mortem")
        case.doc.set_field(node.id, "description", "retro, learn, automated rollback")
    roles = [r.model_dump() for r in case.doc.roles]
    for role in roles:
        role["name"] = "Independent auditors"
    case.doc.set_document_field("roles", roles)
    after = [(s.id, s.status) for c in assessed(case).categories for s in c.statements]
    assert after == before


def test_independence_is_declared_not_named() -> None:
    case = level_case(2)
    roles = [r.model_dump() for r in case.doc.roles]
    roles[1]["model_team"] = True  # "Model risk" declared part of the model team
    case.doc.set_document_field("roles", roles)
    result = statement(assessed(case), "process-2")
    assert result.status == "unmet" and "declared independent" in result.evidence()


def test_the_gaming_sop_scores_at_most_2_in_every_category() -> None:
    doc = gaming_sop()
    assert len(doc.nodes) == 6
    plain = assess_document(doc)
    assert levels(plain) == {c: 1 for c, _name in CATEGORIES}
    assert statement(plain, "technology-4").status == "unmet"  # lessons learned by hand
    # Even with every attestation a person could sign and two people's drills.
    everything = [
        Attestation("all.toml", "gaming", "fred", "Fred", date(2026, 11, 30), tuple(ATTESTABLE))
    ]
    drills = [{"trainee": t, "score": {"passed": True}} for t in ("fred", "fay")]
    for doc in (gaming_sop(), gaming_sop("registry-rollback")):
        gamed = assess_document(doc, records=Records(drills=drills), attestations=everything)
        assert max(levels(gamed).values()) <= 2 and gamed.level <= 2
        assert statement(gamed, "process-2").status == "unmet"  # advisory accuracy >= 0
        assert statement(gamed, "technology-2").status == "unmet"


def test_the_registry_rollback_is_the_one_the_pipelines_run() -> None:
    """The assessment's "carried out by a pipeline job" matches the exporters' choice of
    the policies whose rollback job runs `gatewright rollback`."""
    from app.model.graph import document_graph

    for doc in [level_case(4).doc, *(load_template(t) for t in template_ids())]:
        spec = compile_spec(doc)
        context = Context(doc, document_graph(doc), [], None, Records())
        chosen = set(registry_policies(spec))
        assert chosen == {
            p.id for p in spec.rollback if registry_rollback_runs(context, p.id, p.stage)
        }, doc.id


@pytest.mark.parametrize("template_id", template_ids())
def test_templates_are_assessed_statement_by_statement(template_id: str) -> None:
    """Every template now stays at level 1 overall without a ledger: Measurement needs
    measured data, and People level 2 needs recorded drills."""
    assessment = assess_document(load_template(template_id))
    assert [s.category for s in assessment.categories] == [c for c, _n in CATEGORIES]
    assert assessment.level == 1
    assert assessment.categories[3].level == 1
    for score in assessment.categories:
        assert len(score.statements) == 5
        assert score.next_steps  # what the next level lacks, always said


def test_docs_map_every_statement_of_004_to_its_evidence() -> None:
    """docs/maturity.md's table holds every statement as 004 words it, and every part."""
    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "maturity.md").read_text(encoding="utf-8")
    for item in STATEMENTS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{item.id}` |"))
        assert f"| {item.text} |" in row
        for part in item.parts:
            assert part.claim in row, (item.id, part.claim)


def test_the_statements_are_the_standards_words() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = Path(os.environ.get("GATEWRIGHT_SHARED") or root.parent / "shared") / "sources"
    standard = next(sources.glob("004*"), None) if sources.exists() else None
    if standard is None:
        pytest.skip("the shared sources are not here (set GATEWRIGHT_SHARED)")
    text = " ".join(standard.read_text(encoding="utf-8").split())
    for item in STATEMENTS:
        assert f"- {item.text}" in text, item.id
