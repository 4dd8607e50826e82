"""Built-in scenarios against their SOPs, and scenarios given to `gatewright simulate`
by id or by file: fit warnings, seeds, file names, YAML."""

from __future__ import annotations

import io
import json
import math
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.compiler.compile import compile_spec
from app.model.templates import list_templates, load_template
from app.simulate.engine import gate_chain, simulate
from app.simulate.fit import scenario_warnings
from app.simulate.library import builtin_ids, load_builtin
from app.simulate.scenario import Scenario
from app.spec.fileio import InputError
from app.spec.schema import GateSpec

TEMPLATES = Path(__file__).resolve().parents[2] / "sop_templates"
SCENARIOS = builtin_ids(Scenario)
TEMPLATE_IDS = [t.id for t in list_templates()]


def spec_of(template: str) -> GateSpec:
    return compile_spec(load_template(template))


def template_file(template: str) -> str:
    return str(TEMPLATES / f"{template}.sop.json")


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_builtin_scenario_validates(scenario_id: str) -> None:
    scenario = load_builtin(Scenario, scenario_id)
    assert scenario.id == scenario_id
    assert scenario.sop is None or scenario.sop in TEMPLATE_IDS


@pytest.mark.parametrize("template", TEMPLATE_IDS)
def test_every_template_has_a_month_scenario_that_simulates(template: str) -> None:
    scenario = load_builtin(Scenario, f"{template}-month")
    assert scenario.sop == template
    assert scenario.candidates.count <= 40
    spec = spec_of(template)
    roles = {r.id: set(r.members) for r in spec.roles}
    approving = {rule.role for g in spec.gates for rule in g.approval.rules}
    assert approving <= set(scenario.approvers), "every approval role has approvers"
    # Submitters are real members, so separation of duties applies to them.
    members = set().union(*roles.values())
    assert set(scenario.candidates.submitters) <= members
    assert scenario_warnings(spec, scenario) == []
    summary = simulate(spec, scenario, 0).summary()
    assert summary["candidates"] == scenario.candidates.count
    assert summary["dora"]["deployments"] > 0
    assert summary["dora"]["lead_time_hours"] is not None
    first_gate = next(iter(summary["gates"].values()))
    assert first_gate["entered"] == scenario.candidates.count


@pytest.mark.parametrize("template", TEMPLATE_IDS)
def test_month_scenario_telemetry_covers_breach_on_missing_triggers(template: str) -> None:
    """A trigger that treats a missing metric as a breach would fire on every release."""
    scenario = load_builtin(Scenario, f"{template}-month")
    spec = spec_of(template)
    on_path = {gate.to for gate in gate_chain(spec)}  # the stages the simulator watches
    policies = [policy for policy in spec.rollback if policy.stage in on_path]
    for policy in policies:
        for trigger in policy.triggers:
            if trigger.on_missing == "breach":
                assert trigger.metric in scenario.telemetry.metrics, trigger.id
    watched = {t.metric for p in policies for t in p.triggers}
    assert {f.metric for f in scenario.telemetry.faults} <= watched


