"""backtest of JSON lines read by pyarrow, piece by piece, and the pieces it hands to the
Python reader: every answer, bad lines and their numbers included, the per-row path's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.runtime.backtest import arrow_json, backtest, replay
from app.runtime.backtest.sweep import SweepRequest, sweep
from tests.runtime.test_backtest import (
    EXPECTED,
    GATE,
    NAMES,
    PROPERTY,
    PROPERTY_COLUMNS,
    PROPERTY_GATE,
    ROWS,
    SPEC,
    as_json_row,
    both,
    counts,
)

GOOD = json.dumps(as_json_row(ROWS[0]))


def write_lines(path: Path, lines: list[str | bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + end for x in lines))
    return path


def test_a_jsonl_file_is_read_by_arrow(tmp_path: Path) -> None:
    rows = [json.dumps(as_json_row(row)) for row in ROWS]
    mixed = write_lines(tmp_path / "results.jsonl", rows)
    assert counts(both(mixed)) == EXPECTED
    assert backtest(SPEC, GATE, mixed).reader == "python"  # a column of numbers and text
    rows[2] = rows[2].replace('"text"', "null")  # NaN and infinities are fine
    for name, end in (("lf.jsonl", b"\n"), ("crlf.jsonl", b"\r\n")):
        path = write_lines(tmp_path / name, ["", *rows, "", ""], end)
        assert backtest(SPEC, GATE, path).reader == "arrow"
        assert both(path)["rows"] == len(ROWS)


def test_a_key_twice_is_a_bad_line_wherever_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(arrow_json, "PIECE_BYTES", 4 * len(GOOD))  # a few lines a piece
    twice = [
        '{"accuracy": 0.95, "accuracy": 0.5}',
        '{"accuracy": 0.95, "\\u0061ccuracy": 0.5}',  # the same key, escaped
        '{"notes": {"by": "a", "by": "b"}}',  # in a nested object the gate never reads
        '{"notes": [{"by": "a", "by": "b"}]}',
    ]
    lines = [GOOD] * 12 + twice + [GOOD] * 12
    path = write_lines(tmp_path / "twice.jsonl", lines)
    answer = both(path)
    assert answer["rows"] == 24
    assert [bad["line"] for bad in answer["bad_rows"]["first"]] == [13, 14, 15, 16]
    assert all("appears twice" in bad["reason"] for bad in answer["bad_rows"]["first"])
    assert backtest(SPEC, GATE, path).reader == "arrow and python"  # good pieces stay Arrow's


@pytest.mark.parametrize(
    "odd",
    [
        b"null",  # a piece starting with a top-level null (which crashes Arrow's reader)
        b'{"accuracy": 0.95} {"accuracy": 0.5}',  # two objects on one line
        b'{"accuracy":\n0.95}',  # one object over two lines
        b'{"accuracy": 0.95}\r{"accuracy": 0.5}',  # a line ended by \r alone
        b' {"accuracy": 0.95}',  # space before the object: fine for both readers
        b"  ",  # a line of spaces: blank for both
        b'{"security-scan": "2024-01-01"}',  # text Arrow would take for a timestamp
        b'{"accuracy": 9007199254740993, "auc": 0.5}',  # an integer beyond float64's exact
        b'{"latency-p95-ms": 1.5}\n{"latency-p95-ms": 9223372036854775809}',
        b'{"latency-p95-ms": 1e400}',
        b'{"latency-p95-ms": ' + b"9" * 400 + b"}",
        b'{"notes": ' + b"[" * 3000 + b"]" * 3000 + b"}",  # deeper than Python decodes
        b'{"security-scan": "\xff"}',  # not UTF-8
        b'{"security-scan": "\\ud800"}',  # an unpaired surrogate
        b'{"security-scan": "a\tb"}',  # a raw control character in a string
        b'{"accuracy": NaN, "auc": Infinity}',
        b"[1, 2]",
        b'"text"',
        b"{oops",
    ],
)
def test_what_arrow_cannot_read_exactly_is_read_by_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: bytes
) -> None:
    monkeypatch.setattr(arrow_json, "PIECE_BYTES", 3 * len(GOOD))
    for where in (0, 5):
        path = write_lines(tmp_path / "odd.jsonl", [GOOD] * where + [odd] + [GOOD] * 9)
        answer = both(path)
        assert answer["rows"] + answer["bad_rows"]["count"] >= 9
        if len(odd) < len(GOOD):  # a piece long enough for the odd line holds them all
            assert "arrow" in backtest(SPEC, GATE, path).reader  # other pieces stay Arrow's


def test_a_byte_order_mark_and_utf16(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (GOOD + "\n").encode() * 3)
    assert both(path)["rows"] == 3
    path.write_bytes((GOOD + "\n").encode("utf-16"))
    with pytest.raises(Exception, match="UTF-16"):
        backtest(SPEC, GATE, path)


# --- both paths agree on anything -------------------------------------------------------

KINDS = {
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "int": st.integers(-(2**70), 2**70),
    "number": st.one_of(st.integers(-(2**54), 2**54), st.floats(-1e3, 1e3)),
    "bool": st.booleans(),
    "text": st.sampled_from(["passed", "low", "high", "x", "2024-01-01", "1", " passed", ""])
    | st.text(max_size=4),
    "names": st.lists(NAMES, max_size=3),
    "named": st.lists(NAMES, max_size=3).map("; ".join),
    "object": st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
}


@st.composite
def typed_rows(draw: Any) -> list[dict[str, Any]]:
    """Rows whose columns each keep one JSON type (as a writer of such files does), values
    sometimes null or absent."""
    kinds = {name: draw(st.sampled_from(sorted(KINDS))) for name in PROPERTY_COLUMNS}
    if draw(st.booleans()):
        kinds["tier"] = "text"
    value = {name: st.none() | KINDS[kind] for name, kind in kinds.items()}
    row = st.fixed_dictionaries({}, optional=value)
    return draw(st.lists(row, max_size=25))


ODD_LINES = st.lists(
    st.sampled_from(
        ["", "  ", "null", "{oops", "[1]", '{"auc": 1} {"auc": 2}', '{"auc": 1, "auc": 2}']
    ),
    max_size=3,
)


@PROPERTY
@given(
    rows=typed_rows(),
    odd=ODD_LINES,
    where=st.integers(0, 30),
    piece=st.sampled_from([200, 0]),
    ascii_only=st.booleans(),
)
def test_paths_agree_on_random_typed_jsonl_with_bad_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rows: list[dict[str, Any]],
    odd: list[str],
    where: int,
    piece: int,
    ascii_only: bool,
) -> None:
    """Arrow's reading (and its hand-over to Python) against the Python reader, line numbers
    of bad lines included; the file given to Arrow whole or in pieces of a few lines."""
    monkeypatch.setattr(arrow_json, "PIECE_BYTES", piece or 32 << 20)
    lines = [json.dumps(row, ensure_ascii=ascii_only) for row in rows]
    lines[where:where] = odd
    path = write_lines(tmp_path / "typed.jsonl", lines)
    answer = both(path, PROPERTY_GATE)
    assert answer["rows"] + answer["bad_rows"]["count"] == len([x for x in lines if x.strip()])


@pytest.mark.parametrize(
    "incidents", [[1, 1, 0, 0, None, 2, 1], [True, True, False, False, None, False, True]]
)
def test_a_sweep_reads_json_lines_as_the_python_reader_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, incidents: list[Any]
) -> None:
    """The sweep's observer sees Arrow's columns as it sees the Python reader's: the same
    thresholds, outcomes (numbers or booleans) and quantiles."""
    latencies = [100, 200, 150, 300, 120, 260.5, float("nan")]
    rows = [
        {**as_json_row(ROWS[0]), "latency-p95-ms": latency, "incident": incident}
        for latency, incident in zip(latencies, incidents, strict=True)
    ]
    path = write_lines(tmp_path / "history.jsonl", [json.dumps(row) for row in rows])
    request = SweepRequest("lat", [50, 125, 175, 250, 275], "incident", max_miss=0.5)
    answer = sweep(SPEC, GATE, path, request)
    assert answer.reader == "arrow"
    monkeypatch.setattr(replay, "arrow_table", lambda *args: None)  # every piece to Python
    exact = sweep(SPEC, GATE, path, request)
    assert exact.reader == "python"
    assert answer.to_json() == exact.to_json()
    assert answer.sweep is not None and answer.sweep["outcome"]["incidents"] == 3
