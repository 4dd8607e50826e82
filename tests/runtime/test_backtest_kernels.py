"""The backtest's own conversions between Arrow and numpy (no pandas), and its read-ahead."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from app.runtime.backtest import kernels
from app.runtime.backtest.arrow_reading import Ahead
from app.spec.files import write_spec
from tests.runtime.test_backtest import HEADER, ROWS, SPEC_DATA, as_json_row, write_csv


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1.5, None, -2.0, float("inf")], pa.float64()),
        ([1.5, None, 3.0], pa.float32()),
        ([True, False, True] * 5, pa.bool_()),
        ([1, -2, 2**40], pa.int64()),
        ([0, 7, 255], pa.uint8()),
        ([3, 4], pa.int32()),
        ([], pa.float64()),
        ([], pa.bool_()),
    ],
)
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_to_numpy_gives_arrow_own_values(values: list, kind: pa.DataType, offset: int) -> None:
    array = pa.array(values, kind)[min(offset, len(values)) :]  # a slice: an offset bitmap
    got = kernels.to_numpy(array)
    expected = array.to_numpy(zero_copy_only=False)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)  # nulls of floats are NaN in both


def test_to_numpy_of_chunks_and_refusals() -> None:
    chunked = pa.chunked_array([pa.array([1.0, 2.0]), pa.array([None, 4.0])])
    np.testing.assert_array_equal(kernels.to_numpy(chunked), [1.0, 2.0, np.nan, 4.0])
    with pytest.raises(ValueError, match="nulls"):
        kernels.to_numpy(pa.array([True, None]))
    with pytest.raises(TypeError):
        kernels.to_numpy(pa.array(["text"]))


def test_strings_and_scalars_are_arrow_own() -> None:
    for values in (["low", "médium", "", "high"], []):
        assert kernels.strings(values).equals(pa.array(values, pa.string()))
    for value in ("passed", "", True, False, 3, -(2**40), 0.25):
        assert kernels.scalar(value).equals(pa.scalar(value))
        assert kernels.scalar(value).as_py() == value
    with pytest.raises(TypeError):
        kernels.scalar(None)


NO_PANDAS = """
import json, sys
from app.runtime.backtest import backtest
from app.runtime.backtest.sweep import SweepRequest, sweep
from app.spec.files import load_spec
spec = load_spec(sys.argv[1])
answers = [backtest(spec, "production-gate", path).rows for path in sys.argv[2:]]
request = SweepRequest("acc", outcome="incident")
answers += [sweep(spec, "production-gate", path, request).rows for path in sys.argv[2:]]
print(json.dumps([answers, "pandas" in sys.modules]))
"""


def test_a_backtest_never_imports_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas (0.15 s and more) on its first to_numpy, pa.array or pa.scalar
    when pandas is installed, as it is here: a backtest of CSV and JSON lines, and a sweep
    with an outcome column, call none of them. (Parquet is read through pyarrow.dataset,
    whose own import imports pandas.)"""
    pytest.importorskip("pandas")  # without pandas there is nothing to show
    header = [*HEADER, "incident"]
    rows = [[*row, str(index % 2)] for index, row in enumerate(ROWS)]
    csv_path = write_csv(tmp_path / "history.csv", rows, header)
    jsonl_path = tmp_path / "history.jsonl"
    records = [{**as_json_row(row[:-1]), "incident": int(row[-1])} for row in rows]
    jsonl_path.write_text("".join(json.dumps(record) + "\n" for record in records))
    spec_path = tmp_path / "gate.spec.json"
    write_spec(SPEC_DATA, spec_path)
    found = subprocess.run(
        [sys.executable, "-c", NO_PANDAS, str(spec_path), str(csv_path), str(jsonl_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    answers, pandas = json.loads(found.stdout)
    assert answers == [len(rows)] * 4
    assert not pandas


def test_ahead_makes_the_next_item_in_another_thread() -> None:
    made_in: list[str] = []

    def items() -> Iterator[int]:
        for number in range(3):
            made_in.append(threading.current_thread().name)
            yield number

    assert list(Ahead(items())) == [0, 1, 2]
    assert made_in and all(name.startswith("backtest-read") for name in made_in)


def test_ahead_raises_in_turn_and_closes_what_it_stops_reading() -> None:
    closed = threading.Event()

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("the second item cannot be made")

    reading = Ahead(failing())
    assert next(reading) == 1
    with pytest.raises(ValueError, match="second item"):
        next(reading)

    def endless() -> Iterator[int]:
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            closed.set()

    reading = Ahead(endless())
    assert next(reading) == 0
    reading.close()  # the caller stops early (an error of its own, say)
    assert closed.is_set()
