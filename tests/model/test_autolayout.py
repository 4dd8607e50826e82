"""Auto-layout without a display: the DOT written, dot's JSON read back, long rows wrapped
to the view's shape, and every way it can fail said in one sentence."""

from __future__ import annotations

import itertools
import json
import shutil
import threading

import pytest

from app.model.autolayout import LayoutJob, auto_layout, builtin_layout, wrap_rows
from app.model.document import Sop, new_document
from app.model.dot_layout import LayoutFailedError, dot_source, read_centres, run_dot
from app.model.templates import load_template, template_ids
from tests.environment import IN_CI

SIZES = {
    "stage": (150.0, 56.0),
    "gate": (150.0, 80.0),
    "trigger": (140.0, 62.0),
    "action": (150.0, 56.0),
    "check": (140.0, 56.0),
}
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and not IN_CI, reason="Graphviz is not installed"
)


def chain(length: int, ids: list[str] | None = None) -> Sop:
    doc = new_document("chain", "Chain")
    names = ids or [f"n{i}" for i in range(length)]
    for index, node_id in enumerate(names):
        kind = "stage" if index % 2 == 0 else "gate"
        doc.add_node({"kind": kind, "id": node_id, "name": f"Node {index}"}, (0, 0))
        if index:
            doc.connect(names[index - 1], node_id, "promote", f"e{index}")
    return doc


def boxes(doc: Sop, positions: dict[str, tuple[float, float]]) -> dict[str, tuple]:
    out = {}
    for node in doc.nodes:
        x, y = positions[node.id]
        w, h = SIZES[node.kind]
        out[node.id] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return out


def assert_apart(doc: Sop, positions: dict[str, tuple[float, float]]) -> None:
    for (a, ra), (b, rb) in itertools.combinations(boxes(doc, positions).items(), 2):
        overlap = ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]
        assert not overlap, (a, b)


def extent(doc: Sop, positions: dict[str, tuple[float, float]]) -> tuple[float, float]:
    rects = boxes(doc, positions).values()
    return (
        max(r[2] for r in rects) - min(r[0] for r in rects),
        max(r[3] for r in rects) - min(r[1] for r in rects),
    )


def test_dot_source_carries_no_user_text() -> None:
    """Nodes are named by index and unlabelled: no id or name reaches DOT's quoting rules."""
    doc = chain(3, ["a-b", "c-d", "e-f"])
    hostile = ['a"];x', "$(rm -rf /)", "\u202eevil <b>\\N"]
    for node, name in zip(doc.nodes, hostile, strict=False):
        doc.set_field(node.id, "name", name)
    text = dot_source(doc, "TB", SIZES)
    for node in doc.nodes:
        assert node.id not in text and node.name not in text
    assert "rankdir=TB" in text and "n0 -> n1" in text and "n1 -> n2" in text
    assert 'label=""' in text


def test_back_and_cross_edges_do_not_stretch_the_ranks(small_doc: Sop) -> None:
    text = dot_source(small_doc, "LR", SIZES)
    index = {node.id: i for i, node in enumerate(small_doc.nodes)}
    assert f"n{index['gate']} -> n{index['dev']} [constraint=false]" in text  # reject
    assert f"n{index['verify']} -> n{index['prod']} [constraint=false]" in text  # back to a stage
    assert f"n{index['dev']} -> n{index['gate']} [weight=8]" in text  # promote


def test_read_centres_parses_json_and_flips_y() -> None:
    answer = json.dumps(
        {
            "objects": [
                {"name": "n0", "pos": "10,200"},
                {"name": "n1", "pos": "80.5,20"},
                {"name": "cluster", "nodes": [0, 1]},  # a subgraph: no position
            ]
        }
    )
    assert read_centres(answer, 2) == {0: (10.0, -200.0), 1: (80.5, -20.0)}


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("not json", "not JSON"),
        ('{"objects": [{"name": "n0", "pos": "1,2"}]}', "placed 1 of 2 nodes"),
        ("[1, 2]", "not JSON"),
    ],
)
def test_read_centres_refuses_a_bad_answer(answer: str, reason: str) -> None:
    with pytest.raises(LayoutFailedError, match=reason):
        read_centres(answer, 2)


def test_a_missing_dot_is_said_in_one_sentence(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LayoutFailedError) as caught:
        run_dot("digraph {}")
    message = str(caught.value)
    assert "not found on PATH" in message and "install Graphviz" in message
    assert "\n" not in message


