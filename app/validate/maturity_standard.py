"""The statements of the automated-deployment standard (shared/sources/004), four categories
by five levels, each split into the parts that evidence can show and those only a person
can confirm (docs/maturity.md is the same table in words)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.validate import maturity_evidence as e

LEVELS = ("initial", "managed", "defined", "quantitatively managed", "optimising")
CATEGORIES = (
    ("people", "People and culture"),
    ("process", "Process and governance"),
    ("technology", "Technology and tools"),
    ("measurement", "Measurement and metrics"),
)
Kind = Literal["start", "structure", "measured", "records", "attestation"]
KIND_WORDS = {
    "start": "starting point",
    "structure": "SOP structure",
    "measured": "measured figures",
    "records": "workspace records",
    "attestation": "attestation",
}


@dataclass(frozen=True)
class Part:
    """One claim a statement rests on, and how it is shown (``check`` None: by attestation)."""

    kind: Kind
    claim: str
    check: e.Evidence | None = None


@dataclass(frozen=True)
class Statement:
    id: str
    category: str
    level: int
    text: str
    parts: tuple[Part, ...]

    @property
    def attestable(self) -> bool:
        return any(p.kind == "attestation" for p in self.parts)


def _start(text: str) -> Part:
    return Part("start", f"level 1 describes where every SOP starts ({text}); nothing to show")


def _person(claim: str) -> Part:
    return Part("attestation", claim)


S, M, R = "structure", "measured", "records"

STATEMENTS: tuple[Statement, ...] = (
    # People and culture
    Statement(
        "people-1",
        "people",
        1,
        "Model deployment is performed manually by a small number of individuals; steps "
        "are undocumented and tribal",
        (_start("manual, tribal deployment"),),
    ),
    Statement(
        "people-2",
        "people",
        2,
        "Deployment steps are documented in a runbook; multiple team members are capable of "
        "executing a deployment",
        (
            Part(
                S,
                "the promote path has a gate and every trigger's runbook is complete",
                e.documented_promote_path,
            ),
            Part(
                S,
                "every role that approves or carries out a step has two or more members",
                e.acting_roles_staffed,
            ),
            Part(
                R,
                "two or more different people passed a recorded rollback drill of the SOP",
                e.drilled_by_two,
            ),
        ),
    ),
    Statement(
        "people-3",
        "people",
        3,
        "Automated deployment is the team norm; manual deployments are treated as "
        "exceptions requiring justification",
        (
            Part(
                S,
                "every gate decides on blocking criteria the pipeline evaluates",
                e.every_gate_automated,
            ),
            Part(
                M, "the ledger records real deployments decided by the pipeline", e.real_deployments
            ),
            _person("manual deployments are exceptions, each justified in writing"),
        ),
    ),
    Statement(
        "people-4",
        "people",
        4,
        "Teams own and improve their deployment pipelines; pipeline performance is a "
        "first-class engineering metric",
        (
            Part(
                S, "the SOP names its owner, and every runbook step its role", e.documented_owners
            ),
            Part(
                M,
                "lead time and deployment frequency are measured",
                e.measured("lead_time_hours", "deployment_frequency_per_day"),
            ),
            _person("the team owns and improves its pipeline and tracks its performance"),
        ),
    ),
    Statement(
        "people-5",
        "people",
        5,
        "Teams share pipeline improvements across the organisation; deployment engineering "
        "is treated as a strategic capability",
        (_person("pipeline improvements are shared across the organisation"),),
    ),
    # Process and governance
    Statement(
        "process-1",
        "process",
        1,
        "No deployment standard; each model release is a bespoke exercise requiring "
        "coordination across multiple teams",
        (_start("no standard"),),
    ),
    Statement(
        "process-2",
        "process",
        2,
        "A deployment checklist is in use; deployments require a review sign-off before execution",
        (
            Part(
                S,
                "every gate has a blocking criterion for every tier, none that cannot fail",
                e.checklist_blocks,
            ),
            Part(
                S,
                "every gate into the last stage needs a sign-off for every tier, by someone "
                "other than the submitter; for the strictest tier by a role declared "
                "independent of the model team",
                e.independent_signoff,
            ),
        ),
    ),
    Statement(
        "process-3",
        "process",
        3,
        "A CI/CD pipeline for model deployment is defined and enforced; all deployments must "
        "pass automated quality gates",
        (
            Part(
                S,
                "the SOP validates without errors (it compiles into the gate spec)",
                e.validates_clean,
            ),
            Part(
                S,
                "every gate has, for every tier, a blocking criterion the pipeline evaluates "
                "(metric, baseline or check); the gate into the last stage a metric",
                e.every_gate_automated,
            ),
            _person("no deployment reaches production outside the pipeline"),
        ),
    ),
    Statement(
        "process-4",
        "process",
        4,
        "Deployment SLAs are defined per model risk tier; pipeline performance is reviewed "
        "in engineering governance",
        (
            Part(
                S,
                "criteria or approvals differ by tier; the gate into the last stage has an "
                "approval window and the last stage's triggers have restore SLAs",
                e.tiered_with_slas,
            ),
            _person(
                "SLAs are set per risk tier and pipeline performance is reviewed in governance"
            ),
        ),
    ),
    Statement(
        "process-5",
        "process",
        5,
        "Pipeline standards evolve continuously based on incident learnings and advances in "
        "MLOps tooling",
        (
            Part(R, "the workspace records two or more revisions of the SOP", e.revised),
            _person("revisions follow incident learnings and MLOps tooling advances"),
        ),
    ),
    # Technology and tools
    Statement(
        "technology-1",
        "technology",
        1,
        "Models are deployed by copying files and updating configurations manually; there is "
        "no pipeline infrastructure",
        (_start("no pipeline"),),
    ),
    Statement(
        "technology-2",
        "technology",
        2,
        "Basic scripting automates the most error-prone manual steps; models are deployed "
        "from a central artefact store",
        (
            Part(
                S,
                "a gate has a blocking criterion for every tier that the pipeline evaluates",
                e.some_gate_automated,
            ),
            _person("models are deployed from a central artefact store (a model registry)"),
        ),
    ),
    Statement(
        "technology-3",
        "technology",
        3,
        "A full MLOps pipeline covers model packaging, environment provisioning, canary or "
        "blue-green deployment, and automated smoke testing",
        (
            Part(S, "a canary or blue-green stage", e.progressive_stage(("canary", "blue-green"))),
            Part(
                S,
                "the gate into each canary or blue-green stage has a blocking pipeline check",
                e.smoke_tested,
            ),
            _person("the pipeline packages the model and provisions its environments"),
        ),
    ),
    Statement(
        "technology-4",
        "technology",
        4,
        "Progressive deployment strategies (shadow mode, canary, feature flags) are applied "
        "by default; rollback is fully automated",
        (
            Part(
                S,
                "every release reaches the last stage through a shadow or canary stage",
                e.progressive_by_default,
            ),
            Part(
                S,
                "every trigger on the last stage has a Prometheus query, and every step of its "
                "runbook is carried out by the exported pipeline job",
                e.rollback_automated,
            ),
        ),
    ),
    Statement(
        "technology-5",
        "technology",
        5,
        "Self-healing pipelines detect and recover from failures automatically; AI-assisted "
        "pipeline optimisation identifies bottlenecks",
        (
            Part(
                S,
                "every watched stage detects by Prometheus and recovers by pipeline alone",
                e.every_stage_self_heals,
            ),
            Part(
                M,
                "time to restore is measured from real rollbacks",
                e.measured("time_to_restore_hours"),
            ),
            _person("AI-assisted optimisation identifies pipeline bottlenecks"),
        ),
    ),
    # Measurement and metrics
    Statement(
        "measurement-1",
        "measurement",
        1,
        "Deployment frequency and lead time are not tracked; the team has no visibility into "
        "deployment throughput",
        (_start("nothing tracked"),),
    ),
    Statement(
        "measurement-2",
        "measurement",
        2,
        "Deployment lead time and error rate are tracked manually; the team reviews "
        "deployment metrics in retrospectives",
        (
            Part(
                M,
                "lead time and change failure rate are measured",
                e.measured("lead_time_hours", "change_failure_rate"),
            ),
            _person("the team reviews deployment metrics in retrospectives"),
        ),
    ),
    Statement(
        "measurement-3",
        "measurement",
        3,
        "Deployment frequency, lead time, and change failure rate are measured and reported "
        "continuously",
        (
            Part(
                M,
                "deployment frequency, lead time and change failure rate are measured",
                e.measured(
                    "deployment_frequency_per_day", "lead_time_hours", "change_failure_rate"
                ),
            ),
        ),
    ),
    Statement(
        "measurement-4",
        "measurement",
        4,
        "Deployment lead time, mean time to recovery, and deployment frequency are "
        "benchmarked against DORA targets for AI systems",
        (
            Part(
                M,
                "lead time, time to restore and deployment frequency are measured and placed in "
                "DORA bands",
                e.measured(
                    "lead_time_hours",
                    "time_to_restore_hours",
                    "deployment_frequency_per_day",
                    levels=True,
                ),
            ),
        ),
    ),
    Statement(
        "measurement-5",
        "measurement",
        5,
        "Deployment pipeline metrics are used to forecast delivery capacity and inform team "
        "resourcing decisions",
        (
            Part(R, "a simulation forecast of the SOP is recorded", e.forecast),
            _person("the forecasts inform team resourcing decisions"),
        ),
    ),
)

ATTESTABLE: dict[str, str] = {s.id: s.text for s in STATEMENTS if s.attestable}
"""The statements a person may attest, by id."""
