"""backtest read by pyarrow: CSV (and when it hands over to the Python reader), Parquet files
and dataset folders; every answer the same as the per-row path's."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.runtime.backtest import BacktestInputError, arrow_reading, backtest
from tests.runtime.test_backtest import (
    CSV_ROWS,
    EXPECTED,
    GATE,
    HEADER,
    PROPERTY,
    PROPERTY_COLUMNS,
    PROPERTY_GATE,
    ROWS,
    SPEC,
    as_json_row,
    both,
    counts,
    write_csv,
)


def reader_of(path: Path, gate: str = GATE) -> str:
    return backtest(SPEC, gate, path).reader


def test_a_clean_csv_is_read_by_arrow(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "results.csv", ROWS)
    assert reader_of(path) == "arrow"
    assert counts(both(path)) == EXPECTED
    assert backtest(SPEC, GATE, path, per_row=True).reader == "python"


def test_bad_rows_without_line_breaks_keep_arrow_and_their_lines(tmp_path: Path) -> None:
    good = ",".join(ROWS[0])
    lines = [",".join(HEADER), good, "1,2", good, good + ",x", good]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert reader_of(path) == "arrow"
    answer = both(path)
    assert [bad["line"] for bad in answer["bad_rows"]["first"]] == [3, 5]


@pytest.mark.parametrize(
    "tail",
    [
        b"\n\n1,2\n",  # a blank line before a bad row: Arrow's record numbers skip it
        b'\n0.9,"a\nb",1\n',  # a bad row holding a line break
        b"\n0.95,\xff,100,passed,0.01,model-card,high,0.01\n",  # bytes that are not UTF-8
        b'\n"unterminated,1\n',
    ],
)
def test_what_arrow_cannot_number_is_read_again_by_python(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "odd.csv"
    body = "\n".join([",".join(HEADER), *(",".join(row) for row in ROWS)])
    path.write_bytes(body.encode() + tail + ",".join(ROWS[0]).encode() + b"\n")
    assert reader_of(path) == "python"
    assert both(path)["bad_rows"]["count"] >= 1


def test_small_arrow_blocks_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = ",".join(ROWS[0])
    lines = [",".join(HEADER)] + [good, "1,2"] * 40
    path = tmp_path / "blocks.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    whole = both(path)
    monkeypatch.setattr(arrow_reading, "ARROW_BLOCK_BYTES", 256)
    monkeypatch.setattr(arrow_reading, "SEGMENT_BYTES", 300)  # a reader per few rows
    assert reader_of(path) == "arrow"
    assert both(path) == whole
    assert whole["bad_rows"]["first"][:2] == [
        {"line": 3, "reason": "has 2 fields where the header has 8"},
        {"line": 5, "reason": "has 2 fields where the header has 8"},
    ]


ODD_LINES = st.lists(
    st.sampled_from(["", "1,2", "a", '"x', "1,2,3,4,5,6,7,8,9,10,11", "  "]), max_size=4
)


@PROPERTY
@given(rows=CSV_ROWS, odd=ODD_LINES, where=st.integers(0, 30), segment=st.sampled_from([64, 0]))
def test_paths_agree_on_random_csv_with_bad_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, str]],
    odd: list[str],
    where: int,
    segment: int,
) -> None:
    """Arrow's reading (or its hand-over to Python) against the Python reader, line numbers
    of bad rows included: blank lines, short and long rows, an unterminated quote; the file
    given to Arrow whole or in segments of a few rows."""
    monkeypatch.setattr(arrow_reading, "SEGMENT_BYTES", segment or 32 << 20)
    path = tmp_path / "random.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(PROPERTY_COLUMNS)
        records = [[r[c] for c in PROPERTY_COLUMNS] for r in rows]
        for index, record in enumerate(records):
            if index == where:
                stream.write("".join(line + "\n" for line in odd))
            writer.writerow(record)
    both(path, PROPERTY_GATE)


# --- Parquet ----------------------------------------------------------------------------


def typed_table(rows: list[dict[str, Any]], columns: list[str]) -> pa.Table:
    """JSON-lines-like rows as a typed table (a column's type inferred from its values)."""
    return pa.table({name: [row.get(name) for row in rows] for name in columns})


def test_parquet_gives_the_csv_answers(tmp_path: Path) -> None:
    path = tmp_path / "results.parquet"
    rows = [as_json_row(row) for row in ROWS]
    for row in rows:  # CSV text that is no number stays text in the typed file
        for name in ("accuracy", "latency-p95-ms", "baseline.accuracy"):
            if isinstance(row.get(name), str):
                row[name] = None if row[name] == "" else float("nan")
    pq.write_table(typed_table(rows, HEADER), path)
    answer = both(path)
    assert answer["format"] == "parquet" and answer["rows"] == 6
    assert answer["outcomes"] == {"promote": 1, "reject": 3, "hold": 2}
    assert counts(answer) == EXPECTED


def test_a_partitioned_dataset_folder(tmp_path: Path) -> None:
    rows = [as_json_row(row) for row in ROWS[:2]] * 3  # every value a number or text
    folder = tmp_path / "history"
    pq.write_to_dataset(typed_table(rows, HEADER), folder, partition_cols=["tier"])
    assert sorted(p.name for p in folder.iterdir()) == ["tier=high", "tier=low"]
    answer = both(folder)
    assert answer["rows"] == 6 and answer["outcomes"]["promote"] == 3
    fair = next(c for c in answer["criteria"] if c["id"] == "fair")
    assert (fair["pass"], fair["skipped"]) == (3, 3)  # the tier came from the folder names


def test_parquet_types_json_has_no_word_for_are_invalid(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "accuracy": pa.array([0.95, None, 0.95], pa.float64()),
            "latency-p95-ms": pa.array([2**60, 100, None], pa.int64()),
            "security-scan": pa.array([b"passed", b"passed", None], pa.binary()),
            "artifacts": pa.array([["model-card"], ["model-card ", None], None]),
            "tier": pa.array(["low", "low", "high"]).dictionary_encode(),
            "baseline.accuracy": pa.array([True, False, None]),
        }
    )
    pq.write_table(table, path)
    answer = both(path)
    by_id = {c["id"]: c for c in answer["criteria"]}
    assert (by_id["scan"]["invalid"], by_id["scan"]["missing"]) == (2, 1)  # bytes are no text
    assert (by_id["lat"]["fail"], by_id["lat"]["pass"], by_id["lat"]["missing"]) == (1, 1, 1)
    assert (by_id["card"]["pass"], by_id["card"]["missing"]) == (1, 2)
    assert (by_id["reg"]["invalid"], by_id["reg"]["missing"]) == (1, 2)  # a boolean: no number
    assert by_id["fair"]["skipped"] == 2


