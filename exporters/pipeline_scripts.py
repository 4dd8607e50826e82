"""Shell text the GitHub and GitLab exports share, and the runtime they install.

Every script here is a constant: ids, paths and names reach it through environment
variables, never through the text. The runtime is the wheel that
``exporters.runtime_wheel`` builds, written into the export beside the spec and pinned by
its sha256, which the install step checks before pip sees the file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from exporters.pipelines import Script, with_trust
from exporters.runtime_wheel import RuntimeWheel, build_runtime_wheel

if TYPE_CHECKING:
    from app.spec.schema import GateSpec

PYTHON_IMAGE = "python:3.11-slim"
"""The image GitLab jobs run in (a public image; pin a digest if you like)."""
PYTHON_VERSION = "3.11"
EVIDENCE_DIR = "gatewright-evidence"
"""Where jobs keep the evidence they pass on (artifacts), one file per gate."""
DECISIONS_DIR = "gatewright-decisions"
"""Where jobs keep decision documents (artifacts), one `<gate-id>.json` per gate."""
MONITOR_DIR = "gatewright-monitor"
APPROVALS_SOURCES = ("platform", "evidence")
SPEC_ARGUMENT = '"$GATEWRIGHT_SPEC"'
"""How every script names the spec: after it, a signed export's scripts pass --trust."""
TRUSTED_KEY = "GATEWRIGHT_TRUSTED_KEY"
"""The variable holding the path of the public key a signed spec must be signed by."""


def trusting(script: Script, signed: bool) -> Script:
    """``script`` passing ``--trust "$GATEWRIGHT_TRUSTED_KEY"`` with the spec, when signed."""
    return with_trust(script, SPEC_ARGUMENT, TRUSTED_KEY) if signed else script


@lru_cache(maxsize=1)
def runtime_wheel() -> RuntimeWheel:
    """This Gatewright's runtime wheel (built once per process: the sources do not change)."""
    return build_runtime_wheel()


def wheel_path(spec_path: str) -> str:
    """Where the export puts the wheel: beside the spec, relative to the repository root."""
    return str(PurePosixPath(spec_path).parent / runtime_wheel().name)


def evidence_file(gate_id: str, suffix: str = "") -> str:
    return f"{EVIDENCE_DIR}/{gate_id}{suffix}.json"


def decision_file(gate_id: str) -> str:
    return f"{DECISIONS_DIR}/{gate_id}.json"


def monitor_file(stage_id: str) -> str:
    return f"{MONITOR_DIR}/{stage_id}.json"


VERIFY_WHEEL_PY = (
    "import hashlib, sys; path, pinned = sys.argv[1:3]; "
    "data = open(path, 'rb').read(); "
    "sys.exit(0 if hashlib.sha256(data).hexdigest() == pinned else "
    "f'error: {path} is not the runtime this pipeline pins (its sha256 differs): "
    "re-export the pipeline instead of replacing the file')"
)

LEDGER_ARGUMENT = '${GATEWRIGHT_LEDGER:+--ledger "$GATEWRIGHT_LEDGER"}'
"""``--ledger "$GATEWRIGHT_LEDGER"`` when that secret is set and not empty, else nothing."""
MLFLOW_JOB = "GATEWRIGHT_MLFLOW_JOB"
"""Set to ``true`` on the jobs that read MLflow (evidence, rollback): only they install the
``mlflow`` extra, and only when MLFLOW_TRACKING_URI is set."""

INSTALL = Script(
    f"""\
extras=""
case "${{GATEWRIGHT_LEDGER:-}}" in
  postgres://*|postgresql://*) extras=postgres ;;
esac
if [ "${{{MLFLOW_JOB}:-}}" = true ] && [ -n "${{MLFLOW_TRACKING_URI:-}}" ]; then
  extras="${{extras:+$extras,}}mlflow"
fi
python -c "{VERIFY_WHEEL_PY}" "$GATEWRIGHT_RUNTIME" "$GATEWRIGHT_RUNTIME_SHA256"
runtime="$GATEWRIGHT_RUNTIME${{extras:+[$extras]}}"
python -m pip install --disable-pip-version-check --no-input --quiet "$runtime"
"""
)
"""Check the wheel's sha256 against the pin, install it (and pydantic from the index), with
the ``postgres`` extra for a PostgreSQL ledger and ``mlflow`` in the jobs that read MLflow."""


