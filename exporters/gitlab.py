"""GitLab CI export: a .gitlab-ci.yml, protected-environment payloads, the spec and the runtime.

Script lines are constants; ids and names reach them through ``variables:``, names with
``expand: false`` so that GitLab never expands a ``$`` written in an SOP.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.spec.digest import json_text
from exporters import pipeline_scripts as s
from exporters import pipelines as p
from exporters.gitlab_jobs import HEADER, base_templates, monitor_job, promote_job
from exporters.gitlab_rollback import rollback_jobs
from exporters.promote_plan import approval_environment, promote_jobs, stage_environments
from exporters.rollback_order import (
    Approval,
    RollbackOrder,
    approval_words,
    rollback_orders,
    waiting_words,
)

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.spec.schema import GateSpec, SpecGate
    from exporters.context import ExportContext

CI_FILE = ".gitlab-ci.yml"
ENVIRONMENTS_FILE = "gitlab/protected-environments.json"
MAINTAINER_ACCESS = 40
TRUSTED_KEY = s.TRUSTED_KEY


def _variables(spec: GateSpec, spec_path: str) -> dict[str, Any]:
    wheel = s.runtime_wheel()
    key_path = p.trusted_key_of(spec, spec_path)
    trusted = (
        {
            TRUSTED_KEY: {
                "value": key_path,
                "description": "The public key the spec must be signed by.",
            }
        }
        if key_path
        else {}
    )
    return {
        "GATEWRIGHT_SPEC": {
            "value": spec_path,
            "description": "The compiled spec, relative to the repository root.",
        },
        **trusted,
        "GATEWRIGHT_RUNTIME": {
            "value": s.wheel_path(spec_path),
            "description": "The Gatewright runtime the jobs install (a wheel in this export).",
        },
        "GATEWRIGHT_RUNTIME_SHA256": {
            "value": wheel.sha256,
            "description": "The runtime wheel's sha256: the install step refuses any other file.",
        },
        "GATEWRIGHT_EVIDENCE_DIR": {
            "value": p.EVIDENCE_DIR,
            "description": "Folder holding one committed <gate-id>.json evidence file per gate.",
        },
        "GATEWRIGHT_APPROVALS_FROM": {
            "value": "platform",
            "options": list(s.APPROVALS_SOURCES),
            "description": (
                "platform: approvals are the deployment approvals of each gate's approval "
                "environment; evidence: those recorded in the evidence (local runs)."
            ),
        },
        "GATEWRIGHT_MODEL": {
            "value": "",
            "description": "Model this pipeline deploys; deploy jobs refuse another (empty: "
            "the candidate the gates decided on).",
        },
        "GATEWRIGHT_MODEL_VERSION": {
            "value": "",
            "description": "Version this pipeline deploys; deploy jobs refuse another (empty: "
            "the version the gates decided on).",
        },
        "GATEWRIGHT_BAKE_MINUTES": {
            "value": "",
            "description": "Minutes a bake played by hand (past GitLab's one-week delay) must "
            "have lasted; empty: the SOP's bake time.",
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
    }


def ci_config(spec: GateSpec, spec_path: str, doc: Sop) -> str:
    role_names = p.role_names_of(spec)
    signed = p.trusted_key_of(spec, spec_path) is not None
    jobs = promote_jobs(spec, doc)
    monitored = p.monitored_stages(spec)
    stages = list(dict.fromkeys(job.group for job in jobs))
    if monitored:
        stages += ["monitor", "rollback"]
    config: dict[str, Any] = {
        "stages": stages,
        "variables": _variables(spec, spec_path),
        **base_templates(signed, s.reads_mlflow(spec)),
    }
    for job in jobs:
        config[job.id] = promote_job(job, role_names, signed)
    policies = p.policies_for(spec)
    orders = rollback_orders(spec, doc)
    for stage in monitored:
        config[f"monitor-{stage.id}"] = monitor_job(stage, signed)
        for policy in policies[stage.id]:
            config |= rollback_jobs(
                policy, s.registry_policies(spec), signed, spec.components, orders[policy.id]
            )
    header = [
        *p.header_lines(spec, "gitlab", spec_path),
        f"SOP title: {p.one_line(spec.metadata.title)}",
        *HEADER,
        "",
        *s.evidence_usage(spec_path),
    ]
    return p.dump_yaml(config, header)


# -- protected environments -----------------------------------------------------------------

TRIGGERER_SETTING = {
    "request": "PUT /projects/:id",
    "payload": {"allow_pipeline_trigger_approve_deployment": False},
    "note": (
        "Keep this project setting off (GitLab's default; Settings > CI/CD > Protected "
        "environments > 'Allow pipeline triggerer to approve deployment'): whoever started "
        "the pipeline then cannot approve its deployments, GitLab's nearest match to the "
        "SOP's separation of duties. gatewright check enforces the SOP's own rule on the "
        "submitter (the pipeline's user) whatever this setting says."
    ),
}


ENVIRONMENT_NOTES = {
    "stage": (
        "Deploy jobs of these stages deploy here. Approvals are given on the gates' approval "
        "environments, so that a canary's steps do not each wait for people."
    ),
    "approval": (
        "The approve job of the gate deploys to this environment; GitLab holds it until these "
        "rules are met, then the job reads the deployment's approvals and gatewright check "
        "decides with them. Replace each null group_id with the id of the GitLab group whose "
        "members hold the role. GitLab ANDs approval rules (k approvals from each group)."
    ),
    "rollback": (
        "One people's step before the registry move of a rollback: its manual job "
        "(approve-rollback-<policy>-<action>; for the last step, the move's own job "
        "registry-<policy>) deploys here, after the step before it, and only the deployer "
        "listed (the group of that step's role) may run it. Replace each null group_id with "
        "the id of the GitLab group whose members hold the role."
    ),
}
"""What each kind of environment is for, said once for the file (`gatewright.kind`)."""


def _approval_entry(gate: SpecGate, role_names: dict[str, str]) -> dict[str, Any]:
    rules = [
        {
            "group_id": None,
            "required_approvals": rule.count,
            "gatewright_role": rule.role,
            "gatewright_role_name": role_names.get(rule.role, rule.role),
            **({"gatewright_tiers": rule.tiers} if rule.tiers else {}),
        }
        for rule in gate.approval.rules
    ]
    notes = []
    if len(rules) > 1 and gate.approval.mode == "any":
        notes.append(
            "This gate accepts ANY ONE of these rules, which GitLab cannot express: keep the "
            "rule your team uses; gatewright check still enforces the SOP's rule."
        )
    if any(rule.get("gatewright_tiers") for rule in rules):
        notes.append(
            "Rules limited to some risk tiers apply to every deployment in GitLab; "
            "gatewright check applies them only to those tiers."
        )
    note: dict[str, Any] = {
        "kind": "approval",
        "gate": gate.id,
        "approval": p.approval_words(gate.approval, role_names),
    }
    if notes:
        note["notes"] = notes
    return {
        "request": "POST /projects/:id/protected_environments",
        "payload": {
            "name": approval_environment(gate),
            "deploy_access_levels": [{"access_level": MAINTAINER_ACCESS}],
            "approval_rules": rules,
        },
        "gatewright": note,
    }


def _rollback_entry(order: RollbackOrder, approval: Approval, spec: GateSpec) -> dict[str, Any]:
    """Only the people of one step's role may run that step's manual approval job."""
    role = next((r for r in spec.roles if r.id == approval.role), None)
    deployer = {
        "group_id": None,
        "gatewright_role": approval.role,
        "gatewright_role_name": role.name if role else approval.role,
        "gatewright_members": list(role.members) if role else [],
    }
    role_names = p.role_names_of(spec)
    return {
        "request": "POST /projects/:id/protected_environments",
        "payload": {
            "name": approval.environment,
            "deploy_access_levels": [deployer],
            "approval_rules": [],
        },
        "gatewright": {
            "kind": "rollback",
            "rollback": order.policy,
            "step": approval.action,
            "releases": p.one_line(approval_words(approval, role_names), 400),
            "waits_for": p.one_line(waiting_words(order, role_names), 400),
        },
    }


def protected_environments(spec: GateSpec, doc: Sop | None = None) -> dict[str, Any]:
    """``POST /projects/:id/protected_environments`` payloads: the stages' environments,
    where deploy jobs deploy, each gate's approval environment, where people approve, and
    each rollback's whose registry move waits for people (``doc``: the SOP, which marks
    the step the move carries out)."""
    role_names = p.role_names_of(spec)
    entries = []
    for name, stages in stage_environments(spec).items():
        entries.append(
            {
                "request": "POST /projects/:id/protected_environments",
                "payload": {
                    "name": name,
                    "deploy_access_levels": [{"access_level": MAINTAINER_ACCESS}],
                    "approval_rules": [],
                },
                "gatewright": {"kind": "stage", "stages": stages},
            }
        )
    for gate in spec.gates:
        if gate.approval.rules:
            entries.append(_approval_entry(gate, role_names))
    for order in rollback_orders(spec, doc).values():
        if order.waits:
            entries += [_rollback_entry(order, a, spec) for a in order.approvals]
    document = p.payload_document(
        (
            "GitLab protected environments for the SOP, as payloads for "
            "POST /projects/:id/protected_environments (Premium): the environments deploy "
            "jobs deploy to, one approval environment per gate with approval rules, and one "
            "per rollback whose registry move waits for people. Fill "
            "in the group ids, drop the gatewright_* fields if your tooling is strict, then "
            "send each payload. deploy_access_levels 40 means maintainers."
        ),
        spec,
        entries,
    )
    document["kinds"] = ENVIRONMENT_NOTES
    document["project_settings"] = TRIGGERER_SETTING
    return document


# -- entry point ----------------------------------------------------------------------------


def export(format_name: str, doc: Sop, out: Path, context: ExportContext) -> list[Path]:
    """Write .gitlab-ci.yml, the protected-environment payloads, the spec and the runtime."""
    return p.write_pipeline_export(
        format_name,
        out,
        context,
        [
            ("Writing .gitlab-ci.yml", CI_FILE, lambda spec, path: ci_config(spec, path, doc)),
            (
                "Writing the protected-environment payloads",
                ENVIRONMENTS_FILE,
                lambda spec, _spec_path: json_text(protected_environments(spec, doc)),
            ),
        ],
        runtime=True,
    )
