"""Markdown exporter: every template, Mermaid diagram, escaping of hostile text, golden file.

Golden file: tests/exporters/golden/startup-lightweight.md is the `gatewright export
markdown` output of the startup-lightweight template, compared byte for byte. After an
intended change, refresh it and review the diff:

    GATEWRIGHT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/exporters/test_markdown.py
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from app.cli import main
from app.cli.exporting import build_context
from app.model.io import load_document
from app.model.templates import load_template, template_ids
from app.validate.diagnostics import Diagnostic
from exporters import content
from exporters.context import ExportContext
from exporters.markdown import md, mermaid, mermaid_text, render_markdown

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile.sop.json"
GOLDEN = REPO / "tests" / "exporters" / "golden"
NODE_LINE = re.compile(r'^    n\d+(\(\["|\{"|\[/"|\["|\[\[")[^"`]*("\]\)|"\}|"/\]|"\]|"\]\])$')
EDGE_LINE = re.compile(r"^    n\d+ (-->|-\.->) n\d+$")


def template_path(template_id: str) -> Path:
    return REPO / "sop_templates" / f"{template_id}.sop.json"


def markdown_of(path: Path) -> str:
    doc = load_document(path)
    context, _diagnostics = build_context(doc, path, "gatewright/spec.json")
    return render_markdown(doc, context)


class _Collector(HTMLParser):
    """The tags and the visible text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered_html(markdown: str) -> _Collector:
    collector = _Collector()
    collector.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return collector


def mermaid_block(text: str) -> list[str]:
    start = text.index("```mermaid\n")
    return text[start:].split("\n```\n")[0].splitlines()[2:]


@pytest.mark.parametrize("template_id", template_ids())
def test_every_template_exports_through_the_cli(template_id, tmp_path) -> None:
    out = tmp_path / f"{template_id}.md"
    assert main(["export", "markdown", str(template_path(template_id)), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    doc = load_template(template_id)
    assert text.startswith(f"# {md(doc.title)}\n")
    assert "```mermaid\nflowchart LR\n" in text
    for gate in doc.nodes_of_kind("gate"):
        assert f"### Gate: {md(gate.name)}" in text
    for trigger in doc.nodes_of_kind("trigger"):
        assert f"### Runbook: {md(trigger.name)}" in text
        assert f"### Drill: {md(trigger.name)}" in text
    for role in doc.roles:
        assert md(role.name) in text
    for node in doc.nodes:
        for criterion in getattr(node, "criteria", []):
            assert md(content.criterion_row(doc, criterion).threshold) in text
    assert "No simulation or drill results recorded in the workspace yet." in text
    assert "## Sign-off" in text and "DRAFT" not in text


@pytest.mark.parametrize("source", [*template_ids(), "hostile"])
def test_mermaid_has_one_line_per_node_and_edge(source) -> None:
    doc = load_document(HOSTILE) if source == "hostile" else load_template(source)
    lines = mermaid(doc)[2:-2]
    nodes = [line for line in lines if NODE_LINE.match(line)]
    edges = [line for line in lines if EDGE_LINE.match(line)]
    assert len(nodes) == len(doc.nodes) and len(edges) == len(doc.edges)
    for line in lines:
        assert (
            NODE_LINE.match(line)
            or EDGE_LINE.match(line)
            or line.startswith(("    classDef ", "    class ", "    linkStyle "))
        ), line
    dashed = sum(e.kind in ("reject", "monitor", "rollback") for e in doc.edges)
    assert sum("-.->" in line for line in edges) == dashed


def test_mermaid_shapes() -> None:
    doc = load_template("startup-lightweight")
    block = "\n".join(mermaid(doc))
    assert 'n0(["Development' in block  # stage
    assert 'n1{"Peer review gate' in block  # gate
    assert 'n5[/"Error spike' in block  # trigger
    assert 'n6["Roll back to previous version' in block  # action
    assert 'n8[["Confirm recovery' in block  # check
    assert "n1 -.-> n0" in block and "n0 --> n1" in block


def test_mermaid_text_escapes_everything_risky() -> None:
    escaped = mermaid_text('a "b" <i>c</i> `d` #e; [f] {g} |h| \\i %j é 信用\nk')
    assert escaped == (
        "a #quot;b#quot; #60;i#62;c#60;/i#62; #96;d#96; #35;e#59; #91;f#93; "
        "#123;g#125; #124;h#124; #92;i #37;j é 信用<br/>k"
    )


def test_md_escapes_markdown_and_html() -> None:
    assert md("*a* _b_ [c](d) | e <b>f</b> ${{ g }} `h` & #i @j") == (
        "\\*a\\* \\_b\\_ \\[c\\](d) \\| e &lt;b&gt;f&lt;/b&gt; \\$\\{\\{ g \\}\\} "
        "\\`h\\` &amp; \\#i \\@j"
    )
    assert md("line one\nline two") == "line one<br>line two"
    assert md("- item", block=True) == "\\- item"
    assert md("1. item", block=True) == "1\\. item"
    assert md("1. item") == "1. item"


def test_hostile_document_renders_literally() -> None:
    doc = load_document(HOSTILE)
    text = markdown_of(HOSTILE)
    outside = text.replace("<br>", "").replace("<br/>", "").replace("<small>", "")
    outside = outside.replace("</small>", "")
    assert not re.search(r"<\s*/?\s*[a-zA-Z]", outside), "a raw HTML tag leaked"
    for node in doc.nodes:
        assert md(content.one_line(node.name)) in text or md(node.name) in text, node.name
    for role in doc.roles:
        assert md(content.one_line(role.name)) in text or md(role.name) in text
    html = rendered_html(text)
    visible = "".join(html.text)
    squeezed = "".join(visible.split())
    for wanted in (
        "<b>bold</b>",
        "${{ github.event.issue.title }}",
        "$(touch /tmp/pwned)",
        'Say "hi"',
        "`id` key: value",
        "<script>alert(1)</script>",
        'ML "lead" $(id) ${{ env.X }}',
    ):
        assert "".join(wanted.split()) in squeezed, wanted


def test_hostile_tags_never_become_elements() -> None:
    html = rendered_html(markdown_of(HOSTILE))
    assert not html.tags & {"b", "i", "script", "a", "img", "em"}


def test_draft_is_flagged(tmp_path) -> None:
    doc = load_template("startup-lightweight")
    context = ExportContext(
        draft=True,
        diagnostics=[Diagnostic("r", "error", "m", elements=("staging",))],
    )
    text = render_markdown(doc, context)
    assert "> **DRAFT: NOT VALID**" in text
    assert "#33; Staging" in text and "class n2 error" in text
    assert "## Validation findings" in text


def test_golden_markdown(tmp_path) -> None:
    out = tmp_path / "startup-lightweight.md"
    assert (
        main(["export", "markdown", str(template_path("startup-lightweight")), "-o", str(out)]) == 0
    )
    golden = GOLDEN / "startup-lightweight.md"
    if os.environ.get("GATEWRIGHT_UPDATE_GOLDEN"):
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes(), (
        "the Markdown export changed; if intended, rerun with GATEWRIGHT_UPDATE_GOLDEN=1 and review"
    )
