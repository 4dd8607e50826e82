"""The pipeline runtime wheel: reproducible, small, and enough to run a gate on its own."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.spec.files import write_spec
from exporters.runtime_wheel import (
    POSTGRES_EXTRA,
    REQUIRES,
    SIGNED_EXTRA,
    build_runtime_wheel,
    runtime_sources,
)

REPO = Path(__file__).resolve().parents[2]


def test_the_same_sources_give_the_same_bytes() -> None:
    first, second = build_runtime_wheel(), build_runtime_wheel()
    assert first.data == second.data and first.sha256 == second.sha256
    assert first.name.startswith("gatewright_runtime-") and first.name.endswith("-py3-none-any.whl")


def test_it_holds_the_spec_contract_and_the_runtime_and_nothing_heavier() -> None:
    names = zipfile.ZipFile(io.BytesIO(build_runtime_wheel().data)).namelist()
    modules = {name for name in names if name.endswith(".py")}
    assert "app/runtime/evaluate.py" in modules and "app/spec/schema.py" in modules
    assert not any(
        name.startswith(("app/model", "app/ui", "app/validate", "app/runtime/backtest"))
        for name in modules
    )
    assert "app/cli/commands.py" not in modules


def test_its_pydantic_range_is_the_packages() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for requirement in (*REQUIRES, *SIGNED_EXTRA, *POSTGRES_EXTRA):
        assert f'"{requirement}"' in pyproject


def test_a_source_that_is_gone_is_named(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    with pytest.raises(FileNotFoundError, match=r"__init__\.py"):
        runtime_sources(tmp_path)


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the runtime wheel installed, and nothing of ours."""
    folder = tmp_path_factory.mktemp("runtime")
    wheel = build_runtime_wheel().write(folder)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )
    return venv


def test_a_fresh_environment_runs_check_from_the_wheel_alone(
    runtime_venv: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.json"
    write_spec(compile_data(load_template("deployment-gate")), spec)
    gate = json.loads(spec.read_text(encoding="utf-8"))["gates"][0]["id"]
    evidence = tmp_path / "evidence.json"
    evidence.write_text('{"candidate": {"model": "m", "version": "1"}}', encoding="utf-8")
    done = subprocess.run(
        [
            str(runtime_venv / "bin" / "gatewright"),
            "check",
            str(spec),
            "--gate",
            gate,
            "--evidence",
            str(evidence),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["decision"] == "reject"
    installed = subprocess.run(
        [str(runtime_venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {item["name"].lower() for item in json.loads(installed)}
    assert not names & {"pyside6", "numpy", "reportlab", "networkx", "gatewright", "click"}


def test_the_runtime_says_which_commands_need_the_full_package(runtime_venv: Path) -> None:
    done = subprocess.run(
        [str(runtime_venv / "bin" / "gatewright"), "validate", "x.sop.json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "needs the full gatewright package" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_runtime_prints_evidence_skeletons_and_verifies_decisions(
    runtime_venv: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.json"
    write_spec(compile_data(load_template("startup-lightweight")), spec)
    program = str(runtime_venv / "bin" / "gatewright")
    done = subprocess.run(
        [program, "evidence", "init", str(spec), "--gate", "release-gate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checks"] == {"smoke-tests": None, "security-review": None}
    decision = tmp_path / "decision.json"
    decision.write_text('{"gate": "release-gate", "decision": "hold"}', encoding="utf-8")
    done = subprocess.run(
        [
            program,
            "decision",
            "verify",
            str(decision),
            "--spec",
            str(spec),
            "--gate",
            "release-gate",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "another spec" in done.stderr


def test_the_runtime_records_decisions_in_an_sqlite_ledger(
    runtime_venv: Path, tmp_path: Path
) -> None:
    """The ledger runs from the wheel alone (the standard library's sqlite3); a PostgreSQL
    URL names the extra to install, since the wheel's plain install has no psycopg."""
    spec = tmp_path / "spec.json"
    write_spec(compile_data(load_template("deployment-gate")), spec)
    gate = json.loads(spec.read_text(encoding="utf-8"))["gates"][0]["id"]
    evidence = tmp_path / "evidence.json"
    evidence.write_text('{"candidate": {"model": "m", "version": "1"}}', encoding="utf-8")
    program = str(runtime_venv / "bin" / "gatewright")
    ledger = tmp_path / "ledger.db"
    command = [program, "check", str(spec), "--gate", gate, "--evidence", str(evidence)]
    done = subprocess.run(
        [*command, "--ledger", str(ledger)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "as entry 1" in done.stderr, done.stderr
    done = subprocess.run(
        [*command, "--ledger", "postgresql://u:hunter2@127.0.0.1/x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "gatewright-runtime[postgres]" in done.stderr and "hunter2" not in done.stderr
    metadata = (
        zipfile.ZipFile(io.BytesIO(build_runtime_wheel().data))
        .read(
            next(
                n
                for n in zipfile.ZipFile(io.BytesIO(build_runtime_wheel().data)).namelist()
                if n.endswith("METADATA")
            )
        )
        .decode()
    )
    assert 'Requires-Dist: psycopg[binary]>=3.2,<4; extra == "postgres"' in metadata
