"""File > Export in the designer: every format, cancellation, and invalid SOPs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.model.templates import load_template
from app.spec.digest import verify_digest
from app.ui.exporting import EXPORTS
from app.ui.main_window import MainWindow
from tests.environment import missing
from tests.gui.dialogs import answer

TEMPLATE = "deployment-gate"
NEEDS_DOT = {"png", "svg"}
MAGIC = {"pdf": b"%PDF", "png": b"\x89PNG", "svg": b"<?xml"}


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    made = MainWindow(load_template(TEMPLATE))
    qtbot.addWidget(made)
    return made


@pytest.fixture
def invalid_window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    made = MainWindow()  # a blank SOP: it has no stage, which is an error
    qtbot.addWidget(made)
    return made


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the warning boxes the designer shows (none is opened)."""
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", staticmethod(lambda _parent, _title, text: shown.append(text))
    )
    return shown


def leftovers(folder: Path) -> list[str]:
    """Staging folders and temporary files an export may have left behind."""
    return sorted(
        p.name
        for p in folder.rglob(".*")
        if p.name.startswith(".gatewright-export-") or p.name.endswith((".export", ".tmp"))
    )


def test_the_export_menu_lists_every_format(window: MainWindow) -> None:
    labels = [a.text().replace("&", "") for a in window.export_menu.actions()]
    assert labels == [
        "PDF…",
        "PNG image…",
        "SVG image…",
        "Markdown…",
        "GitHub Actions…",
        "GitLab CI…",
        "Argo Workflows…",
        "Argo Rollouts…",
        "Compiled spec (JSON)…",
    ]


def test_argo_rollouts_says_what_it_left_out(qtbot, warnings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A trigger whose metric has no Prometheus query is left out of the analysis, and the
    designer says so after writing the files."""
    doc = load_template("ecommerce-recommendation")
    for metric in doc.metrics:
        if metric.id == "latency-p95-ms":
            metric.sources = None
    made = MainWindow(doc)
    qtbot.addWidget(made)
    out = tmp_path / "repo"
    written = made.exports.export_to("argo-rollouts", out)
    assert written and (out / "argo-rollouts" / "production-rollout.yaml") in written
    assert len(warnings) == 1
    assert (
        "trigger slow-recs, metric latency-p95-ms: the metric has no Prometheus query"
        in (warnings[0])
    )
    assert "(1 warning)" in made.statusBar().currentMessage()


def test_argo_rollouts_is_refused_without_a_canary_stage(window, warnings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert window.exports.export_to("argo-rollouts", tmp_path / "repo") is None
    assert "the SOP has no canary stage" in warnings[0]
    assert not (tmp_path / "repo" / "argo-rollouts").exists()


@pytest.mark.parametrize("choice", [c for c in EXPORTS if not c.folder], ids=lambda c: c.key)
def test_file_formats(window: MainWindow, tmp_path: Path, choice) -> None:  # type: ignore[no-untyped-def]
    if choice.key in NEEDS_DOT and shutil.which("dot") is None:
        missing("Graphviz is not installed")
    out = tmp_path / f"export{choice.suffix}"
    written = window.exports.export_to(choice.key, out)
    assert written == [out]
    data = out.read_bytes()
    if choice.key in MAGIC:
        assert data.startswith(MAGIC[choice.key])
    elif choice.key == "markdown":
        assert data.decode().startswith("# ")
    else:
        spec = json.loads(data)
        verify_digest(spec)
        assert spec["metadata"]["name"] == window.editor.doc.id
    assert leftovers(tmp_path) == []
    assert str(out) in window.statusBar().currentMessage()


@pytest.mark.parametrize("key", ["github", "gitlab", "argo"])
def test_pipeline_formats_write_a_folder(window: MainWindow, tmp_path: Path, key: str) -> None:
    out = tmp_path / "repo"
    written = window.exports.export_to(key, out)
    assert written
    assert all(path.is_file() and out in path.parents for path in written)
    assert (out / "gatewright" / "spec.json") in written
    assert leftovers(out) == []
    assert f"{len(written)} files in {out}" in window.statusBar().currentMessage()


@pytest.mark.parametrize("key", ["pdf", "markdown", "github", "spec"])
def test_a_cancelled_export_leaves_no_file(window: MainWindow, tmp_path: Path, key: str) -> None:
    exports = window.exports
    # Press Cancel as soon as the exporter reports its first step (in its own thread).
    exports.progressed.connect(lambda *_: exports.cancel(), Qt.ConnectionType.DirectConnection)
    out = tmp_path / ("repo" if key == "github" else f"out.{key}")
    assert exports.export_to(key, out) is None
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert "cancelled" in window.statusBar().currentMessage()


def test_cancelling_late_still_leaves_no_file(window: MainWindow, tmp_path: Path) -> None:
    exports = window.exports

    def cancel_at_the_end(done: int, total: int, _step: str) -> None:
        if done >= total:
            exports.cancel()

    exports.progressed.connect(cancel_at_the_end, Qt.ConnectionType.DirectConnection)
    out = tmp_path / "out.md"
    assert exports.export_to("markdown", out) is None
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_an_invalid_sop_warns_and_can_go_out_as_a_draft(
    monkeypatch, invalid_window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "draft.md"
    shown = answer(monkeypatch, "Cancel")
    assert invalid_window.exports.export_to("markdown", out) is None
    assert not out.exists()
    assert "1 validation error" in shown[0]
    assert "the SOP has no stage" in shown[0]  # the errors are listed

    shown = answer(monkeypatch, "Export as draft")
    assert invalid_window.exports.export_to("markdown", out) == [out]
    assert "draft" in shown[0]
    assert out.exists()


@pytest.mark.parametrize("key", ["github", "gitlab", "argo", "spec"])
def test_an_invalid_sop_is_refused_for_pipelines(
    monkeypatch, invalid_window: MainWindow, tmp_path: Path, key: str
) -> None:  # type: ignore[no-untyped-def]
    shown = answer(monkeypatch, "Close")
    out = tmp_path / "repo"
    assert invalid_window.exports.export_to(key, out) is None
    assert "Pipelines run the compiled spec" in shown[0]
    assert "the SOP has no stage" in shown[0]
    assert not out.exists()


def test_an_unwritable_target_is_reported_not_raised(
    warnings: list[str], window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert window.exports.export_to("markdown", tmp_path / "missing" / "out.md") is None
    assert "does not exist" in warnings[0]


def test_the_exported_document_is_the_edited_one(window: MainWindow, tmp_path: Path) -> None:
    window.editor.set_document_property("title", "Edited before export")
    out = tmp_path / "spec.json"
    window.exports.export_to("spec", out)
    assert (
        json.loads(out.read_text(encoding="utf-8"))["metadata"]["title"] == "Edited before export"
    )


def test_an_export_never_replaces_the_open_document(
    warnings: list[str], window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    document = tmp_path / "release.sop.json"
    window.files.save_to(document)
    saved = document.read_bytes()
    assert window.exports.export_to("pdf", document) is None
    assert "is the input file" in warnings[0]
    assert document.read_bytes() == saved and leftovers(tmp_path) == []


def test_a_pipeline_export_with_a_file_in_the_way_writes_nothing(
    warnings: list[str], window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "repo"
    out.mkdir()
    (out / ".github").write_text("a file where the workflows folder goes", encoding="utf-8")
    assert window.exports.export_to("github", out) is None
    assert "is a file, not a folder" in warnings[0] and "Errno" not in warnings[0]
    assert sorted(p.name for p in out.rglob("*")) == [".github"]
