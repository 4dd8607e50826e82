"""The scripts of the GitHub export, and the expressions it may write.

GitHub evaluates ``${{ ... }}`` in almost every workflow value, so user text (names) only
appears in ``name:`` fields (and a restore step's ``RESTORE_NAME``, which it prints),
escaped with ``github_literal``; scripts are constants that read ids (and that one name)
from ``env``, and every expression written is one of :data:`EXPRESSIONS`' forms.
"""

from __future__ import annotations

from exporters import pipeline_scripts as s
from exporters.pipelines import Script, display_text

EXPRESSION_ESCAPE = "${{ '${{' }}"
"""GitHub's way to write a literal ``${{``: an expression whose value is that string."""
EVIDENCE_DIR_EXPR = "${{ inputs.evidence_dir || 'evidence' }}"
TELEMETRY_DIR_EXPR = "${{ inputs.telemetry_dir || 'telemetry' }}"
TOKEN_EXPR = "${{ github.token }}"
STACK_EXPRESSIONS = {
    "GATEWRIGHT_LEDGER": "${{ secrets.GATEWRIGHT_LEDGER }}",
    "PROMETHEUS_URL": "${{ secrets.PROMETHEUS_URL }}",
    "MLFLOW_TRACKING_URI": "${{ secrets.MLFLOW_TRACKING_URI }}",
    "MLFLOW_TRACKING_TOKEN": "${{ secrets.MLFLOW_TRACKING_TOKEN }}",
}
"""The workflow env taking the stack's secrets (each unset: the files of the repository).
The registered model and its alias are plain env values the team edits in the file."""
EXPRESSIONS = (
    EXPRESSION_ESCAPE,
    EVIDENCE_DIR_EXPR,
    TELEMETRY_DIR_EXPR,
    TOKEN_EXPR,
    "${{ inputs.model }}",
    "${{ inputs.version }}",
    "${{ steps.rollout.outputs.deployed_at }}",
    "${{ inputs.gate-id }}",
    "${{ inputs.evidence-dir }}",
    "${{ inputs.output }}",
    "${{ steps.monitor.outputs.decision }}",
    "${{ steps.monitor.outputs.policies }}",
    *STACK_EXPRESSIONS.values(),
)
"""Every fixed ``${{`` the exporter writes; the others name a job made of slugs:
``needs.<id>.outputs.policies`` in a rollback job's ``if`` and
``${{ needs.<id>.outputs.deployed_at }}`` in a bake job's env."""


def github_literal(text: str) -> str:
    """User text that GitHub shows as written instead of evaluating ``${{ ... }}`` in it
    (and without the characters no export shows as they are: ``p.display_text``)."""
    return display_text(text).replace("${{", EXPRESSION_ESCAPE)


def unescape_literal(text: str) -> str:
    """What GitHub shows for a value escaped with :func:`github_literal`."""
    return text.replace(EXPRESSION_ESCAPE, "${{")


# -- scripts (constants: every value comes from env) ----------------------------------------

SUMMARY = """\
case "$status" in
  0) decision=promote ;;
  1) decision=reject ;;
  3) decision=hold ;;
  *) decision=unusable ;;
esac
{
  echo "## Gate \\`$GATE_ID\\`: $decision"
  echo "Approvals from: $from"
  if [ -s "$DECISION" ]; then
    echo '```json'
    cat "$DECISION"
    echo '```'
  fi
} >> "$GITHUB_STEP_SUMMARY"
"""

REJECTED = """\
  1)
    echo "::error title=Gate rejected::Gate $GATE_ID rejected the candidate (see the job summary)."
    exit 1 ;;
  *)
    echo "::error title=Gate could not decide::gatewright check exited $status: unusable input."
    exit "$status" ;;
esac
"""