def test_parquet_that_cannot_be_used(tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(BacktestInputError, match="cannot be read as Parquet"):
        backtest(SPEC, GATE, broken)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BacktestInputError, match="without Parquet files"):
        backtest(SPEC, GATE, tmp_path / "empty")
    with pytest.raises(BacktestInputError, match="does not exist"):
        backtest(SPEC, GATE, tmp_path / "nowhere.parquet")


def test_an_unreadable_row_group_is_bad_rows_by_row_number(tmp_path: Path) -> None:
    path = tmp_path / "groups.parquet"
    rows = [as_json_row(ROWS[0])] * 6
    pq.write_table(typed_table(rows, HEADER), path, row_group_size=2, compression="none")
    data = bytearray(path.read_bytes())
    metadata = pq.ParquetFile(path).metadata
    column = metadata.row_group(1).column(0)  # the second row group's accuracy values
    start = column.data_page_offset
    data[start : start + column.total_compressed_size] = b"\xff" * column.total_compressed_size
    path.write_bytes(bytes(data))
    answer = both(path)
    assert answer["rows"] == 4
    assert answer["bad_rows"]["count"] == 2
    first = answer["bad_rows"]["first"][0]
    assert first["line"] == 3 and "row group" in first["reason"]


PARQUET_TYPES = {
    "float": (pa.float64(), st.floats(allow_nan=True, allow_infinity=True)),
    "int": (pa.int64(), st.integers(-(2**63), 2**63 - 1) | st.sampled_from([2**53 + 1, 2**52])),
    "bool": (pa.bool_(), st.booleans()),
    "text": (
        pa.string(),
        st.sampled_from(["passed", "low", "high", "", "x", "model-card;lineage"]),
    ),
    "list": (pa.list_(pa.string()), st.lists(st.sampled_from(["model-card", "lineage", " x"]))),
}


@st.composite
def parquet_tables(draw: Any) -> pa.Table:
    rows = draw(st.integers(0, 20))
    columns = {}
    for name in draw(st.lists(st.sampled_from(PROPERTY_COLUMNS), unique=True)):
        kind, values = PARQUET_TYPES[draw(st.sampled_from(sorted(PARQUET_TYPES)))]
        cells = draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        columns[name] = pa.array(cells, kind)
    if not columns:
        return pa.table({"unrelated": pa.array([1] * rows, pa.int64())})
    return pa.table(columns)


@PROPERTY
@given(table=parquet_tables())
def test_paths_agree_on_random_parquet(tmp_path: Path, table: pa.Table) -> None:
    path = tmp_path / "random.parquet"
    pq.write_table(table, path)
    answer = both(path, PROPERTY_GATE)
    assert answer["rows"] == table.num_rows


def test_a_quote_left_open_over_many_segments_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A regression: a piece that could not be cut (an open quote) looped at the file's end."""
    monkeypatch.setattr(arrow_reading, "SEGMENT_BYTES", 64)
    good = ",".join(ROWS[0])
    path = tmp_path / "open.csv"
    path.write_text(",".join(HEADER) + "\n" + good + '\n"open\n' + (good + "\n") * 30)
    assert reader_of(path) == "python"
    assert both(path)["bad_rows"]["count"] == 1


def test_progress_counts_what_was_decided_not_what_was_read_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading runs two segments ahead of the decisions: progress reports the bytes of
    the rows decided (the first report is the first segment's end), rising to the size."""
    monkeypatch.setattr(arrow_reading, "SEGMENT_BYTES", 256)
    path = write_csv(tmp_path / "results.csv", ROWS * 40)
    data = path.read_bytes()
    seen: list[int] = []
    answer = backtest(SPEC, GATE, path, progress=lambda done, total: seen.append(done))
    assert answer.reader == "arrow" and answer.rows == len(ROWS) * 40
    assert seen[0] == data[:256].rfind(b"\n") + 1
    assert seen == sorted(seen) and seen[-1] == len(data)
    assert len(seen) > len(data) // 256
