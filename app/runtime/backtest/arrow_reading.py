"""Reading with pyarrow: CSV streamed in record batches, Parquet files and dataset folders.

CSV cells are read as text (empty cells null) and parsed by ``ArrowColumns`` as the Python
reader parses them. Whatever Arrow cannot report as precisely as the Python reader (bytes
that are not UTF-8, a bad row in a file whose cells hold line breaks, a field over the
Python reader's size limit, a header it reads otherwise) raises :class:`ExactReadingNeeded`:
the caller then reads the file again with the Python reader, which says which line is bad.
"""

from __future__ import annotations

import csv
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from app.runtime.backtest.kernels import text_bytes
from app.runtime.backtest.reading import _open

if TYPE_CHECKING:
    import pyarrow.dataset as pa_dataset
from app.runtime.backtest.result import BacktestInputError, BadRow

ARROW_BLOCK_BYTES = 8 << 20
SEGMENT_BYTES = 32 << 20
PARQUET_BATCH_ROWS = 65_536


class ExactReadingNeeded(Exception):
    """The file needs the Python reader to be told exactly (see the module's docstring)."""


class NumberedReadingNeeded(Exception):
    """A bad row turned up while Arrow read in parallel, which leaves records unnumbered."""


def arrow_csv_batches(
    stream: BinaryIO, header: list[str], header_line: int, parallel: bool = True
) -> Iterator[tuple[pa.RecordBatch | None, list[BadRow], int]]:
    """The CSV file's rows in record batches of text (None: a segment without rows), with
    the bad rows each batch held and the bytes of the file up to its last row (about: a
    segment's bytes are shared out among its batches by rows). The stream's position is
    no measure of what was decided: the reading runs ahead.

    ``header`` and ``header_line`` are what the Python reader found (the header checks are
    its own). The file goes to Arrow in segments of about SEGMENT_BYTES cut after a line
    end outside quotes, each read whole (Arrow decodes a segment's blocks on every core,
    where its streaming reader decodes one block after another) and let go once decided,
    so that memory stays flat. The next segment is read while the caller decides this
    one's batches. Read in ``parallel``, Arrow does not number records: a bad row raises
    :class:`NumberedReadingNeeded`."""
    return batches_of(csv_tables(stream, header, header_line, parallel))


def csv_tables(stream: BinaryIO, header: list[str], header_line: int, parallel: bool) -> Ahead:
    """The segments' batches and bad rows, the first already being read (see
    ``arrow_csv_batches``)."""
    stream.seek(0)
    return Ahead(_segment_tables(stream, header, header_line, parallel))


def batches_of(tables: Ahead) -> Iterator[tuple[pa.RecordBatch | None, list[BadRow], int]]:
    """Each batch of the segments read by ``csv_tables``, with the segment's bad rows given
    with its first batch, and the bytes read up to the batch's end."""
    start = 0
    with tables:
        for batches, bad, end in tables:
            rows = sum(batch.num_rows for batch in batches if batch is not None)
            done = 0
            for index in range(len(batches)):
                batch, batches[index] = batches[index], None  # freed once decided
                done += 0 if batch is None else batch.num_rows
                within = (end - start) * done // rows if rows else end - start
                yield batch, (bad if index == 0 else []), start + within
            start = end


def _segment_tables(
    stream: BinaryIO, header: list[str], header_line: int, parallel: bool
) -> Iterator[tuple[list[pa.RecordBatch | None], list[BadRow], int]]:
    """Each segment's batches (see ``_segment_batches``), bad rows, and the bytes of the
    file up to the segment's end."""
    breaks, bad_seen, quotes, lines_before, end = False, False, 0, 0, 0
    for index, segment in enumerate(_segments(stream)):
        end += len(segment)
        quoted = _quotes(segment)
        quotes += quoted
        first = index == 0
        # Arrow numbers records from 1: the header's in the first segment (blank lines
        # left out), the segment's first line in the others.
        offset = header_line - 1 if first else lines_before
        names = None if first else header
        batches, bad, seen = _segment_batches(
            segment, header, names, parallel, offset, bool(quoted)
        )
        breaks |= seen
        bad_seen |= bool(bad)
        yield batches, bad, end
        if not parallel:  # only a reading one block after another numbers bad rows
            lines_before += _line_ends(segment)
    if quotes % 2:  # a quote left open: Arrow drops the record it starts, silently
        raise ExactReadingNeeded
    if bad_seen and (breaks or _has_blank_lines(stream)):
        raise ExactReadingNeeded  # the lines Arrow numbered are not the file's lines


