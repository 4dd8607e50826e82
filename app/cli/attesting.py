"""``--attestation FILE.toml`` on ``assess`` and ``export``: a named person's attestation of
the maturity statements no document can show; a file that cannot be used is one sentence
naming the file and the place, and exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from app.cli.errors import Failure

if TYPE_CHECKING:
    from app.model.document import Sop
    from app.validate.attestation import Attestation

ATTESTATION_HELP = (
    "A person's attestation (TOML: sop, person, name, date, statements, note) of maturity "
    "statements only people can confirm; repeat for several files."
)
attestation_option = click.option(
    "--attestation",
    "attestation_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=ATTESTATION_HELP,
)


def attestations_for(doc: Sop, files: tuple[Path, ...]) -> list[Attestation]:
    """Every attestation file read for ``doc``; the first unusable one ends the command."""
    from app.export_context import read_attestation_files
    from app.validate.attestation import AttestationError

    try:
        return read_attestation_files(doc, files)
    except AttestationError as error:
        raise Failure(str(error)) from None
