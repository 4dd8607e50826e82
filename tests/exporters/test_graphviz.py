"""Graphviz exporter: DOT, SVG and PNG of every template, hostile text, layout, missing `dot`.

Golden file: tests/exporters/golden/startup-lightweight.dot is the `gatewright export dot`
output of the startup-lightweight template, compared byte for byte. After an intended
change, refresh it and review the diff:

    GATEWRIGHT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/exporters/test_graphviz.py
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.cli import main
from app.model.document import Sop
from app.model.io import load_document
from app.model.templates import load_template, template_ids
from app.validate.diagnostics import Diagnostic
from exporters.graphviz import (
    GraphvizMissingError,
    diagram_dot,
    diagram_png,
    diagram_svg,
)
from exporters.style import ERROR_BORDER

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "fixtures" / "hostile.sop.json"
GOLDEN = REPO / "tests" / "exporters" / "golden"
SVG = "{http://www.w3.org/2000/svg}"
ESCAPES = "back\\slash \\N \\G \\E \\T \\H \\L \\l \\n \\r end\\"


def template_path(template_id: str) -> Path:
    return REPO / "sop_templates" / f"{template_id}.sop.json"


def hostile_with_escapes() -> Sop:
    """The hostile fixture plus names made of DOT escapes and an HTML-like label."""
    data = json.loads(HOSTILE.read_text(encoding="utf-8"))
    data["nodes"][0]["name"] = ESCAPES
    data["nodes"][2]["name"] = "<<b>html</b>>"
    return Sop.model_validate(data)


def render(dot_text: str, fmt: str = "json") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode(), capture_output=True)


def svg_text(svg: bytes) -> str:
    """Every <text> of the SVG, joined without whitespace (labels wrap over several lines)."""
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    return "".join("".join(texts).replace("\xa0", " ").split())


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("fmt", ["svg", "png", "dot"])
@pytest.mark.parametrize("template_id", template_ids())
def test_every_template_exports_through_the_cli(template_id, fmt, tmp_path, capsys) -> None:
    out = tmp_path / f"{template_id}.{fmt}"
    assert main(["export", fmt, str(template_path(template_id)), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    data = out.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif fmt == "svg":
        assert ET.fromstring(data).tag == f"{SVG}svg"
    else:
        done = render(data.decode())
        assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize("template_id", template_ids())
def test_dot_of_every_template_renders_with_the_same_elements(template_id) -> None:
    doc = load_template(template_id)
    done = render(diagram_dot(doc))
    assert done.returncode == 0, done.stderr.decode()
    layout = json.loads(done.stdout)
    nodes = {o["name"] for o in layout["objects"] if "pos" in o}
    assert nodes == {n.id for n in doc.nodes}
    assert len(layout["edges"]) == len(doc.edges)


@pytest.mark.parametrize("doc_factory", [lambda: load_document(HOSTILE), hostile_with_escapes])
def test_hostile_names_stay_literal_text(doc_factory) -> None:
    doc = doc_factory()
    dot_text = diagram_dot(doc, title=True)
    done = render(dot_text)
    assert done.returncode == 0, done.stderr.decode()
    layout = json.loads(done.stdout)
    assert len([o for o in layout["objects"] if "pos" in o]) == len(doc.nodes)
    assert len(layout["edges"]) == len(doc.edges)
    svg = diagram_svg(doc, title=True)
    root = ET.fromstring(svg)  # well-formed: nothing leaked into the markup
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") in ("node", "edge")]
    assert sorted(g.get("id") for g in groups if g.get("class") == "node") == sorted(
        f"node-{n.id}" for n in doc.nodes
    )
    assert len([g for g in groups if g.get("class") == "edge"]) == len(doc.edges)
    assert not [e for e in root.iter() if e.tag in ("b", "i", "script", f"{SVG}script")]
    text = svg_text(svg)
    for node in doc.nodes:
        assert squeeze(node.name) in text, node.name
    assert squeeze(doc.title) in text


def test_backslash_escapes_are_not_interpreted() -> None:
    doc = hostile_with_escapes()
    text = svg_text(diagram_svg(doc))
    assert squeeze(ESCAPES) in text
    assert "<<b>html</b>>" in text


def test_validation_errors_mark_nodes() -> None:
    doc = load_template("startup-lightweight")
    diagnostics = [
        Diagnostic("x", "error", "m", elements=("release-gate",)),
        Diagnostic("y", "warning", "m", elements=("staging",)),
    ]
    lines = {
        line.split(" [")[0].strip(): line for line in diagram_dot(doc, diagnostics).splitlines()
    }
    assert f'color="{ERROR_BORDER}" penwidth=3' in lines['"release-gate"']
    assert "<b>! </b>" in lines['"release-gate"']
    assert ERROR_BORDER not in lines['"staging"'] and "! " not in lines['"staging"']
    assert svg_text(diagram_svg(doc, diagnostics)).count("!") == 1


def test_roles_and_minutes_are_shown() -> None:
    doc = load_template("startup-lightweight")
    text = svg_text(diagram_svg(doc))
    assert squeeze("1× ML lead 1× Security champion (high)") in text
    assert squeeze("On-call engineer · 10 min") in text
    assert squeeze("1× ML engineer or 1× ML lead") in text


def test_png_resolution_follows_dpi() -> None:
    doc = load_template("startup-lightweight")
    small, large = diagram_png(doc, dpi=50), diagram_png(doc, dpi=100)
    width = lambda png: int.from_bytes(png[16:20], "big")  # noqa: E731
    assert 1.9 < width(large) / width(small) < 2.1


def test_golden_dot(tmp_path) -> None:
    out = tmp_path / "startup-lightweight.dot"
    assert main(["export", "dot", str(template_path("startup-lightweight")), "-o", str(out)]) == 0
    golden = GOLDEN / "startup-lightweight.dot"
    if os.environ.get("GATEWRIGHT_UPDATE_GOLDEN"):
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes(), (
        "the DOT export changed; if intended, rerun with GATEWRIGHT_UPDATE_GOLDEN=1 and review"
    )


def test_missing_dot_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    doc = load_template("startup-lightweight")
    assert "digraph" in diagram_dot(doc)  # DOT text needs no program
    for call in (lambda: diagram_svg(doc), lambda: diagram_png(doc)):
        with pytest.raises(GraphvizMissingError, match="apt-get install graphviz") as caught:
            call()
        assert isinstance(caught.value, RuntimeError)
