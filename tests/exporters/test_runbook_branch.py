"""A branching runbook is one problem everywhere: validation reports it, compile and the
pipeline exports refuse, and the document exports (Markdown, PDF, DOT) show the chain up to
the branch with validation's own words, never one branch picked silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli import main
from app.compiler.compile import CompileRefusedError, compile_data
from app.model.graph import document_graph
from app.model.io import save_document
from app.model.templates import load_template
from app.validate.engine import validate

PROBLEM = "branches after 'err-rollback' into 'err-check', 'err-page'; keep one chain"


def branching_document(tmp_path: Path) -> Path:
    """startup-lightweight with a second step after the error runbook's first action."""
    doc = load_template("startup-lightweight")
    doc.add_node({"kind": "action", "id": "err-page", "name": "Page the lead", "role": "on-call"})
    doc.connect("err-rollback", "err-page", "next")
    doc.connect("err-page", "err-check", "next")
    path = tmp_path / "branching.sop.json"
    save_document(doc, path, backup=False)
    return path


@pytest.fixture
def branching(tmp_path: Path) -> Path:
    return branching_document(tmp_path)


def test_validation_reports_the_branch(branching: Path, capsys) -> None:
    assert main(["validate", str(branching), "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    diagnostics = findings["diagnostics"] if isinstance(findings, dict) else findings
    ordered = [d for d in diagnostics if d["rule"] == "runbook-ordered"]
    assert [d["message"] for d in ordered] == [f"the runbook of trigger 'Error spike' {PROBLEM}"], (
        ordered
    )


def test_compile_and_pipeline_exports_refuse(branching: Path, tmp_path: Path, capsys) -> None:
    from app.model.io import load_document

    with pytest.raises(CompileRefusedError, match="runbook-ordered"):
        compile_data(load_document(branching))
    for name in ("github", "gitlab", "argo"):
        out = tmp_path / name
        assert main(["export", name, str(branching), "-o", str(out), "--allow-invalid"]) != 0
        assert "validation errors" in capsys.readouterr().err
        assert not out.exists() or not any(out.iterdir())


def test_markdown_shows_the_chain_up_to_the_branch(branching: Path, tmp_path: Path) -> None:
    out = tmp_path / "sop.md"
    assert main(["export", "markdown", str(branching), "-o", str(out), "--allow-invalid"]) == 0
    text = out.read_text(encoding="utf-8")
    runbook = text.split("### Runbook: Error spike", 1)[1].split("### ", 1)[0]
    assert f"**Incomplete runbook:** the runbook {PROBLEM}." in runbook
    assert "Roll back to previous version" in runbook
    # Neither branch is shown as the runbook's next step: the order is not known.
    assert "Page the lead" not in runbook and "Post a short incident note" not in runbook


def test_pdf_says_the_same(branching: Path, tmp_path: Path) -> None:
    out = tmp_path / "sop.pdf"
    assert main(["export", "pdf", str(branching), "-o", str(out), "--allow-invalid"]) == 0
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(out).pages)
    sentence = "".join(f"Incomplete runbook: the runbook {PROBLEM}.".split())
    assert sentence in text.replace("’", "'")


def test_graph_facts_of_the_branch(branching: Path) -> None:
    from app.model.io import load_document

    doc = load_document(branching)
    graph = document_graph(doc)
    book = graph.runbooks["error-spike"]
    assert book.steps == ["err-rollback"] and book.target is None
    assert book.problem == PROBLEM
    # Auto-layout still places both branches in the trigger's row.
    assert graph.runbook_reach("error-spike") == [
        "error-spike",
        "err-rollback",
        "err-check",
        "err-page",
        "err-notes",
    ]
    assert [d.rule for d in validate(doc) if d.severity == "error"] == ["runbook-ordered"]
