"""`gatewright backtest` straight from app.cli.main (without the command table) says exactly
what it says through the command table; the file's reading starts before the spec models
load, and a backtest takes it up only while it is the same file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import guarded, main
from app.cli.commands import run as run_table
from app.runtime.backtest import BacktestInputError, backtest, early
from tests.runtime.test_backtest import GATE, HEADER, ROWS, SPEC, spec_file, write_csv

__all__ = ["spec_file"]  # the fixture


def outputs(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of ``gatewright ARGS`` as app.cli.main runs it, then as
    the command table (click's group, as before the light path) runs it."""
    found = []
    for call in (lambda: main(args), lambda: guarded(lambda: run_table(args))):
        code = call()
        out, err = capsys.readouterr()
        found.append((code, out, err))
    return found


def history(folder: Path) -> Path:
    rows = [[*row, str(index % 2)] for index, row in enumerate(ROWS)]
    rows.append(["1", "2"])  # a bad row, reported with its line
    return write_csv(folder / "history.csv", rows, [*HEADER, "incident"])


CASES = {
    "table": [],
    "json": ["--json"],
    "per-row": ["--per-row", "--json"],
    "sweep": ["--sweep", "acc", "--range", "0.8:0.95:0.05", "--outcome", "incident"],
    "sweep-json": ["--sweep", "lat", "--outcome", "incident", "--max-miss", "0.5", "--json"],
    "max-miss-out-of-range": ["--sweep", "acc", "--max-miss", "2"],
    "max-miss-nan": ["--sweep", "acc", "--outcome", "incident", "--max-miss", "nan"],
    "range-without-sweep": ["--range", "1:2:1"],
    "sweep-and-per-row": ["--sweep", "acc", "--per-row"],
    "unknown-criterion": ["--sweep", "nope"],
    "bad-range": ["--sweep", "acc", "--range", "1:x:1"],
    "unknown-option": ["--nope"],
    "help": ["-h"],
}


@pytest.mark.parametrize("extra", CASES.values(), ids=CASES.keys())
def test_the_light_path_says_what_the_command_table_says(
    capsys: pytest.CaptureFixture[str], spec_file: Path, extra: list[str]
) -> None:
    results = history(spec_file.parent)
    args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(results), *extra]
    light, table = outputs(capsys, args)
    assert light == table
    assert light[0] in (0, 2) and "Traceback" not in light[2]


BAD_CALLS = {
    "nothing": [],
    "no-gate": ["{spec}", "--results", "{results}"],
    "no-results": ["{spec}", "--gate", GATE],
    "no-spec": ["--gate", GATE, "--results", "{results}"],
    "unknown-gate": ["{spec}", "--gate", "nope", "--results", "{results}"],
    "missing-results": ["{spec}", "--gate", GATE, "--results", "{folder}/missing.csv"],
    "missing-spec": ["{folder}/none.json", "--gate", GATE, "--results", "{results}"],
    "not-a-spec": ["{results}", "--gate", GATE, "--results", "{results}"],
    "extension": ["{spec}", "--gate", GATE, "--results", "{spec}"],
    "two-specs": ["{spec}", "{spec}", "--gate", GATE, "--results", "{results}"],
    "untrusted-key": ["{spec}", "--gate", GATE, "--results", "{results}", "--trust", "x.pub"],
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_bad_calls_get_the_same_sentence_and_exit_code(
    capsys: pytest.CaptureFixture[str], spec_file: Path, call: list[str]
) -> None:
    results = history(spec_file.parent)
    names = {"spec": spec_file, "results": results, "folder": spec_file.parent}
    args = ["backtest", *(part.format(**names) for part in call)]
    light, table = outputs(capsys, args)
    assert light == table
    assert light[0] == 2 and light[1] == "" and "Traceback" not in light[2]


def test_a_header_refused_reads_the_same(capsys: pytest.CaptureFixture[str], spec_file: Path):
    """What the early reading meets first (a header naming a column twice, an empty file) is
    still said by the backtest, once, as before."""
    for name, text in (("twice.csv", "accuracy,accuracy\n1,2\n"), ("empty.csv", "")):
        path = spec_file.parent / name
        path.write_text(text)
        args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(path)]
        light, table = outputs(capsys, args)
        assert light == table and light[0] == 2 and light[2].count("\n") == 1


ORDER = """
import json, sys
from app.cli import main
code = main(sys.argv[1:])
loaded = list(sys.modules)
print(json.dumps([code, "app.cli.commands" in loaded, loaded]), file=sys.stderr)
"""


