"""The bundle from `make package`: its size, and its start time against the venv's program."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.timing import median_process_seconds

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "gatewright"
BUNDLED = BUNDLE / "gatewright"
NO_TARGET = "reported; the issue sets no target"
# PyInstaller's bootloader (it re-executes itself, then unpacks Python) costs a fixed
# ~45 ms: a one-folder "print('hi')" starts in ~95 ms where `python -c pass` takes ~50 ms.


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder``, symbolic links counted once (not followed)."""
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_file():
            total += path.stat().st_size
    return total


def sources() -> list[Path]:
    """The files a bundle is built from: the packages and the packaging recipe."""
    folders = ("app", "exporters", "sop_templates", "resources", "packaging")
    return [
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]


def venv_program() -> Path:
    """The venv's `gatewright` script: beside this interpreter, else the project's .venv."""
    beside = Path(sys.executable).with_name("gatewright")
    return beside if beside.is_file() else ROOT / ".venv" / "bin" / "gatewright"


def main() -> None:
    if not BUNDLED.is_file():
        print(f"package: no bundle at {BUNDLE.relative_to(ROOT)}; run `make package` first")
        return
    venv = venv_program()
    if not venv.is_file():
        print(f"package: no venv program at {venv}; run `make install` first")
        return
    newest = max(path.stat().st_mtime for path in sources())
    if BUNDLED.stat().st_mtime < newest:
        print(
            "package: note, the bundle is older than the newest source file; "
            "`make package` rebuilds it (its figures below are the old build's)"
        )
    size = folder_bytes(BUNDLE)
    files = sum(1 for p in BUNDLE.rglob("*") if p.is_file())
    venv_folder = venv.parent.parent
    venv_size = folder_bytes(venv_folder)
    print(
        f"package: dist/gatewright is {size / 1e6:.1f} MB in {files} files; "
        f"{size / venv_size:.2f}x the venv it was built from ({venv_size / 1e6:.0f} MB, "
        f"with the test and build tools) ({NO_TARGET})"
    )
    # --version answers before importing anything heavy; templates loads click, pydantic
    # and the package data, which the bundle reads from its archive.
    for args, label in ((["--version"], "--version"), (["templates"], "templates")):
        ours = median_process_seconds([str(BUNDLED), *args])
        base = median_process_seconds([str(venv), *args])
        print(
            f"bundled gatewright {label} start: {ours * 1000:.1f} ms; {ours / base:.2f}x "
            f"venv gatewright {label} ({base * 1000:.1f} ms) ({NO_TARGET})"
        )


if __name__ == "__main__":
    main()