class Ahead:
    """The items of an iterator, made in a thread of their own up to ``depth`` ahead of the
    caller (Arrow's reading releases the GIL); the first ones are started at once. What
    making an item raises is raised in its turn. ``close`` (or leaving a ``with`` block)
    waits for the items being made and closes the iterator."""

    def __init__(self, items: Iterator[Any], depth: int = 2) -> None:
        self._items = items
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="backtest-read")
        # One worker makes the items one after another, in order.
        self._coming = deque(self._worker.submit(next, items, _END) for _ in range(depth))

    def __iter__(self) -> Ahead:
        return self

    def __next__(self) -> Any:
        if not self._coming:
            raise StopIteration
        try:
            item = self._coming.popleft().result()
        except BaseException:
            self.close()
            raise
        if item is _END:
            self.close()
            raise StopIteration
        self._coming.append(self._worker.submit(next, self._items, _END))
        return item

    def close(self) -> None:
        coming, self._coming = self._coming, deque()
        wait(coming)  # the worker is done with the items before they are closed here
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
        self._worker.shutdown()

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_END = object()


def _segments(
    stream: BinaryIO, size: int | None = None, quoted: bool = True
) -> Iterator[memoryview]:
    """The file in pieces of about ``size`` bytes (default SEGMENT_BYTES) that end after a
    ``\\n``; when cells may be ``quoted``, one with an even number of quotes before it (so
    not inside a quoted cell). A piece grows until it can be cut so.

    The pieces are views of one buffer, refilled in place: a fresh 32 MiB object for each
    would cost the kernel a page fault per 4 KiB, a tenth of the backtest's time. A piece is
    overwritten once the next is asked for; Arrow copies the cells it reads out of it."""
    buffer, kept = bytearray(size or SEGMENT_BYTES), 0
    while True:
        view = memoryview(buffer)
        filled = kept + _fill(stream, view[kept:])
        if filled < len(buffer):  # the end of the file: the rest goes in one piece
            if filled:
                yield view[:filled]
            return
        cut = buffer.rfind(b"\n") + 1
        if not cut or (quoted and _quotes(view[:cut]) % 2):  # no line end to cut at: grow
            buffer, kept = buffer + bytes(len(buffer)), filled
            continue
        yield view[:cut]
        rest = bytes(view[cut:])
        buffer[: len(rest)] = rest
        kept = len(rest)


def _fill(stream: BinaryIO, view: memoryview) -> int:
    """Read into ``view`` until it is full or the file ends; the bytes read."""
    done = 0
    while done < len(view):
        try:
            got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        except OSError as error:
            raise BacktestInputError(f"cannot be read: {error.strerror or error}") from None
        if not got:
            break
        done += got
    return done


def _count(segment: memoryview, needle: bytes) -> int:
    """Occurrences of ``needle`` in a segment (a view from the start of a bytes object)."""
    return segment.obj.count(needle, 0, len(segment))  # type: ignore[attr-defined,no-any-return]


def _quotes(segment: memoryview) -> int:
    """Quote characters in a segment; most files have none, which ``find`` sees fastest."""
    if segment.obj.find(b'"', 0, len(segment)) < 0:  # type: ignore[attr-defined]
        return 0
    return _count(segment, b'"')


def _line_ends(segment: memoryview) -> int:
    lines = _count(segment, b"\n")
    carriage = _count(segment, b"\r")
    return lines + carriage - _count(segment, b"\r\n") if carriage else lines


def _segment_batches(
    segment: bytes,
    header: list[str],
    names: list[str] | None,
    parallel: bool,
    offset: int,
    quoted: bool,
) -> tuple[list[pa.RecordBatch | None], list[BadRow], bool]:
    """One segment's batches (None when it has no rows), its bad rows, and whether its
    cells hold line breaks.

    Only a ``quoted`` segment can hold a line break inside a cell: the others are cut into
    blocks at any line end, which Arrow parses a third faster."""
    pending: list[Any] = []

    def bad_row(row: Any) -> str:
        pending.append((row.number, row.actual_columns, row.text))
        return "skip"

    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(segment)),
            read_options=pa_csv.ReadOptions(
                block_size=ARROW_BLOCK_BYTES, use_threads=parallel, column_names=names
            ),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=quoted, invalid_row_handler=bad_row
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                check_utf8=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a row over a block...
        raise ExactReadingNeeded from None
    if table.column_names != header:
        raise ExactReadingNeeded
    limit, width = csv.field_size_limit(), len(header)
    # The whole buffer the segment is a view of (ASCII there is ASCII in the segment):
    # bytes.isascii is one fast pass, where each column's bytes would be one each.
    ascii_only = getattr(segment, "obj", segment).isascii()
    breaks = False
    for column in table.columns:
        for array in column.chunks:
            breaks |= _inspect(array, limit, quoted, ascii_only)
    bad = []
    for number, fields, text in pending:
        if number is None:
            raise NumberedReadingNeeded
        if '"' in text or "\n" in text or "\r" in text or len(text) > limit:
            raise ExactReadingNeeded
        reason = f"has {fields} fields where the header has {width}"
        bad.append(BadRow(offset + number, reason))
    return table.to_batches() or [None], bad, breaks


