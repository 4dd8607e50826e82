"""Recording 10,000 drill or run rows in the workspace, against bare sqlite3 (the floor).

Both sides write to a file on the same disk with the same settings (WAL, synchronous=FULL,
the same columns and indexes) and encode the JSON columns, which any store of these rows
must do. The workspace's bulk calls (``record_drills``, ``record_runs``) write one
hash-chained audit entry per batch, not per row; the per-row API (one transaction, one
audit entry and one fsync per call) is measured too, for information.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from app.store.workspace import Workspace
from benchmarks.timing import median_seconds, report

ROWS = 10_000
PER_ROW = 500

DRILL_TABLE = """CREATE TABLE drills (id INTEGER PRIMARY KEY, sop_id TEXT NOT NULL,
    trainee TEXT NOT NULL, scenario TEXT NOT NULL, answers TEXT NOT NULL, score TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL, seconds REAL NOT NULL,
    recorded_at TEXT NOT NULL)"""
DRILL_INDEXES = (
    "CREATE INDEX drills_by_trainee ON drills (trainee, id)",
    "CREATE INDEX drills_by_sop ON drills (sop_id, id)",
)
RUN_TABLE = """CREATE TABLE runs (id INTEGER PRIMARY KEY, sop_id TEXT NOT NULL,
    scenario TEXT NOT NULL, seed INTEGER NOT NULL, runs INTEGER NOT NULL,
    parameters TEXT NOT NULL, summary TEXT NOT NULL, events TEXT NOT NULL,
    recorded_at TEXT NOT NULL)"""
RUN_INDEXES = ("CREATE INDEX runs_by_sop ON runs (sop_id, id)",)


def drill_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "sop_id": f"sop-{i % 5}",
            "trainee": f"trainee-{i % 40}",
            "scenario": f"scenario-{i % 7}",
            "answers": [
                {"step": "detect", "answer": "a"},
                {"step": "revert", "answer": "b"},
                {"step": "verify", "answer": "c"},
            ],
            "score": {"score": 12.5, "max_score": 15, "minutes": 21.0, "sla_met": True},
            "started_at": "2026-11-21T10:00:00Z",
            "finished_at": "2026-11-21T10:05:07Z",
            "seconds": 307.0 + i,
        }
        for i in range(count)
    ]


def run_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "sop_id": f"sop-{i % 5}",
            "scenario": "regression",
            "seed": i,
            "runs": 1,
            "parameters": {"file": "credit.sop.json", "spec_digest": "sha256:" + "ab" * 32},
            "summary": {"promoted": 1, "rejected": 0, "held": 0, "lead_time_hours": 5.5},
            "events": [
                {"t": 0.0, "kind": "submit", "node": "dev"},
                {"t": 1.5, "kind": "gate", "node": "gate", "decision": "promote"},
                {"t": 5.5, "kind": "deploy", "node": "prod"},
            ],
        }
        for i in range(count)
    ]


def _floor_connection(path: Path, table: str, indexes: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute(table)
    for index in indexes:
        connection.execute(index)
    return connection


def floor_insert(
    connection: sqlite3.Connection, table: str, rows: list[dict[str, Any]], json_columns: set[str]
) -> None:
    """The floor: encode the JSON columns, then one executemany in one transaction."""
    columns = [*rows[0], "recorded_at"]
    values = [
        (
            *(json.dumps(row[c]) if c in json_columns else row[c] for c in columns[:-1]),
            "2026-11-21T10:06:00Z",
        )
        for row in rows
    ]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    connection.execute("BEGIN")
    connection.executemany(sql, values)
    connection.execute("COMMIT")


def measure(
    folder: Path,
    kind: str,
    rows: list[dict[str, Any]],
    table: str,
    indexes: tuple[str, ...],
    json_columns: set[str],
) -> None:
    floor_db = _floor_connection(folder / f"floor-{kind}.db", table, indexes)
    name = "drills" if kind == "drill" else "runs"
    floor = median_seconds(lambda: floor_insert(floor_db, name, rows, json_columns), repeat=9)
    with Workspace.open(folder / f"workspace-{kind}.db") as workspace:
        bulk = workspace.record_drills if kind == "drill" else workspace.record_runs
        ours = median_seconds(lambda: bulk(rows), repeat=9)
        assert workspace.verify_audit() is None
    floor_db.close()
    ratio = ours / floor
    report(
        f"record {len(rows):,} {kind} rows (one audit entry per batch)",
        f"{len(rows) / ours:,.0f} rows/s ({ours * 1000:.1f} ms)",
        ratio,
        f"sqlite3 executemany ({len(rows) / floor:,.0f} rows/s, {floor * 1000:.1f} ms)",
        "< 2x",
        ratio < 2,
    )


def measure_per_row(folder: Path, rows: list[dict[str, Any]]) -> None:
    floor_db = _floor_connection(folder / "floor-per-row.db", DRILL_TABLE, DRILL_INDEXES)
    floor = median_seconds(
        lambda: floor_insert(floor_db, "drills", rows, {"answers", "score"}), repeat=5
    )
    floor_db.close()
    with Workspace.open(folder / "workspace-per-row.db") as workspace:

        def one_by_one() -> None:
            for row in rows:
                workspace.record_drill(**row)

        ours = median_seconds(one_by_one, repeat=3, warmup=1)
    ratio = ours / floor
    print(
        f"record {len(rows):,} drill rows one call each (own transaction, audit entry and "
        f"fsync per row): {len(rows) / ours:,.0f} rows/s; {ratio:.1f}x the executemany floor "
        "(for information: interactive use records one drill at a time)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="gatewright-bench-") as name:
        folder = Path(name)
        measure(folder, "drill", drill_rows(ROWS), DRILL_TABLE, DRILL_INDEXES, {"answers", "score"})
        measure(
            folder,
            "run",
            run_rows(ROWS),
            RUN_TABLE,
            RUN_INDEXES,
            {"parameters", "summary", "events"},
        )
        measure_per_row(folder, drill_rows(PER_ROW))


if __name__ == "__main__":
    main()
