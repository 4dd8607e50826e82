"""Simulations pinned byte for byte: the same spec, scenario and seed give the same output.

The specs and scenarios are stored beside the expected figures (tests/simulate/golden), so
that only the simulator and the runtime's decisions can change them: a faster engine must
give the same events, statistics and Monte Carlo figures. The ``-hard`` scenarios have
approvers answering in working hours, some not at all and some rejecting, submitters who
are members of the roles asked (in other cases), every tier, and missing data that holds.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from app.simulate.engine import simulate
from app.simulate.montecarlo import monte_carlo
from app.simulate.scenario import Scenario
from app.spec.schema import GateSpec

GOLDEN = Path(__file__).parent / "golden"
EXPECTED = GOLDEN / "expected.json"
TEMPLATES = ("automated-pipeline", "healthcare-diagnostic", "financial-credit-model")
BAKES = {"canary": 45.0, "staging": 90.0}


def load(template: str, scenario: str) -> tuple[GateSpec, Scenario]:
    spec = GateSpec.model_validate_json((GOLDEN / f"{template}.spec.json").read_text())
    return spec, Scenario.model_validate_json(
        (GOLDEN / f"{template}-{scenario}.scenario.json").read_text()
    )


def digest(document: Any) -> str:
    """sha256 of the document as `simulate --json` writes it."""
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def run(template: str, scenario: str, seed: int) -> dict[str, Any]:
    spec, chosen = load(template, scenario)
    result = simulate(spec, chosen, seed, bakes=BAKES)
    summary = result.summary()
    return {
        "events": len(result.events),
        "digest": digest(result.to_json()),
        "gates": summary["gates"],
        "dora": summary["dora"],
    }


def produced() -> dict[str, Any]:
    cases: dict[str, Any] = {}
    for template in TEMPLATES:
        for scenario, seeds in (("month", (0, 1)), ("hard", (0, 3))):
            for seed in seeds:
                cases[f"{template} {scenario} seed {seed}"] = run(template, scenario, seed)
        spec, chosen = load(template, "hard")
        figures = monte_carlo(spec, chosen, 5, 6, bakes=BAKES)
        cases[f"{template} hard --runs 6"] = {"digest": digest(figures), "dora": figures["dora"]}
    return cases


def test_simulations_give_the_pinned_output() -> None:
    cases = produced()
    if os.environ.get("GATEWRIGHT_UPDATE_GOLDEN"):
        EXPECTED.write_text(json.dumps(cases, indent=1, sort_keys=True) + "\n")
    expected = json.loads(EXPECTED.read_text())
    assert sorted(cases) == sorted(expected)
    for name, case in cases.items():
        # The figures first, so that a change says what moved; then every byte.
        assert {**case, "digest": None} == {**expected[name], "digest": None}, name
        assert case["digest"] == expected[name]["digest"], f"{name}: the events changed"


def test_two_workers_give_the_pinned_monte_carlo() -> None:
    spec, chosen = load("healthcare-diagnostic", "hard")
    figures = monte_carlo(spec, chosen, 5, 6, bakes=BAKES, workers=2)
    expected = json.loads(EXPECTED.read_text())["healthcare-diagnostic hard --runs 6"]
    assert digest(figures) == expected["digest"]
