"""GitLab CI export: a .gitlab-ci.yml, protected-environment payloads and the spec.

Script lines are constants; ids and names reach them through ``variables:``, names with
``expand: false`` so that GitLab never expands a ``$`` written in an SOP.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.spec.digest import json_text
from exporters import pipelines as p
from exporters.pipelines import Commented, Script

if TYPE_CHECKING:
    from app.model.document import Sop
    from exporters.context import ExportContext

CI_FILE = ".gitlab-ci.yml"
ENVIRONMENTS_FILE = "gitlab/protected-environments.json"
TEMPLATE_JOB = ".gatewright"
MAINTAINER_ACCESS = 40

PROMOTE_IF = (
    "$CI_PIPELINE_SOURCE != 'schedule' && $GATEWRIGHT_MONITOR != 'true' "
    "&& $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
)
MONITOR_IF = "$CI_PIPELINE_SOURCE == 'schedule' || $GATEWRIGHT_MONITOR == 'true'"

# -- scripts (constants: every value comes from variables) ----------------------------------

INSTALL = Script('python -m pip install --disable-pip-version-check "$GATEWRIGHT_PIP_SPEC"\n')

DEPLOY = Script(
    'echo "Replace this script with your deployment to $STAGE_ID (stage: $STAGE_NAME)"\n'
)

CHECK = Script(
    f"""\
status=0
gatewright check "$GATEWRIGHT_SPEC" --gate "$GATE_ID" --evidence "$EVIDENCE" --json \\
  > {p.DECISION_FILE} || status=$?
cat {p.DECISION_FILE}
case "$status" in
  0) echo "Gate $GATE_ID ($GATE_NAME): promote" ;;
  1) echo "Gate $GATE_ID ($GATE_NAME): reject" ;;
  3) echo "Gate $GATE_ID ($GATE_NAME): hold: approvals are short or data is inconclusive" ;;
  *) echo "Gate $GATE_ID ($GATE_NAME): the input cannot be used (exit $status)" ;;
esac
exit "$status"
"""
)

MONITOR = Script(
    f"""\
status=0
gatewright monitor "$GATEWRIGHT_SPEC" --stage "$STAGE_ID" --telemetry "$TELEMETRY" --json \\
  > {p.MONITOR_FILE} || status=$?
cat {p.MONITOR_FILE}
if [ "$status" = 1 ]; then
  policy=$(python -c '{p.POLICY_OF}' {p.MONITOR_FILE})
  echo "Stage $STAGE_ID needs a rollback: play the job rollback-$policy"
fi
if [ "$status" = 3 ]; then
  echo "Stage $STAGE_ID: inconclusive, too little telemetry to judge; a person must look"