def test_a_cancelled_layout_stops_dot(monkeypatch, tmp_path) -> None:
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\nexec /bin/sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    asked = []
    with pytest.raises(LayoutFailedError, match="cancelled"):
        run_dot("digraph {}", cancelled=lambda: asked.append(1) or len(asked) > 2)
    assert len(asked) == 3


def test_a_large_graph_reaches_a_slow_dot_whole(monkeypatch, tmp_path) -> None:
    """More DOT than a pipe holds, to a dot that starts reading late: all of it arrives
    (retrying communicate() after a timeout used to stop writing, and dot waited forever)."""
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\n/bin/sleep 0.3\nwc -c\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    source = dot_source(chain(6000), "LR", SIZES)
    assert len(source.encode()) > 4 * 65536  # a pipe holds 64 KiB on Linux
    answer: list[str] = []
    worker = threading.Thread(target=lambda: answer.append(run_dot(source)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "run_dot never finished"
    assert int(answer[0].split()[0]) == len(source.encode())


def test_a_failing_dot_is_said_with_its_last_message(monkeypatch, tmp_path) -> None:
    broken = tmp_path / "dot"
    broken.write_text("#!/bin/sh\necho 'Warning: x' >&2\necho 'Error: out of memory' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LayoutFailedError, match=r"failed \(exit 3\): Error: out of memory"):
        run_dot("digraph {}")


def test_wrapping_a_long_row_fills_the_view_shape() -> None:
    doc = chain(30)
    row = {node.id: (index * 200.0, 0.0) for index, node in enumerate(doc.nodes)}
    sizes = {node.id: SIZES[node.kind] for node in doc.nodes}
    wide = wrap_rows(row, "LR", sizes, aspect=100.0)
    assert len({y for _x, y in wide.values()}) == 1  # a very wide view: one row
    wrapped = wrap_rows(row, "LR", sizes, aspect=1.5)
    rows = sorted({y for _x, y in wrapped.values()})
    assert 3 <= len(rows) <= 8
    width, height = extent(doc, wrapped)
    assert 0.8 < (width / height) / 1.5 < 2.5
    assert_apart(doc, wrapped)
    # reading order: along a row left to right, rows top to bottom
    order = [wrapped[node.id] for node in doc.nodes]
    assert order == sorted(order, key=lambda p: (p[1], p[0]))
    # snapped to the grid, the top-left corner at the origin
    assert all(x % 10 == 0 and y % 10 == 0 for x, y in wrapped.values())
    assert 0 <= min(x - 75 for x, _ in wrapped.values()) < 10


def test_wrapping_a_tall_column_makes_columns_side_by_side() -> None:
    doc = chain(30)
    column = {node.id: (0.0, index * 120.0) for index, node in enumerate(doc.nodes)}
    sizes = {node.id: SIZES[node.kind] for node in doc.nodes}
    wrapped = wrap_rows(column, "TB", sizes, aspect=1.5)
    columns = sorted({x for x, _y in wrapped.values()})
    assert len(columns) > 2
    order = [wrapped[node.id] for node in doc.nodes]
    assert order == sorted(order, key=lambda p: (p[0], p[1]))
    assert_apart(doc, wrapped)


def test_nothing_to_lay_out() -> None:
    assert wrap_rows({}, "LR", {}, 1.5) == {}
    assert LayoutJob.of(new_document(), "TB", SIZES).run() == {}


@needs_dot
@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize("template_id", template_ids())
def test_every_template_lays_out_apart_and_compact(template_id: str, direction) -> None:
    doc = load_template(template_id)
    positions = auto_layout(doc, direction, SIZES, aspect=1.46)
    assert set(positions) == {node.id for node in doc.nodes}
    assert_apart(doc, positions)
    width, height = extent(doc, positions)
    assert width * 0.6 <= 768 * 1.3 and height * 0.6 <= 526 * 1.3


@pytest.mark.parametrize("direction", ["TB", "LR"])
def test_the_builtin_layout_needs_no_graphviz(
    small_doc: Sop, direction, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    positions = builtin_layout(small_doc, direction, SIZES, 1.5)
    assert set(positions) == {node.id for node in small_doc.nodes}
    assert_apart(small_doc, positions)
    dev, gate = positions["dev"], positions["gate"]
    assert (gate[0] > dev[0]) if direction == "LR" else (gate[1] > dev[1])


@needs_dot
def test_the_job_reads_nothing_of_the_document_once_prepared(small_doc: Sop) -> None:
    job = LayoutJob.of(small_doc, "LR", SIZES)
    small_doc.remove_node("verify")  # the document changes while dot works
    positions = job.run()
    assert "verify" in positions and len(positions) == 6
