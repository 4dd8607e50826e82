"""`evidence` and `decision`: the commands a pipeline runs around `check` (argparse, no click).

    gatewright evidence init SPEC --gate ID                     the evidence skeleton
    gatewright evidence collect SPEC --gate ID -o FILE [...]    evidence from real sources
    gatewright evidence fetch github-reviews|gitlab-deployment -o FILE
    gatewright decision verify DECISION --spec SPEC --gate ID [--model M] [--version V]

They ship in the pipeline runtime (exporters.runtime_wheel), so they import only the
runtime, the spec contract and the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.cli.exit_codes import EXIT_NEGATIVE, EXIT_OK, EXIT_UNUSABLE
from app.cli.output import print_json, printable

FETCHED = ("github-reviews", "gitlab-deployment")


def _add_parsers(parser: argparse.ArgumentParser) -> None:
    from app.cli.pipeline import ContractParser

    commands = parser.add_subparsers(dest="action", required=True, parser_class=ContractParser)
    init = commands.add_parser(
        "init",
        help="Print an evidence skeleton for one gate: every value it reads, null.",
        description=(
            "Print the evidence a gate reads, every value null and no approval: fill it in "
            "and give it to `gatewright check`. Artifacts are listed on stderr, not in the "
            "skeleton: an artifact counts by being listed."
        ),
    )
    init.add_argument("spec", help="Compiled gate spec (gatewright compile).")
    init.add_argument("--gate", required=True, help="Id of the gate.")
    _trust_option(init)

    collect = commands.add_parser(
        "collect",
        help="Build evidence for one gate from MLflow, reports and platform approvals.",
        description=(
            "Build evidence for one gate from the given sources; what no source supplies "
            "stays absent, so the criteria's fail-closed policies apply."
        ),
    )
    collect.add_argument("spec", help="Compiled gate spec (gatewright compile).")
    collect.add_argument("--gate", required=True, help="Id of the gate.")
    _trust_option(collect)
    collect.add_argument("-o", "--output", required=True, help="Evidence file to write.")
    collect.add_argument(
        "--base",
        help="Evidence to start from (its values stay unless a source replaces them).",
    )
    collect.add_argument(
        "--junit",
        action="append",
        default=[],
        metavar="FILE",
        help="JUnit XML report: a test case named like a check sets it (repeatable).",
    )
    mlflow = collect.add_argument_group(
        "MLflow (needs the mlflow extra: pip install 'gatewright[mlflow]')"
    )
    mlflow.add_argument(
        "--mlflow-model",
        metavar="NAME",
        help="Registered model: metrics, artifacts and candidate from its version's run.",
    )
    mlflow.add_argument("--mlflow-version", metavar="V", help="The model version at the gate.")
    mlflow.add_argument(
        "--baseline-alias",
        metavar="ALIAS",
        help="Baseline from the run of the version holding this alias (default: champion).",
    )
    mlflow.add_argument(
        "--tracking-uri",
        metavar="URI",
        help="MLflow tracking server (default: MLFLOW_TRACKING_URI).",
    )
    collect.add_argument(
        "--approvals-github",
        metavar="FILE",
        help="A workflow run's review history (GitHub REST API): its reviews become approvals.",
    )
    collect.add_argument(
        "--github-environment",
        metavar="NAME",
        help="Count only the reviews of this GitHub environment.",
    )
    collect.add_argument(
        "--approved-at",
        metavar="TIME",
        help="Time of the GitHub reviews, which carry none (ISO 8601; default: now).",
    )
    collect.add_argument(
        "--approvals-gitlab",
        metavar="FILE",
        help="A GitLab deployment (REST API): its approvals become approvals.",
    )
    collect.add_argument(
        "--no-approvals",
        action="store_true",
        help="Record no approvals (a criteria check before the platform's approvals exist).",
    )
    collect.add_argument(
        "--submitted-by",
        metavar="PERSON",
        help="Who submitted the candidate, as the platform knows it (the pipeline's user).",
    )

    fetch = commands.add_parser(
        "fetch",
        help="Save the platform's approvals of the running job, read through its REST API.",
        description=(
            "Inside a pipeline job: save the workflow run's review history (github-reviews) "
            "or the job's deployment with its approvals (gitlab-deployment) as JSON, for "
            "`evidence collect`. An API that cannot be read fails (exit 2)."
        ),
    )
    fetch.add_argument("what", choices=FETCHED, help="What to read.")
    fetch.add_argument("-o", "--output", required=True, help="JSON file to write.")


def parser(command: str) -> argparse.ArgumentParser:
    from app.cli.pipeline import SUMMARY, ContractParser

    p = ContractParser(prog=f"gatewright {command}", description=SUMMARY[command])
    if command == "evidence":
        _add_parsers(p)
        return p
    commands = p.add_subparsers(dest="action", required=True, parser_class=ContractParser)
    verify = commands.add_parser(
        "verify",
        help="Exit 0 only if a decision document promotes this candidate through this gate.",
        description=(
            "Before a deployment: exit 0 when DECISION (check --json) is a promote of the gate, "
            "decided on this spec, for the model and version given (empty: not compared), "
            "else 1."
        ),
    )
    verify.add_argument("decision", help="Decision document (gatewright check --json).")
    verify.add_argument("--spec", required=True, help="Compiled gate spec the job runs.")
    verify.add_argument("--gate", required=True, help="Id of the gate.")
    verify.add_argument("--model", default="", help="Model the job deploys (empty: any).")
    verify.add_argument("--version", default="", help="Version the job deploys (empty: any).")
    _trust_option(verify)
    return p


def _trust_option(parser: argparse.ArgumentParser) -> None:
    from app.cli.pipeline import TRUST_HELP

    parser.add_argument("--trust", action="append", default=[], metavar="PUB", help=TRUST_HELP)


def _spec(options: argparse.Namespace) -> Any:
    """The spec, verified: its digest, and its signature when keys are trusted."""
    from app.spec.files import signed_spec

    return signed_spec(options.spec, options.trust)[0]


def _write_json(path: str, data: Any) -> None:
    from app.spec.fileio import write_atomic

    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text)


def _read_json(path: str) -> Any:
    from app.spec.fileio import parse_data, read_text

    return parse_data(read_text(path), path)


def run_init(options: argparse.Namespace) -> int:
    from app.runtime.collect import find_gate, gate_reads, skeleton

    spec = _spec(options)
    data = skeleton(spec, options.gate)
    print_json(data)
    _model, gate = find_gate(spec, options.gate)
    artifacts = gate_reads(gate).artifacts
    if artifacts:
        print(
            f"gate {options.gate} reads the artifacts {', '.join(artifacts)}: list under "
            '"artifacts" those that exist',
            file=sys.stderr,
        )
    print(f"tiers: {', '.join(spec.tiers)} (missing or unknown: the strictest)", file=sys.stderr)
    print(APPROVALS_HINT, file=sys.stderr)
    return EXIT_OK


APPROVALS_HINT = (
    'approvals: one record per decision, {"by": PERSON, "role": ROLE (optional), "decision": '
    '"approve", "reject" or "revise", "at": TIME, "comment": TEXT (optional), "conditions": '
    "[ONE LINE EACH] (with approve: what the promotion comes with; with revise: what must "
    "change)}"
)


def _approved_at(text: str | None) -> str:
    from app.spec.fileio import InputError

    if text is None:
        return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError.single(
            "--approved-at", f"{text!r} is not an ISO 8601 time with a timezone"
        )
    return text


def _sources(options: argparse.Namespace) -> list[Any]:
    """The evidence sources the options name, in the order they apply."""
    from app.runtime import collect as c
    from app.runtime.junit import JUnitReports
    from app.runtime.platform_approvals import github_approvals, gitlab_approvals
    from app.spec.fileio import read_text

    given = [options.approvals_github, options.approvals_gitlab, options.no_approvals or None]
    if sum(item is not None for item in given) > 1:
        raise c.CollectError(
            "give one approvals source: --approvals-github, --approvals-gitlab or --no-approvals"
        )
    if options.github_environment and not options.approvals_github:
        raise c.CollectError("--github-environment goes with --approvals-github")
    sources: list[Any] = []
    if options.junit:
        sources.append(JUnitReports(tuple((path, read_text(path)) for path in options.junit)))
    if mlflow := _mlflow_source(options):
        sources.append(mlflow)
    if options.approvals_github:
        path = options.approvals_github
        records = github_approvals(
            _read_json(path), path, _approved_at(options.approved_at), options.github_environment
        )
        sources.append(c.Approvals(tuple(records), "github"))
    elif options.approvals_gitlab:
        path = options.approvals_gitlab
        sources.append(c.Approvals(tuple(gitlab_approvals(_read_json(path), path)), "gitlab"))
    elif options.no_approvals:
        sources.append(c.NoApprovals())
    if options.submitted_by is not None:
        sources.append(c.Submitter(options.submitted_by))
    return sources


def _mlflow_source(options: argparse.Namespace) -> Any:
    """The MLflow source the options name, or None (the client is imported only then)."""
    from app.runtime.collect import CollectError

    named = options.mlflow_model is not None, options.mlflow_version is not None
    if not any(named):
        for option in ("baseline_alias", "tracking_uri"):
            if getattr(options, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise CollectError(f"{flag} goes with --mlflow-model and --mlflow-version")
        return None
    if not all(named):
        raise CollectError("--mlflow-model and --mlflow-version go together: give both")
    uri = options.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri.strip():
        raise CollectError(
            "--mlflow-model needs a tracking server: give --tracking-uri or set MLFLOW_TRACKING_URI"
        )
    from app.runtime.mlflow_evidence import DEFAULT_ALIAS, MlflowClientRegistry, MlflowEvidence

    return MlflowEvidence(
        spec=options.spec_model,
        registry=MlflowClientRegistry(uri),
        model=options.mlflow_model,
        version=options.mlflow_version,
        alias=options.baseline_alias or DEFAULT_ALIAS,
    )


def run_collect(options: argparse.Namespace) -> int:
    from app.runtime import as_spec
    from app.runtime.collect import collect, find_gate
    from app.spec.evidence import Evidence
    from app.spec.fileio import inputs_kept, validate_data

    if options.approved_at is not None and not options.approvals_github:
        print("error: --approved-at goes with --approvals-github", file=sys.stderr)
        return EXIT_UNUSABLE
    spec = _spec(options)
    base = None
    if options.base is not None:
        base = _read_json(options.base)
        validate_data(Evidence, base, options.base)
    options.spec_model = as_spec(spec)
    find_gate(options.spec_model, options.gate)  # an unknown gate before any connection
    sources = _sources(options)
    evidence = collect(spec, options.gate, sources, base)
    inputs = [options.spec, options.base, options.approvals_github, options.approvals_gitlab]
    # -o naming one of the inputs is refused, not obeyed.
    with inputs_kept(*inputs, *options.junit, *options.trust):
        _write_json(options.output, evidence)
    approvals = len(evidence.get("approvals", []))
    for source in sources:
        for note in getattr(source, "notes", ()):
            print(f"note: {source.name}: {printable(note)}", file=sys.stderr)
    print(
        f"wrote {options.output}: evidence for gate {options.gate}, {approvals} approval"
        f"{'' if approvals == 1 else 's'} (from: {evidence['approvals_from']})",
        file=sys.stderr,
    )
    return EXIT_OK


def run_fetch(options: argparse.Namespace) -> int:
    from app.runtime.platform_api import github_reviews, gitlab_deployment

    read = github_reviews if options.what == "github-reviews" else gitlab_deployment
    _write_json(options.output, read(os.environ))
    print(f"wrote {options.output}: {options.what}", file=sys.stderr)
    return EXIT_OK


def run_verify(options: argparse.Namespace) -> int:
    from app.runtime.deployment import deployable

    spec = _spec(options)
    verdict = deployable(
        spec, options.gate, _read_json(options.decision), options.model, options.version
    )
    if not verdict.allowed:
        print(f"error: {options.decision}: {verdict.sentence}", file=sys.stderr)
        return EXIT_NEGATIVE
    print(verdict.sentence)
    return EXIT_OK


def main(command: str, args: Sequence[str]) -> int:
    """Parse and run `evidence` or `decision` with the contract's error style."""
    from app.runtime import UnknownElementError
    from app.runtime.collect import CollectError
    from app.runtime.platform_api import PlatformError
    from app.spec.fileio import InputError, SaveError

    options = parser(command).parse_args(list(args))
    run = {
        "init": run_init,
        "collect": run_collect,
        "fetch": run_fetch,
        "verify": run_verify,
    }[options.action]
    try:
        return run(options)
    except (InputError, SaveError, CollectError, PlatformError) as error:
        print(f"error: {printable(str(error))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except UnknownElementError as error:
        print(f"error: {printable(f'{options.spec}: {error}')}", file=sys.stderr)
        return EXIT_UNUSABLE
