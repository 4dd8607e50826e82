"""Malformed SOP documents: each is refused with exit 2 and one located sentence, never a crash.

The corpus lives in ``tests/fixtures/bad``; ``expected.json`` maps each file to a fragment of
the message and the JSON path that must name the fault (or null for faults without one).
A few cases are made at test time instead of being kept in git: a 50 MB file, a folder,
100,000 levels of nesting, a file that cannot be read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.model.io import load_document
from app.spec import fileio
from app.spec.fileio import MAX_INPUT_BYTES, InputError

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"
EXPECTED: dict[str, dict[str, str | None]] = json.loads(
    (BAD / "expected.json").read_text(encoding="utf-8")
)
EXIT_UNUSABLE = 2

# A handful of files also go through a real `python -m app` process (about 0.5 s each);
# the rest run the same entry point in-process, which is what keeps this module fast.
SUBPROCESS_SAMPLE = [
    "truncated.sop.json",
    "nan-threshold.sop.json",
    "latin1.sop.json",
    "utf16.sop.json",
    "duplicate-json-keys.sop.json",
    "unknown-node-kind.sop.json",
    "yaml-alias.sop.yaml",
    "huge-integer.sop.json",
]


def _case(name: str) -> Any:
    bug = EXPECTED[name].get("known_bug")
    marks = [pytest.mark.xfail(reason=str(bug), strict=True)] if bug else []
    return pytest.param(name, marks=marks, id=name)


CASES = [_case(name) for name in sorted(EXPECTED)]


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    # GATEWRIGHT_DEBUG=1 deliberately lets tracebacks through; these tests check they never do.
    monkeypatch.delenv("GATEWRIGHT_DEBUG", raising=False)


def _run_cli_subprocess(path: Path, timeout: float = 120) -> tuple[int, str, str]:
    env = {key: value for key, value in os.environ.items() if key != "GATEWRIGHT_DEBUG"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "validate", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _run_cli_in_process(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_refused(
    path: Path, code: int, out: str, err: str, fragment: str, where: str | None
) -> None:
    """Exit 2 and exactly one ``error: FILE: [$.path: ]message`` line, no traceback."""
    assert "Traceback" not in err + out
    assert code == EXIT_UNUSABLE, f"exit {code}, stderr: {err!r}"
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one sentence on stderr, got: {err!r}"
    line = lines[0]
    prefix = f"error: {path}: "
    assert line.startswith(prefix), line
    assert fragment in line, f"{fragment!r} not in {line!r}"
    if where is not None:
        assert line.startswith(f"{prefix}{where}: "), f"path {where} not at fault in {line!r}"
    assert "Input should be" not in line and "pydantic" not in line.lower(), line


# -- the committed corpus -------------------------------------------------------------------


def test_corpus_has_at_least_30_files() -> None:
    files = sorted(p.name for p in BAD.iterdir() if p.name != "expected.json")
    assert len(files) >= 30
    assert files == sorted(EXPECTED), "every file needs an entry in expected.json, and back"


def test_corpus_files_are_small() -> None:
    for path in BAD.iterdir():
        if path.name != "expected.json":
            assert path.stat().st_size < 2048, f"{path.name} should stay a small fixture"


def test_every_entry_names_a_fragment_and_a_path_or_null() -> None:
    for name, entry in EXPECTED.items():
        assert isinstance(entry.get("fragment"), str) and entry["fragment"], name
        assert entry.get("path") is None or str(entry["path"]).startswith("$"), name


@pytest.mark.parametrize("name", CASES)
def test_cli_refuses_bad_file(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)  # relative name, as a person would type it
    code, out, err = _run_cli_in_process(Path(name), capsys)
    _assert_refused(Path(name), code, out, err, **_expected(name))


@pytest.mark.parametrize("name", [_case(name) for name in SUBPROCESS_SAMPLE])
def test_cli_subprocess_refuses_bad_file(name: str) -> None:
    path = BAD / name
    code, out, err = _run_cli_subprocess(path)
    _assert_refused(path, code, out, err, **_expected(name))


@pytest.mark.parametrize("name", CASES)
def test_load_document_raises_input_error_only(name: str) -> None:
    path = BAD / name
    with pytest.raises(InputError) as caught:  # anything else escapes and fails the test
        load_document(path)
    error = caught.value
    expected = _expected(name)
    assert str(error).startswith(f"{path}: ")
    assert expected["fragment"] in str(error)
    assert error.problems[0].where == (expected["where"] or "")


def _expected(name: str) -> dict[str, str | None]:
    entry = EXPECTED[name]
    return {"fragment": str(entry["fragment"]), "where": entry["path"]}


# -- cases made at test time -------------------------------------------------------------------


def _too_large(tmp_path: Path) -> Path:
    path = tmp_path / "huge.sop.json"
    with open(path, "wb") as stream:
        stream.write(b'{"format": "gatewright.sop/1", "description": "')
        chunk = b"x" * (1024 * 1024)
        for _ in range(50):
            stream.write(chunk)
        stream.write(b'"}\n')
    assert path.stat().st_size > 50 * 1024 * 1024 > MAX_INPUT_BYTES
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.sop.json"
    path.mkdir()
    return path


def _deep_json(tmp_path: Path) -> Path:
    path = tmp_path / "deep.sop.json"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    return path


def _deep_json_inside(tmp_path: Path) -> Path:
    path = tmp_path / "deep-title.sop.json"
    body = "[" * 100_000 + "]" * 100_000
    path.write_text(f'{{"format": "gatewright.sop/1", "title": {body}}}\n', encoding="utf-8")
    return path


def _deep_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "deep.sop.yaml"
    path.write_text("format: gatewright.sop/1\ntitle: " + "[" * 10_000 + "\n", encoding="utf-8")
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.sop.json"


def _unreadable(tmp_path: Path) -> Path:
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        pytest.skip("root reads any file: a permission error cannot be made")
    path = tmp_path / "secret.sop.json"
    path.write_text('{"format": "gatewright.sop/1"}\n', encoding="utf-8")
    path.chmod(0)
    return path


MADE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "larger-than-limit": (_too_large, f"{MAX_INPUT_BYTES // (1024 * 1024)} MiB limit"),
    "folder": (_folder, "is a folder, not a file"),
    "deep-json-array": (_deep_json, "nested too deeply"),
    "deep-json-in-a-field": (_deep_json_inside, "nested too deeply"),
    "deep-yaml": (_deep_yaml, "nested too deeply"),
    "missing-file": (_missing, "does not exist"),
    "unreadable": (_unreadable, "permission denied"),
}


@pytest.mark.parametrize("case", sorted(MADE))
def test_made_case_subprocess(case: str, tmp_path: Path) -> None:
    make, fragment = MADE[case]
    path = make(tmp_path)
    code, out, err = _run_cli_subprocess(path)
    _assert_refused(path, code, out, err, fragment, None)


@pytest.mark.parametrize("case", sorted(MADE))
def test_made_case_load_document(case: str, tmp_path: Path) -> None:
    make, fragment = MADE[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert fragment in str(caught.value)


class _CountingReader:
    """A file opened for reading that tallies the bytes each ``read`` hands back."""

    def __init__(self, stream: Any, tally: list[int]) -> None:
        self.stream, self.tally = stream, tally

    def __enter__(self) -> _CountingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.tally.append(len(data))
        return data


def test_oversized_file_is_refused_without_reading_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _too_large(tmp_path)
    tally: list[int] = []
    monkeypatch.setattr(
        fileio,
        "open",
        lambda *a, **k: _CountingReader(open(*a, **k), tally),  # noqa: SIM115
        raising=False,
    )
    with pytest.raises(InputError, match="MiB limit"):
        load_document(path)
    assert tally and sum(tally) <= MAX_INPUT_BYTES + 1 < path.stat().st_size


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"a": "tru\n', "a line break inside a string (is a closing quote missing?;"),
        ('{"a": "tru', "unterminated string (the file ends too early: is it truncated?)"),
        ('{"a": 1 x', "expecting ',' delimiter"),
    ],
)
def test_json_errors_read_as_sentences(text: str, said: str) -> None:
    """json's own messages end in "at" (its position follows): never left dangling."""
    from app.spec.fileio import InputError, parse_json

    with pytest.raises(InputError) as raised:
        parse_json(text, "x.json")
    assert said in str(raised.value) and not str(raised.value).rstrip(")").endswith(" at")
