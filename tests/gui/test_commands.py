"""Every undo command and editor macro: execute, undo and redo, judged on the document's bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QUndoCommand

from app.model.autolayout import layered_layout
from app.model.document import Sop
from app.model.edges import Edge
from app.model.errors import (
    DuplicateIdError,
    IllegalConnectionError,
    InvalidValueError,
    ModelError,
    UnknownNodeError,
)
from app.model.io import dumps_document
from app.model.nodes import Stage
from app.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    DisconnectCommand,
    MoveCommand,
    RemoveNodeCommand,
    RenameNodeCommand,
    SetDocumentFieldCommand,
    SetFieldCommand,
)
from app.ui.editor import DocumentEditor


@pytest.fixture
def editor(qapp, small_doc: Sop) -> DocumentEditor:
    return DocumentEditor(small_doc)


@dataclass(frozen=True)
class Case:
    """One edit: how to issue it on an editor, and what must be true once it ran."""

    name: str
    issue: Callable[[DocumentEditor], object]
    expect: Callable[[Sop], None]


def _push(make: Callable[[Sop], QUndoCommand]) -> Callable[[DocumentEditor], object]:
    return lambda editor: editor.stack.push(make(editor.doc))


def _added(doc: Sop) -> None:
    assert doc.node("qa").kind == "stage"
    assert (doc.layout["qa"].x, doc.layout["qa"].y) == (570, 0)


def _removed(doc: Sop) -> None:
    assert not doc.has_node("gate")
    assert "gate" not in doc.layout
    assert not any("gate" in (e.source, e.target) for e in doc.edges)


def _connected(doc: Sop) -> None:
    edge = doc.edge("gate-to-dev")
    assert (edge.source, edge.target, edge.kind) == ("gate", "dev", "promote")
    assert doc.edges[-1].id == "gate-to-dev"


def _disconnected(doc: Sop) -> None:
    assert not doc.has_edge("gate-reject")


def _field_set(doc: Sop) -> None:
    assert doc.node("gate").name == "Final gate"


def _edge_kind_set(doc: Sop) -> None:
    assert doc.edge("gate-reject").kind == "promote"


def _document_field_set(doc: Sop) -> None:
    assert doc.title == "Renamed SOP"
    assert [role.id for role in doc.roles] == ["ml-lead", "sre"]


def _renamed(doc: Sop) -> None:
    assert doc.has_node("release-gate") and not doc.has_node("gate")
    assert doc.edge("dev-to-gate").target == "release-gate"
    assert doc.edge("gate-reject").source == "release-gate"
    assert "release-gate" in doc.layout and "gate" not in doc.layout


def _moved(doc: Sop) -> None:
    assert (doc.layout["dev"].x, doc.layout["dev"].y) == (10, 20)
    assert (doc.layout["revert"].x, doc.layout["revert"].y) == (190, 330)


def _deleted(doc: Sop) -> None:
    assert not doc.has_node("dev") and not doc.has_node("verify")
    assert not doc.has_edge("prod-watch")
    assert {e.id for e in doc.edges} == {"gate-to-prod", "start-revert"}


def _pasted(doc: Sop) -> None:
    assert doc.node("gate-2").name == "Release gate"
    assert doc.node("prod-2").name == "Production"
    assert any(e.source == "gate-2" and e.target == "prod-2" for e in doc.edges)
    assert (doc.layout["gate-2"].x, doc.layout["gate-2"].y) == (230, 40)


def _laid_out(doc: Sop) -> None:
    assert set(doc.layout) == {n.id for n in doc.nodes}


def _small_layout(editor: DocumentEditor) -> None:
    positions = layered_layout(editor.doc)
    editor.move({i: (p.x, p.y) for i, p in positions.items()}, "Auto-layout")


CASES = [
    Case(
        "AddNode",
        _push(lambda doc: AddNodeCommand(doc, Stage(id="qa", name="QA"), (570, 0))),
        _added,
    ),
    Case("RemoveNode", _push(lambda doc: RemoveNodeCommand(doc, "gate")), _removed),
    Case(
        "Connect",
        _push(
            lambda doc: ConnectCommand(
                doc, Edge(id="gate-to-dev", source="gate", target="dev", kind="promote")
            )
        ),
        _connected,
    ),
    Case("Disconnect", _push(lambda doc: DisconnectCommand(doc, "gate-reject")), _disconnected),
    Case(
        "SetField",
        _push(lambda doc: SetFieldCommand(doc, "gate", "name", "Final gate")),
        _field_set,
    ),
    Case(
        "SetField on an edge",
        _push(lambda doc: SetFieldCommand(doc, "gate-reject", "kind", "promote")),
        _edge_kind_set,
    ),
    Case(
        "SetDocumentField",
        lambda editor: (
            editor.stack.beginMacro("Catalog"),
            editor.stack.push(SetDocumentFieldCommand(editor.doc, "title", "Renamed SOP")),
            editor.stack.push(
                SetDocumentFieldCommand(
                    editor.doc,
                    "roles",
                    [r.model_dump() for r in editor.doc.roles if r.id != "risk"],
                )
            ),
            editor.stack.endMacro(),
        ),
        _document_field_set,
    ),
    Case("RenameNode", _push(lambda doc: RenameNodeCommand(doc, "gate", "release-gate")), _renamed),
    Case(
        "Move",
        _push(
            lambda doc: MoveCommand(
                doc,
                {"dev": (doc.layout["dev"], (10, 20)), "revert": (None, (190, 330))},
            )
        ),
        _moved,
    ),
    Case(
        "Delete macro (nodes and edges)",
        lambda editor: editor.delete(["dev", "verify", "prod-watch", "dev-to-gate", "nope"]),
        _deleted,
    ),
    Case(
        "Paste macro",
        lambda editor: editor.paste(editor.copy(["gate", "prod"])),
        _pasted,
    ),
    Case("Auto-layout macro", _small_layout, _laid_out),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_execute(editor: DocumentEditor, case: Case) -> None:
    # given a document and an empty history
    before = dumps_document(editor.doc)
    # when the edit is issued
    case.issue(editor)
    # then the document shows its effect, and the history holds exactly one step
    case.expect(editor.doc)
    assert dumps_document(editor.doc) != before
    assert editor.stack.count() == 1
    assert not editor.stack.isClean()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_undo(editor: DocumentEditor, case: Case) -> None:
    # given an edit that ran
    before = dumps_document(editor.doc)
    case.issue(editor)
    # when it is undone
    editor.stack.undo()
    # then the document is byte for byte what it was, and clean again
    assert dumps_document(editor.doc) == before
    assert editor.stack.isClean()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_redo(editor: DocumentEditor, case: Case) -> None:
    # given an edit that ran and was undone
    case.issue(editor)
    executed = dumps_document(editor.doc)
    editor.stack.undo()
    # when it is redone (twice round, so that commands keep what they need)
    editor.stack.redo()
    editor.stack.undo()
    editor.stack.redo()
    # then the document is byte for byte what the edit first made
    assert dumps_document(editor.doc) == executed
    case.expect(editor.doc)


def test_a_stack_of_every_edit_unwinds_to_the_original(editor: DocumentEditor) -> None:
    # given every edit above applied one after another (on whatever the previous left)
    original = dumps_document(editor.doc)
    editor.add_node("stage", (570, 0), "QA")
    editor.connect("gate", "qa", "promote")
    editor.set_property("qa", "description", "Quality assurance")
    editor.rename("qa", "quality")
    editor.move({"quality": (600, 10), "dev": (-10, 0)})
    editor.set_document_property("title", "Bigger SOP")
    editor.paste(editor.copy(["dev", "gate"]))
    editor.delete(["prod", "gate-reject"])
    final = dumps_document(editor.doc)
    # when everything is undone, then redone
    while editor.stack.canUndo():
        editor.stack.undo()
    undone = dumps_document(editor.doc)
    while editor.stack.canRedo():
        editor.stack.redo()
    # then the bytes match the original, then the final state
    assert undone == original
    assert dumps_document(editor.doc) == final


# -- refusals: the editor checks first, so nothing broken ever lands on the stack ----------


def _unchanged(editor: DocumentEditor, attempt: Callable[[], object], error: type) -> None:
    before, count = dumps_document(editor.doc), editor.stack.count()
    with pytest.raises(error):
        attempt()
    assert dumps_document(editor.doc) == before
    assert editor.stack.count() == count


def test_renaming_a_missing_node_is_refused_before_the_push(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.rename("nope", "fine"), UnknownNodeError)


def test_renaming_to_a_bad_or_taken_id_is_refused(editor: DocumentEditor) -> None:
    """The editor passes on the document's own errors: a taken id is a DuplicateIdError
    naming the id, as the model raises it."""
    _unchanged(editor, lambda: editor.rename("gate", "Bad Id"), InvalidValueError)
    _unchanged(editor, lambda: editor.rename("gate", "prod-watch"), DuplicateIdError)
    with pytest.raises(DuplicateIdError) as refused:
        editor.rename("gate", "prod-watch")
    assert refused.value.element_id == "prod-watch"


def test_moving_a_missing_node_is_refused_before_the_push(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.move({"dev": (0, 10), "nope": (1, 2)}), UnknownNodeError)


def test_moving_to_a_position_that_is_not_a_number_is_refused(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.move({"dev": (float("nan"), 0)}), InvalidValueError)


def test_adding_an_unknown_kind_is_refused(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.add_node("swimlane", (0, 0)), InvalidValueError)


def test_illegal_connections_are_refused(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.connect("dev", "prod", "promote"), IllegalConnectionError)
    _unchanged(editor, lambda: editor.connect("dev", "gate", "promote"), IllegalConnectionError)
    _unchanged(editor, lambda: editor.connect("dev", "nope", "monitor"), IllegalConnectionError)


def test_bad_field_values_are_refused(editor: DocumentEditor) -> None:
    _unchanged(editor, lambda: editor.set_property("gate", "name", 5), InvalidValueError)
    _unchanged(editor, lambda: editor.set_property("gate", "id", "other"), InvalidValueError)
    _unchanged(editor, lambda: editor.set_document_property("version", "one"), ModelError)


def test_pasting_nothing_adds_no_step(editor: DocumentEditor) -> None:
    # given a clipboard holding only an edge (copy keeps nodes and the edges among them)
    payload = editor.copy(["gate-reject"])
    # when it is pasted
    pasted = editor.paste(payload)
    # then nothing was added, not even an empty undo step
    assert pasted == []
    assert editor.stack.count() == 0


def test_edits_that_change_nothing_add_no_step(editor: DocumentEditor) -> None:
    position = editor.doc.layout["dev"]
    editor.move({"dev": (position.x, position.y)})
    editor.set_property("gate", "name", "Release gate")
    editor.set_document_property("title", editor.doc.title)
    editor.rename("gate", "gate")
    editor.delete(["nope"])
    assert editor.stack.count() == 0
