"""backtest through its command line: the table, --json, unusable input, strict cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.spec.files import load_spec
from tests.cli import run
from tests.runtime.test_backtest import (  # noqa: F401
    EXPECTED,
    GATE,
    HEADER,
    ROWS,
    SPEC,
    SPEC_DATA,
    as_json_row,
    counts,
    spec_file,
    write_csv,
    write_jsonl,
)

__all__ = ["spec_file"]  # the fixture, shared with the library tests


def test_cli_prints_a_table(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    results = write_csv(spec_file.parent / "results.csv", [*ROWS, ["1", "2"]])
    code, out, err = run(
        capsys, "backtest", str(spec_file), "--gate", GATE, "--results", str(results)
    )
    assert (code, err) == (0, "")
    assert f"{GATE}: 6 candidates from {results} (csv, vectorised, read by arrow)" in out
    assert "1 promote (16.7%), 3 reject (50.0%), 2 hold (33.3%)" in out
    assert any(line.split()[:3] == ["fair", "blocking", "50.0%"] for line in out.splitlines())
    assert "1. lat" in out and "3 rows (0 reject, 3 hold; the only blocker of 1)" in out
    assert "bad rows: 1" in out and "line 8: has 2 fields where the header has 8" in out


def test_cli_json_is_one_document(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    results = write_jsonl(spec_file.parent / "results.jsonl", [as_json_row(r) for r in ROWS])
    args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(results), "--json"]
    code, out, err = run(capsys, *args)
    answer = json.loads(out)
    assert (code, err) == (0, "")
    assert answer["spec_digest"] == SPEC_DATA["digest"] and answer["method"] == "vectorised"
    assert counts(answer) == EXPECTED
    code, out, _ = run(capsys, *args, "--per-row")
    slow = json.loads(out)
    assert code == 0 and slow.pop("method") == "per-row"
    answer.pop("method")
    assert slow == answer


@pytest.mark.parametrize(
    ("gate", "results", "message"),
    [
        ("nope", "results.csv", "gate.spec.json: the spec has no gate 'nope'"),
        (GATE, "missing.csv", "missing.csv: does not exist"),
        (GATE, "results.xlsx", "results.xlsx: has the extension '.xlsx'"),
        (GATE, "empty.csv", "empty.csv: is empty"),
    ],
)
def test_cli_unusable_input_exits_2(
    capsys: pytest.CaptureFixture[str], spec_file: Path, gate: str, results: str, message: str
) -> None:
    write_csv(spec_file.parent / "results.csv", ROWS)
    (spec_file.parent / "results.xlsx").write_bytes(b"PK\x03\x04")
    (spec_file.parent / "empty.csv").write_text("")
    path = spec_file.parent / results
    code, out, err = run(capsys, "backtest", str(spec_file), "--gate", gate, "--results", str(path))
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_cli_refuses_a_tampered_spec(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    results = write_csv(spec_file.parent / "results.csv", ROWS)
    spec_file.write_text(spec_file.read_text().replace('"value": 0.9', '"value": 0.1'))
    code, _, err = run(
        capsys, "backtest", str(spec_file), "--gate", GATE, "--results", str(results)
    )
    assert code == 2 and err.startswith(f"error: {spec_file}: ") and "digest" in err


def test_the_spec_file_is_the_compiled_one(spec_file: Path) -> None:
    assert load_spec(spec_file).gate(GATE).criteria == SPEC.gate(GATE).criteria


@pytest.mark.parametrize(
    "cell", ["1_0", "\u0661\u0662", "\uff11", " 0.95", "0.95 ", "0x1", "1e", "nan", "+inf"]
)
def test_cli_reads_only_decimal_numbers(
    capsys: pytest.CaptureFixture[str], spec_file: Path, cell: str
) -> None:
    """A cell Python's float would read (1_0 as 10, Arabic-Indic digits, spaces) is no number:
    the accuracy criterion finds it invalid and its fail policy rejects, on both paths."""
    good = ROWS[0]  # promotes as it is
    results = write_csv(spec_file.parent / "odd.csv", [[cell, *good[1:]]])
    for extra in ((), ("--per-row",)):
        code, out, _ = run(
            capsys, "backtest", str(spec_file), "--gate", GATE, "--results", str(results),
            "--json", *extra,
        )  # fmt: skip
        answer = json.loads(out)
        assert code == 0 and answer["outcomes"] == {"promote": 0, "reject": 1, "hold": 0}
        assert counts(answer)["acc"][3] == 1  # invalid


def test_cli_a_json_line_naming_a_key_twice_is_a_bad_row(
    capsys: pytest.CaptureFixture[str], spec_file: Path
) -> None:
    rows = [as_json_row(r) for r in ROWS[:2]]
    lines = [json.dumps(row) for row in rows]
    lines[1] = lines[1].replace('"accuracy": ', '"accuracy": 0.99, "accuracy": ', 1)
    results = spec_file.parent / "twice.jsonl"
    results.write_text("\n".join(lines) + "\n")
    code, out, _ = run(
        capsys, "backtest", str(spec_file), "--gate", GATE, "--results", str(results), "--json"
    )
    answer = json.loads(out)
    assert code == 0 and answer["rows"] == 1 and answer["bad_rows"]["count"] == 1
    assert answer["bad_rows"]["first"][0] == {
        "line": 2,
        "reason": "is not valid JSON: the key 'accuracy' appears twice in one object; keep one",
    }
