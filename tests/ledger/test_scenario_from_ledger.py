"""`gatewright scenario from-ledger`: a ledger generated from a known process (arrivals,
metric values, approval delays and rejections drawn with known parameters, each decision
made by the real `check`) is fitted; the fitted parameters recover the known ones, and the
SOP simulated with the fitted scenario reproduces the ledger's promote rate and waits."""

from __future__ import annotations

import json
import math
import random
import statistics
import urllib.parse
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from app.runtime import check
from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import check_draft, sortable_time
from app.simulate.engine import simulate
from app.simulate.events import EventType
from app.simulate.scenario import Scenario
from app.spec.timestamps import parse_timestamp
from tests.cli import run
from tests.ledger.conftest import decided, edit, evidence

pytestmark = pytest.mark.usefixtures("no_ledger_env")

ARRIVAL_HOURS, ACCURACY, ACCURACY_SD = 6.0, 0.93, 0.03
DELAY_MEDIAN, DELAY_SIGMA, REJECT = 3.0, 0.5, 0.15
CANDIDATES = 300


def known_process(spec, url: str, count: int = CANDIDATES, seed: int = 7) -> None:
    """Candidates arrive (exponential gaps); the first check sees the accuracy and rejects
    under 0.9, else holds for the ML lead; both leads (alice, bob) take a log-normal time,
    the first to answer rejects with chance REJECT, and the gate is checked again then."""
    rng = random.Random(seed)
    t = parse_timestamp("2026-09-01T00:00:00Z")
    with Ledger.open(url, create=True) as ledger:
        for index in range(count):
            t += timedelta(hours=rng.expovariate(1 / ARRIVAL_HOURS))
            accuracy = rng.gauss(ACCURACY, ACCURACY_SD)
            given = evidence(str(index), accuracy=accuracy, approved=False)
            ledger.append(check_draft(spec, check(spec, "gate", given, at=t)))
            if accuracy < 0.9:
                continue
            delays = [rng.lognormvariate(math.log(DELAY_MEDIAN), DELAY_SIGMA) for _ in "ab"]
            first = min(range(2), key=delays.__getitem__)
            at = t + timedelta(hours=delays[first])
            answer = "reject" if rng.random() < REJECT else "approve"
            given["approvals"] = [{"by": ("alice", "bob")[first], "role": "ml-lead",
                                   "decision": answer, "at": sortable_time(at)}]  # fmt: skip
            ledger.append(check_draft(spec, check(spec, "gate", given, at=at)))


def fit(capsys, sop_file: Path, url: str, out: Path, *args: str) -> tuple[dict, str]:
    code, _, err = run(
        capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url, "-o", str(out), *args
    )
    assert code == 0, err
    return json.loads(out.read_text(encoding="utf-8")), err


@pytest.fixture
def known(spec_model, ledger_url) -> str:
    known_process(spec_model, ledger_url)
    return ledger_url


def test_the_fit_recovers_the_known_process(sop_file, known, tmp_path, capsys) -> None:
    data, err = fit(capsys, sop_file, known, tmp_path / "fitted.json")
    people = data["candidates"]
    assert people["count"] == CANDIDATES and people["every_hours"]["dist"] == "exponential"
    assert people["every_hours"]["mean"] == pytest.approx(ARRIVAL_HOURS, rel=0.15)
    assert people["tiers"] == {"low": 1.0} and people["submitters"] == ["carol"]
    accuracy = people["metrics"]["accuracy"]
    assert accuracy["dist"] == "normal"
    assert accuracy["mean"] == pytest.approx(ACCURACY, abs=0.006)
    assert accuracy["sd"] == pytest.approx(ACCURACY_SD, rel=0.2)
    lead = data["approvers"]["ml-lead"]
    assert lead["reject_probability"] == pytest.approx(REJECT, abs=0.06)
    assert lead["delay_hours"]["dist"] == "lognormal"
    # One member's delay, though the ledger only shows the first of two answers.
    assert lead["delay_hours"]["median"] == pytest.approx(DELAY_MEDIAN, rel=0.2)
    assert lead["delay_hours"]["sigma"] == pytest.approx(DELAY_SIGMA, abs=0.15)
    made = data["fitted_from"]
    assert made["sop"] == "small" and made["candidates"] == CANDIDATES
    assert made["gates"]["gate"]["promote"] + made["gates"]["gate"]["reject"] == CANDIDATES
    # Too little data is said, never invented: the risk role (high tier only) was never asked.
    assert "risk" not in data["approvers"] and "approvers risk: 0 answers recorded" in err
    assert "telemetry: no production values for the watched metric(s) accuracy" in err
    assert any(k.startswith("approvers risk") for k in made["kept"])


def _passed_waits(result) -> tuple[int, int, list[float]]:
    entered: dict[int, float] = {}
    waits = []
    for event in result.events:
        if event["type"] == EventType.GATE_ENTERED:
            entered[event["candidate"]] = event["t"]
        elif event["type"] == EventType.GATE_PASSED:
            waits.append((event["t"] - entered[event["candidate"]]) / 60)
    stats = result.gates["gate"]
    return stats.entered, stats.passed, waits


