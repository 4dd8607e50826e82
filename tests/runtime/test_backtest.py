"""backtest: known answers per criterion and outcome, both paths identical, bad rows, the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.compiler.compile import compile_data
from app.model.templates import load_template
from app.runtime import UnknownElementError, check
from app.runtime.backtest import BacktestInputError, backtest, reading, replay
from app.spec.files import write_spec
from app.spec.schema import GateSpec

GATE = "production-gate"
PROPERTY_GATE = "staging-gate"
HEADER = [
    "accuracy",
    "baseline.accuracy",
    "latency-p95-ms",
    "security-scan",
    "demographic-parity-gap",
    "artifacts",
    "tier",
    "error-rate",
]
# Every form and policy: baseline + delta, a check, an artifact, a tier-restricted criterion
# holding on a missing value, a criterion holding on an invalid one, an advisory criterion.
CRITERIA = [
    {"id": "acc", "metric": "accuracy", "op": ">=", "value": 0.9},
    {"id": "lat", "metric": "latency-p95-ms", "op": "<=", "value": 250, "on_invalid": "hold"},
    {"id": "reg", "metric": "accuracy", "op": ">=", "baseline": True, "delta": -0.01},
    {"id": "scan", "check": "security-scan", "equals": "passed"},
    {
        "id": "fair",
        "metric": "demographic-parity-gap",
        "op": "<=",
        "value": 0.05,
        "tiers": ["high"],
        "on_missing": "hold",
    },
    {"id": "card", "artifact": "model-card"},
    {"id": "err", "metric": "error-rate", "op": "<", "value": 0.02, "severity": "advisory"},
]
# For the property tests: every operator, equals that are not text, an integer threshold
# beyond float64's exact range, policies mixed every way.
PROPERTY_CRITERIA = [
    {"id": "acc-eq", "metric": "accuracy", "op": "==", "value": 0.5},
    {"id": "acc-ne", "metric": "accuracy", "op": "!=", "value": 1, "on_invalid": "hold"},
    {
        "id": "auc-gt",
        "metric": "auc",
        "op": ">",
        "value": 0.25,
        "on_missing": "hold",
        "on_invalid": "hold",
    },
    {
        "id": "lat-big",
        "metric": "latency-p95-ms",
        "op": "<",
        "value": 2**53 + 1,
        "tiers": ["medium", "high"],
    },
    {"id": "lat-reg", "metric": "latency-p95-ms", "op": "<=", "baseline": True, "delta": 3},
    {
        "id": "err-reg",
        "metric": "error-rate",
        "op": ">=",
        "baseline": True,
        "delta": -0.5,
        "severity": "advisory",
    },
    {"id": "scan-true", "check": "security-scan", "equals": True},
    {"id": "scan", "check": "security-scan", "equals": "passed", "on_missing": "hold"},
    {"id": "num-check", "check": "load-test", "equals": 1, "tiers": ["low"]},
    {"id": "card", "artifact": "model-card", "on_missing": "hold"},
    {"id": "lineage", "artifact": "lineage", "severity": "advisory"},
]
PROPERTY_COLUMNS = [
    "accuracy",
    "auc",
    "latency-p95-ms",
    "baseline.latency-p95-ms",
    "error-rate",
    "baseline.error-rate",
    "security-scan",
    "load-test",
    "artifacts",
    "tier",
]


def compiled_spec() -> dict[str, Any]:
    doc = load_template("deployment-gate")
    doc.set_field(GATE, "criteria", CRITERIA)
    doc.set_field(PROPERTY_GATE, "criteria", PROPERTY_CRITERIA)
    return compile_data(doc)


SPEC_DATA = compiled_spec()
SPEC = GateSpec.model_validate(SPEC_DATA)


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "gate.spec.json"
    write_spec(SPEC_DATA, path)
    return path


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def both(path: Path, gate: str = GATE) -> dict[str, Any]:
    """The vectorised answer, after checking that the per-row path gives the same one."""
    fast = backtest(SPEC, gate, path).to_json()
    slow = backtest(SPEC, gate, path, per_row=True).to_json()
    assert (fast.pop("method"), slow.pop("method")) == ("vectorised", "per-row")
    assert fast == slow
    return fast


def counts(answer: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Per criterion: pass, fail, missing, invalid, skipped, rejects, holds, sole."""
    keys = ("pass", "fail", "missing", "invalid", "skipped", "rejects", "holds", "sole")
    return {c["id"]: tuple(c[k] for k in keys) for c in answer["criteria"]}


