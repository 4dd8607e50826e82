"""Signed specs: Ed25519 key pairs, the signature compile adds, and its verification.

A digest proves that a spec was not changed by accident; anyone can recompute it. A
signature by a key the pipeline trusts proves who compiled the spec. The `cryptography`
package is imported only here, and only when a spec is signed or verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.spec.fileio import InputError, SaveError, read_text, write_atomic
from app.spec.problems import Problem

ALGORITHM = "ed25519"
PUBLIC_SUFFIX = ".pub"
TRUST_VARIABLE = "GATEWRIGHT_TRUST"
"""Environment variable naming trusted public keys, separated by ``:`` (as PATH is)."""
MAX_KEY_BYTES = 64 * 1024


class SigningError(InputError):
    """A key that cannot be made, read or used; ``str()`` is one sentence naming the file."""

    @classmethod
    def about(cls, what: str, path: str | os.PathLike[str], message: str) -> SigningError:
        return cls(f"{what} {os.fspath(path)}", [Problem((), message)])


class SignatureRefusedError(ValueError):
    """The spec is not signed by a trusted key. The message never holds a digest or a
    signature a forger could copy."""


@dataclass(frozen=True)
class TrustedKey:
    """A public key a spec may be signed by, with where it was read from."""

    source: str
    fingerprint: str
    key: Any  # cryptography's Ed25519PublicKey


def fingerprint_of(raw_public_key: bytes) -> str:
    """``sha256:<hex>`` of a public key's 32 raw bytes: how a signature names its key."""
    return "sha256:" + hashlib.sha256(raw_public_key).hexdigest()


def _raw_public(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_path(private_path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(private_path)}{PUBLIC_SUFFIX}")


def generate_key_pair(private_path: str | os.PathLike[str], force: bool = False) -> str:
    """Write an Ed25519 private key (PEM, mode 0600) to ``private_path`` and its public key
    to ``private_path.pub``; returns the public key's fingerprint. An existing key is never
    replaced unless ``force``: a lost private key cannot be made again."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = Path(private_path), public_key_path(private_path)
    for path in (private_path, public_path):
        if path.exists() and not force:
            raise SigningError.about(
                "key", path, "already exists; choose another name or pass --force to replace it"
            )
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_private(private_path, private_pem)
    write_atomic(public_path, public_pem)
    return fingerprint_of(_raw_public(key.public_key()))


def _write_private(path: Path, pem: bytes) -> None:
    """The private key, readable and writable by its owner only from its first byte on
    (never a moment with the umask's wider mode)."""
    temporary = path.with_name(f".{path.name[:100]}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(pem)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)  # whatever the umask
        os.replace(temporary, path)
    except FileNotFoundError:
        raise SaveError(f"{path}: the folder {path.parent} does not exist") from None
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SaveError(f"{path}: could not be written: {error.strerror or error}") from None


def _read_key_file(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return read_text(path, limit=MAX_KEY_BYTES).encode("utf-8")
    except InputError as error:
        raise SigningError.about(what, path, error.problems[0].message) from None


def load_private_key(path: str | os.PathLike[str]) -> Any:
    """The Ed25519 private key in a PEM file that ``gatewright keygen`` wrote."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = _read_key_file(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SigningError.about(
            "signing key",
            path,
            "is not an unencrypted PEM private key; make one with gatewright keygen -o NAME",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError.about(
            "signing key", path, "is not an Ed25519 key; make one with gatewright keygen"
        )
    return key


def load_public_key(path: str | os.PathLike[str]) -> TrustedKey:
    """A trusted public key: the ``NAME.pub`` file that ``gatewright keygen`` wrote."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = _read_key_file(path, "trusted key")
    if b"PRIVATE KEY" in data:
        raise SigningError.about(
            "trusted key",
            path,
            f"is a private key; trust its public key ({os.fspath(path)}.pub) and keep the "
            "private key out of pipelines",
        )
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise SigningError.about(
            "trusted key", path, "is not a PEM public key as gatewright keygen writes (NAME.pub)"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError.about("trusted key", path, "is not an Ed25519 public key")
    return TrustedKey(str(path), fingerprint_of(_raw_public(key)), key)


def trusted_keys(given: list[str] | tuple[str, ...] = ()) -> list[TrustedKey]:
    """The keys named by ``--trust`` options and by ``GATEWRIGHT_TRUST``, all of them
    trusted; none means that signatures are not required."""
    from_environment = [p for p in os.environ.get(TRUST_VARIABLE, "").split(":") if p.strip()]
    paths = list(dict.fromkeys([*given, *from_environment]))
    return [load_public_key(path) for path in paths]


def public_key_pem(private_path: str | os.PathLike[str]) -> str:
    """The PEM of the public half of a signing key (what ``NAME.pub`` holds)."""
    from cryptography.hazmat.primitives import serialization

    public = load_private_key(private_path).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def sign_spec(data: dict[str, Any], private_path: str | os.PathLike[str]) -> dict[str, Any]:
    """``data`` (a compiled spec with its digest) with the signature of its digest added."""
    key = load_private_key(private_path)
    signature = key.sign(data["digest"].encode("utf-8"))
    return {
        **data,
        "signature": {
            "alg": ALGORITHM,
            "key": fingerprint_of(_raw_public(key.public_key())),
            "value": base64.b64encode(signature).decode("ascii"),
        },
    }


def verify_signature(data: dict[str, Any], trusted: list[TrustedKey]) -> str:
    """The fingerprint of the trusted key that signed ``data`` (whose digest was verified
    before), or :class:`SignatureRefusedError`."""
    from cryptography.exceptions import InvalidSignature

    names = ", ".join(key.source for key in trusted)
    signature = data.get("signature")
    if signature is None:
        raise SignatureRefusedError(
            f"is not signed, and a trusted key is given ({names}): only a spec signed by a "
            "trusted key is run; compile it with --sign"
        )
    if (
        not isinstance(signature, dict)
        or signature.get("alg") != ALGORITHM
        or not isinstance(signature.get("key"), str)
        or not isinstance(signature.get("value"), str)
    ):
        raise SignatureRefusedError(
            'has a signature that is not {"alg": "ed25519", "key": ..., "value": ...}; '
            "compile it again with --sign"
        )
    by_fingerprint = {key.fingerprint: key for key in trusted}
    key = by_fingerprint.get(signature["key"])
    if key is None:
        raise SignatureRefusedError(
            f"is signed by a key that is not trusted (trusted: {names}); sign it with a "
            "trusted key, or trust the key that signed it"
        )
    try:
        value = base64.b64decode(signature["value"], validate=True)
        key.key.verify(value, str(data.get("digest", "")).encode("utf-8"))
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureRefusedError(
            f"has a signature that does not verify with the trusted key {key.source}: the "
            "spec was changed after it was signed; compile and sign it again"
        ) from None
    return key.fingerprint
