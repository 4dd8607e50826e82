"""Built-in drills and scenarios against the templates; drill scoring; the `drill` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.compiler.compile import compile_spec
from app.model import Sop
from app.model.templates import list_templates, load_template
from app.runtime import monitor
from app.simulate.drill import (
    DrillError,
    DrillScenario,
    DrillSession,
    perfect_answers,
    run_scripted,
)
from app.simulate.library import builtin_ids, load_builtin
from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec

TEMPLATES = Path(__file__).resolve().parents[2] / "sop_templates"
DRILLS = builtin_ids(DrillScenario)
SCENARIOS = builtin_ids(Scenario)
TEMPLATE_IDS = [t.id for t in list_templates()]

# The trigger each shipped drill is written to fire ([] for a false alarm).
INTENDED = {
    "engagement-drop": ["engagement-drop"],
    "bias-detected": ["fairness-breach"],
    "data-pipeline-failure": ["system-errors"],
    "latency-misconfiguration": ["latency-spike"],
    "false-alarm-latency-blip": [],
    "canary-error-spike": ["canary-errors-high"],
}
RESULT_KEYS = {
    "drill",
    "score",
    "max_score",
    "minutes",
    "sla_minutes",
    "sla_met",
    "answers",
    "mistakes",
}
MISTAKE_KEYS = {"step", "chosen", "expected", "explanation", "points_lost"}

_SPECS: dict[str, GateSpec] = {}


def spec_of(template: str) -> GateSpec:
    if template not in _SPECS:
        _SPECS[template] = compile_spec(load_template(template))
    return _SPECS[template]


def drill(drill_id: str) -> DrillScenario:
    return load_builtin(DrillScenario, drill_id)


def session(drill_id: str, template: str | None = None) -> DrillSession:
    scenario = drill(drill_id)
    return DrillSession(spec_of(template or scenario.sop), scenario)


def score(drill_id: str, **changes: Any) -> dict[str, Any]:
    """The result JSON of a drill answered perfectly except for ``changes``."""
    answers = perfect_answers(session(drill_id))
    answers.update(changes)
    return run_scripted(session(drill_id), answers).to_json()


@pytest.fixture(autouse=True)
def _workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user data folder, even if a test forgets --no-record."""
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(tmp_path / "workspace.db"))


def test_the_required_drills_ship() -> None:
    assert set(INTENDED) <= set(DRILLS)


# -- every shipped drill against its template ------------------------------------------


@pytest.mark.parametrize("drill_id", DRILLS)
def test_drill_is_well_formed_for_its_template(drill_id: str) -> None:
    scenario = drill(drill_id)
    if scenario.sop is None:
        pytest.skip("the drill names no template")
    assert scenario.sop in TEMPLATE_IDS
    assert scenario.story and scenario.alerts and scenario.lesson_hint and scenario.requires
    assert 8 <= len(scenario.telemetry.windows) <= 20
    spec = spec_of(scenario.sop)
    assert scenario.stage in {s.id for s in spec.stages}
    watched = {t.metric for p in spec.policies_for(scenario.stage) for t in p.triggers}
    assert set(scenario.requires) <= watched


@pytest.mark.parametrize("drill_id", sorted(INTENDED))
def test_drill_fires_the_intended_trigger(drill_id: str) -> None:
    scenario = drill(drill_id)
    verdict = monitor(spec_of(scenario.sop), scenario.stage, scenario.telemetry)
    assert verdict.fired == INTENDED[drill_id]
    assert verdict.decision == ("rollback" if INTENDED[drill_id] else "healthy")


