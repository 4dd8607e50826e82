"""The decision ledger: appending decisions on SQLite and on PostgreSQL against bare inserts
of the same rows (sqlite3 / psycopg, one transaction per row on both sides: a pipeline
records one decision per process); `check --ledger` as a process against `check`; `ledger
stats` over 100,000 decisions on SQLite, against one bare aggregate query in a process.

PostgreSQL is the local server packaging/test-services.sh starts; the benchmark makes its
own user and database as the cluster's superuser (root: runuser), and says so when it
cannot."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.compiler.compile import compile_data
from app.model.io import save_document
from app.model.templates import load_template
from app.runtime import check
from app.runtime.ledger import Ledger
from app.runtime.ledger_backends import TABLE
from app.runtime.ledger_entries import COLUMNS, Draft, check_draft
from app.spec.files import write_spec
from app.spec.schema import GateSpec
from benchmarks.timing import median_process_seconds, paired_medians, report

APPENDS = 200
STATS_DECISIONS = 100_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def drafts(spec: GateSpec, count: int) -> list[Draft]:
    """``count`` decisions at the template's gates: real decision documents, candidates and
    times varied (holds, rejects and promotions; a production rollback now and then)."""
    evidence = {"candidate": {"model": "scorer", "version": "1", "tier": "low",
                              "submitted_by": "carol"}, "metrics": {"accuracy": 0.5}}  # fmt: skip
    made: list[Draft] = []
    gates = spec.promote_path()
    base = {gate.id: check_draft(spec, check(spec, gate.id, evidence, at=START)) for gate in gates}
    steps = [("hold", ()), ("reject", ("accuracy",)), ("promote", ())]
    number = 0
    while len(made) < count:
        version = str(number)
        for gate in gates:
            for decision, blocked in steps:
                at = START + timedelta(minutes=7 * len(made))
                made.append(replace(base[gate.id], decision=decision, decided_at=at,
                                    blocked_by=blocked, candidate={"model": "scorer",
                                    "version": version, "tier": "low"}))  # fmt: skip
        number += 1
    return made[:count]


def the_spec() -> tuple[GateSpec, dict[str, Any]]:
    data = compile_data(load_template("startup-lightweight"))
    return GateSpec.model_validate(data), data


def bench_sqlite_appends(work: Path, rows: list[Draft]) -> None:
    entries = _entries(rows)

    def ours() -> None:
        path = work / f"ours-{secrets.token_hex(4)}.db"
        with Ledger.open(str(path), create=True) as ledger:
            for draft in rows:
                ledger.append(draft)

    def floor() -> None:
        path = work / f"bare-{secrets.token_hex(4)}.db"
        connection = sqlite3.connect(path, isolation_level=None)
        _bare_schema(connection.execute, "INTEGER")
        sql = _insert_sql("?")
        for entry in entries:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(sql, entry)
            connection.execute("COMMIT")
        connection.close()

    mine, base = paired_medians(ours, floor, repeat=5)
    report(
        f"ledger appends on SQLite ({APPENDS} decisions, one transaction each)",
        f"{APPENDS / mine:.0f} decisions/s",
        mine / base,
        f"bare sqlite3 inserts of the same rows ({APPENDS / base:.0f} rows/s)",
        "< 2x",
        mine / base < 2,
    )


def _entries(rows: list[Draft]) -> list[list[Any]]:
    entries, previous = [], ""
    for seq, draft in enumerate(rows, start=1):
        entry = draft.entry(seq, previous, START)
        entries.append([getattr(entry, name) for name in COLUMNS])
        previous = entry.hash
    return entries


def _bare_schema(execute: Any, seq: str) -> None:
    """The same table and indexes as the ledger's, without its chain."""
    columns = ", ".join(
        f"{name} {seq} PRIMARY KEY" if name == "seq" else f"{name} TEXT" for name in COLUMNS
    )
    execute(f"CREATE TABLE bare ({columns})")
    execute(
        "CREATE INDEX bare_figures ON bare "
        "(sop_id, kind, gate, decision, model, version, decided_at, stage, blocked_by)"
    )
    execute("CREATE INDEX bare_by_stage ON bare (stage, model)")


def _insert_sql(mark: str) -> str:
    return f"INSERT INTO bare ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"


def _superuser(sql: str) -> None:
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql]
    if os.geteuid() == 0 and shutil.which("runuser"):
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, cwd="/", timeout=60)


