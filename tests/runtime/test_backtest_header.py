"""file_columns: the columns a history file offers, read without its rows."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.runtime.backtest import BacktestInputError
from app.runtime.backtest.header import file_columns


def test_a_csv_header_in_its_order(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("\ufeffaccuracy,baseline.accuracy,incident\n0.9,0.8,1\n", encoding="utf-8")
    assert file_columns(path) == ["accuracy", "baseline.accuracy", "incident"]


def test_json_lines_keys_of_every_object_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(
        '{"accuracy": 0.9}\n\nnot json\n[1, 2]\n{"tier": "low", "accuracy": 1}\n',
        encoding="utf-8",
    )
    assert file_columns(path) == ["accuracy", "tier"]


def test_a_parquet_schema(tmp_path: Path) -> None:
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({"auc": [0.9], "incident": [True]}), path)
    assert file_columns(path) == ["auc", "incident"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("twice.csv", b"a,b,a\n", "line 1: the header names the column 'a' twice"),
        ("empty.csv", b"", "is empty"),
        ("broken.parquet", b"PAR1 nope", "cannot be read as Parquet"),
        ("notes.txt", b"a\n", "has the extension '.txt'"),
    ],
)
def test_what_backtest_refuses_it_refuses(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BacktestInputError, match=message):
        file_columns(path)
