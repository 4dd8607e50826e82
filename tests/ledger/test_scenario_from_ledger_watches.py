"""`gatewright scenario from-ledger` on what `monitor` and `rollback` record: a ledger made
from a known process (releases promoted by the real `check`, watched by the real
`gatewright monitor --ledger`, rolled back by the real rollback recording after a known
share of them broke, a known time after the verdict) is fitted; the fitted fault chance
and rollback factor recover the known ones, simulating them reproduces the ledger's
change failure rate and rollback times, and edited entries are one sentence, exit 2."""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from app.cli import main
from app.runtime import check
from app.runtime.ledger import Ledger
from app.runtime.ledger_entries import check_draft, sortable_time
from app.runtime.ledger_location import parse_location
from app.runtime.mlflow_evidence import ModelVersion
from app.runtime.rollback import roll_back
from app.simulate.engine import simulate
from app.simulate.scenario import Distribution, Fixed, Scenario
from app.spec.timestamps import parse_timestamp
from tests.cli import run
from tests.conftest import small_sop
from tests.ledger.conftest import edit, evidence, write_json

pytestmark = pytest.mark.usefixtures("no_ledger_env")

RELEASES, FAULT, UNWATCHED, UNJUDGED = 160, 0.25, 0.08, 0.06
FACTOR_MEDIAN, FACTOR_SIGMA = 3.0, 0.5
REVERT_MINUTES = 5  # the small SOP's one rollback action
HEALTHY = 0.93
BASE = {
    "format": "gatewright.scenario/1", "id": "small-base", "title": "Base", "sop": "small",
    "candidates": {"count": 5, "every_hours": {"dist": "fixed", "value": 1}},
    # What the ledger does not record: healthy production values, a base fault's shape.
    "telemetry": {
        "window_minutes": 30, "watch_windows": 12,
        "metrics": {"accuracy": {"dist": "normal", "mean": HEALTHY, "sd": 0.01}},
        "faults": [{"kind": "drop", "metric": "accuracy", "probability": 0.9, "value": 0.6,
                    "after_windows": 2}],
    },
    "actions": {"factor": {"dist": "fixed", "value": 1}, "failure_probability": 0.1},
    "action_overrides": {"revert": {"factor": {"dist": "fixed", "value": 9}}},
}  # fmt: skip


@dataclass
class Aliases:
    """A model registry's alias, in memory: what the rollback recording asks and moves."""

    holder: str = ""
    uri: str = "memory://registry"
    moves: list[str] = field(default_factory=list)

    def alias(self, model: str, alias: str) -> ModelVersion | None:
        return ModelVersion(model, self.holder, None, None) if self.holder else None

    def move_alias(self, model: str, alias: str, version: str) -> None:
        self.holder = version
        self.moves.append(version)


@dataclass
class Truth:
    """What the known process did: stays watched healthy or broken, rollback minutes."""

    outcomes: Counter[str] = field(default_factory=Counter)
    restore_minutes: list[float] = field(default_factory=list)
    monitors: int = 0


def monitored(spec_file: Path, tmp: Path, url: str, at: datetime, values: list[float]) -> None:
    """`gatewright monitor --ledger` at ``at`` on windows of ``values`` (half an hour apart
    up to ``at``): healthy, rollback when the last is under the trigger's 0.85, inconclusive
    without windows."""
    windows = [
        {"at": sortable_time(at - timedelta(minutes=30 * (len(values) - i))),
         "metrics": {"accuracy": value}}
        for i, value in enumerate(values)
    ]  # fmt: skip
    path = write_json(tmp / "telemetry.json", {"windows": windows})
    code = main(["monitor", str(spec_file), "--stage", "prod", "--telemetry", str(path),
                 "--ledger", url, "--at", sortable_time(at)])  # fmt: skip
    assert code == (3 if not values else 1 if values[-1] < 0.85 else 0)


