"""The simulation's log: written compactly in the order things are worked out, read as
events in time order with minutes to three decimals."""

from __future__ import annotations

from app.simulate.events import EventLog, EventType


def written(*records: tuple) -> EventLog:  # type: ignore[type-arg]
    log = EventLog()
    for record in records:
        log.records.append(record)
        log.times.append(record[0])
    return log


def test_events_come_in_time_order_rounded_and_ties_keep_the_written_order() -> None:
    log = written(
        (90.0, EventType.DEPLOYED, "prod", 1, None),
        (5.00049, EventType.GATE_ENTERED, "gate", 0, None),  # rounds to 5.0
        (4.9996, EventType.GATE_ENTERED, "gate", 2, None),  # rounds to 5.0 too: written later
        (0.0, EventType.CANDIDATE_ARRIVED, "dev", 0, {"tier": "low", "submitter": "ann"}),
        (5.0, EventType.APPROVAL, "gate", 0, {"by": "bob", "role": "ml", "decision": "approve"}),
        (7.25, EventType.TRIGGER_FIRED, "acc", 1, {"fired": ["acc"], "policy": "p"}),
    )
    events = log.events()
    assert [(e["t"], e["candidate"]) for e in events] == [
        (0.0, 0), (5.0, 0), (5.0, 2), (5.0, 0), (7.25, 1), (90.0, 1),
    ]  # fmt: skip
    assert events[0] == {
        "t": 0.0,
        "type": EventType.CANDIDATE_ARRIVED,
        "element": "dev",
        "candidate": 0,
        "detail": {"tier": "low", "submitter": "ann"},
    }
    assert list(events[0]) == ["t", "type", "element", "candidate", "detail"]
    assert events[3]["detail"] == {"by": "bob", "role": "ml", "decision": "approve"}
    assert "detail" not in events[1]
    assert events[4]["detail"] == {"fired": ["acc"], "policy": "p"}
    assert log.events() is events  # built once
    assert len(log) == 6 and log.latest() == 90.0 and log.earliest() == 0.0


def test_an_empty_log_reads_as_no_events() -> None:
    log = EventLog()
    assert log.events() == [] and log.latest() == 0.0 and len(log) == 0


def test_a_simulation_log_reads_in_time_order() -> None:
    from app.compiler.compile import compile_spec
    from app.model.templates import load_template
    from app.simulate.engine import simulate
    from app.simulate.library import load_builtin
    from app.simulate.scenario import Scenario

    spec = compile_spec(load_template("deployment-gate"))
    result = simulate(spec, load_builtin(Scenario, "deployment-gate-month"), 3)
    events = result.events
    assert events and events is result.events
    minutes = [event["t"] for event in events]
    assert minutes == sorted(minutes)
    assert all(round(t, 3) == t for t in minutes)
    kinds = {event["type"] for event in events}
    assert {EventType.CANDIDATE_ARRIVED, EventType.APPROVAL, EventType.DEPLOYED} <= kinds
    approval = next(event for event in events if event["type"] == EventType.APPROVAL)
    assert list(approval) == ["t", "type", "element", "candidate", "detail"]
    assert set(approval["detail"]) == {"by", "role", "decision"}
    assert result.period_minutes >= minutes[-1]
