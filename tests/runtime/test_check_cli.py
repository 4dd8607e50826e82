"""gatewright check as pipelines call it: exit codes, JSON, and refusing bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.spec.files import write_spec
from tests.cli import run as run_cli
from tests.runtime.conftest import NOW


@pytest.fixture
def files(spec_data, passing_evidence, tmp_path: Path) -> tuple[Path, Path]:
    spec_path, evidence_path = tmp_path / "spec.json", tmp_path / "evidence.json"
    write_spec(spec_data, spec_path)
    evidence_path.write_text(json.dumps(passing_evidence))
    return spec_path, evidence_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``gatewright check`` (or another command) decided at ``NOW``, as the cases are."""
    if args[0] == "check":
        args = (*args, "--at", NOW)
    return run_cli(capsys, *args)


def test_promote_exits_0_and_prints_json(files, capsys) -> None:
    spec_path, evidence_path = files
    code, out, _ = run(
        capsys,
        "check",
        str(spec_path),
        "--gate",
        "gate",
        "--evidence",
        str(evidence_path),
        "--json",
    )
    assert code == 0 and json.loads(out)["decision"] == "promote"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"metrics": {"accuracy": 0.1}}, 1),
        ({"metrics": {"accuracy": 0.95}, "approvals": []}, 3),
    ],
)
def test_reject_exits_1_hold_exits_3(files, passing_evidence, capsys, change, code) -> None:
    spec_path, evidence_path = files
    evidence = {**passing_evidence, **change}
    if "metrics" in change:
        evidence["metrics"] = {**passing_evidence["metrics"], **change["metrics"]}
    evidence_path.write_text(json.dumps(evidence))
    assert (
        run(capsys, "check", str(spec_path), "--gate", "gate", "--evidence", str(evidence_path))[0]
        == code
    )


@pytest.mark.parametrize(
    ("evidence_text", "fragment"),
    [
        ("{", "invalid JSON"),
        (
            '{"approvals": [{"by": "a", "role": "r", "decision": "maybe", "at": "2026-01-01T00:00:00Z"}]}',
            "$.approvals[0].decision",
        ),
        (
            '{"approvals": [{"by": "a", "role": "r", "decision": "approve", "at": "2026-01-01T00:00:00"}]}',
            "timezone",
        ),
        ('{"metrics": [1, 2]}', "$.metrics"),
    ],
)
def test_bad_evidence_exits_2(files, capsys, evidence_text, fragment) -> None:
    spec_path, evidence_path = files
    evidence_path.write_text(evidence_text)
    code, out, err = run(
        capsys, "check", str(spec_path), "--gate", "gate", "--evidence", str(evidence_path)
    )
    assert (code, out) == (2, "") and fragment in err and "Traceback" not in err


def test_tampered_spec_exits_2_before_evaluating(files, capsys) -> None:
    spec_path, evidence_path = files
    spec_path.write_text(spec_path.read_text().replace('"value": 0.9', '"value": 0.1'))
    code, out, err = run(
        capsys, "check", str(spec_path), "--gate", "gate", "--evidence", str(evidence_path)
    )
    assert (code, out) == (2, "") and "digest mismatch" in err


def test_unknown_gate_and_usage_errors_exit_2(files, capsys) -> None:
    spec_path, evidence_path = files
    code, _, err = run(
        capsys, "check", str(spec_path), "--gate", "nope", "--evidence", str(evidence_path)
    )
    assert code == 2 and "no gate 'nope'" in err
    code, _, err = run(capsys, "check", str(spec_path))
    assert code == 2 and "--gate" in err


def test_check_runs_as_a_process_without_click(files) -> None:
    spec_path, evidence_path = files
    probe = (
        "import sys, runpy; sys.argv = ['gatewright', 'check', sys.argv[1], '--gate', 'gate',"
        f" '--evidence', sys.argv[2], '--at', '{NOW}']\n"
        "from app.cli import main\ncode = main()\n"
        "assert 'click' not in sys.modules, 'check imported click'\n"
        "assert 'app.model' not in sys.modules, 'check imported the document model'\n"
        "sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(spec_path), str(evidence_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "PROMOTE" in done.stdout