def known_watches(spec, spec_file: Path, tmp: Path, url: str, count: int = RELEASES,
                  seed: int = 11, replay: bool = False) -> Truth:  # fmt: skip
    """Each candidate is promoted into prod (gaps of 5 hours and more); most stays are
    watched an hour in (healthy) and three hours in; with chance FAULT the accuracy drops
    to 0.5 after two windows and the stay is rolled back FACTOR x 5 minutes after the
    verdict, then the restored release is watched again (which is no stay of a release).
    Some stays are never watched, some only inconclusively (no windows). ``replay``: the
    monitor verdicts are recorded after all promotions, with --at, out of record order."""
    rng, truth = random.Random(seed), Truth()
    registry, later = Aliases(), []

    def record(everything: bool = False) -> None:
        if replay and not everything:
            return
        truth.monitors += len(later)
        for moment, values in later:
            monitored(spec_file, tmp, url, moment, values)
        later.clear()

    t = parse_timestamp("2026-11-01T06:00:00Z")  # after evidence()'s approval
    for index in range(count):
        t += timedelta(hours=5 + rng.expovariate(1 / 6))
        with Ledger.open(url, create=True) as ledger:
            ledger.append(check_draft(spec, check(spec, "gate", evidence(str(index)), at=t)))
        registry.holder = str(index)
        healthy = [rng.gauss(HEALTHY, 0.01) for _ in range(6)]
        draw = rng.random()
        if index and draw < UNWATCHED:
            truth.outcomes["unwatched"] += 1
        elif index and draw < UNWATCHED + UNJUDGED:
            truth.outcomes["unjudged"] += 1
            later.append((t + timedelta(hours=3), []))
        elif index == 0 or rng.random() >= FAULT:
            truth.outcomes["healthy"] += 1
            later += [(t + timedelta(hours=1), healthy[:2]), (t + timedelta(hours=3), healthy)]
        else:
            truth.outcomes["rollback"] += 1
            detected = t + timedelta(hours=3)
            later += [(t + timedelta(hours=1), healthy[:2]),
                      (detected, healthy[:2] + [0.5] * 4)]  # fmt: skip
            record()
            minutes = REVERT_MINUTES * rng.lognormvariate(math.log(FACTOR_MEDIAN), FACTOR_SIGMA)
            truth.restore_minutes.append(minutes)
            at = detected + timedelta(minutes=minutes)
            roll_back(spec, "prod", registry, "scorer", "production", parse_location(url), at=at)
            later.append((at + timedelta(minutes=30), healthy[:1]))  # the restored release
        record()
    record(everything=True)
    return truth


def fit(capsys, sop_file: Path, url: str, out: Path, *args: str) -> tuple[dict[str, Any], str]:
    code, _, err = run(
        capsys, "scenario", "from-ledger", str(sop_file), "--ledger", url, "-o", str(out), *args
    )
    assert code == 0, err
    return json.loads(out.read_text(encoding="utf-8")), err


@pytest.fixture
def base_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "base.json", BASE)


@pytest.fixture(scope="module")
def known(tmp_path_factory) -> dict[str, Any]:
    """One ledger of the known process, shared: it takes some 500 commands to make."""
    from app.compiler.compile import compile_data
    from app.model.io import save_document
    from app.spec.files import write_spec
    from app.spec.schema import GateSpec

    tmp = tmp_path_factory.mktemp("watches")
    doc = small_sop()
    sop_file, spec_file = tmp / "small.sop.json", tmp / "spec.json"
    save_document(doc, sop_file, backup=False)
    write_spec(compile_data(doc), spec_file)
    spec = GateSpec.model_validate(compile_data(doc))
    url = str(tmp / "ledger.db")
    truth = known_watches(spec, spec_file, tmp, url)
    with Ledger.open(url) as ledger:
        kinds = Counter(entry.kind for entry in ledger.entries())
    assert kinds == {"check": RELEASES, "rollback": truth.outcomes["rollback"],
                     "monitor": truth.monitors}  # fmt: skip
    return {"url": url, "truth": truth, "sop_file": sop_file, "spec": spec,
            "spec_file": spec_file}  # fmt: skip


