"""The document model's intent methods, observer events and typed errors."""

from __future__ import annotations

import pytest

from app.model import (
    DuplicateIdError,
    IllegalConnectionError,
    InvalidValueError,
    ModelEvent,
    Sop,
    Stage,
    UnknownEdgeError,
    UnknownNodeError,
)
from app.model.io import dumps_document


@pytest.fixture
def events(small_doc: Sop) -> list[ModelEvent]:
    seen: list[ModelEvent] = []
    small_doc.subscribe(seen.append)
    return seen


def test_add_node_appends_and_announces(small_doc: Sop, events: list[ModelEvent]) -> None:
    small_doc.add_node(Stage(id="staging", name="Staging"), (100, 50))
    assert small_doc.nodes[-1].id == "staging"
    assert small_doc.layout["staging"].x == 100
    assert events == [ModelEvent("node-added", ("staging",))]


def test_insert_node_at_index(small_doc: Sop) -> None:
    small_doc.insert_node(1, {"kind": "stage", "id": "val", "name": "Validation"})
    assert [n.id for n in small_doc.nodes[:3]] == ["dev", "val", "gate"]


def test_add_node_with_taken_id_is_refused(small_doc: Sop) -> None:
    with pytest.raises(DuplicateIdError):
        small_doc.add_node(Stage(id="dev", name="Again"))
    with pytest.raises(DuplicateIdError):  # ids are unique across nodes and edges
        small_doc.add_node(Stage(id="dev-to-gate", name="Clash"))


def test_add_node_from_invalid_dict_names_the_field(small_doc: Sop) -> None:
    with pytest.raises(InvalidValueError, match=r"value.*finite"):
        small_doc.add_node(
            {
                "kind": "trigger",
                "id": "t",
                "name": "T",
                "metric": "accuracy",
                "op": "<",
                "value": float("nan"),
            }
        )


def test_remove_node_removes_incident_edges_and_position(small_doc: Sop, events) -> None:
    removal = small_doc.remove_node("gate")
    assert not small_doc.has_node("gate")
    assert {e.id for e in small_doc.edges}.isdisjoint(
        {"dev-to-gate", "gate-to-prod", "gate-reject"}
    )
    assert "gate" not in small_doc.layout
    assert [i for i, _ in removal.edges] == [0, 1, 2]
    assert events[0] == ModelEvent("edge-removed", ("dev-to-gate", "gate-to-prod", "gate-reject"))
    assert events[-1] == ModelEvent("node-removed", ("gate",))


def test_restore_node_puts_everything_back_in_place(small_doc: Sop) -> None:
    before = dumps_document(small_doc)
    small_doc.restore_node(small_doc.remove_node("gate"))
    assert dumps_document(small_doc) == before


def test_remove_unknown_node_raises_typed_error(small_doc: Sop) -> None:
    with pytest.raises(UnknownNodeError, match="no node with id 'nope'"):
        small_doc.remove_node("nope")


def test_connect_infers_the_only_possible_kind(small_doc: Sop) -> None:
    small_doc.add_node(Stage(id="staging", name="Staging"))
    edge = small_doc.connect("staging", "gate")  # stage -> gate can only be promote
    assert edge.kind == "promote"
    assert edge.id == "staging-promote-gate"


def test_connect_asks_for_a_kind_when_several_fit(small_doc: Sop) -> None:
    small_doc.add_node(Stage(id="staging", name="Staging"))
    with pytest.raises(IllegalConnectionError, match="promote or reject"):
        small_doc.connect("gate", "staging")


@pytest.mark.parametrize(
    ("source", "target", "kind", "reason"),
    [
        ("dev", "prod", "promote", "not stage -> stage"),
        ("dev", "dev", "promote", "itself"),
        ("dev", "ghost", "promote", "'ghost' is not a node"),
        ("dev", "gate", "promote", "exists"),
        ("prod", "revert", "next", "not stage -> action"),
    ],
)
def test_illegal_connections_are_refused_with_a_reason(small_doc, source, target, kind, reason):
    before = len(small_doc.edges)
    with pytest.raises(IllegalConnectionError, match=reason):
        small_doc.connect(source, target, kind)
    assert len(small_doc.edges) == before


