"""``backtest``: replay a gate's criteria over a file of historical candidates (CSV or JSON lines).

One row per candidate: metric columns named by metric id, check columns by check id,
``baseline.<metric>`` columns, ``artifacts`` (a JSON list, or ``;``-separated text in CSV)
and ``tier``. The answer counts, per criterion, the rows that pass, fail, miss the value,
hold an invalid one or are skipped by tier; how many rows the criteria alone would promote,
reject or hold (approvals are not part of a backtest); and which blocking criteria block
most. A row that cannot be read at all (a wrong number of CSV fields, invalid JSON, a JSON
line that is not an object, bytes that are not UTF-8) is a *bad row*: counted, its line
reported, never fatal.

How a row becomes evidence (both paths share it):

- CSV: an empty cell is missing. A metric or baseline cell is the number Python's
  ``float`` reads; anything else (text, ``nan``, ``inf``) is invalid, as in ``check``. A check
  cell is text compared with ``equals`` exactly (a number or boolean ``equals`` never
  matches text). ``artifacts`` items are split on ``;`` and stripped.
- JSON lines: values keep their JSON types; an absent key or ``null`` is missing.
  ``artifacts`` is a list of strings (a string is split as in CSV). Integers of 300 digits
  or more become infinity (invalid), as evidence files are read.
- ``tier``: empty, absent, not text or unknown means the strictest tier.

Two paths give the same answer. The default reads each chunk of rows into numpy columns
(NaN plus masks telling missing from invalid) and decides the chunk with array operations;
``per_row=True`` builds an :class:`Evidence` per row and asks ``decide``, the code ``check``
runs, with the gate's approval rules removed. numpy is imported here only: ``check`` and
``monitor`` never import this module.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from typing import Any, BinaryIO

import numpy as np

from app.runtime import UnknownElementError, as_spec
from app.runtime.evaluate import OPERATORS, _number, _same, decide, evaluate_criterion
from app.spec.criteria import Approval
from app.spec.evidence import Candidate, Evidence
from app.spec.schema import GateSpec, SpecGate
from app.spec.types import json_type_name

STATUSES = ("pass", "fail", "missing", "invalid", "skipped")
OUTCOMES = ("promote", "reject", "hold")
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SHOWN_BAD_ROWS = 20
CHUNK_ROWS = 32_768
BLOCK_BYTES = 4 << 20
EXACT_LIMIT = 2**52
"""Larger integers (and sums of them) are not exact as float64: the rows or criteria that
hold one are decided by ``evaluate_criterion`` itself, so that both paths agree exactly."""

Progress = Callable[[int, int], None]
"""Called after each chunk with (bytes read, file size); it may raise to cancel."""

_SPACE = re.compile(r"\s")
_NOT_PLAIN = re.compile(r"[^0-9.eE+\-\n][^\n]*")  # from a cell's first odd character on
_ODD_BYTES = np.ones(256, bool)
_ODD_BYTES[list(b"0123456789.eE+-\n")] = False
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


class BacktestInputError(ValueError):
    """The results file cannot be used at all; ``str()`` says why, without the file name."""


@dataclass
class CriterionTally:
    """What one criterion did over every candidate."""

    id: str
    name: str
    severity: str
    tiers: list[str] | None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    rejects: int = 0
    """Rows it rejects: a fail, or a missing/invalid value whose policy is ``fail``."""
    holds: int = 0
    """Rows it holds: a missing/invalid value whose policy is ``hold``."""
    sole: int = 0
    """Rows it alone blocks: relaxing this criterion alone would promote them."""

    @property
    def applicable(self) -> int:
        return sum(self.counts.values()) - self.counts["skipped"]

    @property
    def pass_rate(self) -> float | None:
        """Passes among the rows it applies to (skipped rows left out); None if none."""
        return self.counts["pass"] / self.applicable if self.applicable else None

    @property
    def blocked(self) -> int:
        return self.rejects + self.holds

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity,
            "tiers": self.tiers,
            **self.counts,
            "pass_rate": self.pass_rate,
            "rejects": self.rejects,
            "holds": self.holds,
            "sole": self.sole,
        }


@dataclass
class BadRow:
    line: int
    reason: str


@dataclass
class BacktestResult:
    """The tally of a backtest: per criterion, per outcome, the top blockers, bad rows."""

    gate: str
    spec_digest: str
    source: str
    format: str
    method: str  # vectorised | per-row
    criteria: list[CriterionTally]
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    bad_rows: int = 0
    bad_lines: list[BadRow] = field(default_factory=list)  # the first SHOWN_BAD_ROWS
    absent_columns: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Candidates decided (bad rows are not candidates)."""
        return sum(self.outcomes.values())

    def blockers(self) -> list[CriterionTally]:
        """Blocking criteria that rejected or held any row, most rows first (then gate order)."""
        blocking = [t for t in self.criteria if t.severity == "blocking" and t.blocked]
        return sorted(blocking, key=lambda tally: -tally.blocked)

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "spec_digest": self.spec_digest,
            "results": self.source,
            "format": self.format,
            "method": self.method,
            "rows": self.rows,
            "outcomes": dict(self.outcomes),
            "criteria": [tally.to_json() for tally in self.criteria],
            "blockers": [
                {
                    "id": t.id,
                    "rows": t.blocked,
                    "rejects": t.rejects,
                    "holds": t.holds,
                    "sole": t.sole,
                }
                for t in self.blockers()
            ],
            "bad_rows": {
                "count": self.bad_rows,
                "first": [{"line": bad.line, "reason": bad.reason} for bad in self.bad_lines],
            },
            "absent_columns": self.absent_columns,
        }


