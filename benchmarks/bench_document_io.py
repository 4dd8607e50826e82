"""Load + structural validation + save of a 1,000-node document, against bare json (the floor)."""

from __future__ import annotations

import json

from app.model.io import dumps_document, loads_document
from benchmarks.timing import median_seconds, report
from synthetic.documents import large_document


def main() -> None:
    data = large_document(200)
    text = json.dumps(data, indent=2)
    nodes, edges = len(data["nodes"]), len(data["edges"])

    floor = median_seconds(lambda: json.dumps(json.loads(text), indent=2))
    ours = median_seconds(lambda: dumps_document(loads_document(text)))
    ratio = ours / floor
    report(
        f"load+validate+save, {nodes} nodes / {edges} edges ({len(text) // 1024} KiB)",
        f"{ours * 1000:.1f} ms",
        ratio,
        f"json.loads+json.dumps ({floor * 1000:.1f} ms)",
        "< 10x",
        ratio < 10,
    )


if __name__ == "__main__":
    main()
