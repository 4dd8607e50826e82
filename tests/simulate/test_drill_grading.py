"""A trainer grades a recorded drill's lesson: pending until then, sealed in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from app.simulate.drill import perfect_answers
from tests.simulate.test_drills import session, template_file, write_answers


def recorded(capsys, tmp_path: Path, trainee: str) -> dict:
    answers = write_answers(tmp_path, perfect_answers(session("bias-detected")))
    code = main(
        [
            "drill",
            template_file("financial-credit-model"),
            "--scenario",
            "bias-detected",
            "--answers",
            str(answers),
            "--trainee",
            trainee,
            "--json",
        ]
    )
    assert code == 0
    return json.loads(capsys.readouterr().out)


def listed(capsys) -> list[dict]:
    assert main(["drills", "--json"]) == 0
    return json.loads(capsys.readouterr().out)["drills"]


def test_a_lesson_is_pending_until_a_trainer_grades_it(capsys, tmp_path: Path) -> None:
    assert recorded(capsys, tmp_path, "ana")["lesson"]["grade"] == "pending"
    assert recorded(capsys, tmp_path, "ben")["lesson"]["grade"] == "pending"
    assert main(["drills"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[5:7] == ["PASSED", "LESSON"]
    assert all(line.split()[5:7] == ["yes", "pending"] for line in table[1:])

    assert main(["drills", "grade", "1", "rejected", "--note", "names no cause"]) == 0
    assert "lesson rejected; passed: no" in capsys.readouterr().out
    assert main(["drills", "grade", "2", "accepted", "--by", "maria"]) == 0
    capsys.readouterr()
    by_trainee = {d["trainee"]: d["score"] for d in listed(capsys)}
    assert by_trainee["ana"]["passed"] is False
    assert by_trainee["ana"]["lesson"]["note"] == "names no cause"
    assert by_trainee["ben"]["passed"] is True
    assert by_trainee["ben"]["lesson"]["graded_by"] == "maria"
    # The drill rows are untouched: the grade is its own sealed entry.
    assert main(["audit", "verify"]) == 0


def test_grading_a_drill_that_does_not_exist_says_so(capsys) -> None:
    assert main(["drills", "grade", "41", "accepted"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no drill 41 in ") and "Traceback" not in err
