"""Reading and writing spec files: the digest and the canonical text are checked on every read."""

from __future__ import annotations

import os
from collections.abc import Sequence
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
from app.spec.signing import SignatureRefusedError, trusted_keys, verify_signature


def is_yaml(path: str | os.PathLike[str]) -> bool:
    """Whether a spec file is written as YAML (its name ends in .yaml or .yml)."""
    return str(path).lower().endswith(YAML_SUFFIXES)


def spec_file_text(data: dict[str, Any], path: str | os.PathLike[str]) -> str:
    """The exact text of a spec file: JSON, or YAML when the name ends in .yaml/.yml."""
    if not is_yaml(path):
        return spec_text(data)
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def write_spec(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    write_atomic(path, spec_file_text(data, path))


def load_spec(path: str | os.PathLike[str], trust: Sequence[str] = ()) -> GateSpec:
    """A verified spec: digest first, then canonical form, then schema; else InputError.
    With trusted keys (``trust`` paths and ``GATEWRIGHT_TRUST``), also a valid signature by
    one of them (:func:`signed_spec` says which)."""
    return signed_spec(path, trust)[0]


def signed_spec(
    path: str | os.PathLike[str], trust: Sequence[str] = ()
) -> tuple[GateSpec, str | None]:
    """:func:`load_spec`, with the fingerprint of the trusted key that signed the spec
    (None when no key is trusted: a signature nobody can check proves nothing)."""
    source = str(path)
    keys = trusted_keys(list(trust))  # read first: a bad key file is the first problem
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
    signed_by = None
    if keys:
        try:
            signed_by = verify_signature(data, keys)
        except SignatureRefusedError as refused:
            raise InputError.single(source, str(refused), ("signature",)) from None
    return validate_data(GateSpec, data, source), signed_by
