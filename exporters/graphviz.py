"""The SOP diagram through Graphviz: DOT text, SVG and PNG (the designer's auto-layout is
app.model.autolayout).

Labels are HTML-like labels built here with full XML escaping and doubled backslashes,
so that user text never reaches DOT's quoting rules or Graphviz's escapes (``\\N``,
``\\G``): a name such as ``"];``, ``\\N`` or ``<b>bold</b>`` is drawn as the literal text
it is.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import graphviz
from graphviz.quoting import quote as quote_id

from app.model.document import Sop
from app.model.nodes import NodeBase
from app.spec.fileio import write_atomic
from exporters import content
from exporters.context import ExportContext, error_elements
from exporters.style import (
    CAPTION_TEXT,
    EDGE_STYLES,
    ERROR_BORDER,
    ERROR_MARK,
    ERROR_WIDTH,
    FONT_FAMILY,
    NODE_STYLES,
)

if TYPE_CHECKING:
    from app.validate.diagnostics import Diagnostic

NAME_WIDTH = {"gate": 13, "trigger": 15}
"""Characters per line of a node's name (diamonds and octagons waste their corners)."""
DEFAULT_NAME_WIDTH = 20
MAX_NAME_LINES = 5
# Back edges and cross links may not stretch the promote path.
UNCONSTRAINED = {"reject", "monitor"}


class GraphvizMissingError(RuntimeError):
    """The Graphviz ``dot`` program is not installed or not on PATH."""

    def __init__(self) -> None:
        super().__init__(
            "the Graphviz `dot` program was not found on PATH; install Graphviz "
            "(on Debian or Ubuntu: apt-get install graphviz; on macOS: brew install graphviz) "
            "to export diagrams"
        )


def _lines(text: str, width: int, limit: int) -> list[str]:
    """Wrapped lines; words up to twice ``width`` stay whole, longer ones are cut."""
    text = content.clean(text)
    if len(text) <= width and "\n" not in text:
        return [text]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(
            paragraph, width, break_on_hyphens=False, break_long_words=False
        ) or [""]:
            lines.extend(textwrap.wrap(line, 2 * width) or [""])
    if len(lines) > limit:
        lines = [*lines[: limit - 1], lines[limit - 1][: width - 1] + "…"]
    return lines


def _html(lines: list[str]) -> str:
    # Graphviz expands \N, \G, \L... even in HTML-like labels (after decoding entities),
    # and reads a doubled backslash as one: doubling every backslash keeps text literal.
    return "<br/>".join(escape(line).replace("\\", "\\\\") for line in lines)


def node_label(doc: Sop, node: NodeBase, error: bool = False) -> str:
    """The HTML-like label of a node: bold name, a small caption, a red "!" when in error."""
    width = NAME_WIDTH.get(node.kind, DEFAULT_NAME_WIDTH)
    name = f"<b>{_html(_lines(node.name, width, MAX_NAME_LINES))}</b>"
    if error:
        name = f'<font color="{ERROR_BORDER}"><b>{ERROR_MARK} </b></font>{name}'
    caption = content.node_caption(doc, node)
    if caption:
        small = _html(_lines(caption, width + 6, 8))
        name += f'<br/><font point-size="7" color="{CAPTION_TEXT}">{small}</font>'
    return f"<{name}>"


def _rank_groups(doc: Sop) -> list[list[str]]:
    """Columns the runbook rows share with the promote path, so they sit below it.

    A runbook row (the trigger, then its steps) starts under the stage it watches, or
    further left when that keeps it within the promote path's width: the diagram stays
    as wide as the promote path where it can (a wide diagram prints tiny).
    """
    columns = content.promote_columns(doc)
    anchors: dict[int, str] = {}
    for node_id, column in columns.items():
        anchors.setdefault(column, node_id)
    last = max(columns.values(), default=0)
    groups: dict[int, list[str]] = {c: [n] for c, n in sorted(anchors.items())}
    for book in content.runbooks(doc):
        watched = [columns[s] for s in book.stages if s in columns]
        if not watched:
            continue
        row = [book.trigger.id, *(step.id for step in book.steps)]
        start = max(0, min(watched[0], last - len(row) + 1))
        for offset, node_id in enumerate(row):
            if start + offset <= last and node_id not in columns:
                groups[start + offset].append(node_id)
                columns[node_id] = start + offset
    return [group for group in groups.values() if len(group) > 1]


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def quote(element_id: str) -> str:
    """A node or element id as a DOT string (ids are slugs; anything else is quoted safely)."""
    return f'"{element_id}"' if _SLUG.match(element_id) else quote_id(element_id)


