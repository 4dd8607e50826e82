"""`gatewright drills`: recorded drills, the shipped drills and where they apply, grading."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from app.cli.errors import Failure
from app.cli.output import print_json
from app.cli.workspace_commands import (
    _open,
    _printable,
    _table,
    duration_text,
    json_option,
    score_text,
    workspace_option,
)


def recorded_drills(store: Any, trainee: str | None = None) -> list[dict[str, Any]]:
    """Recorded drills, newest first, with their lessons' grades."""
    from app.simulate.drill_key import apply_grades
    from app.store.drill_grades import lesson_grades

    found = store.drills(trainee=trainee)
    apply_grades(found, lesson_grades(store))
    return found


def _passed_text(score: Any) -> str:
    if not isinstance(score, dict) or "passed" not in score:
        return "?"
    return "yes" if score["passed"] else "no"


def _recovery_text(score: Any) -> str:
    minutes = score.get("minutes") if isinstance(score, dict) else None
    if not isinstance(minutes, int | float):
        return "?"
    sla = score.get("sla_minutes")
    if not isinstance(sla, int | float):
        return f"{minutes:g} min"
    return f"{minutes:g}/{sla:g} min {'met' if score.get('sla_met') else 'MISSED'}"


def _lesson_text(score: Any) -> str:
    lesson = score.get("lesson") if isinstance(score, dict) else None
    return lesson.get("grade", "?") if isinstance(lesson, dict) else "-"


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date: write 2026-12-07 or 2026-12-07T09:00:00Z",
            param_hint="--since",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _finished(drill: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(drill.get("finished_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


@click.group(invoke_without_command=True)
@click.option("--trainee", default=None, help="Only the drills of this trainee.")
@click.option(
    "--since", default=None, help="Only drills finished since this date (2026-12-07, UTC)."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a cohort report PDF: per trainee and drill, and the mistakes most made.",
)
@json_option
@workspace_option
@click.pass_context
def drills(
    ctx: click.Context,
    trainee: str | None,
    since: str | None,
    report: Path | None,
    as_json: bool,
    workspace: Path | None,
) -> None:
    """List recorded rollback drills, newest first (and: list, grade)."""
    if ctx.invoked_subcommand is not None:
        return
    start = _since(since)
    with _open(workspace) as store:
        found = recorded_drills(store, trainee.strip() if trainee is not None else None)
        source = store.source
    if start is not None:
        found = [d for d in found if (f := _finished(d)) is not None and f >= start]
    if report is not None:
        from exporters.cohort_report import cohort_report_pdf

        scope = ", ".join(
            x
            for x in (
                f"trainee {trainee.strip()}" if trainee else "",
                f"since {since}" if since else "",
                f"workspace {source}",
            )
            if x
        )
        cohort_report_pdf(found, report, scope)
        click.echo(f"wrote {report}: {len(found)} drill(s)")
        return
    if as_json:
        print_json({"workspace": source, "trainee": trainee, "drills": found})
        return
    if not found:
        who = f" by {_printable(trainee)}" if trainee is not None else ""
        click.echo(f"no drills{who} are recorded in {source}")
        return
    rows = [
        (
            d["id"],
            d["finished_at"],
            d["trainee"],
            d["scenario"],
            score_text(d["score"]),
            _passed_text(d["score"]),
            _lesson_text(d["score"]),
            _recovery_text(d["score"]),
            duration_text(d["seconds"]),
        )
        for d in found
    ]
    # RECOVERY is the simulated recovery clock (as the debrief and the trainer view show
    # it); TOOK is how long the trainee took at the keyboard.
    heads = ("ID", "WHEN", "TRAINEE", "SCENARIO", "SCORE", "PASSED", "LESSON", "RECOVERY", "TOOK")
    _table(heads, rows)


def shipped(sop: Path | None = None) -> list[dict[str, Any]]:
    """Each shipped drill with the templates (or the SOP in ``sop``) it runs on."""
    from app.compiler.compile import compile_spec
    from app.model.templates import list_templates, load_template
    from app.simulate.drill import DrillScenario
    from app.simulate.drill_key import applicable_templates
    from app.simulate.library import builtin, builtin_ids

    if sop is not None:
        from app.cli.simulating import _spec_of

        doc, spec = _spec_of(sop)
        specs = {doc.id: spec}
    else:
        specs = {t.id: compile_spec(load_template(t.id)) for t in list_templates()}
    rows = []
    for drill_id in builtin_ids(DrillScenario):
        scenario = builtin(DrillScenario, drill_id)
        rows.append(
            {
                "id": drill_id,
                "title": scenario.title,
                "expect": scenario.expect,
                "stage": scenario.stage,
                "requires": scenario.requires,
                "written_for": scenario.sop,
                "applies_to": applicable_templates(scenario, specs),
            }
        )
    return rows


@drills.command(name="list")
@click.option(
    "--sop",
    type=click.Path(path_type=Path),
    default=None,
    help="Say which drills apply to this SOP file (default: to each shipped template).",
)
@json_option
def list_drills(sop: Path | None, as_json: bool) -> None:
    """The shipped drills and the SOPs each applies to."""
    rows = shipped(sop)
    if as_json:
        print_json({"drills": rows})
        return
    _table(
        ("DRILL", "EXPECT", "STAGE", "REQUIRES", "APPLIES TO"),
        [
            (
                r["id"],
                r["expect"] or "?",
                r["stage"],
                ", ".join(r["requires"]),
                ", ".join(r["applies_to"]) or "-",
            )
            for r in rows
        ],
    )


@drills.command(name="grade")
@click.argument("drill_id", type=int)
@click.argument("grade", type=click.Choice(["accepted", "rejected"]))
@click.option("--note", default="", help="Why: shown to the trainee in the report.")
@click.option("--by", "actor", default=None, help="The trainer (default: the OS user).")
@workspace_option
def grade_drill(
    drill_id: int, grade: str, note: str, actor: str | None, workspace: Path | None
) -> None:
    """Grade the lesson of recorded drill DRILL_ID (its ID in `gatewright drills`)."""
    from app.store.drill_grades import record_grade
    from app.store.workspace import Workspace

    try:
        with Workspace.open(workspace, folders=workspace is None) as store:
            record_grade(store, drill_id, grade, note, actor)
            drill = recorded_drills(store)
    except KeyError as error:
        raise Failure(str(error).strip("'\"")) from None
    row = next(d for d in drill if d["id"] == drill_id)
    click.echo(
        f"drill {drill_id} ({_printable(row['trainee'])}, {row['scenario']}): lesson {grade}; "
        f"passed: {_passed_text(row['score'])}"
    )