def _draws(distribution: dict[str, Any], count: int = 20_000) -> list[float]:
    drawn = TypeAdapter(Distribution).validate_python(distribution)
    rng = random.Random(5)
    return sorted(itertools.islice(drawn.values(rng), count))


def test_the_fit_recovers_the_known_faults_and_timings(known, base_file, tmp_path, capsys):
    data, err = fit(capsys, known["sop_file"], known["url"], tmp_path / "f.json",
                    "--base", str(base_file))  # fmt: skip
    truth: Truth = known["truth"]
    (fault,) = data["telemetry"]["faults"]
    # Exactly the process's share of judged stays (unwatched and inconclusive ones left
    # out, verdicts on the restored release not counted), and within 0.08 of the known
    # chance (about 2.3 standard errors of ~140 stays).
    judged = truth.outcomes["healthy"] + truth.outcomes["rollback"]
    assert fault["probability"] == pytest.approx(truth.outcomes["rollback"] / judged, rel=1e-5)
    assert fault["probability"] == pytest.approx(FAULT, abs=0.08)
    # The shape comes from the base's fault of that metric; the stage is now named.
    assert fault == {**BASE["telemetry"]["faults"][0], "stage": "prod",
                     "probability": fault["probability"]}  # fmt: skip
    made = data["fitted_from"]
    assert (
        f"faults at prod: {truth.outcomes['rollback']} of {judged} watched stays ended in "
        f"rollback ({truth.outcomes['unjudged']} only inconclusive left out)"
    ) in made["fitted"]
    # The factor: the median and 90th percentile of the known one within 20%.
    factor = data["actions"]["factor"]
    assert factor["dist"] == "lognormal"
    draws = _draws(factor)
    assert statistics.median(draws) == pytest.approx(FACTOR_MEDIAN, rel=0.2)
    p90 = FACTOR_MEDIAN * math.exp(statistics.NormalDist().inv_cdf(0.9) * FACTOR_SIGMA)
    assert draws[int(0.9 * len(draws))] == pytest.approx(p90, rel=0.2)
    # Not recorded, so kept from the base, and said: values, failures, the base's windows.
    assert data["actions"]["failure_probability"] == 0.1
    assert data["action_overrides"] == {"revert": {"factor": factor}}  # the base's gave way
    assert data["telemetry"]["metrics"] == BASE["telemetry"]["metrics"]
    assert any(k.startswith("telemetry values and how often one was missing: the ledger does "
                            "not record them") for k in made["kept"])  # fmt: skip
    assert "warning: rollback action failures: the ledger does not record them" in err
    assert "kept the scenario small-base" in err


def test_simulating_the_fit_reproduces_the_ledger(known, base_file, tmp_path, capsys):
    data, _ = fit(capsys, known["sop_file"], known["url"], tmp_path / "f.json",
                  "--base", str(base_file))  # fmt: skip
    code, out, err = run(capsys, "ledger", "stats", str(known["sop_file"]), "--ledger",
                         known["url"], "--json")  # fmt: skip
    assert code == 0, err
    real = json.loads(out)
    scenario = Scenario.model_validate(data)
    scenario.actions.failure_probability = 0  # the known process never failed a rollback
    scenario.candidates.count = 3000
    # A day between arrivals: no release is replaced before its watch decides (the known
    # process never replaced one either; the fitted exponential gaps sometimes would).
    scenario.candidates.every_hours = Fixed(dist="fixed", value=24)
    result = simulate(known["spec"], scenario, seed=3)
    releases = len(result.releases)
    failed = sum(1 for r in result.releases if r.failed)
    truth: Truth = known["truth"]
    judged = truth.outcomes["healthy"] + truth.outcomes["rollback"]
    # The share of releases rolled back within 4 points of the ledger's judged stays (3000
    # simulated releases: about +-0.8 points of sampling error).
    assert failed / releases == pytest.approx(truth.outcomes["rollback"] / judged, abs=0.04)
    # A simulated rollback's minutes against the ledger's verdict-to-rollback minutes (what
    # `ledger stats` counts as time to restore): medians within 20%.
    simulated = statistics.median(r["minutes"] for r in result.rollbacks)
    assert simulated == pytest.approx(statistics.median(truth.restore_minutes), rel=0.2)
    measured_hours = real["dora"]["time_to_restore_hours"]
    assert measured_hours * 60 == pytest.approx(statistics.median(truth.restore_minutes), rel=0.01)