# Six candidates whose every status is worked out by hand (line numbers in the CSV).
ROWS = [
    # line 2: everything passes -> promote
    ["0.95", "0.94", "100", "passed", "0.01", "model-card;data-card", "high", "0.01"],
    # line 3: accuracy fails; fair does not apply to low; err (advisory) fails -> reject
    ["0.85", "0.80", "120", "passed", "", "model-card", "low", "0.05"],
    # line 4: nan and text are invalid; no tier = strictest, so fair applies and is missing
    ["nan", "0.9", "text", "failed", "", "", "", ""],
    # line 5: inf is invalid (hold) but the baseline is missing (reject): reject wins
    ["0.95", "", "inf", "passed", "0.2", " model-card ;x", "medium", ""],
    # line 6: only fair is missing, and its policy is hold -> hold
    ["0.93", "0.9", "200", "passed", "", "model-card", "high", "0.01"],
    # line 7: -inf is invalid -> hold; an unknown tier is the strictest, fair applies, passes
    ["0.92", "0.9", "-inf", "passed", "0.01", "model-card", "unknown", "0.01"],
]
EXPECTED = {
    "acc": (4, 1, 0, 1, 0, 2, 0, 1),
    "lat": (3, 0, 0, 3, 0, 0, 3, 1),
    "reg": (4, 0, 1, 1, 0, 2, 0, 0),
    "scan": (5, 1, 0, 0, 0, 1, 0, 0),
    "fair": (2, 0, 2, 0, 2, 0, 2, 1),
    "card": (5, 0, 1, 0, 0, 1, 0, 0),
    "err": (3, 1, 2, 0, 0, 0, 0, 0),
}


def test_csv_known_answers(tmp_path: Path) -> None:
    answer = both(write_csv(tmp_path / "results.csv", ROWS))
    assert answer["rows"] == 6
    assert answer["outcomes"] == {"promote": 1, "reject": 3, "hold": 2}
    assert counts(answer) == EXPECTED
    assert [(b["id"], b["rows"]) for b in answer["blockers"]] == [
        ("lat", 3),
        ("acc", 2),
        ("reg", 2),
        ("fair", 2),
        ("scan", 1),
        ("card", 1),
    ]
    rates = {c["id"]: c["pass_rate"] for c in answer["criteria"]}
    assert rates["fair"] == pytest.approx(2 / 4) and rates["acc"] == pytest.approx(4 / 6)
    assert answer["bad_rows"] == {"count": 0, "first": []}
    assert answer["absent_columns"] == []


def as_json_row(cells: list[str]) -> dict[str, Any]:
    """The same candidate as a JSON object: numbers as numbers, empty cells left out."""
    row: dict[str, Any] = {}
    for name, cell in zip(HEADER, cells, strict=True):
        if cell == "":
            continue
        if name == "artifacts":
            row[name] = [item.strip() for item in cell.split(";")]
        elif name in ("security-scan", "tier"):
            row[name] = cell
        else:
            try:
                row[name] = float(cell)
            except ValueError:
                row[name] = cell
    return row


def test_jsonl_gives_the_same_answers(tmp_path: Path) -> None:
    answer = both(write_jsonl(tmp_path / "results.jsonl", [as_json_row(r) for r in ROWS]))
    assert answer["format"] == "jsonl"
    assert answer["outcomes"] == {"promote": 1, "reject": 3, "hold": 2}
    assert counts(answer) == EXPECTED


