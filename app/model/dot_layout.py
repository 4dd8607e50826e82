"""Node positions from Graphviz ``dot``: the graph written as DOT, laid out, read back as JSON.

Nodes are named by their index (``n0``, ``n1``...) and carry no label: ids and names never
reach DOT's quoting rules, and ``dot`` only places boxes of the sizes the canvas draws.
The answer (``-Tjson0``, which leaves out drawing operations) is parsed as JSON.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from typing import Literal

from app.model.document import Sop

Direction = Literal["TB", "LR"]
POINTS_PER_INCH = 72.0
"""Scene pixels are taken as points: ``dot`` works in inches and answers in points."""
NODE_SEPARATION = 30.0
"""Scene pixels between neighbouring nodes of one rank."""
RANK_SEPARATION = 44.0
"""Scene pixels between ranks: room for an arrow between two nodes."""
FREE_KINDS = frozenset({"reject"})
"""Back edges and cross links: drawn, but they may not stretch the promote path."""
POLL_SECONDS = 0.05


class LayoutFailedError(RuntimeError):
    """``dot`` is missing, failed, or was cancelled; the message says which, in one sentence."""


def dot_source(doc: Sop, direction: Direction, sizes: Mapping[str, tuple[float, float]]) -> str:
    """The document's graph as DOT: fixed-size boxes named by index, edges by kind."""
    index = {node.id: i for i, node in enumerate(doc.nodes)}
    kinds = {node.id: node.kind for node in doc.nodes}
    lines = [
        "digraph sop {",
        f"  graph [rankdir={direction} newrank=true splines=false"
        f" nodesep={NODE_SEPARATION / POINTS_PER_INCH:.3f}"
        f" ranksep={RANK_SEPARATION / POINTS_PER_INCH:.3f}]",
        '  node [shape=box fixedsize=true label=""]',
    ]
    for i, node in enumerate(doc.nodes):
        width, height = sizes[node.kind]
        lines.append(
            f"  n{i} [width={width / POINTS_PER_INCH:.3f} height={height / POINTS_PER_INCH:.3f}]"
        )
    for edge in doc.edges:
        if edge.source not in index or edge.target not in index:
            continue
        backwards = edge.kind in ("next", "rollback") and kinds[edge.target] == "stage"
        if edge.kind in FREE_KINDS or backwards:
            attributes = " [constraint=false]"
        else:
            attributes = " [weight=8]" if edge.kind == "promote" else ""
        lines.append(f"  n{index[edge.source]} -> n{index[edge.target]}{attributes}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_dot(
    source: str, cancelled: Callable[[], bool] = lambda: False, program: str = "dot"
) -> str:
    """``dot -Tjson0``'s answer for ``source``; LayoutFailedError when it cannot be had.

    ``cancelled`` is asked a few times a second while ``dot`` works: True stops it.
    """
    found = shutil.which(program)
    if found is None:
        raise LayoutFailedError(
            "Graphviz's dot program was not found on PATH; install Graphviz "
            "(apt-get install graphviz, brew install graphviz) to lay the diagram out"
        )
    try:
        process = subprocess.Popen(
            [found, "-Tjson0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
    except OSError as error:
        raise LayoutFailedError(f"Graphviz's dot could not be started: {error}") from None
    # communicate() on a thread of its own, waited for a few times a second: retrying
    # communicate() after a timeout stops writing the input (CPython registers stdin for
    # writing only when the input is passed again, which it then refuses), and dot waits.
    answer: dict[str, str] = {}

    def talk() -> None:
        answer["out"], answer["err"] = process.communicate(source)

    talker = threading.Thread(target=talk, name="dot", daemon=True)
    talker.start()
    while talker.is_alive():
        talker.join(POLL_SECONDS)
        if talker.is_alive() and cancelled():
            process.kill()
            talker.join()
            raise LayoutFailedError("auto-layout was cancelled; nothing moved")
    out, err = answer.get("out", ""), answer.get("err", "")
    if process.returncode != 0:
        reason = (err.strip().splitlines() or ["no message"])[-1]
        raise LayoutFailedError(f"Graphviz's dot failed (exit {process.returncode}): {reason}")
    return out


def read_centres(answer: str, count: int) -> dict[int, tuple[float, float]]:
    """Node index -> centre (x, y) in points with y growing downwards, from ``-Tjson0``."""
    try:
        objects = json.loads(answer).get("objects", [])
    except (ValueError, AttributeError):
        raise LayoutFailedError("Graphviz's dot answered something that is not JSON") from None
    centres: dict[int, tuple[float, float]] = {}
    for item in objects:
        name, pos = item.get("name", ""), item.get("pos")
        if not (isinstance(name, str) and name[:1] == "n" and name[1:].isdigit() and pos):
            continue  # a subgraph, or something this module did not write
        x, y = (float(part) for part in str(pos).split(",")[:2])
        centres[int(name[1:])] = (x, -y)
    if len(centres) != count:
        raise LayoutFailedError(f"Graphviz's dot placed {len(centres)} of {count} nodes")
    return centres