def test_simulating_the_fit_reproduces_the_ledger(
    sop_file, spec_model, known, tmp_path, capsys
) -> None:
    data, _ = fit(capsys, sop_file, known, tmp_path / "fitted.json")
    code, out, err = run(capsys, "ledger", "stats", str(sop_file), "--ledger", known, "--json")
    assert code == 0, err
    real = json.loads(out)["gates"]["gate"]
    real_rate = real["passed"] / real["entered"]
    scenario = Scenario.model_validate(data)
    scenario.candidates.count = 3000  # many candidates: the simulated figures settle
    entered, passed, waits = _passed_waits(simulate(spec_model, scenario, seed=3))
    # Promote rate within 4 points (the ledger's 300 candidates give it about +-2.7 points
    # of sampling error); the median wait to promotion within 20%.
    assert passed / entered == pytest.approx(real_rate, abs=0.04)
    assert statistics.median(waits) == pytest.approx(real["wait_hours_median"], rel=0.2)


def test_simulate_runs_the_written_file(sop_file, known, tmp_path, capsys) -> None:
    out = tmp_path / "fitted.json"
    fit(capsys, sop_file, known, out)
    code, text, err = run(capsys, "simulate", str(sop_file), "--scenario", str(out),
                          "--no-record", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(text)["scenario"] == "small-from-ledger"


def test_a_period_and_a_base(sop_file, known, tmp_path, capsys) -> None:
    whole, _ = fit(capsys, sop_file, known, tmp_path / "all.json")
    first = whole["fitted_from"]["first_decision"][:10]
    part, _ = fit(capsys, sop_file, known, tmp_path / "part.json", "--since", first,
                  "--until", "2026-09-30", "--base", "startup-lightweight-month")  # fmt: skip
    made = part["fitted_from"]
    assert made["since"].startswith(first) and made["until"] == "2026-09-30T23:59:59.999999Z"
    assert made["last_decision"] <= "2026-09-30T23:59:59.999999Z"
    assert 0 < made["candidates"] < CANDIDATES
    assert part["candidates"]["count"] == made["candidates"]
    # What the ledger does not record comes from the base: its telemetry and timeout.
    base = json.loads(Path("sop_templates/scenarios/startup-lightweight-month.json").read_text())
    assert part["telemetry"] == base["telemetry"]
    assert part["approval_timeout_hours"] == base["approval_timeout_hours"]


def test_too_little_data_keeps_the_base_and_says_so(sop_file, spec_model, tmp_path, capsys):
    url = str(tmp_path / "few.db")
    with Ledger.open(url, create=True) as ledger:
        ledger.append(decided(spec_model, "2026-11-02T10:00:00Z", "1"))
    code, _, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                       "-o", str(tmp_path / "x.json"))  # fmt: skip
    assert code == 2 and not (tmp_path / "x.json").exists()
    assert err.count("\n") == 1 and "too few to fit the time between arrivals" in err
    data, err = fit(capsys, sop_file, url, tmp_path / "y.json", "--base",
                    "startup-lightweight-month")  # fmt: skip
    base = Scenario.model_validate_json(
        Path("sop_templates/scenarios/startup-lightweight-month.json").read_text()
    )
    assert data["candidates"]["every_hours"] == base.candidates.every_hours.model_dump()
    assert data["candidates"]["count"] == base.candidates.count
    assert "arrivals: 1 candidate recorded" in err and "kept the scenario" in err
    assert "metric accuracy: 1 values recorded" in err


@pytest.mark.parametrize("kind", ["missing", "empty", "not-a-ledger", "other-sop", "period"])
def test_unusable_ledgers_are_one_sentence(kind, sop_file, spec_model, tmp_path, capsys):
    url = str(tmp_path / "ledger.db")
    extra: list[str] = []
    if kind == "empty":
        Path(url).write_bytes(b"")
    elif kind == "not-a-ledger":
        Path(url).write_text("{}")
    elif kind in ("other-sop", "period"):
        with Ledger.open(url, create=True) as ledger:
            draft = decided(spec_model, "2026-11-02T10:00:00Z", "1")
            if kind == "other-sop":
                draft = replace(draft, sop_id="other")
            ledger.append(draft)
        extra = ["--since", "2027-01-01"] if kind == "period" else []
    out = tmp_path / "out.json"
    code, text, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                          "-o", str(out), *extra)  # fmt: skip
    assert (code, text) == (2, "") and err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()


