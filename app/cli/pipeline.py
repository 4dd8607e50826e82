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
from app.cli.output import print_json

DECISION_EXIT = {"promote": EXIT_OK, "reject": EXIT_NEGATIVE, "hold": EXIT_HOLD}
SUMMARY = {
    "check": "Decide a gate: exit 0 promote, 1 reject, 3 hold, 2 unusable input.",
    "monitor": "Watch a stage: exit 0 healthy, 1 rollback, 2 unusable input.",
}
JSON_HELP = "Print exactly one JSON document on standard output."


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
        p.add_argument("--telemetry", required=True, help="Telemetry windows, oldest first.")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    return p


def _evaluate(spec_path: str, input_path: str, schema: type, run: Callable) -> Any:  # type: ignore[type-arg]
    """Load the spec (digest first) and the input file, then ``run(spec, input)``; an
    unknown gate or stage names the spec file."""
    from app.runtime import UnknownElementError
    from app.spec.fileio import InputError, load_model
    from app.spec.files import load_spec

    spec = load_spec(spec_path)
    given = load_model(schema, input_path)
    try:
        return run(spec, given)
    except UnknownElementError as error:
        raise InputError.single(spec_path, str(error)) from None


def run_check(spec_path: str, gate_id: str, evidence_path: str, as_json: bool) -> int:
    from app.runtime import check
    from app.spec.evidence import Evidence

    decision = _evaluate(
        spec_path, evidence_path, Evidence, lambda spec, evidence: check(spec, gate_id, evidence)
    )
    if as_json:
        print_json(decision.to_json())
    else:
        print(f"{decision.gate}: {decision.decision.upper()}")
        for reason in decision.reasons:
            print(f"  - {reason}")
        for ignored in decision.approvals.ignored:
            print(f"  (ignored approval by {ignored['by']}: {ignored['reason']})")
    return DECISION_EXIT[decision.decision]


def run_monitor(spec_path: str, stage_id: str, telemetry_path: str, as_json: bool) -> int:
    from app.runtime import monitor
    from app.spec.evidence import Telemetry

    result = _evaluate(
        spec_path,
        telemetry_path,
        Telemetry,
        lambda spec, telemetry: monitor(spec, stage_id, telemetry),
    )
    if as_json:
        print_json(result.to_json())
    elif result.plan is None:
        print(f"{stage_id}: HEALTHY")
    else:
        plan = result.plan
        print(f"{stage_id}: ROLLBACK (fired: {', '.join(result.fired)})")
        print(f"  target: {plan.target}; within {plan.max_minutes or '?'} minutes")
        for number, action in enumerate(plan.actions, start=1):
            print(f"  {number}. {action.name} [{action.role}, {action.minutes:g} min]")
        for criterion in plan.checks:
            print(f"  check: {criterion.name or criterion.id}")
    return EXIT_NEGATIVE if result.decision == "rollback" else EXIT_OK


def main(command: str, args: Sequence[str]) -> int:
    """Parse and run one pipeline command with the contract's error style."""
    from app.spec.fileio import InputError

    options = parser(command).parse_args(list(args))
    runners: dict[str, Callable[[], int]] = {
        "check": lambda: run_check(options.spec, options.gate, options.evidence, options.json),
        "monitor": lambda: run_monitor(
            options.spec, options.stage, options.telemetry, options.json
        ),
    }
    try:
        return runners[command]()
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
