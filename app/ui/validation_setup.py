"""What the designer validates the open file with: the lint settings beside it and the
organisation policy that governs it, found as the command line finds them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.spec.fileio import InputError
from app.validate.diagnostics import Diagnostic
from app.validate.policy import Policy, validation_setup


class ValidationSetup:
    """Settings and policy for one document path, loaded once per path (a file that
    cannot be read becomes one error diagnostic naming it, never an exception)."""

    def __init__(self) -> None:
        self._path: Path | bool | None = False  # False: nothing loaded yet
        self.settings: dict[str, Any] = {}
        self.policy: Policy | None = None
        self.problems: list[Diagnostic] = []

    def for_path(self, path: Path | None) -> ValidationSetup:
        if path != self._path:
            self._path = path
            self.reload(path)
        return self

    def reload(self, path: Path | None) -> None:
        self._path = path
        try:
            self.settings, self.policy = validation_setup(path)
            self.problems = []
        except InputError as error:
            self.settings, self.policy = {}, None
            self.problems = [
                Diagnostic(
                    rule="policy-file",
                    severity="error",
                    message=str(error),
                    fix="Fix the organisation policy or lint file named here, then reopen "
                    "the SOP; until then the SOP is validated without them.",
                )
            ]
