"""--sweep: each threshold counts what a backtest with that threshold counts; incidents caught
and missed, precision and recall from an outcome column; the command line's table and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.runtime.backtest import backtest
from app.runtime.backtest.sweep import SweepError, SweepRequest, parse_range, sweep
from app.spec.schema import GateSpec
from tests.cli import run
from tests.runtime.test_backtest import (
    CSV_ROWS,
    GATE,
    HEADER,
    PROPERTY,
    PROPERTY_COLUMNS,
    PROPERTY_GATE,
    ROWS,
    SPEC,
    spec_file,
    write_csv,
)

__all__ = ["spec_file"]  # the fixture

OUTCOME_HEADER = [*HEADER, "incident"]


def with_threshold(criterion_id: str, threshold: float, gate_id: str = GATE) -> GateSpec:
    """The spec with one criterion's threshold (or baseline delta) changed."""
    data = SPEC.model_dump(mode="json", by_alias=True)
    gate = next(g for g in data["gates"] if g["id"] == gate_id)
    criterion = next(c for c in gate["criteria"] if c["id"] == criterion_id)
    criterion["value" if "value" in criterion else "delta"] = threshold
    return GateSpec.model_validate(data)


NUMBERS = st.sampled_from(["0.85", "0.9", "0.95", "0.91", "", "nan", "text", "1e400", "0.89"])
LATENCY = st.sampled_from(["100", "200", "250", "260", "", "inf", "x", "249.5"])
ROW = st.tuples(
    NUMBERS,
    NUMBERS,
    LATENCY,
    st.sampled_from(["passed", "failed", ""]),
    st.sampled_from(["0.01", "0.2", ""]),
    st.sampled_from(["model-card", ""]),
    st.sampled_from(["low", "medium", "high", ""]),
    st.sampled_from(["0.01", "0.05"]),
    st.sampled_from(["0", "1", "", "2"]),
)


@PROPERTY
@given(rows=st.lists(ROW, max_size=30), criterion=st.sampled_from(["acc", "lat", "reg", "fair"]))
def test_each_threshold_counts_what_a_backtest_with_it_counts(
    tmp_path: Path, rows: list[tuple[str, ...]], criterion: str
) -> None:
    path = write_csv(tmp_path / "history.csv", [list(r) for r in rows], OUTCOME_HEADER)
    thresholds = {
        "acc": [0.85, 0.9, 0.95],
        "lat": [100, 249.5, 250, 300],
        "reg": [-0.1, -0.01, 0, 0.05],
        "fair": [0.01, 0.05, 0.2],
    }[criterion]
    answer = sweep(SPEC, GATE, path, SweepRequest(criterion, thresholds, "incident")).sweep
    assert answer is not None
    for row in answer["thresholds"]:
        plain = backtest(with_threshold(criterion, row["threshold"]), GATE, path)
        tally = next(t for t in plain.criteria if t.id == criterion)
        assert row["pass"] == tally.counts["pass"]
        assert {k: row[k] for k in ("promote", "reject", "hold")} == plain.outcomes
        assert sum(split["promote"] for split in row["tiers"].values()) == row["promote"]


def test_incidents_caught_and_missed(tmp_path: Path) -> None:
    good = ROWS[0][:7]  # passes everything, tier high
    rows = [
        [*good[:2], "100", *good[3:], "0.01", "1"],  # an incident at latency 100
        [*good[:2], "200", *good[3:], "0.01", "1"],  # an incident at latency 200
        [*good[:2], "150", *good[3:], "0.01", "0"],  # a good release at 150
        [*good[:2], "300", *good[3:], "0.01", "0"],  # a good release at 300
        [*good[:2], "120", *good[3:], "0.01", ""],  # no outcome recorded
    ]
    path = write_csv(tmp_path / "history.csv", rows, OUTCOME_HEADER)
    request = SweepRequest("lat", [50, 125, 175, 250], "incident", max_miss=0.5)
    answer = sweep(SPEC, GATE, path, request).sweep
    assert answer is not None
    by = {row["threshold"]: row for row in answer["thresholds"]}
    # latency <= 125 blocks the incident at 200 and both good releases; misses the one at 100
    assert (by[125]["caught"], by[125]["missed"], by[125]["good_blocked"]) == (1, 1, 2)
    assert by[125]["precision"] == pytest.approx(1 / 3) and by[125]["recall"] == 0.5
    assert (by[50]["caught"], by[50]["missed"], by[50]["recall"]) == (2, 0, 1.0)
    assert (by[250]["caught"], by[250]["precision"], by[250]["recall"]) == (0, 0.0, 0.0)
    assert answer["outcome"] == {
        "column": "incident",
        "incidents": 2,
        "max_miss": 0.5,
        "keeping_misses_under": [50, 125, 175],
        "best": 175,  # of those, it blocks one good release (at 300); the others two
    }
    assert answer["quantiles"]["latency-p95-ms"]["count"] == 5