def install(signed: bool) -> Script:
    """The install step; a signed spec's runtime takes the `signed` extra (cryptography)."""
    if not signed:
        return INSTALL
    return Script(
        INSTALL.replace('extras=""\n', "extras=signed\n").replace(
            "extras=postgres ;;", 'extras="$extras,postgres" ;;'
        )
    )


FIRED_PY = (
    "import json, sys; found = json.load(open(sys.argv[1])); "
    "plans = found.get('plans') or ([found['plan']] if found.get('plan') else []); "
    "print(json.dumps([plan['policy'] for plan in plans]) if sys.argv[2:] == ['--json'] "
    "else ' '.join(plan['policy'] for plan in plans))"
)
"""Python printing the policies a ``monitor --json`` document fired (space-separated, or a
JSON list with ``--json``): every one of ``plans``, else the one ``plan``."""

APPROVALS_FROM_CHECK = """\
from=${GATEWRIGHT_APPROVALS_FROM:-platform}
case "$from" in
  platform|evidence) ;;
  *)
    echo "error: GATEWRIGHT_APPROVALS_FROM is '$from'; use platform or evidence" >&2
    exit 2 ;;
esac
"""

COLLECT = 'gatewright evidence collect "$GATEWRIGHT_SPEC"'


def collect_over(base: str) -> str:
    """The line building the evidence a gate decides on ($DECIDED_ON) over the evidence
    in the variable ``base``, with the sources in the script's arguments ("$@")."""
    return f'{COLLECT} --gate "$GATE_ID" --base "${base}" "$@" \\\n  -o "$DECIDED_ON"\n'


DECIDE = f"""\
status=0
gatewright check "$GATEWRIGHT_SPEC" --gate "$GATE_ID" --evidence "$DECIDED_ON" --json \\
  {LEDGER_ARGUMENT} > "$DECISION" || status=$?
cat "$DECISION"
"""
"""Run the check on $DECIDED_ON into $DECISION; its exit code is left in $status."""


def gate_script(platform: str, base: str, outcome: str) -> Script:
    """A gate job's script on GitHub and GitLab alike: where the approvals come from (the
    shell lines ``platform`` set the sources under GATEWRIGHT_APPROVALS_FROM=platform),
    the evidence collected over the variable ``base``, the check, then ``outcome`` (how the
    platform reports $status)."""
    return Script(
        f"""\
{APPROVALS_FROM_CHECK}mkdir -p {EVIDENCE_DIR} {DECISIONS_DIR}
if [ "$from" = platform ]; then
{platform}else
  echo "Approvals: those recorded in the evidence (GATEWRIGHT_APPROVALS_FROM=evidence)."
  set --
fi
{collect_over(base)}{DECIDE}{outcome}"""
    )


ROLLOUT_DIR = "gatewright-rollout"
DEPLOYED_AT_FILE = f"{ROLLOUT_DIR}/deployed-at"
RECORD_DEPLOYED_AT = Script(
    f"mkdir -p {ROLLOUT_DIR} && date -u +%Y-%m-%dT%H:%M:%SZ > {DEPLOYED_AT_FILE}\n"
)
"""After a deploy step: when it finished, for the bake after it (GitLab keeps the file)."""

BAKED_PY = (
    "import sys; from datetime import datetime, timezone; "
    "at, wanted = datetime.fromisoformat(sys.argv[1]), int(sys.argv[2]); "
    "waited = (datetime.now(timezone.utc) - at).total_seconds() / 60; "
    "sys.exit(f'error: the step was deployed {waited:.0f} minutes ago and its bake is "
    "{wanted} minutes: the platform must wait first: see the comment on the bake job') "
    "if waited < wanted else print(f'The step has baked {waited:.0f} minutes (the SOP "
    "asks {wanted})')"
)

