"""Reading a results file: CSV or JSON lines, decoded in blocks, in chunks of rows, bad rows."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, BinaryIO

from app.runtime.backtest.result import BacktestInputError, BadRow

if TYPE_CHECKING:
    from app.runtime.backtest.plan import _Plan

CHUNK_ROWS = 32_768
BLOCK_BYTES = 4 << 20
HEADER_BLOCK_BYTES = 64 << 10
FORMATS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


@dataclass
class _Chunk:
    rows: list[Any]  # CSV: lists of cells as wide as the header; JSON lines: dicts
    bad: list[BadRow]


def results_format(path: str | os.PathLike[str]) -> str:
    """``csv``, ``jsonl`` or ``parquet``, from the extension (a folder is a Parquet dataset)."""
    name = os.fspath(path)
    if os.path.isdir(name):
        return "parquet"
    extension = os.path.splitext(name)[1].lower()
    if extension not in FORMATS:
        raise BacktestInputError(
            f"has the extension {extension or '(none)'!r}; backtest reads .csv, .jsonl and "
            ".parquet files, or a folder of Parquet files"
        )
    return FORMATS[extension]


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
    ``undecodable`` by 1-based number, and their rows become bad rows. ``first_line``: the
    number of the stream's first line (a piece of a file read from its middle, where a byte
    order mark is no such thing).
    """

    def __init__(self, stream: BinaryIO, block: int | None = None, first_line: int = 1) -> None:
        self.stream = stream
        self.block = block  # bytes read at a time (default: BLOCK_BYTES)
        self.done = 0  # bytes handed out as lines
        self.count = first_line - 1  # lines handed out, and those before the stream
        self.undecodable: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        rest, first = b"", self.count == 0
        while True:
            try:
                block = self.stream.read(self.block or BLOCK_BYTES)
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
    reader, header = csv_header(lines)
    plan.bind_header(header)
    return _csv_records(reader, lines, len(header))


def csv_header(lines: _Lines) -> tuple[Any, list[str]]:
    """The CSV reader, past the header, and the header (checked: present, UTF-8, each
    column named once)."""
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
    return reader, header


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


def _jsonl_chunks(lines: _Lines, plan: _Plan) -> Iterator[_Chunk]:
    # Imported here: CSV files never need them (and pydantic comes with app.spec.types).
    from app.spec.jsondata import JSON_DECODER
    from app.spec.types import json_type_name

    decode = JSON_DECODER.decode  # a key twice in a line makes it a bad row
    numbered = enumerate(lines, start=lines.count + 1)
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
