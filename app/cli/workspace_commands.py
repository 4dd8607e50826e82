"""The workspace commands: history, drills and audit (register them with ``register(cli)``)."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.cli.exit_codes import EXIT_NEGATIVE
from app.cli.output import print_json
from app.simulate.clock import duration_text  # noqa: F401  (drills and tests use it here)

if TYPE_CHECKING:
    from app.store.workspace import Workspace

JSON_HELP = "Print exactly one JSON document on standard output."
WORKSPACE_HELP = (
    "The workspace file (default: $GATEWRIGHT_WORKSPACE, else workspace.db in the user "
    "data folder)."
)

json_option = click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
workspace_option = click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    default=None,
    help=WORKSPACE_HELP,
)


def _open(workspace: Path | None) -> Workspace:
    # sqlite-utils takes a quarter of a second to import: only these commands pay for it.
    from app.store.workspace import Workspace

    # A path given by hand that does not exist is most likely a typo: say so rather than
    # create an empty workspace there. The default location is created on first use.
    return Workspace.open(workspace, create=workspace is None, reading=True)


def _printable(value: Any) -> str:
    """Text safe for a terminal: control characters (escape sequences, newlines) shown escaped."""
    text = str(value)
    return "".join(
        c if unicodedata.category(c) != "Cc" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_printable(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        padded = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        click.echo("  ".join([*padded, row[-1]]).rstrip())


def _short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@workspace_option
def history(file: Path, as_json: bool, workspace: Path | None) -> None:
    """List the saved revisions of the SOP in FILE, newest first."""
    from app.model.io import dumps_document, load_document
    from app.spec.digest import sha256_digest

    doc = load_document(file)
    current = sha256_digest(dumps_document(doc).encode("utf-8"))
    with _open(workspace) as store:
        revisions = store.revisions(doc.id)
        source = store.source
    if as_json:
        print_json(
            {
                "file": str(file),
                "sop_id": doc.id,
                "workspace": source,
                "current_digest": current,
                "revisions": revisions,
            }
        )
        return
    if not revisions:
        click.echo(f"no revisions of {doc.id} ({file}) are recorded in {source} yet")
        return
    plural = "s" if len(revisions) != 1 else ""
    click.echo(f"{doc.id}: {len(revisions)} revision{plural} in {source}")
    rows = [
        (
            r["version"],
            r["saved_at"],
            r["author"],
            _short(r["digest"]) + (" *" if r["digest"] == current else ""),
            r["message"],
        )
        for r in revisions
    ]
    _table(("VERSION", "SAVED", "AUTHOR", "DIGEST", "MESSAGE"), rows)
    if any(r["digest"] == current for r in revisions):
        click.echo(f"* the content of {file} as it is now")


def score_text(score: Any) -> str:
    """A drill score in a few characters: ``80%``, ``4/5``, or its fields."""
    if not isinstance(score, dict):
        return str(score)
    for key in ("percent", "percentage"):
        if isinstance(score.get(key), int | float):
            return f"{score[key]:g}%"
    got = next((score[k] for k in ("points", "score", "correct") if k in score), None)
    out_of = next((score[k] for k in ("max_score", "max", "total", "out_of") if k in score), None)
    if isinstance(got, int | float) and isinstance(out_of, int | float):
        return f"{got:g}/{out_of:g}"
    return ", ".join(f"{k}={v}" for k, v in score.items() if not isinstance(v, dict | list))


@click.group(name="audit")
def audit_group() -> None:
    """Inspect the workspace's hash-chained audit log."""


@audit_group.command(name="verify")
@json_option
@workspace_option
def audit_verify(as_json: bool, workspace: Path | None) -> None:
    """Check the audit chain; exit 1 naming the first broken entry.

    An entry is broken when it was edited, an entry before it was deleted, or the drill,
    run or revision rows it records (entries from Gatewright 0.1.0 on seal them) changed.
    A recorded row that no entry records is reported too.
    """
    with _open(workspace) as store:
        broken, count, last_hash = store.audit_check()
        source = store.source
    if as_json:
        print_json(
            {
                "workspace": source,
                "intact": broken is None,
                "entries": count,
                "last_hash": last_hash,
                "broken": None
                if broken is None
                else {"entry": broken.entry_id, "reason": broken.reason},
            }
        )
    elif broken is None:
        click.echo(f"audit chain intact ({count} entr{'y' if count == 1 else 'ies'})")
    elif broken.entry_id is None:
        click.echo(f"audit log incomplete: {broken.reason}")
    else:
        click.echo(f"audit chain broken at entry {broken.entry_id}: {broken.reason}")
    if broken is not None:
        sys.exit(EXIT_NEGATIVE)


@audit_group.command(name="list")
@json_option
@workspace_option
def audit_list(as_json: bool, workspace: Path | None) -> None:
    """List the audit entries, oldest first."""
    with _open(workspace) as store:
        entries = store.audit_entries()
        source = store.source
    if as_json:
        print_json({"workspace": source, "entries": entries})
        return
    if not entries:
        click.echo(f"the audit log of {source} is empty")
        return
    rows = [
        (e["id"], e["at"], e["actor"], e["action"], e["subject"], json.dumps(e["details"]))
        for e in entries
    ]
    _table(("ID", "AT", "ACTOR", "ACTION", "SUBJECT", "DETAILS"), rows)


def register(cli: click.Group) -> None:
    """Add history, drills and audit to ``cli``; registering twice changes nothing."""
    from app.cli.drill_commands import drills

    for command in (history, drills, audit_group):
        if command.name not in cli.commands:
            cli.add_command(command)
