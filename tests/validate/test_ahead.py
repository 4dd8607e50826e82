"""Validation done ahead by a child process: the parent takes a result only for the very
content the child validated, and falls back to validating itself on any failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.model.document import Sop, new_document
from app.model.io import load_document
from app.model.templates import template_text
from app.validate import ahead
from app.validate.ahead import ValidatedAhead, content_key, results_for
from app.validate.engine import validate, validate_cached

forks = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


def broken_rollback(folder: Path) -> Path:
    """The rollback template without its last three edges: errors and warnings to compare."""
    data = json.loads(template_text("rollback-procedure"))
    data["edges"] = data["edges"][:-3]
    path = folder / "broken.sop.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def answered(payload: bytes) -> ValidatedAhead:
    """A parent's end whose child has already written ``payload`` and exited."""
    read_end, write_end = os.pipe()
    os.write(write_end, payload)
    os.close(write_end)
    return ValidatedAhead(None, read_end)


def test_taken_diagnostics_are_the_ones_validation_gives(tmp_path: Path) -> None:
    path = broken_rollback(tmp_path)
    doc = load_document(path)
    expected = validate(doc)
    assert expected, "the broken document must have problems to compare"
    given = answered(json.dumps(results_for(str(path))).encode())
    assert given.take(doc) == expected
    assert given.take(new_document()) == validate(new_document())
    assert given.take(doc) is None  # each result is taken once


def test_other_content_is_validated_here(tmp_path: Path) -> None:
    path = broken_rollback(tmp_path)
    given = answered(json.dumps(results_for(str(path))).encode())
    edited = load_document(path)
    edited.set_field(edited.nodes[0].id, "name", "Renamed after the child read it")
    assert given.take(edited) is None
    # The window's validation then runs the engine on the edited content.
    assert validate_cached(edited, given.take) == validate(edited)


@pytest.mark.parametrize(
    "payload",
    [b"", b'{"abc": [', b"[1, 2]", b'{"k": 3}', b'{"k": [{"rule": "x"}]}', b"\xff\xfe"],
    ids=["nothing", "cut short", "a list", "not lists", "missing fields", "not UTF-8"],
)
def test_an_unusable_answer_means_validating_here(payload: bytes) -> None:
    doc = new_document()
    given = answered(payload.replace(b'"k"', json.dumps(content_key(doc)).encode()))
    assert given.take(doc) is None
    assert validate_cached(doc, given.take) == validate(doc)


def test_no_fork_once_qt_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PySide6", sys)
    assert not ahead.can_fork()
    assert ValidatedAhead.start(None) is None


def test_no_fork_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "PySide6", raising=False)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not ahead.can_fork()
    finally:
        release.set()
        other.join()


def test_a_stalled_child_is_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ahead, "WAIT_SECONDS", 0.2)
    read_end, write_end = os.pipe()  # the writer stays open and silent
    try:
        given = ValidatedAhead(None, read_end)
        assert given.take(new_document()) is None
        assert validate_cached(new_document(), given.take) == validate(new_document())
    finally:
        os.close(write_end)


def test_same_content_same_key() -> None:
    first, second = new_document(), new_document()
    assert content_key(first) == content_key(second)
    renamed = new_document(title="Another title")
    assert content_key(renamed) != content_key(first)


CHILD = """
import json, signal, sys
if len(sys.argv) > 2:  # as some launchers leave it: the system reaps children itself
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
from app.model.document import new_document
from app.model.io import load_document
from app.validate.ahead import ValidatedAhead
given = ValidatedAhead.start(sys.argv[1])
if given is None:
    raise SystemExit("could not fork")
blank = given.take(new_document())
print(json.dumps({
    "networkx": "networkx" in sys.modules,
    "blank": None if blank is None else [d.to_json() for d in blank],
}))
"""


def run_child(path: Path, *flags: str) -> dict:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), *flags],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the child writes nothing to the terminal
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@forks
def test_a_forked_child_validates_and_the_parent_never_imports_networkx(tmp_path: Path) -> None:
    answer = run_child(broken_rollback(tmp_path))
    assert answer["networkx"] is False
    assert answer["blank"] == [d.to_json() for d in validate(new_document())]


@forks
def test_the_answer_arrives_when_the_system_reaps_children_itself(tmp_path: Path) -> None:
    answer = run_child(broken_rollback(tmp_path), "ignore SIGCHLD")
    assert answer["blank"] == [d.to_json() for d in validate(new_document())]


@forks
def test_a_file_that_does_not_load_leaves_the_blank_answer(tmp_path: Path) -> None:
    broken = tmp_path / "truncated.sop.json"
    broken.write_text('{"format": "gatewright/sop', encoding="utf-8")
    assert run_child(broken)["blank"] == [d.to_json() for d in validate(new_document())]


@forks
def test_a_child_that_cannot_answer_leaves_everything_to_the_parent(tmp_path: Path) -> None:
    """A child that dies before writing (here: its engine fails to import)."""
    env = dict(os.environ, PYTHONPATH=str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    (tmp_path / "networkx.py").write_text("raise ImportError('broken install')\n")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(broken_rollback(tmp_path))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["blank"] is None


def test_sop_documents_round_trip_the_key(small_doc: Sop) -> None:
    assert content_key(Sop.model_validate_json(small_doc.model_dump_json())) == content_key(
        small_doc
    )
