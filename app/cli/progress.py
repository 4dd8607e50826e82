"""The one kind of progress bar the CLI shows: transient, on standard error, and only when
standard error is a terminal, so that standard output stays the command's result."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress


@contextmanager
def stderr_progress(*columns: Any, wanted: bool = True) -> Iterator[Progress | None]:
    """A ``rich`` progress bar on standard error, or None when stderr is not a terminal
    (a pipe, a file, CI) or the caller does not want one (``wanted``)."""
    if not wanted:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(*columns, console=console, transient=True) as bar:
        yield bar