@pytest.mark.parametrize("template", TEMPLATE_IDS)
@pytest.mark.parametrize("drill_id", sorted(INTENDED))
def test_a_drill_on_another_sop_is_marked_on_the_metrics_it_reports(
    drill_id: str, template: str
) -> None:
    """A trigger on a metric the drill never mentions is not part of its incident: were
    it counted (a missing value is a breach by default), a latency drill run on an SOP
    that also watches click-through would expect the trainee to name that trigger."""
    try:
        started = session(drill_id, template)
    except DrillError:
        return  # the drill does not apply to this SOP, and says so
    reported = {m for window in started.scenario.telemetry.windows for m in window.metrics}
    metric_of = {t.id: t.metric for p in started.spec.rollback for t in p.triggers}
    assert all(metric_of[fired] in reported for fired in started.verdict.fired)
    if not INTENDED[drill_id]:
        assert started.verdict.fired == [], "a false alarm stays one on every SOP"


def test_choices_never_read_the_same() -> None:
    """rollback-procedure has two checks named "Error rate at most 1%" in two policies."""
    for step in session("latency-misconfiguration", "rollback-procedure").steps:
        labels = [c.label for c in step.choices]
        assert len(labels) == len(set(labels)), step.key
    checks = next(
        s
        for s in session("latency-misconfiguration", "rollback-procedure").steps
        if s.key == "checks"
    )
    assert any(c.label.endswith(f"[{c.id}]") for c in checks.choices)


@pytest.mark.parametrize("drill_id", DRILLS)
def test_perfect_answers_score_full_marks(drill_id: str) -> None:
    if drill(drill_id).sop is None:
        pytest.skip("the drill names no template")
    result = score(drill_id)
    assert set(result) == RESULT_KEYS
    assert result["drill"] == drill_id
    assert result["score"] == result["max_score"] == 100
    assert result["mistakes"] == []
    if result["sla_minutes"] is None:  # a false alarm: nothing to restore
        assert result["sla_met"] is None
    else:
        assert result["sla_met"] is True
        assert result["minutes"] <= result["sla_minutes"]
    json.dumps(result)  # JSON-ready as it is


def test_perfect_run_adds_up_the_runbook_minutes() -> None:
    live = session("bias-detected")
    plan = live.plan
    assert plan is not None and plan.id == "fairness-breach"
    result = run_scripted(live, perfect_answers(session("bias-detected")))
    assert result.minutes == drill("bias-detected").minutes_to_notice + sum(
        a.minutes for a in plan.actions
    )


# -- each kind of mistake --------------------------------------------------------------

# bias-detected (financial-credit-model) has 4 actions, so each action/role step is
# worth 30 / 8 = 3.75 points, and its SLA (1440 min) leaves room for mistake minutes.
SHARE = 30 / 8


def only_mistake(result: dict[str, Any], step: str, points: float) -> dict[str, Any]:
    assert [m["step"] for m in result["mistakes"]] == [step]
    mistake = result["mistakes"][0]
    assert set(mistake) == MISTAKE_KEYS
    assert mistake["points_lost"] == pytest.approx(points)
    assert result["score"] == pytest.approx(100 - points)
    return mistake


def test_wrong_trigger_loses_20() -> None:
    mistake = only_mistake(score("bias-detected", trigger="population-drift"), "trigger", 20)
    assert mistake["expected"] == ["fairness-breach"]
    explanation = mistake["explanation"]  # names as the trainee saw them, not ids
    assert "'Population drift' did not fire; 'Adverse impact breach' did" in explanation


def test_none_when_a_trigger_fired_loses_20() -> None:
    mistake = only_mistake(score("bias-detected", trigger="none"), "trigger", 20)
    assert "'Adverse impact breach' fired" in mistake["explanation"]
    assert "consecutive windows" in mistake["explanation"]


def test_waiting_when_a_trigger_fired_loses_15() -> None:
    mistake = only_mistake(score("bias-detected", decision="wait"), "decision", 15)
    assert "roll back now" in mistake["explanation"]


def test_rolling_back_on_the_false_alarm_loses_40() -> None:
    result = score("false-alarm-latency-blip", decision="rollback")
    mistake = only_mistake(result, "decision", 40)
    assert mistake["expected"] == "wait"
    assert "false alarm" in mistake["explanation"]
    assert result["sla_met"] is None