BAKED = Script(
    f"""\
minutes=${{GATEWRIGHT_BAKE_MINUTES:-$BAKE_MINUTES}}
case "$minutes" in
  ''|*[!0-9]*)
    echo "error: GATEWRIGHT_BAKE_MINUTES must be a whole number of minutes, not '$minutes'" >&2
    exit 2 ;;
esac
if [ "$minutes" != "$BAKE_MINUTES" ]; then
  echo "The bake is $minutes minutes, not the SOP's $BAKE_MINUTES (GATEWRIGHT_BAKE_MINUTES)."
fi
deployed_at=${{DEPLOYED_AT:-$(cat {DEPLOYED_AT_FILE} 2>/dev/null || true)}}
if [ -z "$deployed_at" ]; then
  echo "error: the deploy step left no time; the bake of stage $STAGE_ID cannot be judged" >&2
  exit 2
fi
python -c "{BAKED_PY}" "$deployed_at" "$minutes"
"""
)
"""The bake is a wait after the deploy step (the platform's: a delayed job, an environment's
wait timer); this refuses to judge the stage before that many minutes have passed, so a
wait that was not configured fails instead of being skipped."""

WATCH = f"""\
mkdir -p {MONITOR_DIR}
watched="{MONITOR_DIR}/$STAGE_ID.json"
if [ -n "${{PROMETHEUS_URL:-}}" ]; then
  set -- --prometheus "$PROMETHEUS_URL"
else
  set -- --telemetry "$GATEWRIGHT_TELEMETRY_DIR/$STAGE_ID.json"
fi
status=0
gatewright monitor "$GATEWRIGHT_SPEC" --stage "$STAGE_ID" "$@" --json \\
  {LEDGER_ARGUMENT} > "$watched" || status=$?
cat "$watched"
fired=""
if [ "$status" = 1 ]; then
  fired=$(python -c "{FIRED_PY}" "$watched")
fi
"""
"""Run the monitor on the stage's telemetry; exit code in $status, fired policies in $fired."""

VERIFY_DEPLOY = Script(
    f"""\
for gate in $GATES; do
  gatewright decision verify "{DECISIONS_DIR}/$gate.json" --spec "$GATEWRIGHT_SPEC" \\
    --gate "$gate" --model "$GATEWRIGHT_MODEL" --version "$GATEWRIGHT_MODEL_VERSION"
done
"""
)
"""Refuse to deploy unless each gate into the stage promoted this candidate ($GATES holds
gate ids, which are slugs)."""

EVIDENCE_FROM_REPOSITORY = """\
# Replace these lines with your evaluation: write the evidence of gate $GATE_ID to
# $EVIDENCE_OUT (`gatewright evidence collect` builds it from JUnit reports and other
# sources). Until then the evidence is the file committed in the repository.
mkdir -p "$(dirname "$EVIDENCE_OUT")"
committed="$GATEWRIGHT_EVIDENCE_DIR/$GATE_ID.json"
if [ ! -f "$committed" ]; then
  echo "error: no evidence for gate $GATE_ID: $committed does not exist" >&2
  echo "(gatewright evidence init $GATEWRIGHT_SPEC --gate $GATE_ID prints one to fill)" >&2
  exit 2
fi
cp "$committed" "$EVIDENCE_OUT"
"""
"""The evidence step until a team plugs in its own: the committed file, as is."""


def evidence_usage(spec_path: str) -> list[str]:
    """Header lines saying how to start an evidence file (every export carries them)."""
    return [
        "Evidence of a gate: start from the skeleton that",
        f"  gatewright evidence init {spec_path} --gate <gate-id> > evidence/<gate-id>.json",
        "prints: every value the gate's criteria read, null (null is not measured: the",
        "criterion's on_missing policy decides). Fill it in and commit it, or write it from",
        "your evaluation job (`gatewright evidence collect` reads JUnit reports and platform",
        "approvals). Artifacts count by being listed: the command names those the gate reads.",
    ]


MLFLOW_EVIDENCE = """\
if [ -n "${MLFLOW_TRACKING_URI:-}" ] && [ -n "${GATEWRIGHT_MLFLOW_MODEL:-}" ]; then
  echo "Evidence: from MLflow, version $GATEWRIGHT_MODEL_VERSION of $GATEWRIGHT_MLFLOW_MODEL."
  set -- "$@" --mlflow-model "$GATEWRIGHT_MLFLOW_MODEL" \\
    --mlflow-version "$GATEWRIGHT_MODEL_VERSION" \\
    --baseline-alias "${GATEWRIGHT_MLFLOW_ALIAS:-champion}"
fi
"""
"""Evidence from MLflow when the tracking server and the registered model are configured
(MLFLOW_TRACKING_TOKEN, when set, is read by MLflow's client itself)."""