def test_hostile_inputs(sop_file, spec_model, tmp_path, capsys) -> None:
    url = str(tmp_path / "hostile.db")
    names = ["carol\u202e", "x\x00y", "$(rm -rf /)", "${{ secrets.X }}", "d\u200bave", "ok.person"]
    with Ledger.open(url, create=True) as ledger:
        for index, name in enumerate(names * 2):
            at = f"2026-11-0{1 + index // 6}T{10 + index % 6:02d}:00:00Z"
            draft = decided(spec_model, at, str(index))
            # Recorded as a pipeline might hand them over (check refuses such evidence).
            candidate = {"model": "m", "version": f"v{index}'\n", "tier": "\x00low",
                         "submitted_by": name}  # fmt: skip
            ledger.append(replace(draft, candidate=candidate))
    # Odd criteria and answers in a document whose chain was rewritten: read past, not fitted.
    odd = '{"criteria": [{"id": ["acc"]}, 5], "approvals": {"counted": [{"role": {}}, 1]}}'
    edit(url, "UPDATE gatewright_ledger SET document = ? WHERE seq = 4", [odd], rewrite=True)
    data, err = fit(capsys, sop_file, url, tmp_path / "fitted.json")
    assert data["candidates"]["submitters"] == ["ok.person"]
    assert "tiers" not in data["candidates"] and "risk tiers" in err
    Scenario.model_validate(data)
    for bad in ("bad-date", "2026-13-01"):
        code, _, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                           "-o", str(tmp_path / "z.json"), "--until", bad)  # fmt: skip
        assert code == 2 and "--until" in err
    code, _, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                       "-o", str(sop_file))  # fmt: skip
    assert code == 2 and json.loads(sop_file.read_text())["format"] == "gatewright.sop/1"
    code, _, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                       "-o", str(tmp_path / "w.json"), "--since", "2026-11-03",
                       "--until", "2026-11-01")  # fmt: skip
    assert code == 2 and "before --since" in err
    edit(url, "UPDATE gatewright_ledger SET decided_at = 'x' WHERE seq = 5")
    code, _, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url,
                       "-o", str(tmp_path / "v.json"))  # fmt: skip
    assert code == 2 and "broken at entry 5" in err and err.count("\n") == 1
    code, _, err = run(capsys, "ledger", "stats", str(sop_file), "--ledger", url)
    assert code == 2 and "ledger verify" in err


def test_the_password_is_masked(sop_file, spec_model, pg_server, pg_database, tmp_path, capsys):
    from tests.ledger.conftest import pg_url

    url = pg_url(pg_server, pg_database)
    known_process(spec_model, url, count=40)
    out = tmp_path / "fitted.json"
    data, err = fit(capsys, sop_file, url, out)
    text = out.read_text(encoding="utf-8")
    password = pg_server["password"]
    for secret in (password, urllib.parse.quote(password, safe="")):
        assert secret not in text and secret not in err
    assert ":***@" in data["fitted_from"]["ledger"] and data["candidates"]["count"] == 40


def test_the_fit_overrides_what_the_base_says_of_the_same(sop_file, known, tmp_path, capsys):
    """A base scenario's value per gate, working hours and silent approvers would hide the
    fitted reality: they give way to it; what the base says of anything else stays."""
    base = {
        "format": "gatewright.scenario/1", "id": "small-base", "title": "Base", "sop": "small",
        "candidates": {
            "count": 5, "every_hours": {"dist": "fixed", "value": 1},
            "stage_metrics": {"gate": {"accuracy": {"dist": "fixed", "value": 0.5}}},
            "baseline": {"accuracy": 0.9},
        },
        "approvers": {
            "ml-lead": {"delay_hours": {"dist": "fixed", "value": 99}, "working_hours": [9, 17],
                        "respond_probability": 0.5},
            "risk": {"delay_hours": {"dist": "fixed", "value": 7}},
        },
        "hold_review": {"dist": "fixed", "value": 3},
    }  # fmt: skip
    base_file = tmp_path / "base.json"
    base_file.write_text(json.dumps(base), encoding="utf-8")
    data, err = fit(capsys, sop_file, known, tmp_path / "fitted.json", "--base", str(base_file))
    assert "stage_metrics" not in data["candidates"]
    assert data["candidates"]["baseline"] == {"accuracy": 0.9}
    lead = data["approvers"]["ml-lead"]
    assert "working_hours" not in lead and "respond_probability" not in lead
    assert lead["delay_hours"]["median"] == pytest.approx(DELAY_MEDIAN, rel=0.2)
    assert data["approvers"]["risk"] == base["approvers"]["risk"]
    assert data["hold_review"] == base["hold_review"] and "kept the scenario small-base" in err


def test_decisions_recorded_out_of_time_order(sop_file, spec_model, tmp_path, capsys) -> None:
    """A decision replayed later with --at is recorded after one it precedes: the first
    decision by time is the candidate's arrival and the start of its approval delay."""
    url = str(tmp_path / "replayed.db")
    with Ledger.open(url, create=True) as ledger:
        for day in range(1, 8):
            promoted = decided(spec_model, f"2026-11-0{day}T12:00:00Z", str(day))
            held = decided(spec_model, f"2026-11-0{day}T10:00:00Z", str(day), approved=False)
            ledger.append(promoted)
            ledger.append(held)
    data, _ = fit(capsys, sop_file, url, tmp_path / "fitted.json")
    assert data["candidates"]["every_hours"] == {"dist": "exponential", "mean": 24.0}
    lead = data["approvers"]["ml-lead"]
    assert lead["delay_hours"] == {"dist": "lognormal", "median": 2.0, "sigma": 0.0}
    assert "reject_probability" not in lead  # 0, the default, is not written