def test_naming_a_trigger_on_the_false_alarm_loses_40() -> None:
    result = score("false-alarm-latency-blip", trigger="latency-spike")
    mistake = only_mistake(result, "trigger", 40)
    assert mistake["expected"] == ["none"]
    assert "did not last the required windows" in mistake["explanation"]


def test_empty_lesson_on_the_false_alarm_loses_20() -> None:
    mistake = only_mistake(score("false-alarm-latency-blip", lesson=""), "lesson", 20)
    assert "at least a sentence" in mistake["explanation"]


def test_wrong_target_loses_15() -> None:
    result = score("bias-detected", target="independent-validation")
    mistake = only_mistake(result, "target", 15)
    assert mistake["expected"] == "previous-stable"
    assert "Redeploy the previous stable version" in mistake["explanation"]


def test_two_swapped_actions_lose_two_shares() -> None:
    perfect = perfect_answers(session("bias-detected"))
    result = score(
        "bias-detected", **{"action-1": perfect["action-2"], "action-2": perfect["action-1"]}
    )
    assert [m["step"] for m in result["mistakes"]] == ["action-1", "action-2"]
    assert all(m["points_lost"] == pytest.approx(SHARE) for m in result["mistakes"])
    assert result["score"] == pytest.approx(100 - 2 * SHARE)
    first = result["mistakes"][0]
    assert first["expected"] == "fair-escalate"
    assert (
        first["explanation"] == "Step 1 is 'Escalate to compliance': the runbook's order matters."
    )


def test_wrong_role_loses_one_share() -> None:
    mistake = only_mistake(score("bias-detected", **{"role-2": "it-operations"}), "role-2", SHARE)
    assert mistake["expected"] == "fair-lending-compliance"
    expected = "'Approve rollback' is carried out by Fair lending compliance officer."
    assert mistake["explanation"] == expected


def test_wrong_checks_lose_10() -> None:
    mistake = only_mistake(score("bias-detected", checks=["air-restored"]), "checks", 10)
    assert mistake["expected"] == ["air-restored", "incident-record"]
    assert (
        "Adverse impact ratio at least 0.80; Regulatory incident record" in mistake["explanation"]
    )


def test_extra_check_is_also_wrong() -> None:
    checks = ["air-restored", "incident-record", "psi-ok"]
    only_mistake(score("bias-detected", checks=checks), "checks", 10)


@pytest.mark.parametrize("blank", ["\x00" * 30, " \t\n" * 10, "\u200b" * 25])
def test_a_lesson_of_invisible_characters_is_no_lesson(blank: str) -> None:
    only_mistake(score("bias-detected", lesson=blank), "lesson", 10)


def test_empty_lesson_loses_10_and_shows_the_hint() -> None:
    mistake = only_mistake(score("bias-detected", lesson="   "), "lesson", 10)
    assert "at least a sentence" in mistake["explanation"]
    assert drill("bias-detected").lesson_hint in mistake["explanation"]


def test_every_mistake_costs_five_minutes() -> None:
    perfect = score("bias-detected")
    result = score("bias-detected", trigger="none", target="independent-validation", lesson="no")
    assert len(result["mistakes"]) == 3
    assert result["minutes"] == perfect["minutes"] + 3 * 5
    assert result["score"] == pytest.approx(100 - 20 - 15 - 10)
    assert result["sla_met"] is True


def test_mistakes_on_a_runbook_at_its_sla_also_miss_the_sla() -> None:
    """latency-misconfiguration: 5 + 55 runbook minutes against an SLA of 60."""
    assert score("latency-misconfiguration")["sla_met"] is True
    result = score("latency-misconfiguration", lesson="")
    assert result["sla_met"] is False
    assert [m["step"] for m in result["mistakes"]] == ["lesson", "sla"]
    assert result["score"] == 100 - 10 - 10


# -- the SLA -----------------------------------------------------------------------------


