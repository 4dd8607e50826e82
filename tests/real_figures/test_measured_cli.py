"""`assess --ledger` and `export pdf --ledger`: the real figures of a known history, on
SQLite and a real PostgreSQL; no data said plainly; a bad ledger is one sentence, exit 2."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import unquote, urlsplit

import pytest
from pypdf import PdfReader

from app.runtime.ledger import Ledger
from tests.cli import run
from tests.ledger.conftest import decided

pytestmark = pytest.mark.usefixtures("no_ledger_env")


def measurement(capsys, *args: str) -> dict:
    code, out, err = run(capsys, "assess", *args, "--json")
    assert code == 0, err
    return next(c for c in json.loads(out)["categories"] if c["category"] == "measurement")


def test_assess_lists_the_measured_dora_metrics(sop_file, history, capsys) -> None:
    plain = measurement(capsys, str(sop_file))
    assert "measured" not in plain
    measured = measurement(capsys, str(sop_file), "--ledger", history)["measured"]
    assert measured[0].startswith("measured from 9 real decisions in ")
    assert "2026-11-02 to 2026-11-06 (4 days)" in measured[0]
    assert measured[1:] == [
        "measured deployment frequency 0.75/day (high)",
        "measured lead time 2 h (elite)",
        "measured change failure rate 0.3333 (low)",
        "measured time to restore 0.5 h (elite)",
    ]
    code, out, _err = run(capsys, "assess", str(sop_file), "--ledger", history)
    assert code == 0 and "  = measured change failure rate 0.3333 (low)" in out


def test_assess_says_plainly_when_there_is_no_real_data(
    sop_file, spec_model, tmp_path, capsys
) -> None:
    other = tmp_path / "other.db"
    with Ledger.open(str(other), create=True) as ledger:
        draft = decided(spec_model, "2026-11-02T10:00:00Z", "1")
        ledger.append(replace(draft, sop_id="another-sop"))
    measured = measurement(capsys, str(sop_file), "--ledger", str(other))["measured"]
    assert measured == [f"no real data: {other} holds no decision of the SOP 'small'"]


def test_assess_with_only_held_decisions_has_no_real_deployments(
    sop_file, spec_model, tmp_path, capsys
) -> None:
    held = tmp_path / "held.db"
    with Ledger.open(str(held), create=True) as ledger:
        ledger.append(decided(spec_model, "2026-11-02T10:00:00Z", "1", approved=False))
    measured = measurement(capsys, str(sop_file), "--ledger", str(held))["measured"]
    assert measured[1] == (
        "measured no real deployments: none of the 1 recorded decisions promoted into prod "
        "(2026-11-02 to 2026-11-02 (0 days))"
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://gw:s3cr%24t@127.0.0.1:1/nothing",
        "sqlite:///nowhere/at/all.db",
    ],
)
def test_a_ledger_that_cannot_be_read_is_one_sentence(sop_file, url, capsys) -> None:
    for args in (("assess",), ("export", "pdf")):
        extra = ["-o", "out.pdf"] if args[0] == "export" else []
        code, out, err = run(capsys, *args, str(sop_file), *extra, "--ledger", url)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert "s3cr" not in err


def test_a_file_that_is_not_a_ledger_is_one_sentence(sop_file, capsys) -> None:
    code, _out, err = run(capsys, "assess", str(sop_file), "--ledger", str(sop_file))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_the_pdf_prints_the_real_figures_with_the_period(
    sop_file, history, tmp_path, capsys
) -> None:
    out = tmp_path / "sop.pdf"
    code, _out, err = run(
        capsys, "export", "pdf", str(sop_file), "-o", str(out), "--ledger", history
    )
    assert code == 0, err
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Real figures (decision ledger): period 2026-11-02 to 2026-11-06 (4 days)" in text
    assert "deployment frequency 0.75/day (high)" in text
    assert "3 promoted · 2 rejected · 2 held" in text
    assert "blocked most by: acc (2 decisions)" in text
    password = urlsplit(history).password
    if password:  # PostgreSQL: the ledger's URL is printed, its password masked
        assert unquote(password) not in text and password not in text
    plain = tmp_path / "plain.pdf"
    assert run(capsys, "export", "pdf", str(sop_file), "-o", str(plain))[0] == 0
    assert "Real figures" not in " ".join(p.extract_text() for p in PdfReader(plain).pages)


def test_measured_figures_raise_measurement_in_assess_and_on_the_pdf_cover(
    sop_file, history, tmp_path, capsys
) -> None:
    """Measurement rises only with measured data: 1 without the ledger; with it, levels 3
    and 4 hold from the measured figures alone, level 2 once its retrospectives are
    attested; the PDF cover says the same."""
    attestation = tmp_path / "rita.toml"
    attestation.write_text(
        'sop = "small"\nperson = "rita"\ndate = 2026-11-30\nstatements = ["measurement-2"]\n',
        encoding="utf-8",
    )
    args = ("--attestation", str(attestation))
    assert measurement(capsys, str(sop_file), *args)["level"] == 1
    measured = measurement(capsys, str(sop_file), "--ledger", history, *args)
    assert measured["level"] == 4
    statuses = [s["status"] for s in measured["statements"]]
    assert statuses == ["starting point", "met", "met", "met", "unmet"]
    out = tmp_path / "sop.pdf"
    code, _out, err = run(
        capsys, "export", "pdf", str(sop_file), "-o", str(out), "--ledger", history, *args
    )
    assert code == 0, err
    cover = re.sub(r"\s+", " ", PdfReader(out).pages[0].extract_text())
    assert "measurement 4" in cover
