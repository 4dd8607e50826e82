"""All rules on a 1,000-node document against building its networkx graph alone (the floor),
and one edit followed by re-validation, as the designer does on every change."""

from __future__ import annotations

from app.model.document import Sop
from app.model.graph import build_graph
from app.validate.engine import validate
from benchmarks.timing import median_seconds, report
from synthetic.documents import large_document


def main() -> None:
    doc = Sop.model_validate(large_document(200))
    assert not [d for d in validate(doc) if d.severity == "error"], "the generated SOP is valid"
    nodes, edges = len(doc.nodes), len(doc.edges)

    floor = median_seconds(lambda: build_graph(doc))
    # A fresh copy each time, so that nothing is cached from the previous round.
    copies = iter([Sop.model_validate(large_document(200)) for _ in range(20)])
    full = median_seconds(lambda: validate(next(copies)), repeat=15, warmup=2)
    ratio = full / floor
    report(
        f"all rules, {nodes} nodes / {edges} edges",
        f"{full * 1000:.1f} ms",
        ratio,
        f"building the networkx graph ({floor * 1000:.1f} ms)",
        "< 30 ms and < 10x",
        full < 0.030 and ratio < 10,
    )

    state = {"value": 0.9}

    def edit_and_revalidate() -> None:
        state["value"] = 0.91 if state["value"] == 0.9 else 0.9
        criteria = doc.node("g-100").criteria
        doc.set_field("g-100", "criteria", [criteria[0].model_copy(update=state), *criteria[1:]])
        validate(doc)

    edit = median_seconds(edit_and_revalidate)
    report(
        "one threshold edit + re-validation (graph facts cached)",
        f"{edit * 1000:.1f} ms",
        edit / full,
        "a full validation",
        "< 10 ms",
        edit < 0.010,
    )

    def move_and_revalidate() -> None:
        doc.move("s-50", 10, 20)
        doc.derived("validate.diagnostics", validate)

    move = median_seconds(move_and_revalidate)
    report(
        "one move + re-validation (nothing to redo)",
        f"{move * 1000:.2f} ms",
        move / full,
        "a full validation",
        "< 10 ms",
        move < 0.010,
    )


if __name__ == "__main__":
    main()
