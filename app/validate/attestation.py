"""Attestation files: a named person confirms, on a date, maturity statements that no
document can show (``gatewright assess FILE --attestation FILE.toml``).

An attestation is accountability, not proof: it fills only the parts of a statement that
the standard leaves to people (listed as "needs attestation"), never what the SOP, the
ledger or the workspace must show. A file that cannot be used is refused with one sentence
naming the file and the place (the CLI exits 2); nothing in it is half-read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from app.spec.types import BIDI_CONTROLS, person_id_problem, text_problem

MAX_BYTES = 64 * 1024
"""An attestation is a few lines; anything larger is not one."""
MAX_NAME = 200
MAX_NOTE = 2000
KEYS = ("sop", "person", "name", "date", "statements", "note")
REQUIRED = ("sop", "person", "date", "statements")


class AttestationError(ValueError):
    """An attestation file that cannot be used: one sentence naming the file and place."""


@dataclass(frozen=True)
class Attestation:
    """One person's attestation of some statements of the standard, for one SOP."""

    source: str
    sop: str
    person: str
    name: str
    date: date
    statements: tuple[str, ...]
    note: str = ""

    def who(self) -> str:
        """``Rita Rossi (rita@example.com), 2026-11-30``."""
        shown = f"{self.name} ({self.person})" if self.name else self.person
        return f"{shown}, {self.date.isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "sop": self.sop,
            "person": self.person,
            "name": self.name,
            "date": self.date.isoformat(),
            "statements": list(self.statements),
            **({"note": self.note} if self.note else {}),
        }


def _fail(source: str, place: str, problem: str) -> AttestationError:
    return AttestationError(f"{source}: {place}: {problem}")


def _text(source: str, key: str, value: Any, limit: int, *, one_line: bool) -> str:
    if not isinstance(value, str):
        raise _fail(source, key, f"must be a string, got {type(value).__name__}")
    if len(value) > limit:
        raise _fail(source, key, f"must be at most {limit} characters, got {len(value):,}")
    problem = text_problem(value, one_line=one_line)
    if problem is None and (bidi := BIDI_CONTROLS.search(value)):
        problem = (
            f"holds a bidirectional control character (U+{ord(bidi.group()):04X}) at "
            f"position {bidi.start() + 1}; remove it"
        )
    if problem:
        raise _fail(source, key, problem)
    return value


def _date(source: str, value: Any, today: date) -> date:
    if isinstance(value, datetime):
        raise _fail(source, "date", "must be a date (2026-11-30), not a date and time")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise _fail(source, "date", f"{value[:40]!r} is not a date like 2026-11-30") from None
    if not isinstance(value, date):
        raise _fail(source, "date", f"must be a date like 2026-11-30, got {type(value).__name__}")
    if value > today:
        raise _fail(source, "date", f"{value.isoformat()} is in the future; attest what is true")
    return value


def _statements(source: str, value: Any, attestable: dict[str, str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(source, "statements", "must be a non-empty list of statement ids")
    seen: list[str] = []
    for index, item in enumerate(value):
        place = f"statements[{index}]"
        if not isinstance(item, str):
            raise _fail(source, place, f"must be a statement id, got {type(item).__name__}")
        if item in seen:
            raise _fail(source, place, f"{item[:40]!r} is listed twice")
        if item not in attestable:
            known = ", ".join(attestable)
            reason = (
                f"{item[:40]!a} is not a statement a person can attest "
                f"(statements with a part for people: {known})"
            )
            raise _fail(source, place, reason)
        seen.append(item)
    return tuple(seen)


def parse_attestation(
    text: str, source: str, sop_id: str, attestable: dict[str, str], today: date | None = None
) -> Attestation:
    """The attestation in ``text`` (TOML) for the SOP ``sop_id``; ``attestable`` maps the
    ids of the statements a person may attest to their text."""
    today = today or datetime.now(UTC).date()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _fail(source, "TOML", str(error)) from None
    for key in data:
        if key not in KEYS:
            raise _fail(
                source, ascii(key[:40]), f"unknown key; an attestation has {', '.join(KEYS)}"
            )
    for key in REQUIRED:
        if key not in data:
            raise _fail(source, key, "is missing")
    sop = _text(source, "sop", data["sop"], 128, one_line=True)
    if sop != sop_id:
        raise _fail(source, "sop", f"attests the SOP {sop[:40]!r}, not {sop_id!r}")
    person = _text(source, "person", data["person"], 128, one_line=True)
    if problem := person_id_problem(person):
        raise _fail(source, "person", problem)
    name = _text(source, "name", data.get("name", ""), MAX_NAME, one_line=True)
    return Attestation(
        source=source,
        sop=sop,
        person=person,
        name=name.strip(),
        date=_date(source, data["date"], today),
        statements=_statements(source, data["statements"], attestable),
        note=_text(source, "note", data.get("note", ""), MAX_NOTE, one_line=False).strip(),
    )


def read_attestation(
    path: Path, sop_id: str, attestable: dict[str, str], today: date | None = None
) -> Attestation:
    """The attestation file at ``path``; :class:`AttestationError` when it cannot be used."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise AttestationError(f"{source}: cannot read it: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise _fail(source, "file", f"is larger than {MAX_BYTES // 1024} KiB: not an attestation")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _fail(source, f"byte {error.start}", "is not UTF-8 text") from None
    return parse_attestation(text, source, sop_id, attestable, today)


def read_attestations(
    paths: Iterable[Path], sop_id: str, attestable: dict[str, str]
) -> list[Attestation]:
    """Every file's attestation, in the order given; the first unusable file is refused."""
    return [read_attestation(path, sop_id, attestable) for path in paths]