def with_mlflow(script: Script, mlflow: bool) -> Script:
    """``script`` adding the MLflow source to its ``evidence collect`` (``mlflow``: the
    SOP's metrics name MLflow keys)."""
    if not mlflow:
        return script
    return Script(script.replace(COLLECT, MLFLOW_EVIDENCE + COLLECT, 1))


def reads_mlflow(spec: GateSpec) -> bool:
    """Whether the SOP's metric catalog names an MLflow key (its pipelines then collect
    evidence from MLflow when it is configured)."""
    return any(metric.sources is not None and metric.sources.mlflow for metric in spec.metrics)


def registry_stage(spec: GateSpec) -> str | None:
    """The stage a registry rollback serves: the last stage of the promote path."""
    path = spec.promote_path()
    return path[-1].to if path else None


REGISTRY_ROLLBACK = Script(
    f"""\
fired_now=" ${{FIRED_POLICIES:-${{fired:-}}}} "
first=""
for policy in $REGISTRY_POLICIES; do
  case "$fired_now" in
    *" $policy "*|*"\\"$policy\\""*) first=$policy; break ;;
  esac
done
if [ "$first" != "$ROLLBACK_POLICY" ]; then
  echo "The registry rollback runs once, in the job of the first fired policy ($first)."
elif [ -n "${{MLFLOW_TRACKING_URI:-}}" ] && [ -n "${{GATEWRIGHT_MLFLOW_MODEL:-}}" ]; then
  gatewright rollback "$GATEWRIGHT_SPEC" --stage "$STAGE_ID" \\
    --mlflow-model "$GATEWRIGHT_MLFLOW_MODEL" --alias "${{GATEWRIGHT_MLFLOW_ALIAS:-champion}}" \\
    {LEDGER_ARGUMENT}
else
  echo "No registry model (MLFLOW_TRACKING_URI, GATEWRIGHT_MLFLOW_MODEL): the runbook rolls back."
fi
"""
)
"""A previous-stable rollback of the last stage carried out in the MLflow registry: the
alias goes back to the version the ledger records as promoted before. Several policies of
the stage may fire at once: only the job of the first of them ($REGISTRY_POLICIES, in the
spec's order, against the fired ones: $FIRED_POLICIES or the job's $fired) moves the
alias, so that one incident rolls back one version."""


def registry_policies(spec: GateSpec) -> list[str]:
    """The ids of the policies whose rollback is carried out in the registry: the
    previous-stable policies of the last stage, in the spec's order."""
    stage = registry_stage(spec)
    return [
        policy.id
        for policy in spec.rollback
        if policy.stage == stage and policy.target == "previous-stable"
    ]


STACK_HELP = (
    "Connecting your stack (secrets GATEWRIGHT_LEDGER, PROMETHEUS_URL, MLFLOW_TRACKING_URI,",
    "MLFLOW_TRACKING_TOKEN; GATEWRIGHT_MLFLOW_MODEL and GATEWRIGHT_MLFLOW_ALIAS under env",
    "(GitHub) or CI/CD variables (GitLab); each optional, unset: the repository's files):",
    "GATEWRIGHT_LEDGER: every check, monitor and rollback records its decision there (a",
    "path, sqlite:///PATH or postgresql://...; a decision that cannot be recorded fails the",
    "job). PROMETHEUS_URL: monitor and bake steps read the telemetry from it. With the",
    "MLflow tracking server, its token and GATEWRIGHT_MLFLOW_MODEL (the registered model;",
    "the version at the gates is GATEWRIGHT_MODEL_VERSION), check jobs add evidence from",
    "MLflow when the SOP's metrics name MLflow keys, and previous-stable rollbacks of the",
    "last stage run `gatewright rollback` (once per incident): the alias",
    "GATEWRIGHT_MLFLOW_ALIAS (default champion) goes back to the last version the ledger",
    "records as promoted there.",
)
"""What the export's header says about the secrets and variables that connect the stack."""
