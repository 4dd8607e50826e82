"""A drill's outcome: mistakes, the result, the pass rule, and a trainer's grade of the lesson."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PASS_MARK = 80.0
"""Points (of 100) a drill needs to pass, when no critical mistake was made."""
LESSON_GRADES = ("pending", "accepted", "rejected")


class GradeError(ValueError):
    """A grade that is not accepted or rejected."""


@dataclass
class Mistake:
    step: str
    chosen: Any
    expected: Any
    explanation: str
    points_lost: float
    critical: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "chosen": self.chosen,
            "expected": self.expected,
            "explanation": self.explanation,
            "points_lost": round(self.points_lost, 2),
            "critical": self.critical,
        }


@dataclass
class Feedback:
    correct: bool
    explanation: str


@dataclass
class DrillResult:
    drill: str
    score: float
    max_score: float
    minutes: float
    sla_minutes: float | None
    sla_met: bool | None
    answers: dict[str, Any]
    mistakes: list[Mistake] = field(default_factory=list)
    lesson: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    story: str = ""
    seed: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)
    """Each step as the trainee saw it: prompt, answer and expected answer by their labels."""
    restored: list[str] = field(default_factory=list)
    """What the rollback put back, in order, with where each safe version came from."""

    @property
    def critical(self) -> list[str]:
        return [m.step for m in self.mistakes if m.critical]

    @property
    def passed(self) -> bool:
        return passed(self.score, self.critical, self.lesson.get("grade"))

    def to_json(self) -> dict[str, Any]:
        return {
            "drill": self.drill,
            "score": round(self.score, 2),
            "max_score": self.max_score,
            "pass_mark": PASS_MARK,
            "passed": self.passed,
            "critical": self.critical,
            "minutes": round(self.minutes, 2),
            "sla_minutes": self.sla_minutes,
            "sla_met": self.sla_met,
            "answers": self.answers,
            "mistakes": [m.to_json() for m in self.mistakes],
            "lesson": self.lesson,
            "title": self.title,
            "story": self.story,
            "seed": self.seed,
            "steps": self.steps,
            "restored": self.restored,
        }


def passed(score: float, critical: list[str], lesson_grade: str | None) -> bool:
    """The pass rule: the pass mark, no critical mistake, and a lesson not rejected (a
    pending lesson passes provisionally until a trainer grades it)."""
    return score >= PASS_MARK and not critical and lesson_grade != "rejected"


def graded(score: dict[str, Any], grade: str, note: str = "", by: str = "") -> dict[str, Any]:
    """A recorded drill's score JSON with its lesson graded by a trainer."""
    if grade not in LESSON_GRADES[1:]:
        raise GradeError(f"grade a lesson as accepted or rejected, not {grade!r}")
    lesson = dict(score.get("lesson") or {}) | {"grade": grade, "note": note, "graded_by": by}
    critical = list(score.get("critical") or [])
    return score | {
        "lesson": lesson,
        "passed": passed(float(score.get("score", 0)), critical, grade),
    }
