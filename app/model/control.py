"""Document control: what makes the SOP a controlled document (number, status, effective
date, review cycle, approvers, definitions, references)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Literal

from pydantic import Field, field_validator

from app.spec.types import FileModel, Name, Text

Status = Literal["draft", "in-review", "approved", "retired"]
STATUSES: tuple[str, ...] = ("draft", "in-review", "approved", "retired")
MAX_REVIEW_MONTHS = 120


def check_date(value: str) -> str:
    """An ISO calendar date (``2026-12-07``), or empty for none."""
    if value and not _parsed(value):
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-07")
    return value


def _parsed(value: str) -> date | None:
    if len(value) != 10:  # fromisoformat also reads 20261207 and week dates
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_date(value: str) -> date | None:
    """The date of a checked field, or None when it is empty."""
    return _parsed(value) if value else None


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, the day clamped to the month's length (31 Jan + 1 =
    28 or 29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class DocumentApprover(FileModel):
    """A person who approved this version of the SOP, and when."""

    name: Name = Field(description="The approver's name, as they sign.")
    role: Text = Field("", description="Their function, e.g. `Head of model risk`.")
    date: Text = Field("", description="When they approved (YYYY-MM-DD); empty if not yet.")

    _date = field_validator("date")(classmethod(lambda cls, v: check_date(v)))


class Definition(FileModel):
    """A term the SOP uses and what it means here."""

    term: Name = Field(description="The term, e.g. `Blocking criterion`.")
    meaning: Text = Field(description="What the term means in this SOP.")


class Reference(FileModel):
    """A document the SOP relies on (a policy, a regulation, a standard)."""

    title: Name = Field(description="Title of the referenced document.")
    location: Text = Field("", description="Where it is found: a URL or a document number.")