def test_the_reading_starts_before_the_spec_models_load(spec_file: Path) -> None:
    """The process imports neither the command table nor the spec models before the file's
    reading (app.runtime.backtest.early, with numpy and pyarrow) has started; nor check's
    decision code and evidence models, which only the per-row path needs."""
    results = history(spec_file.parent)
    args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(results), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", ORDER, *args], capture_output=True, text=True, check=True
    )
    code, table, loaded = json.loads(done.stderr.splitlines()[-1])
    assert code == 0 and json.loads(done.stdout)["rows"] == len(ROWS)
    assert not table
    assert loaded.index("app.runtime.backtest.early") < loaded.index("app.spec.schema")
    assert loaded.index("pyarrow.csv") < loaded.index("pydantic")
    assert "app.runtime.evaluate" not in loaded and "app.spec.evidence" not in loaded


def test_a_backtest_takes_up_the_reading_started_for_its_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS)
    expected = backtest(SPEC, GATE, path).to_json()
    early.start(path)
    assert early._waiting is not None
    assert backtest(SPEC, GATE, path).to_json() == expected
    assert early._waiting is None  # taken


def test_a_file_changed_after_the_start_is_read_again(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS)
    early.start(path)
    started = early._waiting
    assert started is not None
    write_csv(path, ROWS[:2])  # the same name, other rows: the backtest counts these
    os.utime(path, ns=(1, 1))  # a new modification time even on a coarse clock
    assert backtest(SPEC, GATE, path).rows == 2
    assert started.stream.closed and early._waiting is None


def test_another_file_does_not_take_the_reading(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", ROWS)
    second = write_csv(tmp_path / "second.csv", ROWS[:3])
    early.start(first)
    assert backtest(SPEC, GATE, second).rows == 3
    assert early._waiting is None  # dropped, not kept for later


@pytest.mark.parametrize("name", ["missing.csv", "history.jsonl", "empty.csv", "folder"])
def test_what_the_backtest_refuses_is_not_started(tmp_path: Path, name: str) -> None:
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "history.jsonl").write_text('{"accuracy": 0.9}\n')
    (tmp_path / "folder").mkdir()
    early.start(tmp_path / name)
    assert early._waiting is None
    if name != "history.jsonl":
        with pytest.raises(BacktestInputError):
            backtest(SPEC, GATE, tmp_path / name)


def test_discard_closes_a_reading_nobody_took(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS)
    early.start(path)
    started = early._waiting
    assert started is not None
    early.discard()
    assert started.stream.closed and early._waiting is None


@pytest.mark.parametrize(
    ("gate", "extra"), [(GATE, ["--json"]), (GATE, []), ("nope", []), (GATE, ["--max-miss", "2"])]
)
def test_the_process_ends_with_all_it_printed(
    capsys: pytest.CaptureFixture[str], spec_file: Path, gate: str, extra: list[str]
) -> None:
    """As a process (`gatewright`, main() without arguments), the command ends without the
    interpreter's teardown: what it printed is all there, and its exit code is the one the
    command returned."""
    results = history(spec_file.parent)
    args = ["backtest", str(spec_file), "--gate", gate, "--results", str(results), *extra]
    code = main(args)
    out, err = capsys.readouterr()
    entry = Path(sys.executable).with_name("gatewright")
    done = subprocess.run([str(entry), *args], capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (code, out, err)
    assert out or err


def test_a_full_disk_is_said_and_exits_2(spec_file: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    results = history(spec_file.parent)
    entry = Path(sys.executable).with_name("gatewright")
    args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(results), "--json"]
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(entry), *args], stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 2
    assert done.stderr == "error: cannot write the output: No space left on device\n"


def test_arrow_reads_on_one_core_until_the_backtest_takes_over(tmp_path: Path) -> None:
    """While the spec's models load, Arrow decodes on one core (the imports on the other);
    the backtest gets Arrow's threads back when it takes the reading up, or when the
    reading is dropped."""
    import pyarrow as pa

    before = pa.cpu_count()
    path = write_csv(tmp_path / "history.csv", ROWS)
    early.start(path)
    assert pa.cpu_count() == 1
    assert backtest(SPEC, GATE, path).rows == len(ROWS)
    assert pa.cpu_count() == before
    early.start(path)
    early.discard()
    assert pa.cpu_count() == before
    early.start(tmp_path / "missing.csv")  # nothing started: nothing lowered
    assert pa.cpu_count() == before
