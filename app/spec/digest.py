"""The spec digest: SHA-256 over canonical JSON, and the canonical text a spec file holds."""

from __future__ import annotations

import hashlib
import json
from typing import Any


class DigestMismatchError(ValueError):
    """The spec's content does not match its digest: it was changed after compiling."""

    def __init__(self, expected: str, found: str) -> None:
        self.expected, self.found = expected, found
        super().__init__(
            f"digest mismatch: the spec says {found or 'nothing'} but its content hashes to "
            f"{expected}; it was changed after compiling, so recompile it with gatewright compile"
        )


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8, no NaN: the bytes the digest is taken over."""
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def sha256_digest(payload: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def spec_digest(data: dict[str, Any]) -> str:
    """The digest of a spec (as plain JSON data), computed without its ``digest`` field."""
    return sha256_digest(canonical_json({k: v for k, v in data.items() if k != "digest"}))


def verify_digest(data: dict[str, Any]) -> None:
    """Raise :class:`DigestMismatchError` unless ``data["digest"]`` matches its content."""
    found = data.get("digest")
    expected = spec_digest(data)
    if found != expected:
        raise DigestMismatchError(expected, found if isinstance(found, str) else "")


_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
"""Characters JSON leaves raw that YAML and ``str.splitlines`` read as line breaks: escaped,
the spec embeds in a YAML block (Argo's ConfigMap) as it is, byte for byte. In JSON text
they can only stand inside strings, where the escape means the same character."""


def json_text(data: Any) -> str:
    """JSON as Gatewright writes its files: UTF-8, 2-space indent in field order, the line
    breaks above escaped, a final newline."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return text.translate(_LINE_BREAKS) + "\n"


def spec_text(data: dict[str, Any]) -> str:
    """The text ``gatewright compile`` writes."""
    return json_text(data)


def same_spec_text(found: str, expected: str) -> bool:
    """Whether a spec file's text is what compile writes, also as compile wrote it before
    the line breaks above were escaped (such a file still verifies and must still run)."""
    found = found.replace("\r\n", "\n")
    return found == expected or found.translate(_LINE_BREAKS) == expected


def _plain(value: Any) -> Any:
    """What JSON cannot hold as it is, as text: YAML's times (ISO 8601) and anything else."""
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if isoformat is not None else repr(value)


_EVIDENCE_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=_plain
).encode
"""Canonical JSON as for the spec digest, with NaN and infinities as JSON's extensions."""


def evidence_digest(data: Any) -> str:
    """``sha256:`` of the evidence's canonical JSON, as for the spec digest (sorted keys, no
    spaces, UTF-8), so that ``sha256`` of the file's data re-serialised that way matches.

    Evidence may hold NaN or infinity (invalid values a criterion's policy decides): they
    are written as JSON's common extensions ``NaN`` and ``Infinity``; times a YAML file
    gave unquoted are written in ISO 8601."""
    try:
        text = _EVIDENCE_JSON(data)
    except TypeError:  # a YAML mapping with keys of several types, deep in a value
        text = _EVIDENCE_JSON(_string_keys(data))
    return sha256_digest(text.encode("utf-8", "surrogatepass"))


def _string_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_string_keys(item) for item in value]
    return value
