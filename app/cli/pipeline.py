"""`check` and `monitor`, the commands pipelines call on every deployment.

They are parsed with argparse and dispatched before click is imported, so that a pipeline
step pays only for Python, pydantic and the spec models (see benchmarks/bench_check.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from app.cli.exit_codes import EXIT_HOLD, EXIT_NEGATIVE, EXIT_OK, EXIT_UNUSABLE
from app.cli.help_texts import JSON_HELP, TRUST_HELP
from app.cli.output import print_json, printable

DECISION_EXIT = {"promote": EXIT_OK, "reject": EXIT_NEGATIVE, "hold": EXIT_HOLD}
MONITOR_EXIT = {"healthy": EXIT_OK, "rollback": EXIT_NEGATIVE, "inconclusive": EXIT_HOLD}
SUMMARY = {
    "check": "Decide a gate: exit 0 promote, 1 reject, 3 hold, 2 unusable input.",
    "monitor": "Watch a stage: exit 0 healthy, 1 rollback, 3 inconclusive, 2 unusable input.",
    "evidence": "Evidence for a gate: a skeleton to fill (init), or built from MLflow, "
    "reports and platform approvals (collect, fetch).",
    "decision": "Before deploying: verify that a decision promotes this candidate (verify).",
    "rollback": "Roll a stage back in the model registry to the version promoted before, "
    "recorded in the ledger: exit 0 done, 2 when it cannot be carried out (nothing moved).",
}
LEDGER_HELP = (
    "Record the decision in this ledger: a file path or sqlite:///PATH (SQLite), or "
    "postgresql://USER@HOST/DATABASE; default: $GATEWRIGHT_LEDGER. A decision that cannot "
    "be recorded is not made (exit 2)."
)
AT_HELP = {
    "check": (
        "Decide as at this time (ISO 8601 with a timezone, e.g. 2026-11-20T10:00:00Z) to "
        "replay a decision; default: the machine's clock. Evidence cannot set it."
    ),
    "monitor": (
        "Judge the telemetry as at this time (ISO 8601 with a timezone): later windows are "
        "ignored; default: every window (with --prometheus: the last window ends then; "
        "default: now)."
    ),
}


class ContractParser(argparse.ArgumentParser):
    """argparse with the contract's usage error: the usage, one sentence, exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE)


def parser(command: str) -> argparse.ArgumentParser:
    if command == "check":
        p = ContractParser(
            prog="gatewright check",
            description=SUMMARY["check"],
        )
        p.add_argument("spec", help="Compiled gate spec (gatewright compile).")
        p.add_argument("--gate", required=True, help="Id of the gate to decide.")
        p.add_argument("--evidence", required=True, help="Evidence file (JSON or YAML).")
    else:
        p = ContractParser(
            prog="gatewright monitor",
            description=SUMMARY["monitor"],
        )
        p.add_argument("spec", help="Compiled gate spec (gatewright compile).")
        p.add_argument("--stage", required=True, help="Id of the stage to watch.")
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--telemetry", help="Telemetry windows (JSON or YAML), in any order.")
        source.add_argument(
            "--prometheus",
            metavar="URL",
            help=(
                "Read the telemetry from this Prometheus server instead: each trigger's metric "
                "through its catalog query, one window per step, the last ending at --at."
            ),
        )
        p.add_argument(
            "--step",
            type=_step,
            metavar="DURATION",
            help="With --prometheus: the length of one window, e.g. 30s, 5m, 1h (default 5m).",
        )
    p.add_argument("--at", type=_moment, metavar="TIME", help=AT_HELP[command])
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--trust", action="append", default=[], metavar="PUB", help=TRUST_HELP)
    p.add_argument("--ledger", metavar="URL", help=LEDGER_HELP)
    return p


