"""Generated release histories for the staging gate of the deployment-gate template: the
backtest dialog's tests and its README screenshot read them."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

COLUMNS = [
    "accuracy",
    "auc",
    "baseline.accuracy",
    "demographic-parity-gap",
    "artifacts",
    "tier",
    "incident",
]


def history_rows(count: int, seed: int = 7) -> list[dict[str, object]]:
    """``count`` releases; the less accurate a model, the likelier it caused an incident."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for _ in range(count):
        accuracy = round(min(max(rng.gauss(0.9, 0.03), 0.0), 1.0), 4)
        risk = 0.6 if accuracy < 0.87 else 0.25 if accuracy < 0.89 else 0.05
        rows.append(
            {
                "accuracy": accuracy,
                "auc": round(min(max(rng.gauss(0.9, 0.02), 0.0), 1.0), 4),
                "baseline.accuracy": round(accuracy - rng.uniform(-0.01, 0.02), 4),
                "demographic-parity-gap": round(abs(rng.gauss(0.03, 0.02)), 4),
                "artifacts": "model-card" if rng.random() < 0.97 else "",
                "tier": rng.choice(["low", "medium", "high"]),
                "incident": int(rng.random() < risk),
            }
        )
    return rows


def write_history_csv(path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, COLUMNS)
        writer.writeheader()
        writer.writerows(history_rows(count, seed))
    return path


def write_history_jsonl(path: Path, count: int, seed: int = 7) -> Path:
    with path.open("w", encoding="utf-8") as stream:
        for row in history_rows(count, seed):
            row = {**row, "artifacts": [row["artifacts"]] if row["artifacts"] else []}
            stream.write(json.dumps(row) + "\n")
    return path


def write_history_parquet(path: Path, count: int, seed: int = 7) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = history_rows(count, seed)
    table = pa.table(
        {
            name: [([r[name]] if r[name] else []) if name == "artifacts" else r[name] for r in rows]
            for name in COLUMNS
        }
    )
    pq.write_table(table, path)
    return path