def bench_postgres_appends(rows: list[Draft]) -> None:
    try:
        import psycopg

        user, password = f"gw_bench_{secrets.token_hex(4)}", secrets.token_hex(12)
        _superuser(f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
    except (ImportError, OSError, subprocess.SubprocessError) as error:
        print(f"ledger appends on PostgreSQL: not measured (no server or psycopg: {error})")
        return
    try:
        _superuser(f"CREATE DATABASE {user} OWNER {user}")
        url = f"postgresql://{user}:{password}@127.0.0.1:5432/{user}"
        entries = _entries(rows)
        with psycopg.connect(url, autocommit=True) as connection:
            _bare_schema(connection.execute, "BIGINT")
        with Ledger.open(url) as ledger, psycopg.connect(url, autocommit=True) as connection:
            sql = _insert_sql("%s")

            def ours() -> None:
                for draft in rows:
                    ledger.append(draft)

            rounds = iter(range(1, 1000))

            def floor() -> None:
                shift = next(rounds) * len(entries)  # new rows each round, as ours
                for entry in entries:
                    with connection.transaction():
                        connection.execute(sql, [entry[0] + shift, *entry[1:]])

            mine, base = paired_medians(ours, floor, repeat=5)
        report(
            f"ledger appends on PostgreSQL ({APPENDS} decisions, one transaction each)",
            f"{APPENDS / mine:.0f} decisions/s",
            mine / base,
            f"bare psycopg inserts of the same rows ({APPENDS / base:.0f} rows/s)",
            "< 2x",
            mine / base < 2,
        )
    finally:
        _superuser(f"DROP DATABASE IF EXISTS {user} WITH (FORCE)")
        _superuser(f"DROP ROLE IF EXISTS {user}")


def bench_check_process(work: Path, data: dict[str, Any]) -> None:
    spec_path, evidence_path = work / "spec.json", work / "evidence.json"
    write_spec(data, spec_path)
    evidence_path.write_text(json.dumps({"candidate": {"model": "m", "version": "1"}}))
    command = [sys.executable, "-m", "app", "check", str(spec_path), "--gate", "review-gate",
               "--evidence", str(evidence_path)]  # fmt: skip
    os.environ.pop("GATEWRIGHT_LEDGER", None)  # the floor must record nothing
    mine = median_process_seconds(_tolerant([*command, "--ledger", str(work / "check.db")]))
    base = median_process_seconds(_tolerant(command))
    report(
        "`gatewright check --ledger FILE` as a process (SQLite, one decision recorded)",
        f"{mine * 1000:.0f} ms",
        mine / base,
        f"`gatewright check` without a ledger ({base * 1000:.0f} ms)",
        "< 1.3x",
        mine / base < 1.3,
    )


def _tolerant(command: list[str]) -> list[str]:
    """``command`` wrapped so that its exit code (1: reject) does not stop the timing."""
    return ["sh", "-c", '"$@"; test $? -le 3', "sh", *command]


def bench_stats(work: Path, spec: GateSpec) -> None:
    path = work / "stats.db"
    rows = drafts(spec, STATS_DECISIONS)
    with Ledger.open(str(path), create=True) as ledger:
        ledger.append(rows[0])
    entries, previous = [], ledger_hash(path)
    for seq, draft in enumerate(rows[1:], start=2):
        entry = draft.entry(seq, previous, START)
        entries.append([getattr(entry, name) for name in COLUMNS])
        previous = entry.hash
    with sqlite3.connect(path) as connection:  # the setup: one transaction, not timed
        connection.executemany(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            entries,
        )
        connection.execute("UPDATE gatewright_ledger_head SET seq = ?, hash = ?",
                           [len(rows), previous])  # fmt: skip
    sop = work / "startup.sop.json"
    save_document(load_template("startup-lightweight"), sop, backup=False)
    command = [sys.executable, "-m", "app", "ledger", "stats", str(sop), "--ledger", str(path),
               "--json"]  # fmt: skip
    floor = [sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
             f"'SELECT gate, decision, COUNT(*) FROM {TABLE} GROUP BY gate, decision')"
             ".fetchall()", str(path)]  # fmt: skip
    mine = median_process_seconds(command, repeat=5)
    base = median_process_seconds(floor, repeat=5)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app", "ledger", "verify", "--ledger", str(path)],
                   check=True, capture_output=True)  # fmt: skip
    verify = time.perf_counter() - start
    report(
        f"`gatewright ledger stats` over {STATS_DECISIONS:,} decisions (SQLite, a process)",
        f"{mine:.2f} s (verify: {verify:.2f} s)",
        mine / base,
        f"one bare GROUP BY query in a process ({base:.2f} s)",
        "< 2 s",
        mine < 2,
    )


def ledger_hash(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("SELECT hash FROM gatewright_ledger_head").fetchone()[0])


def main() -> None:
    spec, data = the_spec()
    rows = drafts(spec, APPENDS)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bench_sqlite_appends(work, rows)
        bench_postgres_appends(rows)
        bench_check_process(work, data)
        bench_stats(work, spec)


if __name__ == "__main__":
    main()
