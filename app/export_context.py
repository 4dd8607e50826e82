"""The export context of a document (diagnostics, spec, assessment), shared by CLI and designer."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.validate.assess import Assessment
    from app.validate.attestation import Attestation
    from app.validate.diagnostics import Diagnostic
    from app.validate.maturity_evidence import Records
    from exporters.context import ExportContext

DEFAULT_SPEC_PATH = "gatewright/spec.json"
REAL_FIGURES = "Real figures (decision ledger)"


def build_context(
    doc: Sop,
    file: str | Path | None,
    spec_path: str = DEFAULT_SPEC_PATH,
    policy_file: str | Path | None = None,
    measured: dict[str, Any] | None = None,
    attestations: Iterable[Attestation] = (),
) -> tuple[ExportContext, list[Diagnostic]]:
    """Validate (with the lint settings beside ``file`` and the organisation policy that
    governs it, or ``policy_file``), compile when valid, and assess.

    ``file`` None (an untitled document) means no lint settings (a policy still applies
    when given or set in the environment). The context is a draft when there are
    validation errors; it then carries no spec. ``measured``: real figures from a decision
    ledger (``ledger stats`` JSON), printed beside the simulated ones; ``attestations``:
    people's attestations for the maturity assessment (as ``assess --attestation``).
    """
    from app.compiler.compile import compile_spec
    from app.validate.assess import assess_document
    from app.validate.engine import validate
    from app.validate.governed import exceptions
    from app.validate.policy import validation_setup
    from exporters.context import ExportContext

    settings, policy = validation_setup(file, policy_file)
    diagnostics = validate(doc, settings, policy=policy)
    errors = [d for d in diagnostics if d.severity == "error"]
    figures, revisions, records = workspace_record(doc.id)
    if measured is not None:
        from app.validate.measured import figure_table

        figures[REAL_FIGURES] = figure_table(measured)
    context = ExportContext(
        spec=None if errors else compile_spec(doc, settings, policy),
        exceptions=exceptions(doc, settings, policy),
        policy=policy.name if policy is not None else "",
        diagnostics=diagnostics,
        assessment=assess_document(
            doc, measured=measured, records=records, attestations=attestations
        ),
        figures=figures,
        revisions=revisions,
        spec_path=spec_path,
        draft=bool(errors),
    )
    return context, diagnostics


def read_attestation_files(doc: Sop, files: Iterable[str | Path]) -> list[Attestation]:
    """The attestations in ``files`` for ``doc``, in order, for ``assess --attestation``,
    ``export --attestation`` and the designer's export alike; the first file that cannot be
    used raises :class:`app.validate.attestation.AttestationError` (one sentence naming the
    file and the place)."""
    from app.validate.attestation import read_attestations
    from app.validate.maturity_standard import ATTESTABLE

    return read_attestations([Path(f) for f in files], doc.id, ATTESTABLE)


def _level(value: Any, level: Any) -> str:
    return "–" if value is None else f"{value:g} ({level})"


def assess_with_records(
    doc: Sop, measured: dict[str, Any] | None = None, attestations: Iterable[Attestation] = ()
) -> Assessment:
    """The maturity assessment ``assess`` prints: the same function and the same workspace
    records as the export's (:func:`build_context`), so both give one file one score."""
    from app.validate.assess import assess_document

    _figures, _revisions, records = workspace_record(doc.id)
    return assess_document(doc, measured=measured, records=records, attestations=attestations)


def workspace_record(sop_id: str) -> tuple[dict[str, Any], list[dict[str, Any]], Records]:
    """The latest simulation and drill figures, the revisions, and the records the maturity
    assessment reads (drills, revision and run counts) that the workspace holds for an SOP;
    empty when there is no workspace (never creates one)."""
    from app.store.workspace import Workspace, default_path
    from app.validate.maturity_evidence import Records

    if not default_path().exists():
        return {}, [], Records()
    try:
        with Workspace.open(None, create=False) as store:
            runs = store.runs(sop_id)
            drills = store.drills(sop_id=sop_id)
            revisions = store.revisions(sop_id)
    except Exception:
        return {}, [], Records()
    figures: dict[str, Any] = {}
    if runs:
        latest = runs[0]
        summary = latest["summary"] if isinstance(latest["summary"], dict) else {}
        dora = summary.get("dora", {})
        figures["Latest simulation"] = {
            "scenario": f"{latest['scenario']} (seed {latest['seed']}, {latest['runs']} run(s))",
            "recorded": latest.get("recorded_at", ""),
            **(
                {
                    "deployments per day": _level(
                        dora.get("deployment_frequency_per_day"),
                        dora.get("deployment_frequency_level"),
                    ),
                    "lead time (hours)": _level(
                        dora.get("lead_time_hours"), dora.get("lead_time_level")
                    ),
                    "change failure rate": _level(
                        dora.get("change_failure_rate"), dora.get("change_failure_rate_level")
                    ),
                    "time to restore (hours)": _level(
                        dora.get("time_to_restore_hours"), dora.get("time_to_restore_level")
                    ),
                }
                if dora and "deployments" in dora
                else {}
            ),
        }
    if drills:
        scores = [d["score"].get("score", 0) for d in drills if isinstance(d["score"], dict)]
        last = drills[0]
        figures["Rollback drills"] = {
            "sessions": len(drills),
            "median score": statistics.median(scores) if scores else "–",
            "latest": f"{last['trainee']}, {last['scenario']}, "
            f"{last['score'].get('score', 0):g}/100"
            if isinstance(last["score"], dict)
            else f"{last['trainee']}, {last['scenario']}",
        }
    history = [
        {
            "version": r["version"],
            "date": r.get("saved_at", ""),
            "author": r.get("author", ""),
            "message": r.get("message", ""),
        }
        for r in revisions
    ]
    return figures, history, Records(drills, len(revisions), len(runs))