def _node_attributes(kind: str, error: bool = False) -> str:
    style = NODE_STYLES[kind]
    shape = "rounded,filled" if style.rounded else "filled"
    border = (
        f'color="{ERROR_BORDER}" penwidth={ERROR_WIDTH:g}' if error else f'color="{style.border}"'
    )
    fill = f'fillcolor="{style.fill}" fontcolor="{style.text}"'
    return f'shape={style.shape} style="{shape}" {fill} {border}'


_NODE_ATTRIBUTES = {kind: _node_attributes(kind) for kind in NODE_STYLES}
_EDGE_ATTRIBUTES = {
    kind: f'color="{style.color}" style={style.style} penwidth={style.width:g}'
    + (" weight=8" if kind == "promote" else "")
    for kind, style in EDGE_STYLES.items()
}


def diagram_graph(
    doc: Sop, diagnostics: list[Diagnostic] | None = None, title: bool = False
) -> graphviz.Digraph:
    """The diagram as a ``graphviz.Digraph``: promote path left to right, runbooks below."""
    errors = error_elements(diagnostics or [])
    graph = graphviz.Digraph(name="sop")
    graph.attr(
        "graph",
        rankdir="LR",
        newrank="true",
        nodesep="0.25",
        ranksep="0.35",
        pad="0.2",
        bgcolor="white",
        fontname=FONT_FAMILY,
    )
    if title:
        heading = _html(_lines(f"{doc.title} (version {doc.version})", 90, 3))
        graph.attr("graph", label=f"<<b>{heading}</b>>", labelloc="t", fontsize="14")
    graph.attr("node", fontname=FONT_FAMILY, fontsize="9", margin="0.08,0.04", penwidth="1.2")
    graph.attr("edge", fontname=FONT_FAMILY, fontsize="8", arrowsize="0.7")
    # Statements are written here rather than through Digraph.node/edge, which quote every
    # attribute again for every element: this is what keeps a 500-node layout cheap.
    # Labels are HTML-like strings built by node_label; every other value is ours.
    body = graph.body
    for node in doc.nodes:
        failed = node.id in errors
        attributes = _node_attributes(node.kind, True) if failed else _NODE_ATTRIBUTES[node.kind]
        body.append(
            f"\t{quote(node.id)} [label={node_label(doc, node, failed)} "
            f"id={quote('node-' + node.id)} {attributes}]\n"
        )
    kinds = {node.id: node.kind for node in doc.nodes}
    for edge in doc.edges:
        backwards = edge.kind in ("next", "rollback") and kinds[edge.target] == "stage"
        free = " constraint=false" if edge.kind in UNCONSTRAINED or backwards else ""
        body.append(
            f"\t{quote(edge.source)} -> {quote(edge.target)} [id={quote('edge-' + edge.id)} "
            f"{_EDGE_ATTRIBUTES[edge.kind]}{free}]\n"
        )
    for group in _rank_groups(doc):
        body.append(f"\t{{rank=same; {'; '.join(quote(n) for n in group)}}}\n")
    return graph


def diagram_dot(doc: Sop, diagnostics: list[Diagnostic] | None = None, title: bool = False) -> str:
    """The diagram as DOT text."""
    return diagram_graph(doc, diagnostics, title).source


def render(graph: graphviz.Digraph, fmt: str, dpi: int | None = None) -> bytes:
    """``graph`` laid out and drawn by ``dot`` as ``fmt`` (svg, png...), raster formats at
    ``dpi`` dots per inch; ``graph`` itself is left as it was."""
    if dpi is not None:
        graph = graph.copy()
        graph.attr("graph", dpi=str(dpi))
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError() from None


def diagram_svg(
    doc: Sop, diagnostics: list[Diagnostic] | None = None, title: bool = False
) -> bytes:
    """The diagram as SVG (UTF-8)."""
    return render(diagram_graph(doc, diagnostics, title), "svg")


def diagram_png(
    doc: Sop,
    dpi: int = 150,
    diagnostics: list[Diagnostic] | None = None,
    title: bool = False,
) -> bytes:
    """The diagram as PNG at ``dpi`` dots per inch."""
    return render(diagram_graph(doc, diagnostics, title), "png", dpi)


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write the diagram as ``svg``, ``png`` or ``dot`` to ``out``."""
    if format_name == "dot":
        data: bytes | str = diagram_dot(doc, context.diagnostics, title=True)
    elif format_name == "svg":
        data = diagram_svg(doc, context.diagnostics, title=True)
    elif format_name == "png":
        data = diagram_png(doc, dpi=150, diagnostics=context.diagnostics, title=True)
    else:
        raise ValueError(f"the graphviz exporter writes svg, png or dot, not {format_name!r}")
    context.progress(0, 1, f"Writing {format_name.upper()}")
    write_atomic(out, data)
    context.progress(1, 1, "Done")
    return [out]
