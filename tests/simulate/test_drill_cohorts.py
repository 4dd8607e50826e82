"""Cohorts: choice order per trainee (seeded, so a session replays), cards, cohort report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from app.cli import main
from app.cli.commands import cli
from app.simulate.drill import DrillSession, perfect_answers, trainee_seed
from tests.simulate.test_drills import drill, spec_of, template_file, write_answers


def orders(trainee: str, session: int = 0) -> list[list[str]]:
    live = DrillSession(
        spec_of("rollback-procedure"),
        drill("latency-misconfiguration"),
        trainee_seed(trainee, session),
    )
    return [[c.id for c in step.choices] for step in live.steps]


def test_each_trainee_sees_the_choices_in_an_order_of_their_own() -> None:
    names = ["ana", "ben", "carla", "dana", "eli", "fay"]
    seen = {json.dumps(orders(name)) for name in names}
    assert len(seen) == len(names)  # six people cannot swap number sequences
    assert orders("ana") == orders("ana")  # a session replays
    assert orders("ana", 1) != orders("ana", 0)  # another session, another order
    firsts = {orders(name)[1][0] for name in names}  # the decision step too
    assert firsts == {"rollback", "wait"}


def text_of(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def test_the_terminal_asks_in_the_trainees_order_and_records_the_seed(tmp_path: Path) -> None:
    live = DrillSession(
        spec_of("rollback-procedure"), drill("false-alarm-latency-blip"), trainee_seed("fay", 7)
    )
    typed = []
    for step in live.steps:
        wanted = perfect_answers(live)[step.key]
        typed.append(
            wanted if step.kind == "text" else str([c.id for c in step.choices].index(wanted) + 1)
        )
    result = CliRunner().invoke(
        cli,
        [
            "drill",
            template_file("rollback-procedure"),
            "--scenario",
            "false-alarm-latency-blip",
            "--trainee",
            "fay",
            "--seed",
            "7",
            "--json",
        ],
        input="\n".join(typed) + "\n",
    )
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert scored["score"] == 100 and scored["seed"] == trainee_seed("fay", 7)


def test_cards_for_trainees_hold_no_key_and_the_facilitators_do(capsys, tmp_path: Path) -> None:
    sop = template_file("rollback-procedure")
    trainee_card, facilitator_card = tmp_path / "card.pdf", tmp_path / "key.pdf"
    assert (
        main(["drill", sop, "--scenario", "data-pipeline-failure", "--card", str(trainee_card)])
        == 0
    )
    assert (
        main(
            [
                "drill",
                sop,
                "--scenario",
                "data-pipeline-failure",
                "--card",
                str(facilitator_card),
                "--key",
            ]
        )
        == 0
    )
    card, key = text_of(trainee_card), text_of(facilitator_card)
    title = drill("data-pipeline-failure").title
    assert f"Scenario card: {title}" in card and "ALERT: no error-rate reported" in card
    assert "Answer key" not in card and "err-initiate" not in card and "SLA" not in card
    assert f"Facilitator card: {title}" in key and "Answer key" in key and "err-initiate" in key


def record(tmp_path: Path, trainee: str, changes: dict) -> None:
    answers = (
        perfect_answers(
            DrillSession(spec_of("rollback-procedure"), drill("latency-misconfiguration"))
        )
        | changes
    )
    path = write_answers(tmp_path, answers, f"{trainee}.json")
    code = main(
        [
            "drill",
            template_file("rollback-procedure"),
            "--scenario",
            "latency-misconfiguration",
            "--answers",
            str(path),
            "--trainee",
            trainee,
            "--json",
        ]
    )
    assert code == 0


def test_the_cohort_report_names_the_trainees_and_the_mistakes_most_made(
    capsys, tmp_path: Path
) -> None:
    record(tmp_path, "Ana Souza", {})
    record(tmp_path, "Ben Okafor", {"decision": "wait"})
    record(tmp_path, "Carla Ruiz", {"decision": "wait", "trigger": "none"})
    capsys.readouterr()
    out = tmp_path / "cohort.pdf"
    assert main(["drills", "--report", str(out), "--since", "2000-01-01"]) == 0
    text = text_of(out)
    for name in ("Ana Souza", "Ben Okafor", "Carla Ruiz"):
        assert name in text
    assert "Mistakes most made" in text and "decision 2 Ben Okafor, Carla Ruiz" in text
    assert "60 of 75 min (met)" in text
    only = tmp_path / "ana.pdf"
    assert main(["drills", "--report", str(only), "--trainee", "Ana Souza"]) == 0
    assert "Ben Okafor" not in text_of(only)
    later = tmp_path / "none.pdf"
    assert main(["drills", "--report", str(later), "--since", "2999-01-01"]) == 0
    assert "0 drill(s)" in text_of(later)


def test_a_since_that_is_no_date_is_refused(capsys) -> None:
    assert main(["drills", "--since", "yesterday"]) == 2
    err = capsys.readouterr().err
    assert "--since" in err and "'yesterday' is not a date" in err and "Traceback" not in err


def test_incident_numbers_vary_per_trainee_and_the_key_never_does() -> None:
    from app.compiler.compile import compile_spec
    from app.model.templates import list_templates, load_template
    from app.simulate.drill import DrillError

    names = [f"trainee-{n}" for n in range(25)]
    for drill_id in ("latency-misconfiguration", "false-alarm-latency-blip"):
        for template in [t.id for t in list_templates()]:
            spec = compile_spec(load_template(template))
            try:
                plain = DrillSession(spec, drill(drill_id), 0)
            except DrillError:
                continue  # does not apply to this SOP
            key = perfect_answers(plain)
            breaches = {t: e.breached for t, e in plain.evidence.items()}
            alerts = set()
            for name in names:
                live = DrillSession(spec, drill(drill_id), trainee_seed(name))
                assert perfect_answers(live) == key, (drill_id, template, name)
                assert {t: e.breached for t, e in live.evidence.items()} == breaches
                alerts.add(live.scenario.alerts[0])
                assert "{" not in " ".join(live.scenario.alerts)
            assert len(alerts) > 15, (drill_id, template)  # numbers differ between trainees


def test_alerts_show_the_numbers_the_telemetry_holds() -> None:
    live = DrillSession(
        spec_of("rollback-procedure"), drill("latency-misconfiguration"), trainee_seed("ana")
    )
    windows = live.scenario.telemetry.in_time_order()
    assert live.scenario.alerts[0].startswith(
        f"latency-p95-ms {windows[7].metrics['latency-p95-ms']:g} ms (window ending 15:00 UTC)"
    )
    assert windows[7].metrics["latency-p95-ms"] != 655  # varied from the file's


def test_a_placeholder_that_names_no_value_is_refused(tmp_path: Path) -> None:
    import pytest

    from app.simulate.drill import DrillScenario
    from app.spec.fileio import InputError, load_model

    data = drill("latency-misconfiguration").model_dump(mode="json", exclude_none=True)
    data["alerts"][1] = "error-rate {error-rate@13}"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError, match=r"\$\.alerts\[1\]: \{error-rate@13\} names no value"):
        load_model(DrillScenario, path)