fi
exit "$status"
"""
)


def _action_line(number: int) -> Script:
    return Script(
        f'echo "Runbook action {number}: replace this line with $ACTION_{number}_ID '
        f'($ACTION_{number}_NAME), carried out by ${{ACTION_{number}_ROLE:-anyone}}"\n'
    )


def _check_line(number: int) -> Script:
    return Script(
        f'echo "Check {number}: replace this line with a check that $CHECK_{number}_ID '
        f'($CHECK_{number}_NAME) holds"\n'
    )


def _data(text: str) -> dict[str, Any]:
    """A variable holding user text: GitLab must not expand ``$`` references in it."""
    return {"value": text, "expand": False}


def _promote_rules(when: str = "on_success") -> list[dict[str, Any]]:
    return [{"if": PROMOTE_IF, "when": when}]


# -- jobs -----------------------------------------------------------------------------------


def _deploy_job(stage: dict[str, Any]) -> Commented:
    job = {
        "stage": f"deploy-{stage['id']}",
        "environment": {"name": stage["id"], "action": "start"},
        "variables": {"STAGE_ID": stage["id"], "STAGE_NAME": _data(stage["name"])},
        "script": [DEPLOY],
        "allow_failure": False,
        "rules": _promote_rules(),
    }
    lines = [
        f"Stage {stage['id']} ({p.one_line(stage['name'])}): the deployment is a placeholder;",
        "replace its script with yours and keep the gate jobs as generated.",
    ]
    return Commented(job, tuple(lines))


def _gate_variables(gate: dict[str, Any]) -> dict[str, Any]:
    return {
        "GATE_ID": gate["id"],
        "GATE_NAME": _data(gate["name"]),
        "EVIDENCE": f"$GATEWRIGHT_EVIDENCE_DIR/{gate['id']}.json",
    }


def _check_job(gate: dict[str, Any], role_names: dict[str, str]) -> Commented:
    holds = p.gate_can_hold(gate)
    job = {
        "stage": f"gate-{gate['id']}",
        "extends": [TEMPLATE_JOB],
        "variables": _gate_variables(gate),
        "script": [CHECK],
        "artifacts": {"when": "always", "paths": [p.DECISION_FILE]},
        # Exit 3 (hold) is an allowed failure only where the manual approve job follows,
        # which runs the check again and fails on a hold: nothing is promoted on a hold.
        "allow_failure": {"exit_codes": [3]} if holds else False,
        "rules": _promote_rules(),
    }
    back = f"; a rejected candidate goes back to {gate['on_reject']}" if gate["on_reject"] else ""
    criteria = ", ".join(criterion["id"] for criterion in gate["criteria"]) or "none"
    lines = [
        f"Gate {gate['id']} ({p.one_line(gate['name'])}): {gate['from']} -> {gate['to']}{back}.",
        f"Criteria: {criteria}.",
        f"Approval: {p.one_line(p.approval_words(gate['approval'], role_names), 400)}.",
        "Exit 0 promote, 1 reject (the pipeline fails), 2 unusable input (fails),",
        "3 hold: allowed here, the pipeline then waits at the approve job."
        if holds
        else "3 hold: fails the job; retry it once a person has looked at the data.",
    ]
    return Commented(job, tuple(lines))


def _approve_job(gate: dict[str, Any]) -> Commented:
    job = {
        "stage": f"gate-{gate['id']}",
        "extends": [TEMPLATE_JOB],
        "needs": [f"check-{gate['id']}"],
        "environment": {"name": gate["to"], "action": "prepare"},
        "variables": _gate_variables(gate),
        "script": [CHECK],
        "artifacts": {"when": "always", "paths": [p.DECISION_FILE]},
        "rules": [{"if": PROMOTE_IF, "when": "manual", "allow_failure": False}],
    }
    lines = [
        f"Approve {gate['id']}: the pipeline always waits here on a gate with approval rules.",
        "A person plays this job once the approvals are recorded in the evidence (commit it,",
        "or set EVIDENCE to the approved file when playing the job); it runs the check again",
        "and passes only on promote (a hold fails it). If the check above already promoted,",
        "playing it passes at once.",
        "Inside rules, `when: manual` defaults to allow_failure: false (blocking), but a",
        "job-level `when: manual` defaults to true and the pipeline would run on without",
        "waiting, so allow_failure is always written out. The environment (action prepare)",
        "lets protected-environment deploy access decide who may play it.",
    ]
    return Commented(job, tuple(lines))


def _monitor_job(stage: dict[str, Any]) -> Commented:
    job = {
        "stage": "monitor",
        "extends": [TEMPLATE_JOB],
        "variables": {
            "STAGE_ID": stage["id"],
            "STAGE_NAME": _data(stage["name"]),
            "TELEMETRY": f"$GATEWRIGHT_TELEMETRY_DIR/{stage['id']}.json",
        },
        "script": [MONITOR],
        "artifacts": {"when": "always", "paths": [p.MONITOR_FILE]},
        # Exit 1 (rollback) is allowed so that the manual rollback jobs that need this
        # job stay playable; exit 3 (inconclusive: no data is never healthy) and exit 2
        # (unusable telemetry) fail the pipeline.
        "allow_failure": {"exit_codes": [1]},
        "rules": [{"if": MONITOR_IF, "when": "on_success"}],
    }
    lines = [
        f"Monitor {stage['id']} ({p.one_line(stage['name'])}) on its telemetry:",
        "exit 0 healthy, 1 rollback (a warning naming the rollback job to play), 3 inconclusive",
        "(too little or no telemetry: the pipeline fails so that a person looks), 2 unusable.",
    ]
    return Commented(job, tuple(lines))


def _rollback_job(policy: dict[str, Any]) -> Commented:
    variables: dict[str, Any] = {
        "ROLLBACK_POLICY": policy["id"],
        "STAGE_ID": policy["stage"],
        "ROLLBACK_TARGET": policy["target"],
    }
    script: list[Script] = []
    lines = [
        f"Rollback {policy['id']} of stage {policy['stage']} (target: {policy['target']}).",
        "Triggers: "
        + "; ".join(
            f"{trigger['id']} ({p.one_line(trigger['name'], 60)})" for trigger in policy["triggers"]
        )
        + ".",
        "Runbook, each line a placeholder to replace:",
    ]
    for number, action in enumerate(policy["actions"], start=1):
        variables[f"ACTION_{number}_ID"] = action["id"]
        variables[f"ACTION_{number}_NAME"] = _data(action["name"])
        if action.get("role"):
            variables[f"ACTION_{number}_ROLE"] = action["role"]
        script.append(_action_line(number))
        role = f", {action['role']}" if action.get("role") else ""
        lines.append(
            f"  {number}. {p.one_line(action['name'], 60)} ({action['id']}{role}, "
            f"{action['minutes']:g} min)"
        )
    for number, check in enumerate(policy["checks"], start=1):
        variables[f"CHECK_{number}_ID"] = check["id"]
        variables[f"CHECK_{number}_NAME"] = _data(check.get("name") or check["id"])
        script.append(_check_line(number))
        lines.append(f"  check: {p.one_line(check.get('name') or check['id'], 60)}")
    if not script:
        script.append(Script('echo "This rollback has no runbook steps: add yours here"\n'))
    lines += [
        "Manual, with allow_failure: true: a rollback nobody plays must not block the",
        "monitoring pipeline (inside rules the default would be false).",
    ]
    job: dict[str, Any] = {
        "stage": "rollback",
        "needs": [f"monitor-{policy['stage']}"],
        "variables": variables,
        "script": script,
        "rules": [{"if": MONITOR_IF, "when": "manual", "allow_failure": True}],
    }
    minutes = p.timeout_minutes(policy)
    if minutes:
        job["timeout"] = f"{minutes} minutes"
    return Commented(job, tuple(lines))


HEADER = [
    "",
    "How the SOP is enforced here",
    "- Pushes to the default branch run the promote path: one deploy job per stage (bound",
    "  to a GitLab environment of the same name, with a placeholder script), and between",
    "  stages a check job running `gatewright check` on $GATEWRIGHT_EVIDENCE_DIR/<gate-id>.json",
    "  (produce it in an earlier job as an artifact, or commit it).",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(p.CHECK_EXIT_CODES)],
    "  Reject and unusable input fail the pipeline. On gates that need people the pipeline",
    "  always blocks at a manual approve job (a hold is allowed before it): playing it runs",
    "  the check again on the evidence with its approvals recorded (or on the file EVIDENCE",
    "  names when the job is played) and passes only on promote, so nothing is ever",
    "  promoted on a hold.",
    *[f"- {line}" if i == 0 else f"  {line}" for i, line in enumerate(p.QUORUM_LINES)],
    "- gitlab/protected-environments.json holds protected-environment approval rules per",
    "  stage (GitLab ANDs them: k approvals from each group); fill in the group ids.",
    "- Scheduled pipelines (or GATEWRIGHT_MONITOR=true) run the monitor jobs instead; a",
    "  rollback decision leaves the rollback job of its policy to play by hand; an",
    "  inconclusive one (exit 3: too little telemetry, never healthy) fails the pipeline.",
]


def ci_config(spec: dict[str, Any], spec_path: str) -> str:
    role_names = p.role_names_of(spec)
    path = p.promote_path(spec)
    monitored = p.monitored_stages(spec)
    stages = [f"{step.kind}-{step.id}" for step in path]
    if monitored:
        stages += ["monitor", "rollback"]
    config: dict[str, Any] = {
        "stages": stages,
        "variables": {
            "GATEWRIGHT_SPEC": {
                "value": spec_path,
                "description": "The compiled spec, relative to the repository root.",
            },
            "GATEWRIGHT_PIP_SPEC": {
                "value": p.PIP_SPEC,
                "description": "What pip installs: the version that exported this spec.",
            },
            "GATEWRIGHT_EVIDENCE_DIR": {
                "value": p.EVIDENCE_DIR,
                "description": "Folder holding one <gate-id>.json evidence file per gate.",
            },
            "GATEWRIGHT_TELEMETRY_DIR": {
                "value": p.TELEMETRY_DIR,
                "description": "Folder holding one <stage-id>.json telemetry file per stage.",
            },
            "GATEWRIGHT_MONITOR": {
                "value": "false",
                "options": ["false", "true"],
                "description": "true: run the monitor jobs instead of the promote path.",
            },
        },
        TEMPLATE_JOB: Commented(
            {"image": p.PYTHON_IMAGE, "before_script": [INSTALL]},
            ("The jobs that run gatewright extend this: a Python image with gatewright.",),
        ),
    }
    for step in path:
        if step.kind == "deploy":
            config[step.job_id] = _deploy_job(step.data)
            continue
        gate = step.data
        config[f"check-{gate['id']}"] = _check_job(gate, role_names)
        if p.gate_can_hold(gate):
            config[f"approve-{gate['id']}"] = _approve_job(gate)
    for stage in monitored:
        config[f"monitor-{stage['id']}"] = _monitor_job(stage)
        for policy in p.policies_for(spec, stage["id"]):
            config[f"rollback-{policy['id']}"] = _rollback_job(policy)
    header = [
        *p.header_lines(spec, "gitlab", spec_path),
        f"SOP title: {p.one_line(spec['metadata']['title'])}",
        *HEADER,
    ]
    return p.dump_yaml(config, header)


# -- protected environments -----------------------------------------------------------------


def protected_environments(spec: dict[str, Any]) -> dict[str, Any]:
    """``POST /projects/:id/protected_environments`` payloads, one per stage."""
    role_names = p.role_names_of(spec)
    entries = []
    for stage in spec["stages"]:
        gates = p.gates_into(spec, stage["id"])
        rules = [
            {
                "group_id": None,
                "required_approvals": rule.get("count", 1),
                "gatewright_role": rule["role"],
                "gatewright_role_name": role_names.get(rule["role"], rule["role"]),
                **({"gatewright_tiers": rule["tiers"]} if rule.get("tiers") else {}),
            }
            for gate in gates
            for rule in gate["approval"].get("rules") or []
        ]
        notes = []
        if rules:
            notes.append(
                "Replace each null group_id with the id of the GitLab group whose members "
                "hold the role. GitLab ANDs approval rules (k approvals from each group)."
            )
        if len(rules) > 1 and any(gate["approval"].get("mode") == "any" for gate in gates):
            notes.append(
                "This SOP accepts ANY ONE of these rules, which GitLab cannot express: keep "
                "the rule your team uses; gatewright check still enforces the SOP's rule."
            )
        if any(rule.get("gatewright_tiers") for rule in rules):
            notes.append(
                "Rules limited to some risk tiers apply to every deployment in GitLab; "
                "gatewright check applies them only to those tiers."
            )
        if not gates:
            notes.append("Entry stage: no gate leads here, so no approval rules.")
        entries.append(
            {
                "request": "POST /projects/:id/protected_environments",
                "payload": {
                    "name": stage["id"],
                    "deploy_access_levels": [{"access_level": MAINTAINER_ACCESS}],
                    "approval_rules": rules,
                },
                "gatewright": p.stage_note(stage, gates, role_names, notes),
            }
        )
    return p.payload_document(
        (
            "GitLab protected environments for each stage of the SOP, as payloads for "
            "POST /projects/:id/protected_environments (Premium). Fill in the group ids, drop "
            "the gatewright_* fields if your tooling is strict, then send each payload. "
            "deploy_access_levels 40 means maintainers."
        ),
        spec,
        entries,
    )


# -- entry point ----------------------------------------------------------------------------


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write .gitlab-ci.yml, the protected-environment payloads and the spec into ``out``."""
    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            ("Writing .gitlab-ci.yml", CI_FILE, ci_config),
            (
                "Writing the protected-environment payloads",
                ENVIRONMENTS_FILE,
                lambda spec, _spec_path: json_text(protected_environments(spec)),
            ),
        ],
    )
