"""Reading and writing spec files: the digest and the canonical text are checked on every read."""

from __future__ import annotations

import os
from typing import Any

from app.spec.digest import DigestMismatchError, same_spec_text, spec_text, verify_digest
from app.spec.fileio import (
    YAML_SUFFIXES,
    InputError,
    parse_data,
    read_text,
    validate_data,
    write_atomic,
)
from app.spec.schema import GateSpec


def _is_yaml(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(YAML_SUFFIXES)


def spec_file_text(data: dict[str, Any], path: str | os.PathLike[str]) -> str:
    """The exact text of a spec file: JSON, or YAML when the name ends in .yaml/.yml."""
    if not _is_yaml(path):
        return spec_text(data)
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_spec(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    write_atomic(path, spec_file_text(data, path))


def load_spec(path: str | os.PathLike[str]) -> GateSpec:
    """A verified spec: digest first, then canonical form, then schema; else InputError."""
    source = str(path)
    text = read_text(path)
    data = parse_data(text, source)
    if not isinstance(data, dict):
        raise InputError.single(source, "must be a GateSpec object, as gatewright compile writes")
    try:
        verify_digest(data)
    except DigestMismatchError as error:
        raise InputError.single(source, str(error), ("digest",)) from None
    except ValueError:  # NaN or infinity, which canonical JSON cannot hold
        raise InputError.single(
            source, "holds a number JSON cannot represent (NaN or infinity); recompile it"
        ) from None
    if not same_spec_text(text, spec_file_text(data, path)):
        raise InputError.single(
            source,
            "is not byte for byte what gatewright compile writes (edited by hand?); "
            "recompile it instead of editing it",
        )
    return validate_data(GateSpec, data, source)
