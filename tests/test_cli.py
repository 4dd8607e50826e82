"""The command line through its entry point: output, exit codes, no tracebacks."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

from app import __version__
from app.cli import main
from app.model.io import dumps_document, load_document
from tests.cli import run


def test_version(capsys) -> None:
    assert run(capsys, "--version") == (0, f"gatewright {__version__}\n", "")


def test_python_dash_m_app_works() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == f"gatewright {__version__}"


def test_templates_text_and_json(capsys) -> None:
    code, out, _ = run(capsys, "templates")
    assert code == 0 and "deployment-gate" in out
    code, out, _ = run(capsys, "templates", "--json")
    listed = json.loads(out)
    assert code == 0
    assert {"id", "title", "summary"} <= set(listed[0])
    assert "rollback-procedure" in {t["id"] for t in listed}


def test_new_then_validate(capsys, tmp_path: Path) -> None:
    target = tmp_path / "x.sop.json"
    code, _, err = run(capsys, "new", "deployment-gate", "-o", str(target))
    assert code == 0 and "wrote" in err
    assert load_document(target).id == "deployment-gate"
    code, out, _ = run(capsys, "validate", str(target))
    assert code == 0 and "valid" in out


def test_new_refuses_to_overwrite_without_force(capsys, tmp_path: Path) -> None:
    target = tmp_path / "x.sop.json"
    target.write_text("mine")
    code, _, err = run(capsys, "new", "deployment-gate", "-o", str(target))
    assert code == 2 and "--force" in err
    assert target.read_text() == "mine"
    code, _, _ = run(capsys, "new", "deployment-gate", "-o", str(target), "--force")
    assert code == 0 and load_document(target).id == "deployment-gate"


def test_new_with_unknown_template(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "new", "nope", "-o", str(tmp_path / "x.sop.json"))
    assert code == 2 and "no template 'nope'" in err and "deployment-gate" in err


def test_validate_reports_errors_with_exit_1(capsys, small_doc, tmp_path: Path) -> None:
    small_doc.set_field(
        "gate", "criteria", [{"id": "auc", "metric": "auc", "op": ">=", "value": 0.8}]
    )
    path = tmp_path / "x.sop.json"
    path.write_text(dumps_document(small_doc))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert "metric-defined [gate]" in out and "fix:" in out
    code, out, _ = run(capsys, "validate", str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert report["diagnostics"][0] == {
        "rule": "metric-defined",
        "severity": "error",
        "message": "criterion 'auc' of 'Release gate' uses metric 'auc', which is not in the catalog",
        "fix": "Add the metric to the document's metric catalog, or choose one that is there.",
        "elements": ["gate"],
    }


def test_validate_unusable_file_exits_2(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "validate", str(tmp_path / "missing.sop.json"))
    assert (code, out) == (2, "")
    assert err == f"error: {tmp_path / 'missing.sop.json'}: does not exist\n"


def test_schema_sop_is_json(capsys) -> None:
    code, out, _ = run(capsys, "schema", "sop")
    assert code == 0 and json.loads(out)["title"] == "Sop"


def test_bad_usage_exits_2(capsys) -> None:
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "No such command" in err
    code, _, err = run(capsys, "schema", "nothing")
    assert code == 2


def test_gui_without_display_says_what_to_do(monkeypatch, capsys) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "gui")
    assert code == 2 and "xvfb-run" in err and "Traceback" not in err


def test_gui_is_parsed_like_every_command(capsys) -> None:
    code, out, _ = run(capsys, "gui", "--help")
    assert code == 0 and out.startswith("usage: gatewright gui [-h] [file]")
    code, _, err = run(capsys, "gui", "one.sop.json", "two.sop.json")
    assert code == 2 and "unrecognized arguments: two.sop.json" in err
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "gui " in out  # still listed with the other commands


def test_no_traceback_for_a_directory_in_a_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "is a folder" in done.stderr and "Traceback" not in done.stderr


def test_pydantic_plugins_are_skipped_unless_the_user_chose(monkeypatch) -> None:
    import os

    from app.runtime.process import skip_pydantic_plugins

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "")  # the user wants their plugins
    skip_pydantic_plugins()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == ""


def test_a_full_disk_on_standard_output_is_one_sentence(monkeypatch, capsys) -> None:
    import errno
    import io

    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sys.stdout", FullDisk())
    code = main(["templates", "--json"])
    assert code == 2
    assert (
        capsys.readouterr().err.strip() == "error: cannot write the output: No space left on device"
    )


def test_json_output_is_streamed_in_batches(monkeypatch) -> None:
    """A large document is written as it is encoded, in few writes, never as one string."""
    import io
    import json as jsonlib

    from app.cli import output

    writes: list[int] = []

    class Counting(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(len(text))
            return super().write(text)

    stream = Counting()
    monkeypatch.setattr("sys.stdout", stream)
    payload = {"events": [{"t": i, "type": "gate-entered", "детали": "ü"} for i in range(20_000)]}
    output.print_json(payload)
    assert jsonlib.loads(stream.getvalue()) == payload
    assert stream.getvalue().endswith("}\n")
    assert 1 < len(writes) < 100
    assert max(writes) < 2 * output._BATCH


F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux


def test_a_reader_that_goes_away_is_exit_2_not_a_verdict(tmp_path: Path) -> None:
    """`gatewright simulate --json | head -1`: 1 would read as a negative verdict."""
    template = Path(__file__).resolve().parents[1] / "sop_templates" / "deployment-gate.sop.json"
    command = [sys.executable, "-m", "app", "simulate", str(template), "--scenario",
               "deployment-gate-month", "--json", "--no-record"]  # fmt: skip
    environment = {**os.environ, "GATEWRIGHT_WORKSPACE": str(tmp_path / "w.db")}
    # Unbuffered, so that reading one byte takes one byte off the pipe, and the pipe shrunk
    # to a page: the command must still be writing when the reader goes (its JSON, ~75 KB,
    # would otherwise nearly fit in the pipe's 64 KB and a buffered reader's first 8 KB).
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment, bufsize=0
    )
    assert process.stdout is not None
    fcntl.fcntl(process.stdout.fileno(), F_SETPIPE_SZ, 4096)
    assert process.stdout.read(1) == b"{"
    process.stdout.close()  # far less than the JSON the command still has to write
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert b"Traceback" not in err
