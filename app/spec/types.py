"""Field types shared by every Gatewright file format: slugs, finite numbers, the base model."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Collection
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
_SLUG = re.compile(SLUG_PATTERN)
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_KEY = re.compile(KEY_PATTERN)


def json_type_name(value: Any) -> str:
    """Name a Python value the way a person reading JSON would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def suggest_slug(text: str) -> str:
    """The nearest valid id for some text: lowercase, hyphens for anything else."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63].strip("-")
    return slug or "item"


def fresh_id(base: str, taken: Collection[str]) -> str:
    """An id from ``base`` that ``taken`` does not hold: ``base``, ``base-2``, ``base-3``...
    (``base`` made a slug first, short enough for the suffix)."""
    stem = suggest_slug(base)[:56]
    candidate, counter = stem, 2
    while candidate in taken:
        candidate, counter = f"{stem}-{counter}", counter + 1
    return candidate


def name_with_id(name: str, element_id: str) -> str:
    """A catalog entry as people read it: its name on one line, then its id in parentheses
    (``Data science lead (ds-lead)``); the id alone when the name is empty or reads as it."""
    shown = " ".join(str(name).split())
    if not shown or shown.casefold() == element_id.casefold():
        return element_id
    return f"{shown} ({element_id})"


def check_slug(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"an id must be a string, got {json_type_name(value)}")
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use 1 to 63 lowercase letters, digits and "
            f"hyphens, starting with a letter or digit (for example {suggest_slug(value)!r})"
        )
    return value


def check_key(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a name must be a string, got {json_type_name(value)}")
    if not _KEY.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use 1 to 63 lowercase letters, digits, hyphens "
            f"and underscores, starting with a letter or digit (for example "
            f"{suggest_slug(value).replace('-', '_')!r})"
        )
    return value


def bounded_int(text: str, read: Callable[[str], int] = int) -> int | float:
    """The integer ``text`` (as ``read`` reads it), or infinity with its sign when it is
    beyond what a float can hold. Number fields then refuse it by name, where an
    OverflowError (or Python's 4,300-digit limit on reading an int) would escape as a crash.
    JSON and YAML files, evidence and backtest rows all read their integers through it."""
    try:
        value = read(text)
    except ValueError:  # over 4,300 decimal digits
        return -math.inf if text.lstrip().startswith("-") else math.inf
    if abs(value) > sys.float_info.max:
        return math.inf if value > 0 else -math.inf
    return value


def check_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {json_type_name(value)}")
    if not math.isfinite(value):
        shown = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        raise ValueError(f"must be a finite number, got {shown}")
    return value


def check_non_negative(value: Any) -> int | float:
    value = check_number(value)
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value}")
    return value


def check_probability(value: Any) -> int | float:
    value = check_number(value)
    if not 0 <= value <= 1:
        raise ValueError(f"must be a probability between 0 and 1, got {value}")
    return value


def check_whole(value: Any, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole JSON number in ``minimum..maximum`` (never a bool, a float or a string)."""
    if isinstance(value, float) and math.isinf(value):  # digits past a float's range
        raise ValueError("must be a whole number, got a number too large to use")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be a whole number, got {json_type_name(value)}")
    if value < minimum:
        raise ValueError(f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"must be at most {maximum:,}, got {value:,}")
    return value


def whole(minimum: int = 0, maximum: int | None = None) -> Any:
    """The type of a whole number from ``minimum`` to ``maximum`` (no upper bound: None)."""
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return Annotated[
        int,
        PlainValidator(lambda value: check_whole(value, minimum, maximum)),
        WithJsonSchema(schema),
    ]


# Characters no Gatewright text may hold: NUL and the other C0 controls but tab, line feed
# and carriage return, DEL, and surrogates (in a Python string a surrogate is always
# unpaired: it cannot be written as UTF-8, so every later save or export would fail).
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What a one-line name may not hold besides: any control character (C0, DEL, C1) and the
# Unicode line and paragraph separators.
_NOT_NAME = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Unicode's Bidi_Control characters: marks, embeddings, overrides and isolates. They change
the order in which the text around them is shown ("Trojan Source"), so a name can read
differently from what it says."""
# What a reference into another system (an MLflow key, a PromQL query) may not hold besides
# a name's refusals: bidi controls, which would show a query other than the one that runs.
_NOT_REFERENCE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
REFERENCE_MAX = 4096
PERSON_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"
_PERSON = re.compile(PERSON_PATTERN)


def _describe_char(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"an unpaired surrogate (U+{code:04X})"
    if code == 0:
        return "a NUL character (U+0000)"
    if char in "\n\r\x85\u2028\u2029":
        return f"a line break (U+{code:04X})"
    if BIDI_CONTROLS.match(char):
        return f"a bidirectional control character (U+{code:04X})"
    return f"a control character (U+{code:04X})"


def text_problem(value: str, *, one_line: bool = False) -> str | None:
    """Why ``value`` cannot be Gatewright text (a name when ``one_line``), or None."""
    found = (_NOT_NAME if one_line else _NOT_TEXT).search(value)
    if found is None:
        return None
    return f"holds {_describe_char(found.group())} at position {found.start() + 1}; remove it"


def check_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {json_type_name(value)}")
    if problem := text_problem(value):
        raise ValueError(problem)
    return value


def json_data_problem(value: Any) -> tuple[tuple[str | int, ...], str] | None:
    """Where and why free-form JSON data (options, extra fields) cannot be kept: text that
    breaks the text rules (in keys too), a number that is not finite; or None."""
    if isinstance(value, str):
        problem = text_problem(value)
        return ((), problem) if problem else None
    if isinstance(value, float) and not math.isfinite(value):
        return (), "must be a finite number"
    items: Any = ()
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and (problem := text_problem(key)):
                return (key,), f"the key {problem}"
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    for key, item in items:
        found = json_data_problem(item)
        if found:
            return (key, *found[0]), found[1]
    return None


def check_name(value: Any) -> str:
    """One line of text: no control characters, line breaks or unpaired surrogates."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {json_type_name(value)}")
    if problem := text_problem(value, one_line=True):
        raise ValueError(problem)
    return value


