"""`gatewright ledger stats`: real figures per gate and the DORA metrics of the last stage,
in the shape `simulate --json` uses, from a ledger whose decisions the test chose."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app.runtime.ledger import Ledger
from app.simulate.dora import dora_metrics
from app.simulate.results import GateStats
from tests.cli import run
from tests.ledger.conftest import decided, edit

pytestmark = pytest.mark.usefixtures("no_ledger_env")


def stats(capsys, *args: str) -> dict:
    code, out, err = run(capsys, "ledger", "stats", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_figures_per_gate_and_dora(sop_file, history, capsys) -> None:
    figures = stats(capsys, str(sop_file), "--ledger", history)
    assert figures["sop_id"] == "small" and figures["stage"] == "prod"
    assert figures["decisions"] == 9 and figures["candidates"] == 4
    assert figures["period"] == {
        "from": "2026-11-02T10:00:00.000000Z",
        "to": "2026-11-06T10:00:00.000000Z",
        "days": 4.0,
    }
    assert figures["gates"] == {
        "gate": {
            "entered": 4,
            "passed": 3,
            "rejected": 2,
            "held": 2,
            "decisions": 7,
            "wait_hours_median": 2.0,
            "wait_hours_p90": 2.0,
            "blocked_most": [{"criterion": "acc", "count": 2}],
        }
    }
    dora = figures["dora"]
    assert dora["deployments"] == 3 and dora["deployment_frequency_per_day"] == 0.75
    assert dora["deployment_frequency_level"] == "high"
    assert (dora["lead_time_hours"], dora["lead_time_level"]) == (2.0, "elite")
    assert (dora["change_failure_rate"], dora["change_failure_rate_level"]) == (0.3333, "low")
    assert (dora["time_to_restore_hours"], dora["time_to_restore_level"]) == (0.5, "elite")
    assert figures["failures"] == [
        {
            "candidate": {"model": "scorer", "version": "2"},
            "deployed_at": "2026-11-03T14:00:00.000000Z",
            "detected_at": "2026-11-03T15:00:00.000000Z",
            "restored_at": "2026-11-03T15:30:00.000000Z",
            "restore_hours": 0.5,
        }
    ]


def test_the_shape_is_the_simulators(sop_file, history, capsys) -> None:
    figures = stats(capsys, str(sop_file), "--ledger", history)
    assert set(GateStats().to_json()) <= set(figures["gates"]["gate"])
    assert set(figures["dora"]) == set(dora_metrics([], 1.0))


def test_the_ledger_alone_and_since(sop_file, history, capsys) -> None:
    with_sop = stats(capsys, str(sop_file), "--ledger", history)
    alone = stats(capsys, history)
    assert alone["gates"] == with_sop["gates"] and alone["dora"] == with_sop["dora"]
    later = stats(capsys, history, "--since", "2026-11-04")
    assert later["decisions"] == 2 and later["dora"]["deployments"] == 1
    assert later["gates"]["gate"]["passed"] == 1 and later["since"].startswith("2026-11-04T00")
    code, out, _ = run(capsys, "ledger", "stats", str(sop_file), "--ledger", history)
    assert code == 0 and "DORA metrics of prod (3 deployments)" in out
    assert "change failure rate   0.3333 (low)" in out and "acc (2)" in out


def test_several_sops_need_one_named(spec_model, history, capsys) -> None:
    other = replace(decided(spec_model, "2026-11-07T10:00:00Z", "9"), sop_id="other")
    with Ledger.open(history) as ledger:
        ledger.append(other)
    code, out, err = run(capsys, "ledger", "stats", history)
    assert code == 2 and out == "" and "2 SOPs" in err and "--sop" in err
    assert stats(capsys, history, "--sop", "other")["decisions"] == 1


def test_bad_stats_input(sop_file, history, tmp_path, capsys) -> None:
    code, _, err = run(capsys, "ledger", "stats", str(sop_file))
    assert code == 2 and "--ledger" in err
    code, _, err = run(capsys, "ledger", "stats", history, "--since", "yesterday")
    assert code == 2 and "--since" in err
    code, _, err = run(capsys, "ledger", "stats", history, "--since", "2030-01-01")
    assert code == 2 and "no decision of the SOP" in err
    code, _, err = run(capsys, "ledger", "stats", history, "--ledger", history)
    assert code == 2 and "once" in err


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("decided_at", "yesterday", "its decided_at ('yesterday') is not a time"),
        ("decided_at", "2026-11-03 14:00:00", "its decided_at ('2026-11-03 14:00:00')"),
        ("recorded_at", "2026-13-03T14:00:00.000000Z", "its recorded_at"),
        ("decided_at", "2026-11-03T14:00:00.000000Z\u202e", "its decided_at"),
        ("kind", "promote", "its kind ('promote') is none the ledger records"),
    ],
    ids=["words", "no-zone", "month-13", "bidi", "kind"],
)
def test_an_entry_no_command_wrote_is_named_by_verify_even_in_a_rewritten_chain(
    sop_file, history, capsys, column: str, value: str, words: str
) -> None:
    """Someone edits entry 5 and recomputes every hash after it: the chain checks out, but
    the entry is not as any command writes one. `ledger verify` names it (exit 1), as the
    sentence `ledger stats` refuses the ledger with says it will."""
    edit(history, f"UPDATE gatewright_ledger SET {column} = ? WHERE seq = 5", [value], True)
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", history)
    assert code == 1 and out.startswith("ledger broken at entry 5: " + words), out
    assert "rewritten" in out
    if column == "decided_at":  # what stats reads: it cannot, and points to verify
        code, _, err = run(capsys, "ledger", "stats", str(sop_file), "--ledger", history)
        assert code == 2 and "`gatewright ledger verify` names the entry" in err, err


def test_an_intact_ledger_still_verifies(history, capsys) -> None:
    edit(history, "UPDATE gatewright_ledger SET blocked_by = blocked_by WHERE seq = 5", [], True)
    code, out, _ = run(capsys, "ledger", "verify", "--ledger", history)
    assert code == 0, out