def test_parquet_outcomes_are_numbers_or_booleans(tmp_path: Path) -> None:
    path = tmp_path / "history.parquet"
    table = pa.table(
        {
            "latency-p95-ms": [100.0, 200.0, 150.0],
            "incident": pa.array([True, True, False]),
        }
    )
    pq.write_table(table, path)
    answer = sweep(SPEC, GATE, path, SweepRequest("lat", [125], "incident")).sweep
    assert answer is not None
    assert answer["outcome"]["incidents"] == 2
    assert answer["thresholds"][0]["missed"] == 0  # every row is rejected by other criteria


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1:2", "LO:HI:STEP"),
        ("a:b:c", "LO:HI:STEP"),
        ("1:2:0", "STEP must be above 0"),
        ("2:1:1", "HI at least LO"),
        ("0:1:0.00001", "at most 10,000"),
        ("nan:1:1", "LO:HI:STEP"),
        ("1e400:1e400:1", "a double can hold"),
    ],
)
def test_a_range_that_cannot_be_swept(text: str, message: str) -> None:
    with pytest.raises(SweepError, match=message):
        parse_range(text)


def test_decimal_steps_stay_decimal() -> None:
    assert parse_range("0.1:0.3:0.1") == [0.1, 0.2, 0.3]


def test_only_thresholds_can_be_swept(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS)
    with pytest.raises(SweepError, match="only metric and baseline criteria"):
        sweep(SPEC, GATE, path, SweepRequest("scan"))
    with pytest.raises(SweepError, match=r"no criterion 'nope'.*acc, lat, reg, fair, err"):
        sweep(SPEC, GATE, path, SweepRequest("nope"))


def test_the_default_range_spans_the_values_and_today(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "history.csv", ROWS * 3)
    answer = sweep(SPEC, GATE, path, SweepRequest("lat")).sweep
    assert answer is not None
    thresholds = [row["threshold"] for row in answer["thresholds"]]
    assert 250 in thresholds and len(thresholds) == 22  # 21 steps, and today's
    assert all(100 <= t <= 200 for t in thresholds if t != 250)
    assert thresholds == sorted(thresholds)


def test_cli_sweep_table_and_json(capsys: pytest.CaptureFixture[str], spec_file: Path) -> None:
    rows = [
        [*row, outcome] for row, outcome in zip(ROWS, ["0", "1", "1", "0", "", "1"], strict=True)
    ]
    results = write_csv(spec_file.parent / "history.csv", rows, OUTCOME_HEADER)
    args = ["backtest", str(spec_file), "--gate", GATE, "--results", str(results)]
    sweep_args = ["--sweep", "acc", "--range", "0.8:0.95:0.05", "--outcome", "incident"]
    code, out, err = run(capsys, *args, *sweep_args, "--max-miss", "0.5")
    assert (code, err) == (0, "")
    assert "sweep of acc (accuracy >= threshold; today 0.9), 4 thresholds:" in out
    lines = out.splitlines()
    head = next(line for line in lines if line.split()[:1] == ["threshold"])
    assert head.split()[-2:] == ["precision", "recall"]
    assert any(line.endswith("<- today") and line.split()[0] == "0.9" for line in lines)
    assert "thresholds keeping missed incidents at or under 50%" in out
    assert "quantiles of the metrics the gate reads" in out
    code, out, _ = run(capsys, *args, *sweep_args, "--json")
    answer = json.loads(out)
    assert code == 0 and [row["threshold"] for row in answer["sweep"]["thresholds"]] == [
        0.8,
        0.85,
        0.9,
        0.95,
    ]
    assert answer["sweep"]["outcome"]["incidents"] == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--range", "1:2:1"], "--range goes with --sweep CRITERION"),
        (["--sweep", "scan"], "only metric and baseline criteria"),
        (["--sweep", "acc", "--range", "1:0:1"], "HI at least LO"),
        (["--sweep", "acc", "--per-row"], "do not go together"),
        (["--sweep", "acc", "--max-miss", "nan"], "--max-miss must be a rate"),
        (["--sweep", "acc\u202e", "--range", "0:1:0.5"], "no criterion"),
    ],
)
def test_cli_refuses_a_sweep_it_cannot_run(
    capsys: pytest.CaptureFixture[str], spec_file: Path, extra: list[str], message: str
) -> None:
    results = write_csv(spec_file.parent / "history.csv", ROWS)
    code, out, err = run(
        capsys, "backtest", str(spec_file), "--gate", GATE, "--results", str(results), *extra
    )
    assert code == 2 and out == "" and message in err and "Traceback" not in err


@PROPERTY
@given(rows=CSV_ROWS, criterion=st.sampled_from(["acc-eq", "acc-ne", "auc-gt", "lat-reg"]))
def test_every_operator_sweeps_as_a_backtest_counts(
    tmp_path: Path, rows: list[dict[str, str]], criterion: str
) -> None:
    """==, !=, > and a baseline's <= (the property gate), against backtests of changed specs."""
    path = write_csv(
        tmp_path / "random.csv", [[r[c] for c in PROPERTY_COLUMNS] for r in rows], PROPERTY_COLUMNS
    )
    thresholds = [0.0, 0.5, 1.0, 3.0]
    answer = sweep(SPEC, PROPERTY_GATE, path, SweepRequest(criterion, thresholds)).sweep
    assert answer is not None
    for row in answer["thresholds"]:
        changed = with_threshold(criterion, row["threshold"], PROPERTY_GATE)
        plain = backtest(changed, PROPERTY_GATE, path)
        tally = next(t for t in plain.criteria if t.id == criterion)
        assert row["pass"] == tally.counts["pass"]
        assert {k: row[k] for k in ("promote", "reject", "hold")} == plain.outcomes
