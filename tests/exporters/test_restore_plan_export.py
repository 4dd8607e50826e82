"""What a rollback restores, in the exports: the PDF runbook, and the GitHub and GitLab
rollback jobs printing the plan (in order) from data, hostile safe-version text included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.model.templates import load_template
from exporters.github_scripts import unescape_literal
from tests.exporters.pipelines_support import export_doc

HOSTILE = "${{ secrets.TOKEN }}$(touch pwned)`id`'\"; echo x"


@pytest.fixture(scope="module")
def doc():  # type: ignore[no-untyped-def]
    made = load_template("rollback-procedure")
    restores = [r.model_dump() for r in made.node("latency-spike").restores]
    restores[1]["ref"] = HOSTILE
    made.set_field("latency-spike", "restores", restores)
    return made


def printed(script: str, plan: str, cwd: Path) -> str:
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"RESTORE_PLAN": plan, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert not (cwd / "pwned").exists()
    return done.stdout


EXPECTED = [
    "This rollback restores, in order (dependencies first):",
    "1. infra-config from git ref refs/tags/infra-last-good",
    f"2. model-api from git ref {HOSTILE}",
]


def test_github_rollback_job_shows_each_restore_in_order_before_the_runbook(
    doc, tmp_path: Path
) -> None:
    export_doc(doc, "github", tmp_path)
    workflow = yaml.safe_load((tmp_path / ".github/workflows/gatewright-monitor.yml").read_text())
    steps = workflow["jobs"]["rollback-latency-spike"]["steps"]
    names = [unescape_literal(str(step.get("name"))) for step in steps]
    first = names.index("Restore 1: infra-config from git ref refs/tags/infra-last-good")
    assert names[first + 1] == f"Restore 2: model-api from git ref {HOSTILE}"
    assert names[first + 2] == "Action 1: Initiate latency rollback"
    second = steps[first + 1]
    assert second["env"] == {"RESTORE_COMPONENT": "model-api", "RESTORE_SOURCE": "git-ref"}
    out = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", second["run"]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**second["env"], "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert out.startswith("Restore model-api from its safe version (git-ref")


def test_gitlab_rollback_job_prints_the_plan_as_data(doc, tmp_path: Path) -> None:
    export_doc(doc, "gitlab", tmp_path)
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    job = yaml.safe_load(text)["rollback-latency-spike"]
    variable = job["variables"]["RESTORE_PLAN"]
    assert variable["expand"] is False
    (script,) = [line for line in job["script"] if "RESTORE_PLAN" in line]
    assert "infra" not in script
    assert printed(script, variable["value"], tmp_path).splitlines() == EXPECTED
    assert "#   1. infra-config from git ref refs/tags/infra-last-good" in text


def test_argo_rollback_template_lists_the_plan_in_its_comment(doc, tmp_path: Path) -> None:
    export_doc(doc, "argo", tmp_path)
    text = "\n".join(p.read_text() for p in sorted((tmp_path / "argo").glob("*.yaml")))
    assert "#   1. infra-config from git ref refs/tags/infra-last-good" in text


def test_the_pdf_runbook_lists_restores_in_order_with_their_safe_version() -> None:
    from exporters.context import ExportContext
    from exporters.pdf import render_pdf
    from tests.exporters.test_pdf import page_texts

    pages = page_texts(render_pdf(load_template("rollback-procedure"), ExportContext()))
    text = " ".join(" ".join(page.split()) for page in pages)
    assert text.count("Restores, in order (dependencies first)") == 4
    assert "System components" in text
    assert "Model (model) model Model owner Training dataset, Inference data pipeline" in text
    data = text.index("Training dataset dataset")
    model = text.index("Model model Model owner model registry alias model@last-compliant")
    assert data < model  # the bias rollback: the data before the model that depends on it
    assert "After verification" in text
    section = text.rindex("Runbook: Accuracy drop")  # the heading, after the contents
    check = text.index("Check: Post-rollback validation: accuracy", section)
    after = text.index("After verification", section)
    assert check < after < text.index("Review and document learnings: accuracy", section)


def test_markdown_lists_the_catalog_and_each_runbooks_restores() -> None:
    from exporters.context import ExportContext
    from exporters.markdown import render_markdown

    text = render_markdown(load_template("rollback-procedure"), ExportContext())
    assert "### System components" in text
    assert "| Model API (model-api) | api | Platform engineer | Model, Infrastructure" in text
    assert text.count("Restores, in order (dependencies first):") == 4
    assert (
        "| 2 | Model | model | Model owner | model registry alias model\\@last-compliant |" in text
    )
    assert "Review and document learnings: bias (after verification)" in text
    # The trainers' drill checklist says in which order the rollback puts things back.
    assert (
        "| Restore order | 1. Training dataset (dataset) from dataset version "
        "training-data\\@last-compliant; 2. Model (model) from model registry alias"
    ) in text