def backtest(
    spec: GateSpec | dict[str, Any],
    gate: str,
    path: str | os.PathLike[str],
    *,
    per_row: bool = False,
    progress: Progress | None = None,
) -> BacktestResult:
    """Replay ``gate``'s criteria over the candidates in ``path`` (``.csv`` or ``.jsonl``).

    Raises ``UnknownElementError`` for an unknown gate and :class:`BacktestInputError` when
    the file cannot be used at all (missing, unreadable, unknown extension, no CSV header).
    """
    model = as_spec(spec)
    target = model.gate(gate)
    if target is None:
        known = ", ".join(g.id for g in model.gates)
        raise UnknownElementError(f"the spec has no gate {gate!r}; its gates are: {known}")
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if extension not in FORMATS:
        raise BacktestInputError(
            f"has the extension {extension or '(none)'!r}; backtest reads .csv or .jsonl files"
        )
    plan = _Plan(model, target, FORMATS[extension])
    result = plan.empty_result(os.fspath(path), "per-row" if per_row else "vectorised")
    stream, size = _open(path)
    collecting = gc.isenabled()
    gc.disable()  # chunks are many small acyclic objects: collecting them finds nothing
    try:
        with stream:
            lines = _Lines(stream)
            chunks = _csv_chunks(lines, plan) if plan.csv else _jsonl_chunks(lines, plan)
            for chunk in chunks:
                result.bad_rows += len(chunk.bad)
                result.bad_lines.extend(chunk.bad[: SHOWN_BAD_ROWS - len(result.bad_lines)])
                if chunk.rows and per_row:
                    _decide_rows(plan, chunk.rows, result)
                elif chunk.rows:
                    _decide_columns(plan, _Columns(plan, chunk.rows), result)
                if progress is not None:
                    progress(lines.done, size)
    finally:
        if collecting:
            gc.enable()
    result.absent_columns = plan.absent_columns()
    return result


# --- reading ---------------------------------------------------------------------------


@dataclass
class _Chunk:
    rows: list[Any]  # CSV: lists of cells as wide as the header; JSON lines: dicts
    bad: list[BadRow]


