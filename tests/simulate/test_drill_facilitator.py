"""The facilitator's controls on a drill: injected alerts, the clock, hints that cost points."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.commands import cli
from app.simulate.drill import HINT_POINTS, DrillError, DrillScenario, DrillSession, perfect_answers
from app.spec.fileio import InputError, load_model
from tests.simulate.test_drills import drill, spec_of, template_file


def with_injects(injects: list[dict[str, Any]]) -> DrillScenario:
    data = drill("latency-misconfiguration").model_dump(mode="json", exclude_none=True)
    data["injects"] = injects
    return DrillScenario.model_validate(data)


def live(scenario: DrillScenario) -> DrillSession:
    return DrillSession(spec_of("rollback-procedure"), scenario)


def test_an_inject_arrives_after_its_steps_or_when_revealed() -> None:
    session = live(
        with_injects(
            [
                {"alert": "status page: customers report timeouts", "after_steps": 2},
                {"alert": "DevOps already reverted the autoscaler", "after_minutes": 10},
            ]
        )
    )
    answers = perfect_answers(session)
    session.answer(answers["trigger"])
    assert session.revealed == []
    session.answer(answers["decision"])
    assert session.revealed == ["status page: customers report timeouts"]
    assert "NEW ALERT: status page: customers report timeouts" in session.briefing()
    assert session.due(real_minutes=3) == []
    assert session.reveal_next() == "DevOps already reverted the autoscaler"
    assert session.reveal_next() is None
    assert session.facilitated[-1]["kind"] == "reveal"


def test_an_inject_must_say_when_it_arrives(tmp_path) -> None:
    data = drill("latency-misconfiguration").model_dump(mode="json", exclude_none=True)
    data["injects"] = [{"alert": "whenever"}]
    path = tmp_path / "inject.json"
    import json

    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"\$\.injects\[0\]: .*after_steps or after_minutes"):
        load_model(DrillScenario, path)


def test_a_hint_narrows_the_step_and_costs_points() -> None:
    session = live(drill("latency-misconfiguration"))
    text = session.hint()
    assert text.startswith("it is not: ") and "Latency spike" not in text
    second = session.hint()
    assert len(second) > len(text)  # more ruled out
    result_answers = perfect_answers(live(drill("latency-misconfiguration")))
    for step in list(session.steps):
        session.answer(result_answers[step.key])
    result = session.result().to_json()
    assert result["score"] == 100 - 2 * HINT_POINTS
    assert [m["step"] for m in result["mistakes"]] == ["hint:trigger", "hint:trigger"]
    assert result["passed"] is True


def test_moving_the_clock_can_miss_the_sla() -> None:
    session = live(drill("latency-misconfiguration"))
    session.advance(30)
    answers = perfect_answers(session)
    for step in list(session.steps):
        session.answer(answers[step.key])
    result = session.result().to_json()
    assert result["minutes"] == 90 and result["sla_met"] is False
    with pytest.raises(DrillError, match="nothing to hint"):
        session.hint()


def test_the_terminal_prints_injected_alerts_when_they_arrive(tmp_path) -> None:
    import json

    data = drill("false-alarm-latency-blip").model_dump(mode="json", exclude_none=True)
    data["injects"] = [{"alert": "on-call chat: the cache rebuild finished", "after_steps": 1}]
    path = tmp_path / "inject.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    from app.simulate.drill import trainee_seed

    session = DrillSession(
        spec_of("rollback-procedure"), DrillScenario.model_validate(data), trainee_seed("trainee")
    )
    answers = perfect_answers(session)
    typed = [
        answers[s.key]
        if s.kind == "text"
        else str([c.id for c in s.choices].index(answers[s.key]) + 1)
        for s in session.steps
    ]
    result = CliRunner().invoke(
        cli,
        ["drill", template_file("rollback-procedure"), "--scenario", str(path), "--no-record"],
        input="\n".join(typed) + "\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("NEW ALERT: on-call chat: the cache rebuild finished") == 1