def test_disconnect_returns_index_and_edge(small_doc: Sop, events) -> None:
    index, edge = small_doc.disconnect("gate-reject")
    assert (index, edge.kind) == (2, "reject")
    assert not small_doc.has_edge("gate-reject")
    assert events == [ModelEvent("edge-removed", ("gate-reject",))]
    with pytest.raises(UnknownEdgeError):
        small_doc.disconnect("gate-reject")


def test_set_field_validates_and_returns_old_value(small_doc: Sop, events) -> None:
    old = small_doc.set_field("prod", "name", "Live")
    assert old == "Production"
    assert small_doc.node("prod").name == "Live"
    assert events == [ModelEvent("node-changed", ("prod",), "name")]


def test_set_field_refuses_invalid_values_and_keeps_the_old(small_doc: Sop) -> None:
    with pytest.raises(InvalidValueError, match="minutes: must be 0 or more"):
        small_doc.set_field("revert", "minutes", -1)
    with pytest.raises(InvalidValueError, match="environment"):
        small_doc.set_field("prod", "environment", "moon")
    with pytest.raises(InvalidValueError, match="no field"):
        small_doc.set_field("prod", "colour", "red")
    with pytest.raises(InvalidValueError, match="rename_node"):
        small_doc.set_field("prod", "id", "live")
    assert small_doc.node("revert").minutes == 5
    assert small_doc.node("prod").environment == "production"


def test_set_field_on_edge_kind_checks_the_rules(small_doc: Sop) -> None:
    with pytest.raises(IllegalConnectionError):
        small_doc.set_field("dev-to-gate", "kind", "reject")  # reject leaves a gate
    assert small_doc.set_field("gate-reject", "kind", "promote") == "reject"


def test_set_document_field(small_doc: Sop, events) -> None:
    assert small_doc.set_document_field("title", "New title") == "Small SOP"
    with pytest.raises(InvalidValueError, match="used twice"):
        small_doc.set_document_field("roles", [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}])
    with pytest.raises(InvalidValueError, match="semantic version"):
        small_doc.set_document_field("version", "v1")
    assert small_doc.version == "0.1.0"
    assert events == [ModelEvent("document-changed", (), "title")]


def test_rename_node_updates_edges_and_layout(small_doc: Sop, events) -> None:
    small_doc.rename_node("prod", "live")
    assert small_doc.has_node("live") and not small_doc.has_node("prod")
    assert small_doc.edge("gate-to-prod").target == "live"
    assert "live" in small_doc.layout and "prod" not in small_doc.layout
    assert events == [ModelEvent("node-renamed", ("prod", "live"), "id")]
    with pytest.raises(InvalidValueError, match="not a valid id"):
        small_doc.rename_node("live", "Live Stage")


def test_move_returns_the_old_position(small_doc: Sop, events) -> None:
    old = small_doc.move("dev", 10, 20)
    assert (old.x, old.y) == (0, 0)
    assert (small_doc.layout["dev"].x, small_doc.layout["dev"].y) == (10, 20)
    assert events == [ModelEvent("node-moved", ("dev",), "layout")]
    with pytest.raises(UnknownNodeError):
        small_doc.move("ghost", 0, 0)


def test_layout_stays_sorted_so_saves_are_stable(small_doc: Sop) -> None:
    small_doc.add_node(Stage(id="aaa", name="First"), (1, 1))
    assert list(small_doc.layout) == sorted(small_doc.layout)


def test_unsubscribe_stops_events(small_doc: Sop) -> None:
    seen: list[ModelEvent] = []
    small_doc.subscribe(seen.append)
    small_doc.unsubscribe(seen.append)
    small_doc.move("dev", 1, 1)
    assert seen == []


def test_revision_counts_changes(small_doc: Sop) -> None:
    before = small_doc.revision
    small_doc.move("dev", 5, 5)
    small_doc.set_field("dev", "name", "Dev")
    assert small_doc.revision == before + 2


def test_fresh_id_avoids_taken_ids(small_doc: Sop) -> None:
    assert small_doc.fresh_id("dev") == "dev-2"
    assert small_doc.fresh_id("Brand New Stage!") == "brand-new-stage"


def test_derived_values_are_cached_until_a_change(small_doc: Sop) -> None:
    calls: list[int] = []

    def build(doc: Sop) -> int:
        calls.append(1)
        return len(doc.nodes)

    assert small_doc.derived("count", build) == small_doc.derived("count", build)
    small_doc.add_node(Stage(id="extra", name="Extra"))
    assert small_doc.derived("count", build) == 7
    assert len(calls) == 2