def test_cli_simulate_warns_of_a_scenario_that_does_not_fit(capsys, tmp_path: Path) -> None:
    scenario = load_builtin(Scenario, "automated-pipeline-month").model_dump(mode="json")
    scenario["approvers"]["release-mgr"] = scenario["approvers"]["release-manager"]
    path = tmp_path / "misfit.json"
    path.write_text(json.dumps(scenario))
    code = main(
        [
            "simulate",
            template_file("automated-pipeline"),
            "--scenario",
            str(path),
            "--json",
            "--no-record",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["candidates"] == scenario["candidates"]["count"]
    (line,) = err.strip().splitlines()
    assert line.startswith(f"warning: scenario {path}: approvers.release-mgr: 'release-mgr' is not")


@pytest.mark.parametrize("seed", ["-5", str(2**63), "1_0", "\u0661\u0662", " 7", "0x1"])
def test_cli_simulate_refuses_seeds_it_cannot_keep_apart_or_save(capsys, seed: str) -> None:
    """Python seeds with an int's absolute value (-5 would repeat 5), and a workspace keeps
    seeds as 64-bit integers: both are refused before anything runs."""
    scenario = ["--scenario", "deployment-gate-month"]
    code = main(
        ["simulate", template_file("deployment-gate"), *scenario, "--seed", seed, "--no-record"]
    )
    _out, err = capsys.readouterr()
    assert code == 2
    assert "--seed" in err and seed in err


def test_a_scenario_file_named_without_suffix_is_read_from_disk(
    tmp_path: Path, monkeypatch
) -> None:
    """A name that is an existing file is that file, not a built-in id."""
    scenario = load_builtin(Scenario, "deployment-gate-month").model_dump(mode="json")
    scenario["id"] = "mine"
    (tmp_path / "mine").write_text(json.dumps(scenario), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_builtin(Scenario, "mine").id == "mine"


def test_a_name_too_long_for_the_file_system_is_refused_clearly() -> None:
    with pytest.raises(InputError, match="there is no built-in scenario"):
        load_builtin(Scenario, "x" * 300)


def test_yaml_merge_keys_still_work(tmp_path: Path) -> None:
    """The duplicate-key check leaves YAML's ``<<`` merge to PyYAML."""
    path = tmp_path / "merged.yaml"
    path.write_text(
        "format: gatewright.scenario/1\nid: merged\ntitle: Merged\ncandidates:\n"
        "  <<: {count: 4}\n  every_hours: {dist: fixed, value: 1}\n",
        encoding="utf-8",
    )
    assert load_builtin(Scenario, str(path)).candidates.count == 4


class _Terminal(io.StringIO):
    """A standard error that says it is a terminal, as an interactive shell's is."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_goes_to_a_terminal_stderr_and_never_to_stdout(
    monkeypatch, capsys
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(
        [
            "simulate",
            template_file("deployment-gate"),
            "--scenario",
            "deployment-gate-month",
            "--runs",
            "3",
            "--json",
            "--no-record",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("{") and json.loads(out)["runs"] == 3  # stdout holds the JSON only
    assert "Simulating" in terminal.getvalue()  # the bar was drawn, on stderr


def test_a_scenario_for_another_sop_says_so_once_and_counts_the_rest(capsys) -> None:
    scenario = ["--scenario", "healthcare-diagnostic-month", "--no-record"]
    assert main(["simulate", template_file("deployment-gate"), *scenario]) == 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert "was written for the SOP 'healthcare-diagnostic' (its sop field)" in lines[0]
    assert len(lines) == 1 + 8 + 1 and lines[-1].startswith("warning: ... and ")


def test_a_folder_given_as_scenario_is_named_as_one(capsys, tmp_path: Path) -> None:
    code = main(
        ["simulate", template_file("deployment-gate"), "--scenario", str(tmp_path), "--no-record"]
    )
    assert code == 2 and "is a folder" in capsys.readouterr().err


def test_time_to_restore_without_a_failure_says_why_it_is_empty(capsys) -> None:
    from app.cli.simulating import print_summary

    summary = simulate(
        compile_spec(load_template("deployment-gate")),
        load_builtin(Scenario, "deployment-gate-month"),
        0,
    ).summary()
    summary["dora"]["time_to_restore_hours"] = None
    print_summary(summary)
    out = capsys.readouterr().out
    assert "nothing to restore: no release failed" in out and "- hours" not in out


def test_a_workspace_typed_into_a_missing_folder_is_not_made(capsys, tmp_path: Path) -> None:
    """The result is printed; the workspace is not created somewhere nobody looks, and
    the run, not recorded as asked, exits 2."""
    typo = tmp_path / "no-such-folder" / "workspace.db"
    scenario = ["--scenario", "deployment-gate-month", "--workspace", str(typo)]
    assert main(["simulate", template_file("deployment-gate"), *scenario]) == 2
    captured = capsys.readouterr()
    assert "Scenario deployment-gate-month" in captured.out
    assert "not saved in the workspace" in captured.err and "does not exist" in captured.err
    assert not typo.parent.exists()


DRAWN = 40_000


@pytest.mark.parametrize(
    ("dist", "mean", "sd", "low", "high"),
    [
        ({"dist": "fixed", "value": 3}, 3.0, 0.0, 3.0, 3.0),
        ({"dist": "normal", "mean": 1, "sd": 2}, 1.0, 2.0, None, None),
        # clipped to [0, 2]: a third of the mass on each bound; the mean stays 1 by symmetry
        ({"dist": "normal", "mean": 1, "sd": 2, "min": 0, "max": 2}, 1.0, None, 0.0, 2.0),
        ({"dist": "uniform", "low": 1, "high": 4}, 2.5, 3 / 12**0.5, 1.0, 4.0),
        # mean median * e^(sigma^2 / 2); sd median * sqrt((e^s2 - 1) e^s2)
        ({"dist": "lognormal", "median": 2, "sigma": 0.5}, 2 * math.exp(0.125),
         2 * math.sqrt((math.exp(0.25) - 1) * math.exp(0.25)), 0.0, None),
        ({"dist": "lognormal", "median": 0, "sigma": 1}, 0.0, 0.0, 0.0, 0.0),
        ({"dist": "exponential", "mean": 3}, 3.0, 3.0, 0.0, None),
        ({"dist": "exponential", "mean": 0}, 0.0, 0.0, 0.0, 0.0),
    ],
)  # fmt: skip
def test_each_distribution_draws_its_shape_the_same_for_the_same_seed(
    dist: dict, mean: float, sd: float | None, low: float | None, high: float | None
) -> None:
    """Each distribution draws from a generator of its own seeded from the run's
    (``values``; ``sampler`` gives them one by one): floats of the distribution's mean and
    spread within their bounds, the same ones again for the same seed and others for
    another seed."""
    import itertools
    import random
    import statistics

    from pydantic import TypeAdapter

    from app.simulate.scenario import Distribution

    model = TypeAdapter(Distribution).validate_python(dist)
    values = list(itertools.islice(model.values(random.Random(5)), DRAWN))
    sampler = model.sampler(random.Random(5))
    assert [sampler() for _ in range(DRAWN)] == values  # one by one, the same values
    assert {type(value) for value in values} == {float}
    # Five standard errors: a wrong shape is far outside, a right one never gets there.
    spread = statistics.pstdev(values)
    assert abs(statistics.fmean(values) - mean) <= 5 * (sd or spread or 0) / DRAWN**0.5
    if sd is not None:
        assert spread == pytest.approx(sd, rel=0.05, abs=1e-12)
    if low is not None:
        assert min(values) >= low
    if high is not None:
        assert max(values) <= high
    if low is not None and high is not None and low < high and dist["dist"] == "normal":
        assert values.count(low) > DRAWN / 4 and values.count(high) > DRAWN / 4
    other = list(itertools.islice(model.values(random.Random(6)), DRAWN))
    assert (other == values) == (spread == 0)


def test_blocks_of_draws_do_not_change_the_values() -> None:
    """Values are drawn in blocks (16, 64, ... 4,096 at a time): the same values as drawing
    them all at once from the same generator."""
    import itertools
    import random

    from app.simulate.draws import drawn, generator

    def block(numbers, count):  # type: ignore[no-untyped-def]
        return numbers.normal(0.0, 1.0, count).tolist()

    values = list(itertools.islice(drawn(random.Random(9), block), 10_000))
    assert values == generator(random.Random(9)).normal(0.0, 1.0, 10_000).tolist()