def _moment(text: str) -> Any:
    from app.spec.timestamps import parse_timestamp

    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _step(text: str) -> Any:
    from app.runtime.prometheus import parse_step

    try:
        return parse_step(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _load(
    spec_path: str, input_path: str, schema: type, trust: Sequence[str] = ()
) -> tuple[Any, str | None, Any, Any]:
    """The verified spec (digest first, then the signature when keys are trusted), the
    fingerprint of the trusted key that signed it (None when no key is trusted), the input
    file's data and its validated model."""
    from app.spec.fileio import parse_data, read_text, validate_data
    from app.spec.files import signed_spec

    spec, signed_by = signed_spec(spec_path, trust)
    data = parse_data(read_text(input_path), input_path)
    return spec, signed_by, data, validate_data(schema, data, input_path)


def _unknown_named(spec_path: str, run: Callable[[], Any]) -> Any:
    """``run()``, an unknown gate or stage naming the spec file."""
    from app.runtime import UnknownElementError
    from app.spec.fileio import InputError

    try:
        return run()
    except UnknownElementError as error:
        raise InputError.single(spec_path, str(error)) from None


def run_check(
    spec_path: str,
    gate_id: str,
    evidence_path: str,
    as_json: bool,
    at: Any = None,
    trust: Sequence[str] = (),
    ledger: Any = None,
) -> int:
    from app.runtime import check
    from app.spec.evidence import Evidence

    spec, signed_by, data, evidence = _load(spec_path, evidence_path, Evidence, trust)
    if evidence.now is not None:
        print(
            f"warning: {evidence_path}: $.now is ignored: evidence cannot set the decision "
            "time, which is the machine's clock (or --at to replay a decision)",
            file=sys.stderr,
        )
    decision = _unknown_named(spec_path, lambda: check(spec, gate_id, evidence, at=at, given=data))
    decision.signed_by = signed_by
    if ledger is not None:
        from app.runtime.ledger_entries import check_draft

        _record(ledger, check_draft(spec, decision))
    if as_json:
        print_json(decision.to_json())
    else:
        print(f"{decision.gate}: {decision.decision.upper()}")
        for reason in decision.reasons:
            print(f"  - {printable(reason)}")
        for line in remark_lines(decision.approvals.counted):
            print(line)
        for ignored in decision.approvals.ignored:
            what = IGNORED_WHAT[ignored.get("decision", "approve")]
            print(f"  (ignored {what} by {ignored['by']}: {ignored['reason']})")
    return DECISION_EXIT[decision.decision]


IGNORED_WHAT = {"approve": "approval", "reject": "rejection", "revise": "revise request"}
COUNTED_WHAT = {"approve": "approved", "reject": "rejected", "revise": "revise requested"}


def remark_lines(counted: Sequence[dict[str, Any]]) -> list[str]:
    """The comments and conditions of the records that counted, as ``check`` prints them:
    each text through :func:`printable`, a comment's lines one below the other."""
    lines: list[str] = []
    for entry in counted:
        if "comment" not in entry and "conditions" not in entry:
            continue
        lines.append(f"  {COUNTED_WHAT[entry['decision']]} by {entry['by']} ({entry['role']}):")
        prefix = "    comment: "
        for text in entry.get("comment", "").splitlines():
            lines.append(prefix + printable(text))
            prefix = " " * len(prefix)
        lines += [f"    condition: {printable(text)}" for text in entry.get("conditions", ())]
    return lines


def _prometheus_telemetry(
    spec_path: str, stage_id: str, url: str, at: Any, step: Any, trust: Sequence[str]
) -> tuple[Any, Any]:
    """The verified spec and the stage's telemetry read from Prometheus."""
    from app.runtime import as_spec
    from app.runtime.prometheus import PrometheusServer, TelemetryError, telemetry
    from app.spec.fileio import InputError
    from app.spec.files import signed_spec

    spec = as_spec(signed_spec(spec_path, trust)[0])
    if stage_id not in {stage.id for stage in spec.stages}:
        return spec, None  # monitor() names the unknown stage
    try:
        return spec, telemetry(spec, stage_id, PrometheusServer(url), at, step)
    except TelemetryError as error:
        raise InputError.single(error.source or spec_path, str(error)) from None


def run_monitor(
    spec_path: str,
    stage_id: str,
    telemetry_path: str | None,
    as_json: bool,
    at: Any = None,
    trust: Sequence[str] = (),
    ledger: Any = None,
    prometheus: str | None = None,
    step: Any = None,
) -> int:
    from app.runtime import monitor
    from app.spec.evidence import Telemetry
    from app.spec.fileio import InputError

    if prometheus is None:
        if step is not None:
            raise InputError.single("--step", "goes with --prometheus, not with --telemetry")
        spec, _signed_by, _data, telemetry = _load(spec_path, str(telemetry_path), Telemetry, trust)
    else:
        spec, telemetry = _prometheus_telemetry(spec_path, stage_id, prometheus, at, step, trust)
    result = _unknown_named(
        spec_path, lambda: monitor(spec, stage_id, telemetry or {"windows": []}, at=at)
    )
    if ledger is not None:
        from datetime import UTC, datetime

        from app.runtime.ledger_entries import monitor_draft

        _record(ledger, monitor_draft(spec, result, at or datetime.now(UTC)))
    if as_json:
        print_json(result.to_json())
    elif result.decision == "healthy":
        print(f"{stage_id}: HEALTHY ({result.windows} windows)")
    elif result.decision == "inconclusive":
        print(f"{stage_id}: INCONCLUSIVE (a person must look)")
        if not result.windows:
            print("  - no telemetry window to judge: no data is never healthy")
        for trigger in result.inconclusive:
            needed = next(
                t.for_windows for p in spec.policies_for(stage_id) for t in p.triggers
                if t.id == trigger
            )  # fmt: skip
            print(f"  - {trigger}: too few usable windows (it needs {needed} in a row)")
    else:
        print(f"{stage_id}: ROLLBACK (fired: {', '.join(result.fired)})")
        for plan in result.plans:
            within = plan.max_minutes or "?"
            print(f"  policy {plan.id}: target {plan.target}; within {within} minutes")
            for number, action in enumerate(plan.actions, start=1):
                print(f"  {number}. {action.name} [{action.role}, {action.minutes:g} min]")
            for criterion in plan.checks:
                print(f"  check: {criterion.name or criterion.id}")
    return MONITOR_EXIT[result.decision]


class Unrecorded(Exception):
    """The decision could not be recorded (already said on stderr): it is not made."""


def _record(location: Any, draft: Any) -> None:
    """Append the decision to the ledger before it is reported; when it cannot be recorded,
    say why and raise ``Unrecorded`` (exit 2, nothing on stdout)."""
    from app.runtime.ledger import Ledger, LedgerError

    try:
        with Ledger.open(location, create=True) as ledger:
            entry = ledger.append(draft)
    except LedgerError as error:
        print(
            f"error: {printable(str(error))}; the decision is not made: run it again once "
            "the ledger can record it",
            file=sys.stderr,
        )
        raise Unrecorded() from None
    print(f"recorded in the ledger {printable(ledger.shown)} as entry {entry.seq}", file=sys.stderr)


def main(command: str, args: Sequence[str]) -> int:
    """Parse and run one pipeline command with the contract's error style."""
    from app.spec.fileio import InputError

    if command in ("evidence", "decision"):
        from app.cli.evidence import main as evidence_main

        return evidence_main(command, args)
    if command == "rollback":
        from app.cli.rollback import main as rollback_main

        return rollback_main(args)
    options = parser(command).parse_args(list(args))
    ledger = _ledger_location(options.ledger)
    if isinstance(ledger, int):
        return ledger
    runners: dict[str, Callable[[], int]] = {
        "check": lambda: run_check(
            options.spec,
            options.gate,
            options.evidence,
            options.json,
            options.at,
            options.trust,
            ledger,
        ),
        "monitor": lambda: run_monitor(
            options.spec,
            options.stage,
            options.telemetry,
            options.json,
            options.at,
            options.trust,
            ledger,
            options.prometheus,
            options.step,
        ),
    }
    try:
        return runners[command]()
    except InputError as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except Unrecorded:
        return EXIT_UNUSABLE


def _ledger_location(url: str | None) -> Any:
    """``--ledger``'s (or GATEWRIGHT_LEDGER's) location, None when neither is given, or
    exit 2 after one sentence when the URL is unusable. The ledger modules are imported
    only when a ledger is named."""
    import os

    if url is None and not os.environ.get("GATEWRIGHT_LEDGER"):
        return None
    from app.runtime.ledger_location import LedgerError, location_from

    try:
        return location_from(url)
    except LedgerError as error:
        print(f"error: --ledger: {printable(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
