"""Loading and saving documents: canonical text, atomic saves, YAML, format migration."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from app.model import Sop
from app.model import io as sop_io
from app.model.io import dumps_document, load_document, loads_document, save_document
from app.spec.fileio import InputError, SaveError, write_atomic


def test_save_then_load_round_trips_byte_for_byte(small_doc: Sop, tmp_path: Path) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    text = path.read_text(encoding="utf-8")
    assert dumps_document(load_document(path)) == text
    assert text.endswith("}\n") and '  "format": "gatewright.sop/1"' in text


def test_canonical_text_omits_defaults_and_keeps_ints(small_doc: Sop) -> None:
    data = json.loads(dumps_document(small_doc))
    gate = next(n for n in data["nodes"] if n["id"] == "gate")
    assert "severity" not in gate["criteria"][0]  # blocking is the default
    assert data["layout"]["gate"] == {"x": 190, "y": 0}


def test_non_ascii_text_is_written_as_utf8(small_doc: Sop, tmp_path: Path) -> None:
    small_doc.set_document_field("title", "Modèle de crédit — 信用")
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    assert "Modèle de crédit — 信用" in path.read_text(encoding="utf-8")


def test_save_keeps_the_previous_version_as_bak(small_doc: Sop, tmp_path: Path) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    first = path.read_text()
    small_doc.set_document_field("title", "Second")
    save_document(small_doc, path)
    assert Path(f"{path}.bak").read_text() == first
    assert "Second" in path.read_text()


def test_interrupted_save_leaves_the_old_file_intact(
    small_doc: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    before = path.read_bytes()
    small_doc.set_document_field("title", "Never saved")
    real_fsync = os.fsync

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(SaveError, match="No space left"):
        save_document(small_doc, path)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_write_interrupted_midway_leaves_the_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old")

    class Boom(Exception):
        pass

    real_fdopen = os.fdopen

    def half_writer(descriptor, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        stream = real_fdopen(descriptor, mode, *args, **kwargs)
        real_write = stream.write

        def write(data):  # type: ignore[no-untyped-def]
            real_write(data[: len(data) // 2])
            raise Boom

        stream.write = write
        return stream

    monkeypatch.setattr(os, "fdopen", half_writer)
    with pytest.raises(Boom):
        write_atomic(path, "new content that never lands")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_save_into_a_missing_folder_is_a_clear_error(small_doc: Sop, tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="does not exist"):
        save_document(small_doc, tmp_path / "nope" / "x.sop.json")


def test_save_keeps_file_permissions(small_doc: Sop, tmp_path: Path) -> None:
    path = tmp_path / "x.sop.json"
    save_document(small_doc, path)
    path.chmod(0o640)
    save_document(small_doc, path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_yaml_documents_load(small_doc: Sop, tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "x.sop.yaml"
    path.write_text(yaml.safe_dump(json.loads(dumps_document(small_doc))), encoding="utf-8")
    assert dumps_document(load_document(path)) == dumps_document(small_doc)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("format: gatewright.sop/1\nid: a\nid: b\n", "line 3, column 1: .*'id' appears twice"),
        ("format: gatewright.sop/1\nid: a\nlimit: " + "9" * 5000 + "\n", None),
    ],
)
def test_yaml_duplicate_keys_and_endless_numbers_are_refused(tmp_path: Path, text, words) -> None:
    """YAML would keep the last of two equal keys, and Python refuses to read an integer
    of over 4,300 digits: both become a message naming the file, never a crash."""
    pytest.importorskip("yaml")
    path = tmp_path / "x.sop.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_document(path)
    message = str(refused.value)
    assert message.startswith(str(path))
    if words:
        assert re.search(words, message), message


def test_a_byte_order_mark_is_accepted(small_doc: Sop, tmp_path: Path) -> None:
    path = tmp_path / "bom.sop.json"
    path.write_bytes(b"\xef\xbb\xbf" + dumps_document(small_doc).encode())
    assert load_document(path).id == "small"


def test_migration_hook_upgrades_older_formats(
    small_doc: Sop, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(dumps_document(small_doc))
    data["format"] = "gatewright.sop/0"
    data["name"] = data.pop("title")  # pretend format 0 called the title "name"

    def zero_to_one(old: dict) -> dict:
        upgraded = dict(old)
        upgraded["title"] = upgraded.pop("name")
        return upgraded

    monkeypatch.setitem(sop_io.MIGRATIONS, "gatewright.sop/0", ("gatewright.sop/1", zero_to_one))
    assert loads_document(json.dumps(data)).title == "Small SOP"


def test_unknown_format_names_the_format(small_doc: Sop) -> None:
    data = json.loads(dumps_document(small_doc))
    data["format"] = "gatewright.sop/9"
    with pytest.raises(InputError, match=r"newer Gatewright"):
        loads_document(json.dumps(data), "x.sop.json")


def test_error_names_file_path_and_node(small_doc: Sop) -> None:
    data = json.loads(dumps_document(small_doc))
    data["nodes"][1]["criteria"][0]["value"] = "high"
    with pytest.raises(InputError) as caught:
        loads_document(json.dumps(data), "x.sop.json")
    assert str(caught.value) == (
        "x.sop.json: $.nodes[1].criteria[0].value: must be a number, got a string (node 'gate')"
    )


def test_saving_through_a_link_writes_the_file_it_points_to(small_doc: Sop, tmp_path: Path) -> None:
    real = tmp_path / "real.sop.json"
    save_document(small_doc, real)
    link = tmp_path / "link.sop.json"
    link.symlink_to(real)
    small_doc.set_document_field("title", "Changed through the link")
    save_document(small_doc, link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_document(real).title == "Changed through the link"


def test_a_pipe_is_written_through_never_replaced(tmp_path: Path) -> None:
    """Devices and pipes (`-o /dev/stdout`) are written to; moving a file over them would
    replace them (as root, even /dev/null)."""
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_gives_without_changing_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mask: int
) -> None:
    """Exports run on a worker thread: reading the umask by setting it would be a race,
    so the kernel applies it to the temporary file instead."""
    previous = os.umask(mask)
    try:
        changed: list[int] = []
        monkeypatch.setattr(os, "umask", lambda new: changed.append(new) or mask)
        write_atomic(tmp_path / "new.json", "{}\n")
        assert changed == []
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["new.json"]
