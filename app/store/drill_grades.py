"""Trainers' grades of drill lessons: appended to the sealed audit log, never written over
the drill row (which its ``drill.recorded`` entry seals)."""

from __future__ import annotations

from typing import Any

from app.store.workspace import Workspace

GRADED = "drill.graded"


def record_grade(
    store: Workspace, drill_id: int, grade: str, note: str = "", actor: str | None = None
) -> dict[str, Any]:
    """Grade drill ``drill_id``'s lesson; KeyError when there is no such drill."""
    drill = store.drill(drill_id)
    details = {"drill": drill_id, "lesson": grade, "note": note}
    store.audit(GRADED, drill["sop_id"], details, actor)
    return details


def lesson_grades(store: Workspace) -> dict[int, dict[str, Any]]:
    """The latest grade of each graded drill: ``{drill id: {lesson, note, by, at}}``."""
    grades: dict[int, dict[str, Any]] = {}
    for entry in store.audit_entries():
        details = entry.get("details") or {}
        if entry.get("action") == GRADED and isinstance(details.get("drill"), int):
            grades[details["drill"]] = {
                "lesson": details.get("lesson"),
                "note": details.get("note", ""),
                "by": entry.get("actor", ""),
                "at": entry.get("at", ""),
            }
    return grades
