"""The pipeline runtime on a fresh runner: installing it from an export (time and size)
against `pip install pydantic` into an empty environment, and `gatewright check` as a
process from that install against `python -c "import pydantic"`, all in the same run."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.spec.files import write_spec
from benchmarks.bench_package import folder_bytes
from benchmarks.timing import median_process_seconds, report
from exporters.runtime_wheel import build_runtime_wheel

ROUNDS = 3
PIP = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
SIZE_TARGET = 40 * 1024 * 1024
ONE_MODEL = "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)"


def empty_venv(folder: Path) -> Path:
    """A new virtual environment with pip only; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder / "bin" / "python"


def site_bytes(python: Path) -> int:
    venv = python.parent.parent
    return folder_bytes(venv / "lib")


def timed_install(python: Path, what: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(python), *PIP, what], check=True, capture_output=True)
    return time.perf_counter() - start


def bench_install(work: Path, wheel: Path) -> tuple[Path, int]:
    """Alternate fresh installs of the runtime and of pydantic alone; returns a runtime
    install kept for the process benchmark, and the runtime's installed size."""
    ours: list[float] = []
    floor: list[float] = []
    added: list[int] = []
    kept = None
    for round_number in range(ROUNDS):
        python = empty_venv(work / f"runtime-{round_number}")
        before = site_bytes(python)
        ours.append(timed_install(python, str(wheel)))
        added.append(site_bytes(python) - before)
        kept = python
        bare = empty_venv(work / f"pydantic-{round_number}")
        floor.append(timed_install(bare, "pydantic"))
        shutil.rmtree(work / f"pydantic-{round_number}")
    assert kept is not None
    listed = subprocess.run(
        [str(kept), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = sorted(item["name"] for item in json.loads(listed))
    mine, base = statistics.median(ours), statistics.median(floor)
    size = statistics.median(added)
    report(
        "runtime install from the export on a fresh runner (pip install the wheel)",
        f"{mine:.2f} s, {size / 1e6:.1f} MB installed ({', '.join(names)})",
        mine / base,
        f"`pip install pydantic` into an empty environment ({base:.2f} s)",
        "< 2x, < 40 MB",
        mine / base < 2 and size < SIZE_TARGET,
    )
    return kept, size


def bench_extras(work: Path, wheel: Path, base: int) -> None:
    """What the stack's steps add: the `postgres` extra (a PostgreSQL ledger: every job
    that records) stays under the runtime's 40 MB; the `mlflow` extra goes only to the
    jobs that collect evidence from MLflow or roll back in its registry (measured, no
    target)."""
    for extra, target in (("postgres", SIZE_TARGET), ("mlflow", None)):
        python = empty_venv(work / f"extra-{extra}")
        before = site_bytes(python)
        seconds = timed_install(python, f"{wheel}[{extra}]")
        size = site_bytes(python) - before
        report(
            f"runtime install with the `{extra}` extra",
            f"{seconds:.2f} s, {size / 1e6:.1f} MB installed",
            size / base,
            f"the runtime alone ({base / 1e6:.1f} MB)",
            "< 40 MB" if target else "none (only the MLflow jobs install it)",
            target is None or size < target,
        )
        shutil.rmtree(work / f"extra-{extra}")


def bench_check_process(work: Path, python: Path) -> None:
    spec = work / "spec.json"
    write_spec(compile_data(load_template("startup-lightweight")), spec)
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    evidence = work / "evidence.json"
    evidence.write_text(
        json.dumps(
            {
                "candidate": {"model": "m", "version": "1", "tier": "low", "submitted_by": "ana"},
                "metrics": {"accuracy": 0.91},
                "baseline": {"accuracy": 0.9},
                "checks": {"ci-tests": "passed"},
                "approvals": [
                    {
                        "by": "ben",
                        "role": "ml-engineer",
                        "decision": "approve",
                        "at": an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    program = str(python.parent / "gatewright")
    command = [program, "check", str(spec), "--gate", "review-gate", "--evidence", str(evidence)]
    ours = median_process_seconds(command)  # exit 0 (promote), or this raises
    floor = median_process_seconds([str(python), "-c", "import pydantic"])
    # `import pydantic` is lazy: it loads neither pydantic_core nor the model machinery.
    # A process that defines and validates one model pays for them, as any user does.
    one_model = median_process_seconds([str(python), "-c", ONE_MODEL])
    report(
        "`gatewright check` as a process, from the runtime install",
        f"{ours * 1e3:.0f} ms",
        ours / floor,
        f'`python -c "import pydantic"` in the same environment ({floor * 1e3:.0f} ms)',
        "< 2x",
        ours / floor < 2,
    )
    print(
        f"  for scale: a process defining and validating one pydantic model takes "
        f"{one_model * 1e3:.0f} ms; `gatewright check` is {ours / one_model:.2f}x that"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gatewright-bench-runtime-") as folder:
        work = Path(folder)
        wheel = build_runtime_wheel().write(work)
        python, size = bench_install(work, wheel)
        bench_extras(work, wheel, size)
        bench_check_process(work, python)


if __name__ == "__main__":
    main()
