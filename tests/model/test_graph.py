"""The one graph module: promote order and ranks as the compiler, exporters and auto-layout
read them, drafts with cycles included."""

from __future__ import annotations

import pytest

from app.compiler.compile import compile_data
from app.model.autolayout import layered_layout
from app.model.document import Sop, new_document
from app.model.graph import document_graph
from app.model.templates import load_template, template_ids
from exporters import content


def draft_with_cycle() -> Sop:
    """a -> g1 -> b -> g2 -> c, g2 -> b closes a cycle; d stands alone before a in the file."""
    doc = new_document("cyclic", "Cyclic")
    for node_id, kind in [
        ("d", "stage"),
        ("a", "stage"),
        ("g1", "gate"),
        ("b", "stage"),
        ("g2", "gate"),
        ("c", "stage"),
    ]:
        doc.add_node({"kind": kind, "id": node_id, "name": node_id.upper()}, (0, 0))
    for source, target in [("a", "g1"), ("g1", "b"), ("b", "g2"), ("g2", "c"), ("g2", "b")]:
        doc.connect(source, target, "promote")
    return doc


def test_a_cycle_keeps_every_node_in_document_order() -> None:
    graph = document_graph(draft_with_cycle())
    # d and a, g1 come first (topological, ties in document order); b, g2 (the cycle) and
    # c (after it) follow in document order instead of being dropped.
    assert graph.promote_order() == ["d", "a", "g1", "b", "g2", "c"]
    assert graph.ranks() == {"d": 0, "a": 0, "g1": 1, "b": 2, "g2": 3, "c": 4}
    assert graph.stage_orders() == {"d": 1, "a": 2, "b": 3, "c": 4}
    assert content.promote_order(draft_with_cycle()) == graph.promote_order()


def test_answers_are_copies() -> None:
    doc = draft_with_cycle()
    content.promote_columns(doc)["a"] = 99
    content.promote_order(doc).clear()
    assert document_graph(doc).ranks()["a"] == 0 and document_graph(doc).promote_order()


def test_layered_layout_puts_each_rank_in_its_column() -> None:
    positions = layered_layout(draft_with_cycle())
    columns = {node_id: position.x for node_id, position in positions.items()}
    assert columns["a"] == columns["d"] < columns["g1"] < columns["b"] < columns["g2"]
    assert columns["g2"] < columns["c"]


@pytest.mark.parametrize("template_id", template_ids())
def test_compiled_order_is_the_graph_order(template_id: str) -> None:
    doc = load_template(template_id)
    spec = compile_data(doc)
    graph = document_graph(doc)
    order = graph.promote_order()
    assert [s["id"] for s in spec["stages"]] == [n for n in order if graph.kind(n) == "stage"]
    assert [g["id"] for g in spec["gates"]] == [n for n in order if graph.kind(n) == "gate"]
    ranks = graph.ranks()
    for gate in spec["gates"]:
        assert ranks[gate["from"]] < ranks[gate["id"]] < ranks[gate["to"]]