def check_reference(value: Any) -> str:
    """One line naming something in another system: not empty, no control characters,
    line breaks or bidirectional controls, at most ``REFERENCE_MAX`` characters."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {json_type_name(value)}")
    if not value.strip():
        raise ValueError("must not be empty: leave the field out instead")
    if len(value) > REFERENCE_MAX:
        raise ValueError(f"must be at most {REFERENCE_MAX:,} characters, got {len(value):,}")
    if found := _NOT_REFERENCE.search(value):
        raise ValueError(
            f"holds {_describe_char(found.group())} at position {found.start() + 1}; remove it"
        )
    return value


def check_visible_name(value: Any) -> str:
    """A name that shows something: not empty, not only spaces or invisible characters."""
    value = check_name(value)
    if not any(char.isprintable() and not char.isspace() for char in value):
        raise ValueError("must not be empty: give it a name a person can read")
    return value


def person_id_problem(value: str) -> str | None:
    """Why ``value`` is not a person id (CONTRACTS section 2), or None when it is one."""
    if _PERSON.fullmatch(value):
        return None
    if not value:
        return "a person id must not be empty"
    if len(value) > 128:
        return f"a person id has at most 128 characters, this one has {len(value)}"
    shown = ascii(value)
    return (
        f"{shown} is not a person id: use a platform login or an e-mail address (ASCII "
        "letters, digits and . _ @ + -, starting with a letter or digit; no spaces, other "
        "scripts or invisible characters)"
    )


def person_key(value: str) -> str:
    """The form person ids are compared in: ``Isabel`` and ``isabel`` are one person."""
    return value.lower()


def check_person_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"a person id must be a string, got {json_type_name(value)}")
    if problem := person_id_problem(value):
        raise ValueError(problem)
    return value


Slug = Annotated[
    str,
    PlainValidator(check_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN}),
]
"""An identifier: ``^[a-z0-9][a-z0-9-]{0,62}$``."""

Key = Annotated[
    str,
    PlainValidator(check_key),
    WithJsonSchema({"type": "string", "pattern": KEY_PATTERN}),
]
"""A name that evidence files use as a key (metrics, checks, artifacts): a slug that may
also hold underscores, as ML tools usually write them (``latency_p95_ms``)."""

Number = Annotated[
    int | float,
    PlainValidator(check_number),
    WithJsonSchema({"type": "number"}),
]
"""A finite JSON number (never a bool, never NaN or infinity); ints stay ints on save."""

NonNegative = Annotated[
    int | float,
    PlainValidator(check_non_negative),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
"""A finite number that is 0 or more (minutes, durations)."""

Probability = Annotated[
    int | float,
    PlainValidator(check_probability),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]
"""A chance, from 0 (never) to 1 (always)."""

Count = whole(1)
"""A whole number, 1 or more (approvals, windows)."""

Text = Annotated[str, PlainValidator(check_text), WithJsonSchema({"type": "string"})]
"""A string that is never coerced from another type, and holds no NUL, unpaired surrogate
or control character other than tab and line breaks."""

Name = Annotated[str, PlainValidator(check_name), WithJsonSchema({"type": "string"})]
"""One line of text (a title, a role's or a criterion's name): no control characters."""

Reference = Annotated[
    str,
    PlainValidator(check_reference),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": REFERENCE_MAX,
            "pattern": (
                "^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u061c\\u200e\\u200f"
                "\\u202a-\\u202e\\u2066-\\u2069]*$"
            ),
        }
    ),
]
"""One line naming something in another system (an MLflow metric key, a PromQL query):
never empty, no control characters, line breaks or bidirectional controls."""

VisibleName = Annotated[
    str, PlainValidator(check_visible_name), WithJsonSchema({"type": "string", "minLength": 1})
]
"""A name that must show something (a node's name)."""

PersonId = Annotated[
    str,
    PlainValidator(check_person_id),
    WithJsonSchema({"type": "string", "pattern": PERSON_PATTERN}),
]
"""A platform login or e-mail address, compared case-insensitively (:func:`person_key`)."""


class FileModel(BaseModel):
    """A part of a public file format: unknown fields are refused, defaults are not written."""

    model_config = ConfigDict(extra="forbid", validate_default=False, frozen=False)
