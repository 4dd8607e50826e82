"""The templates' runbook steps marked ``automation: registry-rollback``: each is carried
out by the exported GitHub and GitLab rollback job of its runbook (which runs `gatewright
rollback`), and the maturity assessment counts it as automated, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml

from app.compiler.compile import compile_spec
from app.model.templates import load_template, template_ids
from app.validate.assess import assess_document
from app.validate.attestation import Attestation
from exporters.pipeline_scripts import registry_policies
from tests.cli import run
from tests.exporters.pipelines_support import export_doc

TEMPLATES = Path(__file__).resolve().parents[2] / "sop_templates"
MARKED = {
    "automated-pipeline": {"prod-switch-back", "lat-switch-back"},
    "startup-lightweight": {"err-rollback", "lat-rollback"},
}
"""The steps marked in the templates (each the first step of a previous-stable runbook of
the last stage); any other mark must be added here, with its reason."""


def marked(template_id: str) -> set[str]:
    doc = load_template(template_id)
    return {a.id for a in doc.nodes_of_kind("action") if a.automation == "registry-rollback"}


@pytest.mark.parametrize("template_id", template_ids())
def test_every_marked_step_is_in_a_runbook_whose_job_runs_the_registry_rollback(
    template_id: str,
) -> None:
    spec = compile_spec(load_template(template_id))
    in_registry_jobs = {
        action.id
        for policy in spec.rollback
        if policy.id in registry_policies(spec)
        for action in policy.actions
    }
    assert marked(template_id) == MARKED.get(template_id, set())
    assert marked(template_id) <= in_registry_jobs
    # The job rolls back first, as soon as the monitor fires: so does the runbook.
    for policy in spec.rollback:
        ids = [action.id for action in policy.actions]
        assert not set(ids[1:]) & marked(template_id), policy.id


def rollback_scripts(template_id: str, fmt: str, out: Path) -> dict[str, str]:
    """The script text of each exported rollback job, by the job's name."""
    export_doc(load_template(template_id), fmt, out)
    if fmt == "gitlab":
        jobs = yaml.safe_load((out / ".gitlab-ci.yml").read_text(encoding="utf-8"))
        return {
            name: "\n".join(map(str, job["script"]))
            for name, job in jobs.items()
            if name.startswith("rollback-")
        }
    workflow = out / ".github" / "workflows" / "gatewright-monitor.yml"
    jobs = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]
    return {
        name: "\n".join(str(step.get("run", "")) for step in job["steps"])
        for name, job in jobs.items()
        if name.startswith("rollback-")
    }


@pytest.mark.parametrize("fmt", ["github", "gitlab"])
@pytest.mark.parametrize("template_id", sorted(MARKED))
def test_the_exported_rollback_job_of_a_marked_step_runs_gatewright_rollback(
    template_id: str, fmt: str, tmp_path: Path
) -> None:
    spec = compile_spec(load_template(template_id))
    scripts = rollback_scripts(template_id, fmt, tmp_path)
    for policy in spec.rollback:
        if {a.id for a in policy.actions} & MARKED[template_id]:
            assert 'gatewright rollback "$GATEWRIGHT_SPEC"' in scripts[f"rollback-{policy.id}"]


def test_startup_lightweight_earns_the_automation_it_shows_and_no_more() -> None:
    """Its rollback steps are carried out by the pipeline; the incident note and the
    triage are people's steps, so rollback is not yet *fully* automated (technology-4)."""
    doc = load_template("startup-lightweight")
    assessment = assess_document(doc)
    technology = assessment.categories[2]
    four = next(s for s in technology.statements if s.id == "technology-4")
    assert four.status == "unmet"
    assert "runbook of error-spike has steps for people: err-notes" in four.evidence()
    assert "err-rollback" not in four.evidence()
    attested = Attestation(
        "rita.toml",
        doc.id,
        "rita@example.com",
        "Rita Rossi",
        date(2026, 11, 30),
        ("technology-2", "technology-3"),
    )
    assert assess_document(doc, attestations=[attested]).categories[2].level == 3


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_pdf_runbook_says_which_steps_the_pipeline_carries_out(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pdf = tmp_path / "sop.pdf"
    code, _out, err = run(
        capsys, "export", "pdf", TEMPLATES / "startup-lightweight.sop.json", "-o", pdf
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    runbooks = " ".join(text[text.index("Rollback runbooks\nRunbook") :].split())
    said = (
        "Automated: the pipeline's rollback job runs the registry rollback (gatewright rollback)."
    )
    assert runbooks.count(said) == 2
    for marked_step, manual_step in (
        ("Roll back to previous version", "Post a short incident note"),
        ("Roll back slow release", "Triage with the model owner"),
    ):
        after = runbooks[runbooks.index(marked_step) :]
        assert after.index(said) < after.index("Check:")  # in the marked step's row
        manual = runbooks[runbooks.index(manual_step) :]
        assert said not in manual[: manual.index("min") + 80]
