"""`gatewright assess` and the PDF: per category the level and every statement with its
status and evidence (text and --json); the same numbers on the PDF cover and in its
assessment; drills from the workspace; attestation files and their attacks."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from app.model.io import save_document
from app.store.workspace import Workspace
from tests.cli import run
from tests.validate.maturity_sops import gaming_sop, level_case

NAMES = ("people", "process", "technology", "measurement")


def write_attestation(path: Path, sop: str, statements: list[str], **extra: str) -> Path:
    lines = [
        f'sop = "{sop}"',
        'person = "rita@example.com"',
        'name = "Rita Rossi"',
        "date = 2026-11-30",
        "statements = [" + ", ".join(f'"{s}"' for s in statements) + "]",
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def record_drills(sop_id: str, trainees: tuple[str, ...]) -> None:
    with Workspace.open() as store:
        for trainee in trainees:
            store.record_drill(
                sop_id=sop_id,
                trainee=trainee,
                scenario="errors-high",
                answers=[],
                score={"score": 92, "passed": True},
                started_at="2026-11-20T10:00:00Z",
                finished_at="2026-11-20T10:20:00Z",
                seconds=1200,
            )


@pytest.fixture
def level_3_file(tmp_path: Path) -> Path:
    path = tmp_path / "level-3.sop.json"
    save_document(level_case(3).doc, path, backup=False)
    return path


def test_text_lists_every_statement_with_status_and_evidence(level_3_file, capsys) -> None:
    code, out, err = run(capsys, "assess", level_3_file)
    assert code == 0, err
    assert out.startswith("Level 3 SOP: maturity level 1 (initial)\n")
    assert "\nProcess and governance: level 2 (managed)\n" in out
    assert "  ? process-3 [needs attestation] A CI/CD pipeline for model deployment" in out
    assert "      ?? attestation: no attestation names process-3" in out
    assert "      no records: 0 person(s) passed a recorded rollback drill of this SOP" in out
    assert "      no measured: no measured data (assess --ledger URL" in out
    assert out.rstrip().endswith(
        "\n\nneeds attestation: people-5, process-3, technology-2, technology-3"
    )


def test_drills_in_the_workspace_and_attestations_raise_the_levels(
    level_3_file, tmp_path, capsys
) -> None:
    record_drills("level-3", ("ann", "sam"))
    attestation = write_attestation(
        tmp_path / "rita.toml", "level-3", ["process-3", "technology-2", "technology-3"]
    )
    code, out, err = run(capsys, "assess", level_3_file, "--attestation", attestation, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [c["level"] for c in report["categories"]] == [2, 3, 3, 1]
    assert report["attestations"][0]["statements"] == ["process-3", "technology-2", "technology-3"]
    people = report["categories"][0]["statements"][1]
    assert people["id"] == "people-2" and people["status"] == "met"
    assert people["evidence"][2] == {
        "kind": "records",
        "claim": "two or more different people passed a recorded rollback drill of the SOP",
        "status": "met",
        "evidence": "2 people passed recorded rollback drills",
    }
    process_3 = report["categories"][1]["statements"][2]["evidence"][2]
    assert process_3["evidence"] == (
        f"attested by Rita Rossi (rita@example.com), 2026-11-30 ({attestation})"
    )


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_cli_and_the_pdf_give_one_file_the_same_numbers(level_3_file, tmp_path, capsys) -> None:
    record_drills("level-3", ("ann", "sam"))
    attestation = write_attestation(tmp_path / "a.toml", "level-3", ["technology-2"])
    code, out, err = run(capsys, "assess", level_3_file, "--attestation", attestation, "--json")
    assert code == 0, err
    report = json.loads(out)
    levels = {c["category"]: c["level"] for c in report["categories"]}
    assert levels == {"people": 2, "process": 2, "technology": 2, "measurement": 1}

    pdf = tmp_path / "sop.pdf"
    code, _out, err = run(
        capsys, "export", "pdf", level_3_file, "-o", pdf, "--attestation", attestation
    )
    assert code == 0, err
    text = pdf_text(pdf)
    words = ", ".join(f"{name} {levels[name]}" for name in NAMES)
    cover = text.split("\f")[0]
    assert re.search(rf"Maturity level\s+1 \(initial\): {words}", cover), cover
    assessment = text[text.index("Overall level") :]
    assert assessment.startswith("Overall level 1 (initial)")
    for name, level in (
        ("People and culture", 2),
        ("Process and governance", 2),
        ("Technology and tools", 2),
        ("Measurement and metrics", 1),
    ):
        assert re.search(rf"{name}: level {level} \(", assessment), name
    assert "technology-2" in assessment and "Rita Rossi" in assessment

    # The export without the attestation file drops technology, as assess does.
    run(capsys, "export", "pdf", level_3_file, "-o", pdf)
    assert "technology 1" in pdf_text(pdf).split("\f")[0]


def test_the_gaming_sop_scores_1_in_the_cli_and_on_the_pdf_cover(tmp_path, capsys) -> None:
    path = tmp_path / "gaming.sop.json"
    save_document(gaming_sop(), path, backup=False)
    code, out, _err = run(capsys, "assess", path, "--json")
    assert code == 0
    report = json.loads(out)
    assert report["level"] == 1 and max(c["level"] for c in report["categories"]) <= 2
    pdf = tmp_path / "gaming.pdf"
    code, _out, err = run(capsys, "export", "pdf", path, "-o", pdf, "--allow-invalid")
    assert code == 0, err
    cover = pdf_text(pdf).split("\f")[0]
    assert re.search(
        r"Maturity level\s+1 \(initial\): people 1, process 1, technology 1, measurement 1", cover
    )


HOSTILE = [
    ("not toml", "sop = \n", "TOML"),
    ("unknown key", 'sop = "level-3"\nscore = 5\n', "'score': unknown key"),
    ("missing statements", 'sop = "level-3"\nperson = "rita"\ndate = 2026-11-30\n', "statements"),
    ("another sop", None, "sop: attests the SOP 'other', not 'level-3'"),
    ("future date", None, "date: 2999-01-01 is in the future"),
    ("date and time", None, "date: must be a date"),
    ("not a statement", None, "statements[1]: 'people-9' is not a statement"),
    ("document-shown statement", None, "statements[0]: 'technology-4' is not a statement"),
    ("duplicate", None, "statements[1]: 'process-3' is listed twice"),
    ("person with spaces", None, "person: 'rita rossi' is not a person id"),
    ("bidi in name", None, "name: holds a bidirectional control character (U+202E)"),
    ("newline in name", None, "name: holds a line break"),
    ("NUL in note", None, "note: holds a NUL character"),
    ("command in person", None, "is not a person id"),
    ("huge", None, "is larger than 64 KiB"),
    ("binary", None, "is not UTF-8 text"),
    ("duplicate key", 'sop = "level-3"\nsop = "level-3"\n', "TOML"),
]


def hostile_text(label: str, given: str | None) -> bytes:
    base = {
        "sop": '"level-3"',
        "person": '"rita@example.com"',
        "name": '"Rita"',
        "date": "2026-11-30",
        "statements": '["process-3"]',
    }
    changes = {
        "another sop": {"sop": '"other"'},
        "future date": {"date": "2999-01-01"},
        "date and time": {"date": "2026-11-30T10:00:00Z"},
        "not a statement": {"statements": '["process-3", "people-9"]'},
        "document-shown statement": {"statements": '["technology-4"]'},
        "duplicate": {"statements": '["process-3", "process-3"]'},
        "person with spaces": {"person": '"rita rossi"'},
        "bidi in name": {"name": '"Rita \\u202Eevil"'},
        "newline in name": {"name": '"Rita\\nRossi"'},
        "NUL in note": {"note": '"a\\u0000b"'},
        "command in person": {"person": '"$(rm -rf ~)"'},
    }
    if label == "huge":
        return ("# " + "x" * 70_000 + "\n").encode()
    if label == "binary":
        return b'sop = "\xff\xfe"\n'
    if given is not None:
        return given.encode()
    fields = {**base, **changes[label]}
    return "\n".join(f"{k} = {v}" for k, v in fields.items()).encode()


@pytest.mark.parametrize(("label", "given", "expected"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_an_unusable_attestation_is_one_sentence_naming_file_and_place(
    level_3_file, tmp_path, capsys, label: str, given: str | None, expected: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_bytes(hostile_text(label, given))
    good = write_attestation(tmp_path / "good.toml", "level-3", ["process-3"])
    for command in (("assess",), ("export", "markdown")):
        extra = ["-o", tmp_path / "out.md"] if command[0] == "export" else []
        code, out, err = run(
            capsys, *command, level_3_file, *extra, "--attestation", good, "--attestation", bad
        )
        assert code == 2 and out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        assert lines[0].startswith(f"error: {bad}: "), lines[0]
        assert expected in lines[0], lines[0]
        assert not (tmp_path / "out.md").exists()


def test_a_missing_attestation_file_is_named(level_3_file, tmp_path, capsys) -> None:
    missing = tmp_path / "nowhere.toml"
    code, _out, err = run(capsys, "assess", level_3_file, "--attestation", missing)
    assert code == 2 and err.startswith(f"error: {missing}: cannot read it")
