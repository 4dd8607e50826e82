"""Built-in drills and scenarios against the templates; drill scoring; the `drill` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.compiler.compile import compile_spec
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
    "pass_mark",
    "passed",
    "critical",
    "minutes",
    "sla_minutes",
    "sla_met",
    "answers",
    "mistakes",
    "lesson",
    "title",
    "story",
    "seed",
    "steps",
    "restored",
}
MISTAKE_KEYS = {"step", "chosen", "expected", "explanation", "points_lost", "critical"}

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


def test_choices_never_read_the_same_and_never_show_bare_ids() -> None:
    """rollback-procedure has two checks named "Error rate at most 1%" in two policies,
    testing the same condition: one choice, and either id is right."""
    for step in session("data-pipeline-failure", "rollback-procedure").steps:
        labels = [c.label for c in step.choices]
        assert len(labels) == len(set(labels)), step.key
        assert not any(f"[{c.id}]" in c.label for c in step.choices), step.key
    live = session("data-pipeline-failure", "rollback-procedure")
    checks = next(s for s in live.steps if s.key == "checks")
    assert [c.label for c in checks.choices].count("Error rate at most 1%") == 1
    assert "errors-restored" in live.expected(checks)


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
    assert result["score"] == 100 and result["sla_met"] is True and result["passed"] is True


PIPELINE_RESTORES = [
    "1. Inference data pipeline (feature-pipeline) from git ref refs/tags/pipeline-last-good",
    "2. Model (model) from model registry alias model@previous-stable",
]


def test_the_debrief_and_the_answer_key_show_what_the_rollback_restores(
    capsys, tmp_path: Path
) -> None:
    from app.simulate.drill_key import key_lines

    live = session("data-pipeline-failure", "rollback-procedure")
    key = key_lines(live)
    start = key.index("Restores, in order:")
    assert key[start + 1 : start + 3] == [f"  {line}" for line in PIPELINE_RESTORES]
    answers = write_answers(tmp_path, perfect_answers(live))
    code, out, err = drill_cli(
        capsys,
        template_file("rollback-procedure"),
        "--scenario",
        "data-pipeline-failure",
        "--answers",
        str(answers),
        "--no-record",
    )
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("The rollback restores, in order:")
    assert lines[start + 1 : start + 3] == [f"  {line}" for line in PIPELINE_RESTORES]
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
    assert json.loads(out)["restored"] == PIPELINE_RESTORES


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
