"""Where exports and `compile` write: never over their input, and nothing at all when a
folder is in the way or a file cannot be built."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "sop_templates" / "deployment-gate.sop.json"


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GATEWRIGHT_WORKSPACE", str(tmp_path / "workspace.db"))
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "in.sop.json"
    shutil.copyfile(TEMPLATE, copy)
    return copy


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "command",
    [
        ["export", "pdf", "in.sop.json", "-o", "in.sop.json"],
        ["export", "markdown", "in.sop.json", "-o", "./in.sop.json"],
        ["export", "svg", "in.sop.json", "-o", "link.svg"],  # a link to the input
        ["compile", "in.sop.json", "-o", "in.sop.json"],
        ["export", "github", "in.sop.json", "-o", ".", "--spec-path", "in.sop.json"],
    ],
)
def test_no_output_replaces_the_input(source: Path, capsys, command: list[str]) -> None:
    (source.parent / "link.svg").symlink_to(source.name)
    before = source.read_bytes()
    listing = files_under(source.parent)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "is the input file" in err and "Traceback" not in err
    assert source.read_bytes() == before
    assert files_under(source.parent) == listing  # nothing else was written either


@pytest.mark.parametrize(
    ("output", "said"),
    [
        ("in.sop.json/sub", "is a file, not a folder"),
        ("pre", "is a file, not a folder"),  # pre/.github/workflows is a file
        ("taken", "is in the way (not a file)"),  # a folder where a file goes
    ],
)
def test_a_pipeline_export_that_cannot_make_its_folders_writes_nothing(
    source: Path, capsys, output: str, said: str
) -> None:
    (source.parent / "pre" / ".github").mkdir(parents=True)
    (source.parent / "pre" / ".github" / "workflows").write_text("in the way")
    (source.parent / "taken" / ".github" / "gatewright" / "environments.json").mkdir(parents=True)
    listing = files_under(source.parent)
    assert main(["export", "github", "in.sop.json", "-o", output]) == 2
    err = capsys.readouterr().err
    assert said in err and "internal error" not in err
    assert files_under(source.parent) == listing


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029", "\n", "\x00", "\ud800"])
def test_a_name_that_is_not_one_line_of_text_is_refused_before_any_export(
    source: Path, capsys, separator: str
) -> None:
    """YAML reads U+0085, U+2028 and U+2029 as line breaks, and a NUL or an unpaired
    surrogate cannot be written at all: a name holding one is refused where the document
    is read, with its place, and nothing is written."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["nodes"][0]["name"] = f"G1{separator}x: 1"
    source.write_text(json.dumps(data), encoding="utf-8")
    assert main(["export", "argo", "in.sop.json", "-o", "argo-out"]) == 2
    err = capsys.readouterr().err
    assert "$.nodes[0].name" in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (source.parent / "argo-out").exists()


@pytest.mark.parametrize("fmt", ["markdown", "dot"])
def test_bidirectional_overrides_never_reach_an_export(source: Path, fmt: str) -> None:
    """U+202E would show "\u202eevil\u202c" as "live"; exports show � instead, as validate
    shows the character escaped."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["nodes"][0]["name"] = "Stage \u202eevil\u202c \u2067x\u2069"
    source.write_text(json.dumps(data), encoding="utf-8")
    assert main(["export", fmt, "in.sop.json", "-o", "out.txt"]) == 0
    written = (source.parent / "out.txt").read_text(encoding="utf-8")
    assert not any(c in written for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert "evil" in written
