"""One place per rule: the document builds new elements, decides what an edit changes, and
refuses with typed errors; the editor and the canvas ask the same functions."""

from __future__ import annotations

import pytest

from app.model import IllegalConnectionError, InvalidValueError, ModelEvent, Sop
from app.model.connections import can_connect
from app.model.io import dumps_document


def test_a_value_equal_to_the_current_one_changes_nothing(small_doc: Sop) -> None:
    """Criteria given back as plain data equal the models the gate holds: no event, no
    new revision (the editor then pushes no undo step)."""
    seen: list[ModelEvent] = []
    small_doc.subscribe(seen.append)
    revision = small_doc.state.revisions["content"]
    same = [c.model_dump(mode="json") for c in small_doc.node("gate").criteria]
    old = small_doc.set_field("gate", "criteria", same)
    assert old == small_doc.node("gate").criteria
    small_doc.set_document_field("title", small_doc.title)
    assert seen == [] and small_doc.state.revisions["content"] == revision


def test_new_nodes_get_a_fresh_id_a_readable_name_and_trigger_defaults(small_doc: Sop) -> None:
    trigger = small_doc.new_node("trigger")
    assert (trigger.id, trigger.name) == ("trigger-2", "Trigger 2")
    assert (trigger.metric, trigger.op, trigger.value) == ("accuracy", "<", 0)  # the catalog's
    assert small_doc.new_node("stage", "Dev").id == "dev-2"
    assert not small_doc.has_node("trigger-2")  # made, not added
    with pytest.raises(InvalidValueError, match="'swimlane' is not a node kind"):
        small_doc.new_node("swimlane")


def test_an_edge_kind_change_is_judged_by_can_connect(small_doc: Sop) -> None:
    """Re-kinding an edge asks the same rule as drawing one, with itself not counted."""
    small_doc.connect("gate", "prod", "reject", "gate-reject-prod")
    cases = {
        ("gate-reject-prod", "promote"): "a promote edge from 'gate' to 'prod' exists",
        ("prod-watch", "promote"): "a promote edge joins",
    }
    for (edge_id, kind), reason in cases.items():
        edge = small_doc.edge(edge_id)
        verdict = can_connect(small_doc, edge.source, edge.target, kind, replacing=edge_id)
        assert reason in verdict.reason
        with pytest.raises(IllegalConnectionError) as refused:
            small_doc.set_field(edge_id, "kind", kind)
        assert str(refused.value) == verdict.reason
    # an edge is not its own duplicate: setting the kind it has is allowed (and no change)
    assert can_connect(small_doc, "gate", "dev", "reject", replacing="gate-reject")
    small_doc.set_field("gate-reject", "kind", "reject")


def test_a_node_with_a_bad_position_is_not_added_at_all(small_doc: Sop) -> None:
    before = dumps_document(small_doc)
    with pytest.raises(InvalidValueError, match="position of 'qa'"):
        small_doc.add_node({"kind": "stage", "id": "qa", "name": "QA"}, (float("nan"), 0))
    assert dumps_document(small_doc) == before


def test_an_edge_of_no_known_kind_is_refused_naming_the_kinds(small_doc: Sop) -> None:
    with pytest.raises(IllegalConnectionError, match="'skip' is not an edge kind"):
        small_doc.connect("dev", "prod", "skip")
