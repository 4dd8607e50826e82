"""Entry point of the bundled program (PyInstaller): the same command line as `gatewright`."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _prepare_frozen_environment() -> None:
    """Point the PDF exporter at the bundled fonts; give child programs the system libraries."""
    bundle = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    fonts = bundle / "fonts"
    if fonts.is_dir():
        # exporters.pdf_style looks in GATEWRIGHT_FONT_DIR before the system folders; a
        # value the user set wins, and the system fonts stay the fallback.
        os.environ.setdefault("GATEWRIGHT_FONT_DIR", str(fonts))
    # The bootloader puts the bundle's folder first on LD_LIBRARY_PATH. The dynamic loader
    # read that when this process started, so undoing it changes only what child programs
    # see: Graphviz's `dot` must load the system's libraries, not the bundle's copies.
    original = os.environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        os.environ["LD_LIBRARY_PATH"] = original
    else:
        os.environ.pop("LD_LIBRARY_PATH", None)


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        _prepare_frozen_environment()
    from app.cli import main

    raise SystemExit(main())