def tight_sla_drill(doc: Sop, max_minutes: float) -> tuple[GateSpec, DrillScenario]:
    """small_doc with its runbook (5 min) under an SLA of ``max_minutes``; accuracy fell."""
    doc.set_field("acc-drop", "max_minutes", max_minutes)
    doc.set_field(
        "verify", "criteria", [{"id": "acc-ok", "metric": "accuracy", "op": ">=", "value": 0.9}]
    )
    spec = compile_spec(doc)
    windows = [
        {"at": f"2026-01-05T{hour:02d}:00:00Z", "metrics": {"accuracy": value}}
        for hour, value in enumerate([0.93, 0.92, 0.93, 0.92, 0.91, 0.93, 0.92, 0.8, 0.79, 0.78])
    ]
    scenario = DrillScenario.model_validate(
        {
            "format": "gatewright.drill/1",
            "id": "tight-sla",
            "title": "Tight SLA",
            "stage": "prod",
            "story": "Accuracy fell after a release.",
            "requires": ["accuracy"],
            "telemetry": {"windows": windows},
            "minutes_to_notice": 5,
        }
    )
    return spec, scenario


def test_going_over_the_sla_costs_10(small_doc: Sop) -> None:
    spec, scenario = tight_sla_drill(small_doc, 12)  # 5 to notice + 5 revert = 10 <= 12
    perfect = run_scripted(
        DrillSession(spec, scenario), perfect_answers(DrillSession(spec, scenario))
    )
    assert perfect.to_json()["sla_met"] is True and perfect.score == 100
    assert perfect.minutes == 10 and perfect.sla_minutes == 12

    answers = perfect_answers(DrillSession(spec, scenario)) | {"role-1": "ml-lead"}
    result = run_scripted(DrillSession(spec, scenario), answers).to_json()
    assert result["minutes"] == 15 and result["sla_met"] is False
    steps = [m["step"] for m in result["mistakes"]]
    assert steps == ["role-1", "sla"]
    sla = result["mistakes"][1]
    assert sla["points_lost"] == 10 and sla["expected"] == 12 and sla["chosen"] == 15
    assert "15 minutes against an SLA of 12" in sla["explanation"]
    assert result["score"] == pytest.approx(100 - 15 - 10)  # one action: shares of 15


def test_no_sla_means_no_penalty(small_doc: Sop) -> None:
    spec, scenario = tight_sla_drill(small_doc, 12)
    small_doc.set_field("acc-drop", "max_minutes", None)
    spec = compile_spec(small_doc)
    answers = perfect_answers(DrillSession(spec, scenario)) | {"lesson": ""}
    result = run_scripted(DrillSession(spec, scenario), answers)
    assert result.sla_minutes is None and result.sla_met is None
    assert result.score == 90


# -- drills that do not fit the SOP ------------------------------------------------------


def test_drill_needing_an_unwatched_metric_is_refused() -> None:
    with pytest.raises(DrillError, match="click-through-rate") as refused:
        session("engagement-drop", template="deployment-gate")
    assert "ecommerce-recommendation" in str(refused.value)


def test_drill_on_an_unknown_stage_is_refused() -> None:
    with pytest.raises(DrillError, match="canary"):
        session("canary-error-spike", template="deployment-gate")


def test_answer_outside_the_choices_is_refused() -> None:
    answers = perfect_answers(session("bias-detected")) | {"target": "the-moon"}
    with pytest.raises(DrillError, match="the-moon"):
        run_scripted(session("bias-detected"), answers)


# -- the command line --------------------------------------------------------------------


def template_file(template: str) -> str:
    return str(TEMPLATES / f"{template}.sop.json")


def write_answers(tmp_path: Path, answers: Any, name: str = "answers.json") -> Path:
    path = tmp_path / name
    path.write_text(answers if isinstance(answers, str) else json.dumps(answers))
    return path


