"""What a rollback restores, in the exports: the PDF runbook, and the GitHub and GitLab
rollback jobs printing the plan (in order, each component by its name and id) from data,
hostile names and safe-version text included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from app.compiler.compile import compile_spec
from app.model.templates import load_template
from exporters.context import ExportContext
from exporters.github_scripts import unescape_literal
from exporters.registry import export
from tests.exporters.github_harness import substitute
from tests.exporters.pipelines_support import SPEC_PATH, export_doc

HOSTILE = "${{ secrets.TOKEN }}$(touch pwned)`id`'\"; echo x"
NAME = "Model API \"$(touch pwned)\" ${{ secrets.TOKEN }} `id` 'q' %s -n \\t"
"""A component name with quotes, a command substitution, a GitHub expression, backticks, a
printf format and an echo option: each must print as written."""


@pytest.fixture(scope="module")
def doc():  # type: ignore[no-untyped-def]
    made = load_template("rollback-procedure")
    restores = [r.model_dump() for r in made.node("latency-spike").restores]
    restores[1]["ref"] = HOSTILE
    made.set_field("latency-spike", "restores", restores)
    catalog = [c.model_dump() for c in made.components]
    for component in catalog:
        if component["id"] == "model-api":
            component["name"] = NAME
        if component["id"] == "infra-config":
            component["name"] = "INFRA-config"  # reads as its id: the id alone is printed
    made.set_document_field("components", catalog)
    return made


def run_bash(script: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert not (cwd / "pwned").exists()
    return done.stdout


EXPECTED = [
    "This rollback restores, in order (dependencies first):",
    "1. infra-config from git ref refs/tags/infra-last-good",
    f"2. {NAME} (model-api) from git ref {HOSTILE}",
]


def comments(text: str) -> str:
    """The YAML comments as one line (wrapped comments joined)."""
    return " ".join(
        line.strip().removeprefix("#").strip() for line in text.splitlines() if "#" in line
    )


def restore_steps(folder: Path, job: str = "registry-latency-spike") -> list[dict]:
    workflow = yaml.safe_load((folder / ".github/workflows/gatewright-monitor.yml").read_text())
    return workflow["jobs"][job]["steps"]


def test_github_rollback_job_shows_each_restore_in_order_after_the_registry_move(
    doc, tmp_path: Path
) -> None:
    """latency-spike's people's steps come first (rollback-latency-spike); the registry
    move waits for them in registry-latency-spike, then the restores, then the rest."""
    export_doc(doc, "github", tmp_path)
    steps = restore_steps(tmp_path)
    names = [unescape_literal(str(step.get("name"))) for step in steps]
    first = names.index("Restore 1: infra-config from git ref refs/tags/infra-last-good")
    assert names[first - 1] == "Move the registry alias back to the version promoted before"
    assert names[first + 1] == f"Restore 2: {NAME} (model-api) from git ref {HOSTILE}"
    assert names[first + 2] == "Action 5: Review and document learnings: latency"
    people = [str(s.get("name")) for s in restore_steps(tmp_path, "rollback-latency-spike")]
    assert people[1] == "Action 1: Initiate latency rollback"
    assert not [name for name in people if name.startswith("Restore")]
    for step, (component, label) in zip(
        steps[first : first + 2],
        [("infra-config", "infra-config"), ("model-api", f"{NAME} (model-api)")],
        strict=True,
    ):
        assert step["env"]["RESTORE_COMPONENT"] == component
        # What GitHub hands the shell: the env's expressions evaluated (the escaped `${{`).
        env = {key: substitute(value, {}) for key, value in step["env"].items()}
        assert env["RESTORE_NAME"] == label
        out = run_bash(step["run"], env, tmp_path)
        assert out == (
            f"Restore {label} from its safe version (git-ref, named in this step) before the "
            "next step; replace this line with the restore itself\n"
        )
    assert NAME not in steps[first + 1]["run"]  # the script is a constant


def test_gitlab_rollback_job_prints_the_plan_as_data(doc, tmp_path: Path) -> None:
    export_doc(doc, "gitlab", tmp_path)
    text = (tmp_path / ".gitlab-ci.yml").read_text()
    job = yaml.safe_load(text)["registry-latency-spike"]  # with the registry move
    variable = job["variables"]["RESTORE_PLAN"]
    assert variable["expand"] is False
    (script,) = [line for line in job["script"] if "RESTORE_PLAN" in line]
    assert "infra" not in script and "Model API" not in script
    printed = run_bash(script, {"RESTORE_PLAN": variable["value"]}, tmp_path)
    assert printed.splitlines() == EXPECTED
    assert "#   1. infra-config from git ref refs/tags/infra-last-good" in text
    assert f"2. {NAME} (model-api) from git ref" in comments(text)


def test_a_spec_whose_names_break_lines_still_prints_one_line_per_restore(
    tmp_path: Path,
) -> None:
    """A spec is a file too: its component names may hold line breaks and controls, which
    must not forge a restore line in the plan nor a second line in a step."""
    made = load_template("rollback-procedure")
    spec = compile_spec(made)
    forged = "API\n2. Forged from git ref evil\r\u2028\x1b[31mred"
    spec = spec.model_copy(
        update={
            "components": [
                c.model_copy(update={"name": forged}) if c.id == "model-api" else c
                for c in spec.components
            ]
        }
    )
    context = ExportContext(spec=spec, spec_path=SPEC_PATH)
    export("gitlab", made, tmp_path / "gl", context)
    job = yaml.safe_load((tmp_path / "gl/.gitlab-ci.yml").read_text())["registry-latency-spike"]
    (script,) = [line for line in job["script"] if "RESTORE_PLAN" in line]
    plan = job["variables"]["RESTORE_PLAN"]["value"]
    lines = run_bash(script, {"RESTORE_PLAN": plan}, tmp_path).splitlines()
    assert len(lines) == 3 and lines[2].startswith("2. API 2. Forged from git ref evil")
    assert "\x1b" not in lines[2] and lines[2].endswith(
        "(model-api) from git ref refs/tags/api-last-good"
    )
    export("github", made, tmp_path / "gh", context)
    (step,) = [s for s in restore_steps(tmp_path / "gh") if "model-api" in s.get("name", "")]
    name = substitute(step["env"]["RESTORE_NAME"], {})
    assert "\n" not in name and "\r" not in name and "\x1b" not in name
    assert "\n" not in step["name"]


def test_argo_rollback_template_lists_the_plan_in_its_comment(doc, tmp_path: Path) -> None:
    export_doc(doc, "argo", tmp_path)
    text = "\n".join(p.read_text() for p in sorted((tmp_path / "argo").glob("*.yaml")))
    assert "#   1. infra-config from git ref refs/tags/infra-last-good" in text
    assert f"2. {NAME} (model-api) from git ref" in comments(text)  # named, as in GitLab


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