def test_without_a_base_the_fault_is_a_drop_past_the_trigger(known, tmp_path, capsys):
    data, err = fit(capsys, known["sop_file"], known["url"], tmp_path / "f.json")
    (fault,) = data["telemetry"]["faults"]
    # The trigger fires under 0.85; the ledger says it fired, not by how much.
    assert {k: fault[k] for k in ("kind", "metric", "stage", "value")} == {
        "kind": "drop",
        "metric": "accuracy",
        "stage": "prod",
        "value": 0.425,
    }
    assert "after_windows" not in fault
    assert "telemetry: no production values for the watched metric(s) accuracy" in err


def test_replayed_verdicts_fit_the_same(
    ledger_url, spec_model, spec_file, sop_file, tmp_path, capsys
) -> None:
    """Verdicts recorded after the promotions that follow them (monitor --at, replayed),
    on SQLite and PostgreSQL: the stays are read in time order, and fit as on SQLite when
    recorded as they happened."""
    fits = []
    for url, replay in ((str(tmp_path / "in-order.db"), False), (ledger_url, True)):
        truth = known_watches(spec_model, spec_file, tmp_path, url, count=30, seed=4,
                              replay=replay)  # fmt: skip
        data, _ = fit(capsys, sop_file, url, tmp_path / f"f-{replay}.json")
        fits.append((data["telemetry"], data["actions"], data["fitted_from"]["fitted"]))
    assert fits[0] == fits[1]
    rollbacks = truth.outcomes["rollback"]
    said = f"faults at prod: {rollbacks} of {rollbacks + truth.outcomes['healthy']} watched"
    assert any(line.startswith(said) for line in fits[0][2])


def test_too_few_watches_keep_the_base(history, sop_file, base_file, tmp_path, capsys):
    """One release rolled back, one rollback: nothing to fit from; the base stays."""
    data, err = fit(capsys, sop_file, history, tmp_path / "f.json", "--base", str(base_file))
    fitted, base = Scenario.model_validate(data), Scenario.model_validate(BASE)
    assert fitted.telemetry == base.telemetry
    assert (fitted.actions, fitted.action_overrides) == (base.actions, base.action_overrides)
    kept = data["fitted_from"]["kept"]
    assert "faults at prod: 1 watched stays ended healthy or in rollback" in kept
    assert (
        "rollback action timings: 1 rollbacks recorded after a monitor's rollback verdict" in kept
    )
    assert "warning: faults at prod: 1 watched stays" in err


def test_healthy_watches_remove_the_base_faults(spec_model, spec_file, sop_file, tmp_path, capsys):
    """Six releases, each watched healthy: the stage's faults (the base's, which strike any
    stage) are fitted to none."""
    url = str(tmp_path / "healthy.db")
    t = parse_timestamp("2026-11-02T10:00:00Z")
    for index in range(6):
        at = t + timedelta(days=index)
        with Ledger.open(url, create=True) as ledger:
            ledger.append(check_draft(spec_model, check(spec_model, "gate", evidence(str(index)),
                                                        at=at)))  # fmt: skip
        monitored(spec_file, tmp_path, url, at + timedelta(hours=2), [HEALTHY] * 3)
    base_file = write_json(tmp_path / "base.json", BASE)
    data, _ = fit(capsys, sop_file, url, tmp_path / "f.json", "--base", str(base_file))
    assert "faults" not in data["telemetry"]
    assert "faults at prod: 0 of 6 watched stays ended in rollback" in data["fitted_from"]["fitted"]
    assert Scenario.model_validate(data).telemetry.faults == []


