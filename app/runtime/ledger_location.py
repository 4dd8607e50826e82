"""Where a decision ledger lives (a file, ``sqlite:///PATH``, ``postgresql://...``), and its
URL as messages show it: with every password masked."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

ENVIRONMENT = "GATEWRIGHT_LEDGER"
"""The variable that names the ledger when ``--ledger`` is not given."""
MASK = "***"
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
POSTGRES_SCHEMES = ("postgresql", "postgres")


class LedgerError(Exception):
    """The ledger cannot be used (unreachable, not a ledger, refused a write...): one
    sentence, with every password masked, for the command line to print (exit 2)."""


@dataclass(frozen=True)
class LedgerLocation:
    """A parsed ledger URL."""

    kind: Literal["sqlite", "postgresql"]
    target: str
    """The SQLite file's path, or the PostgreSQL connection URL as given (libpq reads it,
    and PGHOST, PGPASSWORD, ``.pgpass``... for what it leaves out)."""
    shown: str
    """The URL as every message shows it: its password replaced by ``***``."""
    secrets: tuple[str, ...] = ()
    """Texts that must never be printed: the password, as written and decoded."""

    def mask(self, text: str) -> str:
        """``text`` with every secret of this location (and PGPASSWORD's) masked."""
        return mask_secrets(text, self.secrets)


def mask_secrets(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with each secret, and the value of PGPASSWORD, replaced by ``***``."""
    hidden = [*secrets, os.environ.get("PGPASSWORD", "")]
    for secret in sorted({s for s in hidden if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def parse_location(url: str) -> LedgerLocation:
    """The location ``url`` names: a file path or ``sqlite:///PATH`` (PATH as written after
    the third slash: ``sqlite:////var/ledger.db`` is absolute), or ``postgresql://`` /
    ``postgres://``. ``LedgerError`` for an empty URL or another scheme."""
    if not url.strip():
        raise LedgerError("the ledger URL is empty; give a file path, sqlite:///PATH or "
                          "postgresql://USER@HOST/DATABASE")  # fmt: skip
    if "\x00" in url:
        raise LedgerError("the ledger URL holds a NUL character")
    found = _SCHEME.match(url)
    if found is None:
        return LedgerLocation("sqlite", url, url)
    scheme = found.group(1).lower()
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.lower().startswith("sqlite:///") else ""
        if not path:
            raise LedgerError(
                f"{url}: an SQLite ledger URL is sqlite:///PATH (sqlite:////abs/path.db for "
                "an absolute path)"
            )
        return LedgerLocation("sqlite", path, url)
    if scheme in POSTGRES_SCHEMES:
        return _postgres(url)
    shown = _postgres(url).shown if "@" in url or "password" in url.lower() else url
    raise LedgerError(
        f"{shown}: unknown kind of ledger ({scheme}://); give a file path, sqlite:///PATH "
        "or postgresql://USER@HOST/DATABASE"
    )


def _postgres(url: str) -> LedgerLocation:
    """A PostgreSQL URL with its passwords (in the user part, or ``?password=``) masked."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a port that is not a number, a bracket left open...
        parts, password = None, None
    secrets: list[str] = []
    shown = url
    if password:
        secrets += [password, unquote(password)]
        user = parts.username if parts is not None else None
        netloc = parts.netloc if parts is not None else ""
        at = netloc.rfind("@")
        masked_netloc = f"{user or ''}:{MASK}@{netloc[at + 1 :]}"
        shown = shown.replace(netloc, masked_netloc, 1)
    elif "@" in url and ":" in url.split("://", 1)[1].split("@", 1)[0]:
        # urlsplit gave up: mask everything between the user's colon and the last @.
        rest = url.split("://", 1)[1]
        credentials = rest.rsplit("@", 1)[0]
        secret = credentials.split(":", 1)[1]
        secrets += [secret, unquote(secret)]
        shown = shown.replace(secret, MASK)
    query = url.split("?", 1)[1] if "?" in url else ""
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() == "password" and value:
            secrets += [value]
            raw = re.search(r"(?i)password=([^&]*)", query)
            if raw is not None and raw.group(1):
                secrets.append(raw.group(1))
    shown = mask_secrets(shown, tuple(secrets))
    _refuse_bad_percent(parts.username if parts is not None else None, "user name", shown)
    _refuse_bad_percent(password, "password", shown)
    return LedgerLocation("postgresql", url, shown, tuple(s for s in secrets if s))


def _refuse_bad_percent(text: str | None, what: str, shown: str) -> None:
    """libpq refuses a URL whose user name or password holds a ``%`` not followed by two
    hexadecimal digits, and names the token, which for a password is masked: say what to
    write instead."""
    if text and _BAD_PERCENT.search(text):
        raise LedgerError(
            f"{shown}: the {what} holds a % that is not followed by two hexadecimal digits; "
            "in a URL, write a literal % as %25"
        )


def location_from(url: str | None) -> LedgerLocation | None:
    """``--ledger``'s location, else GATEWRIGHT_LEDGER's (when set and not empty), else None."""
    if url is None:
        url = os.environ.get(ENVIRONMENT) or None
        if url is None:
            return None
    return parse_location(url)
