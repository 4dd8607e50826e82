"""`gatewright rollback`: carry out a stage's rollback in the model registry (argparse, so
that the pipeline runtime runs it without click)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.cli.exit_codes import EXIT_OK, EXIT_UNUSABLE
from app.cli.output import print_json, printable
from app.cli.pipeline import JSON_HELP, SUMMARY, TRUST_HELP, ContractParser


def parser() -> argparse.ArgumentParser:
    p = ContractParser(prog="gatewright rollback", description=SUMMARY["rollback"])
    p.add_argument("spec", help="Compiled gate spec (gatewright compile).")
    p.add_argument("--stage", required=True, help="Id of the stage to roll back.")
    p.add_argument("--mlflow-model", required=True, metavar="NAME", help="Registered model.")
    p.add_argument(
        "--alias", required=True, help="The alias the stage serves (moved back by the rollback)."
    )
    p.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow tracking server (default: MLFLOW_TRACKING_URI).",
    )
    p.add_argument(
        "--ledger",
        metavar="URL",
        help=(
            "The decision ledger the promotions were recorded in, where the rollback is "
            "recorded before the alias moves (default: $GATEWRIGHT_LEDGER)."
        ),
    )
    p.add_argument("--trust", action="append", default=[], metavar="PUB", help=TRUST_HELP)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    return p


def _run(options: argparse.Namespace) -> int:
    from app.runtime.ledger_location import location_from
    from app.runtime.mlflow_evidence import MlflowClientRegistry
    from app.runtime.rollback import RollbackError, roll_back
    from app.spec.files import signed_spec

    location = location_from(options.ledger)
    if location is None:
        raise RollbackError(
            "rollback needs the decision ledger that recorded the promotions: give --ledger "
            "or set GATEWRIGHT_LEDGER"
        )
    uri = options.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri:
        raise RollbackError(
            "rollback needs the MLflow tracking server: give --tracking-uri or set "
            "MLFLOW_TRACKING_URI"
        )
    spec, _signed_by = signed_spec(options.spec, options.trust)
    done = roll_back(
        spec,
        options.stage,
        MlflowClientRegistry(uri),
        options.mlflow_model,
        options.alias,
        location,
    )
    if options.json:
        print_json(done.to_json())
    else:
        print(
            f"{done.stage}: ROLLED BACK {done.model} alias {done.alias} from version "
            f"{done.from_version} to version {done.to_version} (the last promoted before it); "
            f"recorded in the ledger {done.ledger} as entry {done.entry}"
        )
    return EXIT_OK


def main(args: Sequence[str]) -> int:
    """Parse and run `rollback` with the contract's error style: one sentence, exit 2."""
    from app.runtime.collect import CollectError
    from app.runtime.ledger_location import LedgerError
    from app.runtime.rollback import RollbackError
    from app.spec.fileio import InputError

    options = parser().parse_args(list(args))
    try:
        return _run(options)
    except (InputError, CollectError, RollbackError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
    except LedgerError as error:
        print(f"error: {printable(str(error))}; nothing moved", file=sys.stderr)
    return EXIT_UNUSABLE