def test_jsonl_keeps_json_types(tmp_path: Path) -> None:
    good = {
        "accuracy": 0.95,
        "baseline.accuracy": 0.9,
        "latency-p95-ms": 100,
        "security-scan": "passed",
        "artifacts": ["model-card"],
        "tier": "low",
        "error-rate": 0.01,
    }
    rows = [
        good,
        {**good, "accuracy": True},  # a boolean is no number: invalid
        {**good, "accuracy": "0.95"},  # nor is a string
        {**good, "accuracy": None},  # null is missing
        {**good, "security-scan": True},  # a boolean never equals "passed": fail
        {**good, "security-scan": ["passed"]},  # a list is invalid
        {**good, "latency-p95-ms": 1e400},  # JSON's overflow is infinity: invalid (hold)
        {**good, "latency-p95-ms": int("9" * 400)},  # so is a 400-digit integer
        {**good, "artifacts": "model-card; lineage"},  # text is split as in CSV
        {**good, "artifacts": [1, "model-card "]},  # no match: items are not stripped
        {**good, "tier": 3},  # not text: the strictest tier, so fair applies (missing)
    ]
    answer = both(write_jsonl(tmp_path / "typed.jsonl", rows))
    by_id = {c["id"]: c for c in answer["criteria"]}
    assert (by_id["acc"]["invalid"], by_id["acc"]["missing"]) == (2, 1)
    assert (by_id["scan"]["fail"], by_id["scan"]["invalid"]) == (1, 1)
    assert (by_id["lat"]["invalid"], by_id["lat"]["holds"]) == (2, 2)
    assert (by_id["card"]["pass"], by_id["card"]["missing"]) == (10, 1)
    assert (by_id["fair"]["missing"], by_id["fair"]["skipped"]) == (1, 10)
    assert answer["outcomes"] == {"promote": 2, "reject": 6, "hold": 3}


def test_absent_columns_are_reported_and_missing(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "few.csv", [["0.95", "passed"]], header=["accuracy", "security-scan"]
    )
    answer = both(path)
    assert answer["absent_columns"] == [
        "latency-p95-ms",
        "demographic-parity-gap",
        "error-rate",
        "baseline.accuracy",
        "artifacts",
        "tier",
    ]
    assert counts(answer)["reg"][2] == 1 and answer["outcomes"]["reject"] == 1


# --- both paths agree on anything -------------------------------------------------------

