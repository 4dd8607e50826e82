"""Connections go around nodes: straight where nothing is in the way, orthogonal around
node boxes otherwise, and reject paths (and other back edges) never drawn through other
nodes nor on top of the edge they return along."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPathStroker
from PySide6.QtWidgets import QApplication

from app.model.document import Sop
from app.model.templates import template_ids
from app.ui.canvas.lanes import Lanes, overlaps
from app.ui.canvas.routing import CLEARANCE, inflate, port, route, segment_hits, segments
from app.ui.main_window import MainWindow
from tests.gui.seen import (
    auto_layout,
    crossings,
    open_template,
)

TEMPLATES = template_ids()


# -- every template, as opened and after auto-layout ---------------------------------------


def test_no_connection_runs_through_a_node_as_the_templates_open(designer) -> None:  # type: ignore[no-untyped-def]
    found = []
    for template in TEMPLATES:
        open_template(designer, template)
        found += [f"{template}: {line}" for line in crossings(designer)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_no_connection_runs_through_a_node_after_auto_layout(designer, direction) -> None:  # type: ignore[no-untyped-def]
    found = []
    for template in TEMPLATES:
        open_template(designer, template)
        auto_layout(designer, direction)
        found += [f"{template}: {line}" for line in crossings(designer)]
        designer.editor.stack.setClean()
    assert not found, "\n".join(found)


def test_a_reject_path_goes_around_not_along_the_promote_edge(designer) -> None:  # type: ignore[no-untyped-def]
    """Each reject edge keeps apart from every edge joining the same two nodes."""
    stroker = QPainterPathStroker()
    stroker.setWidth(3.0)
    found = []
    for template in TEMPLATES:
        open_template(designer, template)
        scene, doc = designer.scene, designer.editor.doc
        for edge in doc.edges:
            if edge.kind != "reject":
                continue
            band = stroker.createStroke(scene.edges[edge.id].path())
            for other in doc.edges:
                if other.id != edge.id and {other.source, other.target} == {
                    edge.source,
                    edge.target,
                }:
                    middle = scene.edges[other.id].path().pointAtPercent(0.5)
                    if band.contains(middle):
                        found.append(f"{template}: {edge.id} lies on {other.id}")
    assert not found, "\n".join(found)


def test_a_node_dropped_across_a_connection_sends_it_around(qtbot, small_doc: Sop) -> None:
    # given dev and prod far apart on one row, the straight edge between them clear
    small_doc.disconnect("gate-reject")
    small_doc.disconnect("dev-to-gate")
    small_doc.disconnect("gate-to-prod")
    small_doc.connect("dev", "gate", "promote", "dev-to-gate")
    small_doc.move("gate", 190, 0)
    small_doc.move("prod", 380, 0)
    small_doc.move("acc-drop", 700, 0)
    small_doc.move("revert", 540, 330)
    small_doc.move("verify", 0, 330)
    window = MainWindow(small_doc)
    qtbot.addWidget(window)
    window.show()
    # the trigger watches prod from the far right: a straight line, through nothing
    assert len(window.scene.edges["prod-watch"].points()) == 2
    # when a node is moved into the middle of that line
    window.editor.move({"verify": (540, 0)})
    # then the connection goes around it, and back to straight once it has gone
    assert not crossings(window)
    assert len(window.scene.edges["prod-watch"].points()) > 2
    window.editor.stack.undo()
    assert len(window.scene.edges["prod-watch"].points()) == 2
    window.editor.stack.setClean()


# -- the router itself -------------------------------------------------------------------

STAGE = (-75.0, -28.0, 75.0, 28.0)


def shifted(rect, dx: float, dy: float = 0.0):  # type: ignore[no-untyped-def]
    return (rect[0] + dx, rect[1] + dy, rect[2] + dx, rect[3] + dy)


def assert_orthogonal_and_clear(points, source, target, obstacles) -> None:  # type: ignore[no-untyped-def]
    assert points[0] in [port(source, side) for side in ("top", "bottom", "left", "right")]
    assert points[-1] in [port(target, side) for side in ("top", "bottom", "left", "right")]
    for a, b in itertools.pairwise(points):
        assert a[0] == b[0] or a[1] == b[1], f"{a} -> {b} is not axis-parallel"
        for obstacle in obstacles:
            assert not segment_hits(a, b, inflate(obstacle, CLEARANCE / 2))


def test_a_route_goes_around_a_node_in_the_way() -> None:
    source, middle, target = STAGE, shifted(STAGE, 190), shifted(STAGE, 380)
    points = route(source, target, [middle])
    assert points is not None
    assert_orthogonal_and_clear(points, source, target, [middle])
    assert len(points) >= 4  # out, around, back in


def test_a_back_edge_leaves_and_enters_across_the_row() -> None:
    gate, stage = shifted(STAGE, 190), STAGE
    points = route(gate, stage, [], ("top", "bottom"), ("top", "bottom"))
    assert points is not None
    assert points[0] in (port(gate, "top"), port(gate, "bottom"))
    assert points[-1] in (port(stage, "top"), port(stage, "bottom"))
    assert_orthogonal_and_clear(points, gate, stage, [])


def test_a_second_route_is_moved_a_lane_aside() -> None:
    source, middle, target = STAGE, shifted(STAGE, 190), shifted(STAGE, 380)
    lanes = Lanes()
    first = route(source, target, [middle], taken=lanes)
    assert first is not None
    lanes.set("first", first)
    second = route(source, target, [middle], taken=lanes)
    assert second is not None
    inner = segments(second)[1:-1]
    assert not any(overlaps(a, b) for a in inner for b in segments(first)[1:-1])
    assert_orthogonal_and_clear(second, source, target, [middle])


def test_no_route_when_the_node_is_walled_in() -> None:
    walls = [
        shifted(STAGE, 0, -60),
        shifted(STAGE, 0, 60),
        shifted(STAGE, -160, 0),
        shifted(STAGE, 160, 0),
        shifted(STAGE, -160, -60),
        shifted(STAGE, 160, -60),
        shifted(STAGE, -160, 60),
        shifted(STAGE, 160, 60),
    ]
    assert route(STAGE, shifted(STAGE, 600), walls) is None


def test_a_straight_connection_is_kept_where_nothing_is_in_the_way(qtbot, small_doc: Sop) -> None:
    window = MainWindow(small_doc)
    qtbot.addWidget(window)
    window.show()
    item = window.scene.edges["dev-to-gate"]
    start, end = item.points()
    assert start.y() == end.y() == 0.0
    assert window.scene.nodes["dev"].outline().contains(start - QPointF(1, 0))
    window.editor.stack.setClean()


def test_a_long_connection_is_drawn_at_once_and_routed_when_idle(qtbot) -> None:
    """Moving a node far across a large diagram never waits for its long connections to be
    routed: they are drawn straight at once, then routed around every node when idle."""
    from synthetic.documents import large_document

    window = MainWindow(Sop.model_validate(large_document(30)))
    qtbot.addWidget(window)
    window.show()
    QApplication.processEvents()
    scene = window.scene
    # when the last stage is moved into the middle of the runbooks at the far left
    window.editor.move({"s-29": (380, 195)})
    waiting = set(scene._unrouted)
    # then its long connections are drawn (straight for now), and routed once idle
    assert waiting, "nothing was left for the idle moment: the test moves too little"
    for edge_id in waiting:
        assert len(scene.edges[edge_id].points()) == 2
        assert not scene.edges[edge_id].sceneBoundingRect().isEmpty()
    qtbot.waitUntil(lambda: not scene._unrouted, timeout=5000)
    assert not crossings(window)
    assert any(len(scene.edges[edge_id].points()) > 2 for edge_id in waiting)
    window.editor.stack.setClean()
