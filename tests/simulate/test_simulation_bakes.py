"""The simulator honours the SOP: bake times, one sample said as one, DORA levels over runs."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.compiler.compile import compile_spec
from app.model.templates import load_template
from app.simulate.bakes import stage_bakes
from app.simulate.dora import figure_text
from app.simulate.engine import simulate
from app.simulate.library import load_builtin
from app.simulate.scenario import Scenario
from tests.simulate.test_drills import template_file

ECOMMERCE = "ecommerce-recommendation"
AB_BAKE = 10080  # the A/B stage bakes a week (one canary step of 10,080 minutes)


def test_stage_bakes_read_the_strategy() -> None:
    bakes = stage_bakes(load_template(ECOMMERCE))
    assert bakes["ab-test"] == AB_BAKE
    assert stage_bakes(load_template("automated-pipeline"))["shadow"] == 1440
    assert stage_bakes(load_template("automated-pipeline"))["canary"] == 30 * 3  # per step


@pytest.mark.parametrize("seed", [0, 3, 11])
def test_a_candidate_stays_in_a_baking_stage_for_its_bake(seed: int) -> None:
    """Seed 3 used to move candidate 5 on from the A/B test after 48 hours (4734 -> 7614)."""
    doc = load_template(ECOMMERCE)
    result = simulate(
        compile_spec(doc),
        load_builtin(Scenario, f"{ECOMMERCE}-month"),
        seed,
        bakes=stage_bakes(doc),
    )
    deployed = {
        e["candidate"]: e["t"]
        for e in result.events
        if e["type"] == "deployed" and e.get("element") == "ab-test"
    }
    left = {
        e["candidate"]: e["t"]
        for e in result.events
        if e["type"] == "gate-entered" and e.get("element") == "rollout-gate"
    }
    assert left, "some candidates reach the rollout gate"
    for candidate, t in left.items():
        assert t >= deployed[candidate] + AB_BAKE - 0.001, candidate  # times kept to 3 places


def simulate_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(["simulate", template_file(ECOMMERCE), "--scenario", f"{ECOMMERCE}-month", *args])
    return code, capsys.readouterr().out


def test_the_ecommerce_lead_time_is_at_least_its_ab_bake(capsys) -> None:
    code, out = simulate_cli(capsys, "--seed", "3", "--json", "--no-record")
    assert code == 0
    assert json.loads(out)["dora"]["lead_time_hours"] >= AB_BAKE / 60
    code, out = simulate_cli(capsys, "--runs", "20", "--json", "--no-record")
    lead = json.loads(out)["dora"]["lead_time_hours"]
    assert lead["p10"] >= AB_BAKE / 60 and lead["level"] == "medium"


def test_one_run_says_it_is_one_sample_and_how_restore_is_timed(capsys) -> None:
    code, out = simulate_cli(capsys, "--seed", "3", "--no-record")
    assert code == 0
    assert "This run is one sample (seed 3); --runs 200 gives medians" in out
    assert "from the fault's start to the end of the rollback (detection included)" in out
    assert "lead time for changes 182 hours (medium)" in out
    assert "over 36.4 days" in out


def test_many_runs_give_levels_and_the_runbooks_that_miss_their_sla(capsys) -> None:
    code, out = simulate_cli(capsys, "--runs", "30", "--no-record")
    assert code == 0
    lines = out.splitlines()
    lead = next(line for line in lines if "lead time for changes" in line)
    assert "hours (medium; p10-p90" in lead
    assert any(
        line.strip().startswith("runbook ") and "missed its SLA in" in line for line in lines
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(36.38821, "36.4"), (0.60512, "0.605"), (179.4, "179"), (10080.0, "10,080"), (0, "0")],
)
def test_figures_print_at_a_sensible_precision(value: float, text: str) -> None:
    assert figure_text(value) == text