def drill_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["drill", *args])  # app.cli.commands.run behind the entry point's guard
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scores_an_answers_file(capsys, tmp_path: Path) -> None:
    answers = write_answers(tmp_path, perfect_answers(session("engagement-drop")))
    code, out, err = drill_cli(
        capsys,
        template_file("ecommerce-recommendation"),
        "--scenario",
        "engagement-drop",
        "--answers",
        str(answers),
        "--json",
        "--no-record",
    )
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == RESULT_KEYS
    assert result["score"] == 100 and result["sla_met"] is True


def test_cli_reports_mistakes_in_the_score(capsys, tmp_path: Path) -> None:
    answers = perfect_answers(session("data-pipeline-failure")) | {"trigger": "accuracy-drop"}
    code, out, _ = drill_cli(
        capsys,
        template_file("rollback-procedure"),
        "--scenario",
        "data-pipeline-failure",
        "--answers",
        str(write_answers(tmp_path, answers)),
        "--json",
        "--no-record",
    )
    assert code == 0
    result = json.loads(out)
    assert result["score"] == 80 and result["mistakes"][0]["step"] == "trigger"


@pytest.mark.parametrize(
    "content",
    [
        "this is not JSON {",
        "[1, 2, 3]",
        {"trigger": "system-errors"},  # every other key is missing
        "not-a-choice",
        "missing-lesson",
    ],
    ids=["not-json", "not-an-object", "missing-keys", "not-a-choice", "missing-lesson"],
)
def test_cli_bad_answers_file(capsys, tmp_path: Path, content: Any) -> None:
    perfect = perfect_answers(session("data-pipeline-failure"))
    if content == "not-a-choice":
        content = perfect | {"target": "yesterday"}
    elif content == "missing-lesson":
        content = {k: v for k, v in perfect.items() if k != "lesson"}
    answers = write_answers(tmp_path, content, "bad-answers.json")
    code, out, err = drill_cli(
        capsys,
        template_file("rollback-procedure"),
        "--scenario",
        "data-pipeline-failure",
        "--answers",
        str(answers),
        "--json",
        "--no-record",
    )
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and str(answers) in lines[0]
    assert "Traceback" not in err


def test_cli_missing_answers_file(capsys, tmp_path: Path) -> None:
    code, _, err = drill_cli(
        capsys,
        template_file("rollback-procedure"),
        "--scenario",
        "data-pipeline-failure",
        "--answers",
        str(tmp_path / "nowhere.json"),
        "--no-record",
    )
    assert code == 2 and err.startswith("error: ") and "nowhere.json" in err


def test_cli_unknown_drill(capsys) -> None:
    code, _, err = drill_cli(
        capsys, template_file("rollback-procedure"), "--scenario", "no-such-drill", "--no-record"
    )
    assert code == 2 and "data-pipeline-failure" in err and "Traceback" not in err


def test_cli_drill_that_does_not_fit_the_sop(capsys) -> None:
    code, _, err = drill_cli(
        capsys, template_file("deployment-gate"), "--scenario", "engagement-drop", "--no-record"
    )
    assert code != 0 and "click-through-rate" in err and "Traceback" not in err


def test_a_drill_without_telemetry_windows_is_refused(tmp_path: Path) -> None:
    """With no window, every SOP would call it a false alarm whatever its alerts say."""
    from app.spec.fileio import InputError, load_model

    data = drill("bias-detected").model_dump(mode="json")
    data["telemetry"]["windows"] = []
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"\$\.telemetry: has no windows"):
        load_model(DrillScenario, path)


def test_cli_a_drill_too_short_to_judge_a_trigger_is_refused(capsys, tmp_path: Path) -> None:
    """One window cannot tell whether a two-window trigger fires: neither 'it fired' nor
    'false alarm' could be marked right, so the drill does not start (monitor would say
    inconclusive)."""
    data = drill("bias-detected").model_dump(mode="json")
    data["telemetry"]["windows"] = data["telemetry"]["windows"][-1:]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _out, err = drill_cli(
        capsys, template_file("financial-credit-model"), "--scenario", str(path), "--no-record"
    )
    assert code == 2 and "too few telemetry windows" in err and "fairness-breach" in err
    assert "Traceback" not in err