def _open(path: str | os.PathLike[str]) -> tuple[BinaryIO, int]:
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise BacktestInputError("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device could block forever
            raise BacktestInputError("is not a regular file")
        return open(path, "rb"), info.st_size
    except FileNotFoundError:
        raise BacktestInputError("does not exist") from None
    except PermissionError:
        raise BacktestInputError("cannot be read: permission denied") from None
    except OSError as error:
        raise BacktestInputError(f"cannot be read: {error.strerror or error}") from None


class _Lines:
    """A file's lines, line ends kept (as ``csv`` wants), read and decoded in large blocks.

    Bytes that are not UTF-8 never stop the reading: the lines holding them are noted in
    ``undecodable`` by 1-based number, and their rows become bad rows.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.done = 0  # bytes handed out as lines
        self.count = 0  # lines handed out
        self.undecodable: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        rest, first = b"", True
        while True:
            try:
                block = self.stream.read(BLOCK_BYTES)
            except OSError as error:
                raise BacktestInputError(f"cannot be read: {error.strerror or error}") from None
            data, rest = rest + block, b""
            if block:
                # Cut after the last line end; a final \r may be half of a \r\n.
                cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
                if not cut:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            self.done += len(data)
            if first:
                first = False
                if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise BacktestInputError(
                        "is not UTF-8 text (it looks like UTF-16); save it with UTF-8 encoding"
                    )
                data = data.removeprefix(codecs.BOM_UTF8)
            lines = self._split(data)
            self.count += len(lines)
            yield lines
            if not block:
                return

    def _split(self, data: bytes) -> list[str]:
        try:
            return _lines_of(data.decode("utf-8"))
        except UnicodeDecodeError:
            lines = _lines_of(data.decode("utf-8", "surrogateescape"))
            self.undecodable.update(
                self.count + index + 1 for index, line in enumerate(lines) if _ESCAPED.search(line)
            )
            return lines


def _lines_of(text: str) -> list[str]:
    """Lines ending at \\n, \\r or \\r\\n only (``str.splitlines`` also splits at \\f, \\x85...)."""
    lines = text.splitlines(keepends=True)
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    if len(lines) == ends + (bool(text) and not text.endswith(("\n", "\r"))):
        return lines
    return list(io.StringIO(text, newline=""))


def _csv_chunks(lines: _Lines, plan: _Plan) -> Iterator[_Chunk]:
    reader = csv.reader(lines)
    header: list[str] = []
    try:
        while not header:  # blank lines before the header are no columns
            header = next(reader)
    except StopIteration:
        raise BacktestInputError(
            "is empty; a CSV file starts with a header row naming its columns"
        ) from None
    except csv.Error as error:
        raise BacktestInputError(
            f"line {reader.line_num}: the header cannot be read as CSV: {error}"
        ) from None
    if any(number <= reader.line_num for number in lines.undecodable):
        raise BacktestInputError("the header is not UTF-8 text; save the file with UTF-8 encoding")
    if len(set(header)) < len(header):
        twice = next(name for index, name in enumerate(header) if name in header[:index])
        raise BacktestInputError(
            f"line {reader.line_num}: the header names the column {twice!r} twice; "
            "name each column once"
        )
    plan.bind_header(header)
    return _csv_records(reader, lines, len(header))


def _csv_records(reader: Any, lines: _Lines, width: int) -> Iterator[_Chunk]:
    while True:
        records: list[list[str]] = []
        errors: list[BadRow] = []
        segments = [(0, reader.line_num)]  # (index of a first record, the line just before it)
        finished = False
        while len(records) < CHUNK_ROWS:
            wanted, before = CHUNK_ROWS - len(records), len(records)
            try:
                records.extend(islice(reader, wanted))
            except csv.Error as error:  # the records read before it are kept by extend
                first, line = segments[-1]
                start = line + sum(map(_physical_lines, records[first:])) + 1
                errors.append(BadRow(start, f"cannot be read as CSV: {error}"))
                if reader.line_num <= start - 1:  # nothing consumed: never loop forever
                    finished = True
                    break
                segments.append((len(records), reader.line_num))
                continue
            finished = len(records) - before < wanted
            break
        if records or errors:
            yield _sort_records(records, segments, errors, width, lines, reader.line_num)
        if finished:
            return


def _physical_lines(record: list[str]) -> int:
    """How many lines a CSV record spans: one, plus the line breaks inside quoted fields."""
    return 1 + sum(f.count("\n") + f.count("\r") - f.count("\r\n") for f in record)


def _sort_records(
    records: list[list[str]],
    segments: list[tuple[int, int]],
    errors: list[BadRow],
    width: int,
    lines: _Lines,
    last_line: int,
) -> _Chunk:
    """Keep the records as wide as the header; the others are bad rows, with their lines."""
    undecodable = {n for n in lines.undecodable if segments[0][1] < n <= last_line}
    lengths = set(map(len, records))
    if lengths <= {width, 0} and not undecodable:
        return _Chunk(records if 0 not in lengths else [r for r in records if r], errors)
    rows, bad = [], list(errors)
    ends = [index for index, _ in segments[1:]] + [len(records)]
    for (first, line), end in zip(segments, ends, strict=True):
        for record in records[first:end]:
            start, line = line + 1, line + _physical_lines(record)
            if not record:
                continue  # a blank line is no candidate
            if len(record) != width:
                bad.append(BadRow(start, f"has {len(record)} fields where the header has {width}"))
            elif undecodable and not undecodable.isdisjoint(range(start, line + 1)):
                bad.append(BadRow(start, "is not UTF-8 text"))
            else:
                rows.append(record)
    bad.sort(key=lambda row: row.line)
    return _Chunk(rows, bad)


def _parse_int(digits: str) -> int | float:
    # As app.fileio reads evidence: an integer too long for a float becomes infinity, an
    # invalid value, instead of an OverflowError inside a comparison.
    return int(digits) if len(digits) < 300 else float(digits)


def _jsonl_chunks(lines: _Lines, plan: _Plan) -> Iterator[_Chunk]:
    decode = json.JSONDecoder(parse_int=_parse_int).decode
    numbered = enumerate(lines, start=1)
    while True:
        rows: list[dict[str, Any]] = []
        bad: list[BadRow] = []
        taken = 0
        for number, line in islice(numbered, CHUNK_ROWS):
            taken += 1
            if not line.strip():
                continue  # a blank line is no candidate
            if number in lines.undecodable:
                bad.append(BadRow(number, "is not UTF-8 text"))
                continue
            try:
                row = decode(line)
            except json.JSONDecodeError as error:
                reason = f"{error.msg[0].lower()}{error.msg[1:]} at column {error.colno}"
                bad.append(BadRow(number, f"is not valid JSON: {reason}"))
            except RecursionError:
                bad.append(BadRow(number, "is not valid JSON: nested too deeply"))
            except ValueError as error:
                bad.append(BadRow(number, f"is not valid JSON: {error}"))
            else:
                if isinstance(row, dict):
                    rows.append(row)
                else:
                    bad.append(BadRow(number, f"is {json_type_name(row)}, not a JSON object"))
        plan.see(rows)
        if rows or bad:
            yield _Chunk(rows, bad)
        if taken < CHUNK_ROWS:
            return


# --- rows as evidence (shared by both paths) -------------------------------------------


def _csv_number(cell: str) -> float | str:
    """A non-empty CSV cell as a metric value: the number ``float`` reads, else the text,
    which ``evaluate_criterion`` finds invalid (as it finds NaN and infinity)."""
    try:
        return float(cell)
    except ValueError:
        return cell


def _split_artifacts(text: str) -> list[str]:
    return [name for item in text.split(";") if (name := item.strip())]


def _json_artifacts(value: Any) -> list[str]:
    if isinstance(value, str):
        return _split_artifacts(value)
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _needs_exact(criterion: Any) -> bool:
    if criterion.form not in ("metric", "baseline"):
        return False
    constant = criterion.value if criterion.form == "metric" else criterion.delta
    return type(constant) is int and abs(constant) > EXACT_LIMIT


class _Plan:
    """What a gate needs from each row, and how a row becomes the evidence ``check`` sees."""

    def __init__(self, spec: GateSpec, gate: SpecGate, fmt: str) -> None:
        self.spec = spec
        self.format = fmt
        self.csv = fmt == "csv"
        self.criteria = list(gate.criteria)
        self.criteria_only = gate.model_copy(update={"approval": Approval()})
        self.tier_index = {tier: index for index, tier in enumerate(spec.tiers)}
        self.strictest = self.tier_index[spec.strictest_tier()]
        numeric = [c for c in self.criteria if c.form in ("metric", "baseline")]
        self.metrics = list(dict.fromkeys(c.metric for c in numeric))
        self.baselines = list(dict.fromkeys(c.metric for c in numeric if c.form == "baseline"))
        self.checks = list(dict.fromkeys(c.check for c in self.criteria if c.form == "check"))
        self.exact_only = {i for i, c in enumerate(self.criteria) if _needs_exact(c)}
        names = [*self.metrics, *(f"baseline.{m}" for m in self.baselines), *self.checks]
        if any(c.form == "artifact" for c in self.criteria):
            names.append("artifacts")
        self.wants_tier = any(c.tiers is not None for c in self.criteria)
        if self.wants_tier:
            names.append("tier")
        self.columns = list(dict.fromkeys(names))
        self.unseen = set(self.columns)
        self.positions: dict[str, int] = {}  # CSV: column name -> field index

    def empty_result(self, source: str, method: str) -> BacktestResult:
        return BacktestResult(
            gate=self.criteria_only.id,
            spec_digest=self.spec.digest,
            source=source,
            format=self.format,
            method=method,
            criteria=[
                CriterionTally(c.id, c.name, c.severity, None if c.tiers is None else list(c.tiers))
                for c in self.criteria
            ],
        )

    def bind_header(self, header: list[str]) -> None:
        self.positions = {name: header.index(name) for name in self.columns if name in header}
        self.unseen -= set(self.positions)

    def see(self, rows: list[dict[str, Any]]) -> None:
        for name in [n for n in self.unseen if any(n in row for row in rows)]:
            self.unseen.discard(name)

    def absent_columns(self) -> list[str]:
        return [name for name in self.columns if name in self.unseen]

    def evidence(self, row: Any) -> Evidence:
        """The evidence one row stands for: what ``decide`` reads on the per-row path."""
        if self.csv:
            values = {name: row[j] for name, j in self.positions.items() if row[j] != ""}
            metrics = {m: _csv_number(values[m]) for m in self.metrics if m in values}
            baseline = {
                m: _csv_number(values[key])
                for m in self.baselines
                if (key := f"baseline.{m}") in values
            }
            artifacts = _split_artifacts(values.get("artifacts", ""))
            tier = values.get("tier")
        else:
            values = row
            metrics = {m: row[m] for m in self.metrics if m in row}
            baseline = {m: row[key] for m in self.baselines if (key := f"baseline.{m}") in row}
            artifacts = _json_artifacts(row.get("artifacts"))
            tier = row.get("tier") if isinstance(row.get("tier"), str) else None
        return Evidence(
            candidate=Candidate(tier=tier),
            metrics=metrics,
            baseline=baseline,
            checks={c: values[c] for c in self.checks if c in values},
            artifacts=artifacts,
        )

    def tier_of(self, evidence: Evidence) -> str:
        tier = evidence.candidate.tier
        return tier if tier in self.tier_index else self.spec.strictest_tier()


# --- the per-row path: check's own code, one row at a time ------------------------------


def _decide_rows(plan: _Plan, rows: list[Any], result: BacktestResult) -> None:
    tallies = {tally.id: tally for tally in result.criteria}
    for row in rows:
        decision = decide(plan.spec, plan.criteria_only, plan.evidence(row))
        result.outcomes[decision.decision] += 1
        for outcome in decision.criteria:
            tallies[outcome.id].counts[outcome.status] += 1
        # decide's codes name each blocking criterion that rejects or holds the row.
        blockers = [code for code in decision.codes if code.startswith("criterion-")]
        for code in blockers:
            kind, _, criterion_id = code.partition(":")
            if kind.endswith("-hold"):
                tallies[criterion_id].holds += 1
            else:
                tallies[criterion_id].rejects += 1
        if len(blockers) == 1:
            tallies[blockers[0].partition(":")[2]].sole += 1


# --- the vectorised path: a chunk of rows as numpy columns ------------------------------

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]  # passes, missing, invalid (boolean)


class _Columns:
    """One chunk's columns, parsed once into arrays and shared by the gate's criteria."""

    def __init__(self, plan: _Plan, rows: list[Any]) -> None:
        self.plan, self.rows, self.n = plan, rows, len(rows)
        if plan.csv:
            transposed = list(zip(*rows, strict=True))
            self.raw: dict[str, Sequence[Any]] = {
                name: transposed[j] for name, j in plan.positions.items()
            }
        else:
            self.raw = {name: [row.get(name) for row in rows] for name in plan.columns}
        self._numbers: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]] = {}
        self._applies: dict[tuple[str, ...], np.ndarray] = {}
        self._padded: list[str] | None = None
        self.tier = self._tiers() if plan.wants_tier else None

    def _tiers(self) -> np.ndarray:
        raw = self.raw.get("tier")
        if raw is None:
            return np.full(self.n, self.plan.strictest, np.int16)
        if not self.plan.csv:
            raw = [value if isinstance(value, str) else None for value in raw]
        lookup = map(self.plan.tier_index.get, raw, repeat(self.plan.strictest))
        return np.fromiter(lookup, np.int16, self.n)

    def applies(self, criterion: Any) -> np.ndarray | None:
        """Rows whose tier the criterion applies to; None when it applies to every tier."""
        if criterion.tiers is None or self.tier is None:
            return None
        key = tuple(criterion.tiers)
        if key not in self._applies:
            table = np.array([tier in key for tier in self.plan.spec.tiers])
            self._applies[key] = table[self.tier]
        return self._applies[key]

    def number(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Values (NaN unless usable), missing and invalid masks, rows to decide exactly."""
        if name not in self._numbers:
            raw = self.raw.get(name)
            if raw is None:
                empty = np.zeros(self.n, bool)
                self._numbers[name] = (np.full(self.n, np.nan), ~empty, empty, [])
            else:
                self._numbers[name] = (_csv_numbers if self.plan.csv else _json_numbers)(raw)
        return self._numbers[name]

    def arrays(self, index: int, criterion: Any) -> Arrays:
        """Where the criterion passes, misses its value or finds it invalid (tiers aside)."""
        if index in self.plan.exact_only:
            return self._exact(criterion, range(self.n))
        form = criterion.form
        if form == "artifact":
            needle = f";{criterion.artifact};"
            passes = np.fromiter((needle in cell for cell in self._artifacts()), bool, self.n)
            return passes, ~passes, np.zeros(self.n, bool)
        if form == "check":
            return self._check(criterion)
        values, missing, invalid, inexact = self.number(criterion.metric)
        if form == "metric":
            threshold: Any = criterion.value
        else:
            base, base_missing, base_invalid, base_inexact = self.number(
                f"baseline.{criterion.metric}"
            )
            missing = missing | base_missing
            invalid = (invalid | base_invalid) & ~missing
            threshold = base + criterion.delta
            inexact = sorted({*inexact, *base_inexact})
        passes = OPERATORS[criterion.op](values, threshold)
        if criterion.op == "!=":  # NaN != x is true: unusable values never pass
            passes &= ~(missing | invalid)
        if inexact:
            return self._exact(criterion, inexact, (passes, missing, invalid))
        return passes, missing, invalid

    def _check(self, criterion: Any) -> Arrays:
        raw = self.raw.get(criterion.check)
        if raw is None:
            nothing = np.zeros(self.n, bool)
            return nothing, ~nothing, nothing
        if not self.plan.csv:
            codes = np.fromiter(map(_check_code, raw, repeat(criterion.equals)), np.int8, self.n)
            return codes == 0, codes == 2, codes == 3
        cells = np.array(raw, dtype=object)
        missing = cells == ""
        if isinstance(criterion.equals, str) and criterion.equals:
            passes = cells == criterion.equals
        else:  # a CSV cell is non-empty text: it never equals "" (missing), a number or a bool
            passes = np.zeros(self.n, bool)
        return passes, missing, np.zeros(self.n, bool)

    def _artifacts(self) -> list[str]:
        """Each row's artifacts as ``;a;b;``, so that membership is a substring test."""
        if self._padded is None:
            raw = self.raw.get("artifacts")
            if raw is None:
                self._padded = [""] * self.n
            elif not self.plan.csv:
                self._padded = [
                    ";" + ";".join(a for a in _json_artifacts(v) if ";" not in a) + ";" for v in raw
                ]
            elif _SPACE.search("".join(raw)):
                self._padded = [";" + ";".join(map(str.strip, c.split(";"))) + ";" for c in raw]
            else:
                self._padded = [f";{cell};" for cell in raw]
        return self._padded

    def _exact(self, criterion: Any, rows: Sequence[int], start: Arrays | None = None) -> Arrays:
        """Decide some rows with ``evaluate_criterion`` itself (integers beyond float64)."""
        if start is None:
            passes, missing, invalid = (np.zeros(self.n, bool) for _ in range(3))
        else:
            passes, missing, invalid = (array.copy() for array in start)
        for row in rows:
            evidence = self.plan.evidence(self.rows[row])
            status = evaluate_criterion(criterion, evidence, self.plan.tier_of(evidence)).status
            passes[row], missing[row], invalid[row] = (
                status == "pass",
                status == "missing",
                status == "invalid",
            )
        return passes, missing, invalid


def _float_or_nan(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _csv_numbers(cells: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """A CSV column as numbers, exactly as ``_csv_number`` reads each cell: the plain cells
    in one C-level pass of ``float``, the few odd ones (see ``_odd_cells``) one by one."""
    n = len(cells)
    odd = _odd_cells(cells)
    plain = cells
    if odd:
        plain = list(cells)
        for row in odd:
            plain[row] = "0"
    try:
        values = np.fromiter(map(float, plain), np.float64, n)
    except ValueError:  # "1e5e5", "--1": plain characters, still no number
        values = np.fromiter(map(_float_or_nan, plain), np.float64, n)
    missing = np.zeros(n, bool)
    for row in odd:
        missing[row] = not cells[row]
        values[row] = math.nan if missing[row] else _float_or_nan(cells[row])
    return _finish_numbers(values, missing, [])


def _odd_cells(cells: Sequence[str]) -> list[int]:
    """Rows whose cell is empty or holds anything but digits, ``.``, ``e``, ``E`` and signs."""
    blob = "\n".join(cells)
    if blob.isascii():
        codes = np.frombuffer(blob.encode("ascii"), np.uint8)
        breaks = np.flatnonzero(codes == 10)
        if len(breaks) == len(cells) - 1:  # no cell holds a line break of its own
            rows = set(np.searchsorted(breaks, np.flatnonzero(_ODD_BYTES[codes])).tolist())
            bounds = np.concatenate(([-1], breaks, [len(codes)]))
            rows.update(np.flatnonzero(np.diff(bounds) == 1).tolist())  # empty cells
            return sorted(rows)
    lengths = np.fromiter(map(len, cells), np.intp, len(cells))
    ends = np.cumsum(lengths + 1)  # just past each cell's separator in the blob
    starts = [match.start() for match in _NOT_PLAIN.finditer(blob)]
    rows = set(np.searchsorted(ends, starts, side="right").tolist())
    return sorted(rows.union(np.flatnonzero(lengths == 0).tolist()))


def _json_numbers(raw: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    n = len(raw)
    kinds = set(map(type, raw))
    if kinds <= {float, int}:  # the usual case: every value a JSON number
        values = np.fromiter(raw, np.float64, n)
        missing = np.zeros(n, bool)
        inexact = [] if int not in kinds else [i for i, v in enumerate(raw) if _is_big(v)]
        return _finish_numbers(values, missing, inexact)
    values, missing, inexact = np.full(n, np.nan), np.zeros(n, bool), []
    for index, value in enumerate(raw):
        if value is None:
            missing[index] = True
        elif (number := _number(value)) is not None:
            values[index] = float(number)
            if _is_big(value):
                inexact.append(index)
    return _finish_numbers(values, missing, inexact)


def _is_big(value: Any) -> bool:
    return type(value) is int and abs(value) > EXACT_LIMIT


def _finish_numbers(
    values: np.ndarray, missing: np.ndarray, inexact: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    invalid = ~np.isfinite(values)
    invalid &= ~missing
    if invalid.any():
        values[invalid] = np.nan  # so that no comparison passes an infinity
    return values, missing, invalid, inexact


def _check_code(value: Any, equals: Any) -> int:
    """evaluate_criterion's reading of one check value: 0 pass, 1 fail, 2 missing, 3 invalid."""
    if value is None:
        return 2
    if isinstance(value, dict | list) or (isinstance(value, float) and not math.isfinite(value)):
        return 3
    return 0 if _same(value, equals) else 1


def _policy_mask(criterion: Any, missing: np.ndarray, invalid: np.ndarray) -> np.ndarray | None:
    """Rows the criterion holds: missing/invalid values whose policy is ``hold``."""
    parts = [missing] if criterion.on_missing == "hold" else []
    if criterion.on_invalid == "hold":
        parts.append(invalid)
    return parts[0] | parts[1] if len(parts) == 2 else (parts[0] if parts else None)


def _decide_columns(plan: _Plan, columns: _Columns, result: BacktestResult) -> None:
    """decide's criteria part over a whole chunk: boolean arrays instead of one row at a time."""
    n = columns.n
    rejected, held = np.zeros(n, bool), np.zeros(n, bool)
    blocker_count = np.zeros(n, np.uint8 if len(plan.criteria) < 256 else np.uint32)
    blocking: list[tuple[CriterionTally, np.ndarray]] = []
    with np.errstate(all="ignore"):  # NaN and overflow are expected; masks handle them
        pairs = zip(plan.criteria, result.criteria, strict=True)
        for index, (criterion, tally) in enumerate(pairs):
            passes, missing, invalid = columns.arrays(index, criterion)
            applies = columns.applies(criterion)
            applicable = n
            if applies is not None:
                passes, missing, invalid = passes & applies, missing & applies, invalid & applies
                applicable = int(np.count_nonzero(applies))
            counts = tally.counts
            passed = int(np.count_nonzero(passes))
            absent = int(np.count_nonzero(missing))
            unusable = int(np.count_nonzero(invalid))
            counts["pass"] += passed
            counts["missing"] += absent
            counts["invalid"] += unusable
            counts["fail"] += applicable - passed - absent - unusable
            counts["skipped"] += n - applicable
            if criterion.severity != "blocking":
                continue  # advisory criteria are reported, never decisive
            blocked = ~passes
            if applies is not None:
                blocked &= applies
            holding = _policy_mask(criterion, missing, invalid)
            rejecting = blocked if holding is None else blocked & ~holding
            if holding is not None:
                held |= holding
                tally.holds += int(np.count_nonzero(holding))
            rejected |= rejecting
            tally.rejects += int(np.count_nonzero(rejecting))
            blocker_count += blocked
            blocking.append((tally, blocked))
    alone = blocker_count == 1
    for tally, blocked in blocking:
        tally.sole += int(np.count_nonzero(blocked & alone))
    rejects = int(np.count_nonzero(rejected))
    holds = int(np.count_nonzero(held & ~rejected))  # reject beats hold
    result.outcomes["reject"] += rejects
    result.outcomes["hold"] += holds
    result.outcomes["promote"] += n - rejects - holds