NAMES = st.sampled_from(["model-card", "lineage", "data-card", " model-card", "Model-Card"])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
NUMBER_CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**60), 2**60).map(str),
    st.sampled_from(["", "", "nan", "-inf", "1e400", " 1.5 ", "1_000", "٣", "0x10", "0.5", "1"]),
    st.sampled_from(["9007199254740992", "9007199254740993", "9007199254740994"]),
    st.sampled_from(["1e5e5", "--1", ".", "e", "1\n2", "1.5\r", "+", "1e", ".e1"]),
    st.text("0123456789.eE+-", max_size=4),
    TEXT,
)
CHECK_CELLS = st.one_of(st.sampled_from(["passed", "", "failed", "True", "1", " passed"]), TEXT)
ARTIFACT_CELLS = st.lists(NAMES, max_size=3).map(";".join) | TEXT
TIER_CELLS = st.sampled_from(["low", "medium", "high", "", "HIGH", "other"])
CSV_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            name: ARTIFACT_CELLS
            if name == "artifacts"
            else TIER_CELLS
            if name == "tier"
            else CHECK_CELLS
            if name in ("security-scan", "load-test")
            else NUMBER_CELLS
            for name in PROPERTY_COLUMNS
        }
    ),
    max_size=25,
)
JSON_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**60), 2**60),
    st.sampled_from([2**53, 2**53 + 1, 2**53 + 2, -(2**53) - 1, 0, 1, 0.5, 1.0]),
    st.booleans(),
    st.none(),
    st.sampled_from(["passed", "low", "high", "x"]),
    st.lists(NAMES, max_size=2),
    st.dictionaries(st.sampled_from(["a"]), st.integers(), max_size=1),
)
JSON_ROWS = st.lists(
    st.dictionaries(st.sampled_from(PROPERTY_COLUMNS), JSON_VALUES, max_size=len(PROPERTY_COLUMNS)),
    max_size=25,
)
PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(rows=CSV_ROWS)
def test_paths_agree_on_random_csv(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    path = write_csv(
        tmp_path / "random.csv", [[r[c] for c in PROPERTY_COLUMNS] for r in rows], PROPERTY_COLUMNS
    )
    answer = both(path, PROPERTY_GATE)
    assert answer["rows"] == len(rows) and answer["bad_rows"]["count"] == 0


@PROPERTY
@given(rows=JSON_ROWS)
def test_paths_agree_on_random_jsonl(tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    answer = both(write_jsonl(tmp_path / "random.jsonl", rows), PROPERTY_GATE)
    assert answer["rows"] == len(rows)


def evidence_of(row: dict[str, Any]) -> dict[str, Any]:
    """The evidence file a person would write for one JSON-lines candidate."""
    artifacts = row.get("artifacts")
    if isinstance(artifacts, str):
        artifacts = [name.strip() for name in artifacts.split(";") if name.strip()]
    elif isinstance(artifacts, list):
        artifacts = [name for name in artifacts if isinstance(name, str)]
    metrics = ("accuracy", "auc", "latency-p95-ms", "error-rate")
    return {
        "candidate": {"tier": row["tier"] if isinstance(row.get("tier"), str) else None},
        "metrics": {name: row[name] for name in metrics if name in row},
        "baseline": {
            name.removeprefix("baseline."): value
            for name, value in row.items()
            if name.startswith("baseline.")
        },
        "checks": {name: row[name] for name in ("security-scan", "load-test") if name in row},
        "artifacts": artifacts if isinstance(artifacts, list) else [],
    }


@PROPERTY
@given(rows=JSON_ROWS)
def test_each_row_is_decided_as_check_decides_it(tmp_path: Path, rows: list[dict]) -> None:
    """Against `check` itself, one candidate at a time (its approvals are pending: no records)."""
    for row in rows[:4]:
        answer = backtest(SPEC, PROPERTY_GATE, write_jsonl(tmp_path / "one.jsonl", [row]))
        decision = check(SPEC, PROPERTY_GATE, evidence_of(row))
        for result in decision.criteria:
            tally = next(t for t in answer.criteria if t.id == result.id)
            assert tally.counts[result.status] == 1, result
        if answer.outcomes["promote"]:
            assert (decision.decision, decision.codes) == ("hold", ["approvals-pending"])
        else:
            assert answer.outcomes[decision.decision] == 1


def test_chunk_and_block_boundaries_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "\r\n".join(",".join(f'"{c}"' for c in row) for row in [HEADER, *ROWS * 7]) + "\r\n"
    path = tmp_path / "crlf.csv"
    path.write_text(text + "1,2\r\n" + text.split("\r\n", 1)[1], encoding="utf-8", newline="")
    whole = both(path)
    monkeypatch.setattr(reading, "CHUNK_ROWS", 4)
    monkeypatch.setattr(reading, "BLOCK_BYTES", 7)
    assert both(path) == whole
    assert whole["rows"] == 84 and whole["bad_rows"]["first"] == [
        {"line": 44, "reason": "has 2 fields where the header has 8"}
    ]


# --- bad rows ---------------------------------------------------------------------------


def test_bad_csv_rows_are_counted_with_their_lines(tmp_path: Path) -> None:
    good = ",".join(ROWS[0])
    text = "\n".join(
        [
            ",".join(HEADER),
            good,  # line 2
            "1,2,3",  # line 3: too few fields
            good + ",extra",  # line 4: too many
            "",  # line 5: a blank line is no row at all
            '0.95,0.94,100,"passed',  # line 6: a quoted field over two lines...
            'really",0.01,model-card,high,0.01',  # ...line 7: one good row of 8 fields
            good,  # line 8
            '0.95,"a\nb",1',  # lines 9-10: 3 fields over two lines
            good,  # line 11
        ]
    )
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode() + b"\n0.95,\xff\xfe,100,passed,0.01,model-card,high,0.01\n")
    answer = both(path)
    assert answer["rows"] == 4
    assert answer["bad_rows"] == {
        "count": 4,
        "first": [
            {"line": 3, "reason": "has 3 fields where the header has 8"},
            {"line": 4, "reason": "has 9 fields where the header has 8"},
            {"line": 9, "reason": "has 3 fields where the header has 8"},
            {"line": 12, "reason": "is not UTF-8 text"},
        ],
    }
    assert counts(answer)["scan"] == (3, 1, 0, 0, 0, 1, 0, 1)  # "passed\nreally" fails


def test_an_unreadable_csv_record_does_not_stop_the_run(tmp_path: Path) -> None:
    good = ",".join(ROWS[0])
    huge = "x" * (csv.field_size_limit() + 10)
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([",".join(HEADER), good, f"1,{huge},3", good, good]) + "\n")
    answer = both(path)
    assert answer["rows"] == 3
    assert answer["bad_rows"]["count"] == 1
    assert answer["bad_rows"]["first"][0]["line"] == 3
    assert "field larger than field limit" in answer["bad_rows"]["first"][0]["reason"]


