"""Timestamps as every Gatewright input gives them: ISO 8601 with a timezone, and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

from app.spec.types import json_type_name

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(?:(Z)|([+-])(\d{2}):?(\d{2}))",
    re.ASCII,
)
EXAMPLE = "2026-11-20T10:00:00Z"
HINT = f"write ISO 8601 with a timezone, e.g. {EXAMPLE} or 2026-11-20T11:00:00+01:00"


def parse_timestamp(text: str) -> datetime:
    """The moment ``text`` names, timezone-aware; ValueError (saying how to write it) for
    anything but ``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` followed by ``Z`` or ``±HH:MM``.

    Stricter than ``datetime.fromisoformat`` and pydantic on purpose: no Unix numbers, no
    dates without a time, no local times, no week dates, ASCII digits only."""
    found = _ISO.fullmatch(text)
    if found is None:
        shown = ascii(text) if len(text) <= 60 else ascii(text[:57]) + "..."
        raise ValueError(f"{shown} is not a time with a timezone: {HINT}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = found.groups()
    offset = timedelta(0)
    if not zulu:
        if int(off_h) > 23 or int(off_m) > 59:
            raise ValueError(f"{text!r}: the timezone offset {sign}{off_h}:{off_m} is out of range")
        offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (1 if sign == "+" else -1)
    micro = int((fraction or "0").ljust(6, "0")[:6])
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=UTC if zulu else timezone(offset),
        )
    except ValueError as error:  # month 13, 31 February, hour 24...
        raise ValueError(f"{text!r} is not a real time ({error}); {HINT}") from None
    return _in_range(moment, text)


def _in_range(moment: datetime, shown: str) -> datetime:
    """``moment``, if it lies within years 1 to 9999 in UTC too (every comparison and
    window is taken there); 9999-12-31T23:00:00-05:00 does not."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(
            f"{shown!r} is outside the years 1 to 9999 once taken to UTC; {HINT}"
        ) from None
    return moment


def check_timestamp(value: Any) -> datetime:
    """A timestamp field's value: an ISO 8601 string with a timezone, or an aware datetime
    (what YAML makes of an unquoted one). Numbers, dates and local times are refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"has no timezone: {HINT}")
        return _in_range(value, value.isoformat())
    if not isinstance(value, str):
        raise ValueError(f"must be a time as text, got {json_type_name(value)}: {HINT}")
    return parse_timestamp(value)


def utc_text(moment: datetime) -> str:
    """A moment as Gatewright writes it: ISO 8601 in UTC with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Before pydantic's own datetime validation, which then only sees aware datetimes: on its
# own it would also take Unix numbers and other spellings.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(check_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": [EXAMPLE]}),
]
"""A moment: ISO 8601 with a timezone (``2026-11-20T10:00:00Z``), never a Unix number."""
