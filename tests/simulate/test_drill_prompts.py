"""The drill command's interactive prompts: a trainee typing answers in the terminal."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from app.cli.commands import cli
from app.simulate.drill import DrillSession, perfect_answers, trainee_seed
from tests.simulate.test_drills import drill, spec_of, template_file


def session(drill_id: str, template: str | None = None, trainee: str = "trainee") -> DrillSession:
    """The drill as the terminal asks it of ``trainee`` (choices in that trainee's order)."""
    scenario = drill(drill_id)
    return DrillSession(spec_of(template or scenario.sop), scenario, trainee_seed(trainee))


def interactive_input(live: DrillSession, answers: dict[str, Any]) -> str:
    """The lines a trainee types: choice numbers, comma-separated for multi, text for lessons."""
    lines = []
    for step in live.steps:
        wanted = answers[step.key]
        ids = [c.id for c in step.choices]
        if step.kind == "text":
            lines.append(wanted)
        elif step.kind == "multi":
            lines.append(",".join(str(ids.index(w) + 1) for w in wanted))
        else:
            lines.append(str(ids.index(wanted) + 1))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("template", "drill_id"),
    [
        ("rollback-procedure", "latency-misconfiguration"),
        ("rollback-procedure", "false-alarm-latency-blip"),
    ],
)
def test_cli_interactive_reaches_a_debrief(template: str, drill_id: str) -> None:
    live = session(drill_id, template)
    typed = interactive_input(live, perfect_answers(live))
    result = CliRunner().invoke(
        cli, ["drill", template_file(template), "--scenario", drill_id, "--no-record"], input=typed
    )
    assert result.exit_code == 0, result.output
    assert drill(drill_id).story in result.output
    assert "Debrief: 100 / 100 points, PASSED" in result.output
    assert "Not quite" not in result.output


def latency_drill_typed(typed: str) -> Any:
    """The latency drill on rollback-procedure in the terminal, answered with ``typed``."""
    command = ["drill", template_file("rollback-procedure"), "--scenario"]
    return CliRunner().invoke(
        cli, [*command, "latency-misconfiguration", "--no-record"], input=typed
    )


def test_cli_interactive_explains_mistakes_and_asks_again() -> None:
    live = session("latency-misconfiguration")
    typed = interactive_input(live, perfect_answers(live) | {"target": "staging"})
    # An out-of-range number is asked again before the first real answer.
    result = latency_drill_typed("99\nabc\n" + typed)
    assert result.exit_code == 0, result.output
    assert result.output.count("give a number from 1 to") == 2
    assert "Not quite. Critical: this policy's target is" in result.output
    # A wrong target fails the drill whatever the points; 5 minutes stay within the SLA.
    assert (
        "Debrief: 85 / 100 points, FAILED (critical mistake: target); simulated recovery "
        "65 min against an SLA of 75 min (met)"
    ) in result.output
    assert "Lesson: pending until a trainer grades it" in result.output
    assert "Model lesson: an infrastructure change went live" in result.output


@pytest.mark.parametrize("garbled", ["1;2;3", "0", "99", "1, x", "²", "١"])
def test_cli_asks_again_for_checks_it_cannot_read(garbled: str) -> None:
    """A checks answer that is not numbers in range is asked again, never scored as none."""
    live = session("latency-misconfiguration")
    lines = interactive_input(live, perfect_answers(live)).splitlines()
    checks = [s.key for s in live.steps].index("checks")
    lines.insert(checks, garbled)
    result = latency_drill_typed("\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "give numbers from 1 to" in result.output
    assert "Debrief: 100 / 100 points" in result.output


@pytest.mark.parametrize("name", ["", "   "])
def test_cli_refuses_a_blank_trainee(name: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "drill",
            template_file("rollback-procedure"),
            "--scenario",
            "bias-detected",
            "--trainee",
            name,
            "--no-record",
        ],
    )
    assert result.exit_code == 2 and "--trainee" in result.output


# -- built-in scenarios ------------------------------------------------------------------
