"""Built-in scenarios against their SOPs, and scenarios given to `gatewright simulate`
by id or by file: fit warnings, seeds, file names, YAML."""

from __future__ import annotations

import io
import json
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


@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "fixed", "value": 3},
        {"dist": "normal", "mean": 1, "sd": 2},
        {"dist": "normal", "mean": 1, "sd": 2, "min": 0, "max": 2},
        {"dist": "uniform", "low": 1, "high": 4},
        {"dist": "lognormal", "median": 2, "sigma": 1},
        {"dist": "lognormal", "median": 0, "sigma": 1},
        {"dist": "exponential", "mean": 3},
        {"dist": "exponential", "mean": 0},
    ],
)
def test_a_bound_sampler_draws_what_sample_draws(dist: dict) -> None:
    """The simulator binds each distribution to its generator once (``sampler``): the same
    values, of the same type, in the same order as ``sample`` with that generator."""
    import random

    from pydantic import TypeAdapter

    from app.simulate.scenario import Distribution

    model = TypeAdapter(Distribution).validate_python(dist)
    drawn = model.sampler(random.Random(5))
    plain = random.Random(5)
    expected = [model.sample(plain) for _ in range(500)]
    got = [drawn() for _ in range(500)]
    assert got == expected
    assert {type(value) for value in got} == {float}
