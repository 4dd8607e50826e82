"""Monte Carlo runs spread over worker processes give the same result, byte for byte."""

from __future__ import annotations

import pytest

from app.cli import main
from app.compiler.compile import compile_spec
from app.model.templates import load_template
from app.simulate import montecarlo
from app.simulate.library import load_builtin
from app.simulate.montecarlo import default_workers, monte_carlo
from app.simulate.scenario import Scenario
from tests.simulate.test_scenarios import template_file


@pytest.mark.parametrize(
    ("template", "scenario"),
    [
        ("deployment-gate", "deployment-gate-month"),
        ("financial-credit-model", "financial-credit-model-month"),
    ],
)
def test_workers_give_the_bytes_one_process_gives(capsys, template: str, scenario: str) -> None:
    outputs = []
    for workers in ("1", "2", "3"):
        args = ["simulate", template_file(template), "--scenario", scenario, "--runs", "7"]
        code = main([*args, "--seed", "11", "--workers", workers, "--json", "--no-record"])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0][0] == 0 and outputs[0][1].startswith("{")
    assert outputs[1] == outputs[0] and outputs[2] == outputs[0]


@pytest.mark.parametrize("threads", [1, 2])  # fork when alone; spawn beside other threads
def test_progress_counts_every_run_in_order(monkeypatch, threads: int) -> None:
    monkeypatch.setattr(montecarlo.threading, "active_count", lambda: threads)
    spec = compile_spec(load_template("deployment-gate"))
    scenario = load_builtin(Scenario, "deployment-gate-month")
    seen: list[int] = []
    summary = monte_carlo(spec, scenario, 3, 5, lambda done, _total: seen.append(done), workers=2)
    assert seen == [1, 2, 3, 4, 5] and summary["runs"] == 5
    assert summary == monte_carlo(spec, scenario, 3, 5, workers=1)


def test_workers_must_be_a_positive_whole_number(capsys) -> None:
    args = ["simulate", template_file("deployment-gate"), "--scenario", "deployment-gate-month"]
    assert main([*args, "--workers", "0", "--no-record"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert default_workers() >= 1