def _has_blank_lines(stream: BinaryIO) -> bool:
    """Whether the file may have a blank line (or a line break inside a quoted cell):
    Arrow's record numbers leave blank lines out."""
    stream.seek(0)
    last = b""
    while block := stream.read(ARROW_BLOCK_BYTES):
        data = last + block
        if b"\n\n" in data or b"\r\r" in data or b"\n\r" in data:
            return True
        last = data[-1:]
    return False


def _inspect(array: pa.Array, limit: int, quoted: bool = True, ascii_only: bool = False) -> bool:
    """Whether a column's cells hold line breaks (only cells of a ``quoted`` segment can);
    raises when only the Python reader can tell what the column's rows are (bytes that are
    not UTF-8, unless the segment is ``ascii_only``; a field over its limit)."""
    offsets, data = text_bytes(array)
    if not len(data):
        return False
    if not ascii_only and int(data.max()) >= 128:
        try:
            array.validate(full=True)
        except pa.ArrowInvalid:
            raise ExactReadingNeeded from None
    if len(data) > limit and int(np.diff(offsets).max()) > limit:
        raise ExactReadingNeeded
    if not quoted or int(data.min()) > 13:
        return False
    return bool(((data == 10) | (data == 13)).any())


# --- Parquet ------------------------------------------------------------------------------


def parquet_source(path: str | os.PathLike[str]) -> pa_dataset.Dataset:
    """A Parquet file, or a folder of them (hive partitions such as ``tier=high/`` become
    columns)."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise BacktestInputError("does not exist")
    import pyarrow.dataset as pa_dataset  # ~60 ms to import: CSV files never need it

    folder = os.path.isdir(name)
    if not folder:
        _open(name)[0].close()  # a pipe or a device is refused, as for CSV
    try:
        source = pa_dataset.dataset(name, format="parquet", partitioning="hive" if folder else None)
    except (pa.ArrowInvalid, OSError) as error:
        raise BacktestInputError(f"cannot be read as Parquet: {_first_line(error)}") from None
    if folder and not source.files:
        raise BacktestInputError("is a folder without Parquet files")
    return source


def parquet_batches(
    source: pa_dataset.Dataset, columns: list[str]
) -> Iterator[tuple[pa.RecordBatch | None, int, list[BadRow], int]]:
    """Each row group's batches (columns decoded), with the rows read so far, then bad rows
    as (the first reported, how many): a row group that cannot be read is a run of bad rows,
    reported once by its first row's number (1-based)."""
    done = 0
    for fragment in source.get_fragments():
        try:
            groups = fragment.split_by_row_group()
        except (pa.ArrowInvalid, OSError) as error:
            raise BacktestInputError(
                f"{os.path.basename(fragment.path)} cannot be read as Parquet: {_first_line(error)}"
            ) from None
        for group in groups:
            rows = sum(g.num_rows for g in group.row_groups)
            try:
                batches = list(
                    group.to_batches(
                        schema=source.schema, columns=columns, batch_size=PARQUET_BATCH_ROWS
                    )
                )
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
                reason = (
                    f"and the {rows - 1:,} rows after it (a row group) cannot be read: "
                    if rows > 1
                    else "cannot be read: "
                ) + _first_line(error)
                done += rows
                yield None, done, [BadRow(done - rows + 1, reason)], rows
                continue
            for batch in batches:
                done += batch.num_rows
                yield decoded(batch), done, [], 0


def decoded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Dictionary-encoded columns (partition columns, say) as plain ones."""
    if not any(pa.types.is_dictionary(field.type) for field in batch.schema):
        return batch
    arrays = [
        array.dictionary_decode() if pa.types.is_dictionary(array.type) else array
        for array in batch.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