CHECK = s.gate_script(
    """\
  echo "Approvals: from GitHub, read by the approve job (none count here)."
  echo "Submitter: the workflow's actor, $GITHUB_ACTOR."
  set -- --no-approvals --submitted-by "$GITHUB_ACTOR"
""",
    "EVIDENCE",
    f"""\
{SUMMARY}case "$status" in
  0) echo "Gate $GATE_ID promotes the candidate." ;;
  3)
    if [ "$APPROVE_JOB" = true ]; then
      echo "::notice title=Gate waits for approval::Gate $GATE_ID: its approve job follows."
    else
      echo "::error title=Gate on hold::Gate $GATE_ID: data inconclusive; a person must look."
      exit 3
    fi ;;
{REJECTED}""",
)

APPROVE = s.gate_script(
    """\
  echo "Approvals: from GitHub, this run's reviews of the environment $APPROVAL_ENVIRONMENT."
  gatewright evidence fetch github-reviews -o gatewright-reviews.json
  set -- --approvals-github gatewright-reviews.json --github-environment "$APPROVAL_ENVIRONMENT"
""",
    "CHECKED",
    f"""\
{SUMMARY}case "$status" in
  0) echo "Gate $GATE_ID promotes the candidate, with its approvals." ;;
  3)
    if [ "$from" = platform ]; then
      echo "::error title=Gate on hold::Gate $GATE_ID: approvals are short."
      echo "More reviewers of $APPROVAL_ENVIRONMENT must approve: re-run this job, which waits."
    else
      echo "::error title=Gate on hold::Gate $GATE_ID: approvals are short."
      echo "Record the approvals in the evidence and run the workflow again."
    fi
    exit 3 ;;
{REJECTED}""",
)

DRY_RUN = Script(
    f"""\
mkdir -p {s.EVIDENCE_DIR} {s.DECISIONS_DIR}
from="none (a dry run decides on the criteria)"
gatewright evidence collect "$GATEWRIGHT_SPEC" --gate "$GATE_ID" --base "$EVIDENCE" \\
  --no-approvals -o "$DECIDED_ON"
{s.DECIDE}{SUMMARY}case "$status" in
  0|3) echo "Dry run of gate $GATE_ID: the criteria pass ($decision without approvals)." ;;
{REJECTED}"""
)

DEPLOY = Script(
    'echo "Replace this step with your deployment of stage $STAGE_ID at $TRAFFIC_PERCENT% '
    'of traffic"\n'
)

DEPLOYED_AT = Script('echo "deployed_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$GITHUB_OUTPUT"\n')

BAKE_CHECK = Script(
    f"""\
{s.WATCH}case "$status" in
  0) echo "Stage $STAGE_ID is healthy after the bake: the rollout goes on." ;;
  1)
    echo "::error title=Rollback::Stage $STAGE_ID fired the rollback of: $fired. The rollout stops."
    exit 1 ;;
  3)
    echo "::error title=Too little telemetry::Stage $STAGE_ID cannot be judged; a person must look."
    exit 3 ;;
  *)
    echo "::error title=Monitor could not decide::gatewright monitor exited $status: bad input."
    exit "$status" ;;
esac
"""
)

MONITOR = Script(
    f"""\
{s.WATCH}case "$status" in
  0) decision=healthy ;;
  1) decision=rollback ;;
  3)
    echo "::error title=Monitor inconclusive::Stage $STAGE_ID has too little telemetry to judge."
    exit 3 ;;
  *)
    echo "::error title=Monitor could not decide::gatewright monitor exited $status: bad input."
    exit "$status" ;;
esac
policies=$(python -c "{s.FIRED_PY}" "$watched" --json)
echo "decision=$decision" >> "$GITHUB_OUTPUT"
echo "policies=$policies" >> "$GITHUB_OUTPUT"
{{
  echo "## Stage \\`$STAGE_ID\\`: $decision"
  echo '```json'
  cat "$watched"
  echo '```'
}} >> "$GITHUB_STEP_SUMMARY"
if [ "$decision" = rollback ]; then
  echo "::warning title=Rollback::Stage $STAGE_ID fired the rollback of: $fired. Their jobs follow."
fi
"""
)

ACTION = Script(
    'echo "Replace this step with runbook action $ACTION_ID (role: ${ACTION_ROLE:-none})"\n'
)

VERIFY = Script('echo "Replace this step with a check that $CHECK_ID holds after the rollback"\n')