def test_bad_jsonl_lines_are_counted_and_the_first_twenty_listed(tmp_path: Path) -> None:
    good = json.dumps(as_json_row(ROWS[0]))
    lines = [good, "{oops", "[1, 2]", "", '"text"', good, "{}"] + ["nope"] * 25 + [good]
    path = tmp_path / "bad.jsonl"
    path.write_bytes("\n".join(lines).encode() + b'\n{"accuracy": "\xc3"}\n')
    answer = both(path)
    assert answer["rows"] == 4  # three good rows and {}, whose every value is missing
    assert answer["outcomes"] == {"promote": 3, "reject": 1, "hold": 0}
    bad = answer["bad_rows"]
    assert bad["count"] == 29
    assert [item["line"] for item in bad["first"]][:4] == [2, 3, 5, 8]
    assert bad["first"][0]["reason"].startswith("is not valid JSON: expecting property name")
    assert bad["first"][1]["reason"] == "is a list, not a JSON object"
    assert bad["first"][2]["reason"] == "is a string, not a JSON object"
    assert len(bad["first"]) == replay.SHOWN_BAD_ROWS


def test_a_file_that_cannot_be_used_is_an_input_error(tmp_path: Path) -> None:
    cases = {
        "empty.csv": b"",
        "blank.csv": b"\n\n",
        "twice.csv": b"accuracy,tier,accuracy\n1,low,2\n",
        "utf16.csv": "accuracy\n0.9\n".encode("utf-16"),
        "latin1.csv": "précision\n0.9\n".encode("latin-1"),
        "results.txt": b"accuracy\n0.9\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(BacktestInputError):
            backtest(SPEC, GATE, tmp_path / name)
    with pytest.raises(BacktestInputError, match="does not exist"):
        backtest(SPEC, GATE, tmp_path / "nowhere.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(BacktestInputError, match="folder"):
        backtest(SPEC, GATE, tmp_path / "folder.csv")
    with pytest.raises(UnknownElementError, match="no gate 'nope'"):
        backtest(SPEC, "nope", tmp_path / "empty.csv")


def test_only_cr_and_lf_end_lines(tmp_path: Path) -> None:
    """Form feeds, NEL and Unicode line separators are text inside a cell, not line ends."""
    rows = [[*ROWS[0][:3], f"passed{odd}", *ROWS[0][4:]] for odd in ("\x0c", "\x85", "\u2028")]
    answer = both(write_csv(tmp_path / "odd.csv", [*rows, ROWS[0]]))
    assert (answer["rows"], answer["bad_rows"]["count"]) == (4, 0)
    assert counts(answer)["scan"][:2] == (1, 3)


def test_a_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n", encoding="utf-8-sig")
    assert both(path)["outcomes"]["promote"] == 1
    seen: list[tuple[int, int]] = []
    backtest(SPEC, GATE, path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_progress_is_reported_in_bytes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "results.csv", ROWS * 3)
    seen: list[tuple[int, int]] = []
    backtest(SPEC, GATE, path, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)


def test_a_progress_callback_may_cancel(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "results.csv", ROWS)

    def cancel(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        backtest(SPEC, GATE, path, progress=cancel)


# --- the command line -------------------------------------------------------------------
