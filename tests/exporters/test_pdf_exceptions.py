"""The PDF cover discloses every exception in force under "Exceptions", with the policy."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from app.model.templates import template_text
from tests.exporters.test_pdf import page_texts, squeeze


def test_the_cover_lists_policy_grants_suppressions_and_justifications(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    data = json.loads(template_text("deployment-gate"))
    gate = next(n for n in data["nodes"] if n["id"] == "production-gate")
    gate["approval"]["separation_of_duties"] = False
    gate["separation_justification"] = "Two-person team: the CTO reviews every release log."
    path = tmp_path / "x.sop.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "x.pdf"
    assert main(["export", "pdf", str(path), "-o", str(out)]) == 0
    cover = squeeze(page_texts(out.read_bytes())[0])
    assert "Exceptions" in cover
    assert squeeze("Two-person team: the CTO reviews every release log.") in cover
    assert "nonefound" in cover  # no policy governed this export
    (tmp_path / "acme.toml").write_text(
        '[policy]\nname = "Acme policy"\n[[exceptions]]\nrule = "criterion-decides"\n'
        'level = "warning"\nreason = "Legacy floor kept until Q3; see RISK-9."\n'
    )
    policy = str(tmp_path / "acme.toml")
    assert main(["export", "pdf", str(path), "-o", str(out), "--policy", policy]) == 0
    cover = squeeze(page_texts(out.read_bytes())[0])
    assert "Acmepolicy" in cover and squeeze("Legacy floor kept until Q3; see RISK-9.") in cover


def test_a_cover_without_exceptions_says_so(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("GATEWRIGHT_POLICY", raising=False)
    path = tmp_path / "x.sop.json"
    path.write_text(template_text("deployment-gate"))
    out = tmp_path / "x.pdf"
    assert main(["export", "pdf", str(path), "-o", str(out)]) == 0
    cover = squeeze(page_texts(out.read_bytes())[0])
    assert squeeze("Exceptions None: every rule applies at its default severity.") in cover