EDITS = {
    "not-json": "{not json",
    "no-fields": "{}",
    "nan-minutes": '{"fired": ["acc-drop"], "plan": {"actions": [{"id": "revert", '
    '"minutes": NaN}]}}',
    "huge-minutes": '{"fired": ["acc-drop"], "plan": {"actions": [{"id": "a", "minutes": 1e308},'
    ' {"id": "b", "minutes": 1e308}]}}',
    "no-trigger": '{"fired": [], "plan": {"actions": []}}',
    "fired-text": '{"fired": "acc-drop", "plan": {"actions": []}}',
    "verdict": None,
    "time": None,
}


@pytest.mark.parametrize("rewrite", [False, True], ids=["edited", "chain-rewritten"])
@pytest.mark.parametrize("change", sorted(EDITS))
def test_edited_watch_entries_are_one_sentence(
    change, rewrite, history, sop_file, tmp_path, capsys
):
    """An edited monitor entry breaks the hash chain, which names it; one whose chain was
    rewritten after the edit is still not what `monitor` records, which names it too."""
    with Ledger.open(history) as ledger:
        (seq,) = [e.seq for e in ledger.entries() if e.kind == "monitor"]
    if change == "verdict":
        sql, value = "decision = ?", "maybe"
    elif change == "time":
        sql, value = "decided_at = ?", "9999-99-99"
    else:
        sql, value = "document = ?", EDITS[change]
    edit(history, f"UPDATE gatewright_ledger SET {sql} WHERE seq = ?", [value, seq], rewrite)
    out = tmp_path / "out.json"
    code, text, err = run(capsys, "scenario", "from-ledger", str(sop_file), "--ledger", history,
                          "-o", str(out))  # fmt: skip
    assert (code, text) == (2, "") and err.startswith("error: ") and err.count("\n") == 1, err
    assert "ledger verify" in err and not out.exists()
    if not rewrite:
        assert f" is broken at entry {seq}: its content does not match its hash" in err
    elif change != "time":  # read first for `ledger stats`' figures, which name no entry
        assert f": entry {seq} is not a monitor decision as `gatewright monitor`" in err


def test_a_huge_rollback_time_still_fits(spec_model, spec_file, sop_file, tmp_path, capsys):
    """A rollback recorded in the year 9999 (with --at) is a huge but finite factor."""
    url = str(tmp_path / "huge.db")
    known_watches(spec_model, spec_file, tmp_path, url, count=40, seed=4)
    with Ledger.open(url) as ledger:
        last = [e.seq for e in ledger.entries() if e.kind == "rollback"][-1]
    # As recorded then: the chain is made again after it.
    edit(url, "UPDATE gatewright_ledger SET decided_at = ? WHERE seq = ?",
         ["9999-12-31T23:59:59.000000Z", last], rewrite=True)  # fmt: skip
    data, _ = fit(capsys, sop_file, url, tmp_path / "f.json")
    Scenario.model_validate(data)
    assert all(math.isfinite(v) for v in data["actions"]["factor"].values() if v != "lognormal")


def test_a_trigger_the_sop_no_longer_has(history, sop_file, tmp_path, capsys) -> None:
    """A rollback fired by a trigger since removed from the SOP counts as its stage's
    first trigger's, and says so."""
    with Ledger.open(history) as ledger:
        (entry,) = [e for e in ledger.entries() if e.kind == "monitor"]
    document = {**json.loads(entry.document), "fired": ["gone"]}
    # As an earlier version of the SOP recorded it: the chain is made again after it.
    edit(history, "UPDATE gatewright_ledger SET document = ? WHERE seq = ?",
         [json.dumps(document), entry.seq], rewrite=True)  # fmt: skip
    _, err = fit(capsys, sop_file, history, tmp_path / "f.json")
    assert "faults at prod: 1 rollback verdicts name no trigger this SOP has there" in err
