"""`gatewright --version` as a fresh process, against `python -c pass`."""

from __future__ import annotations

import shutil
import sys

from benchmarks.timing import median_process_seconds, report


def main() -> None:
    floor = median_process_seconds([sys.executable, "-c", "pass"])
    entry = shutil.which("gatewright") or str(
        __import__("pathlib").Path(sys.executable).with_name("gatewright")
    )
    ours = median_process_seconds([entry, "--version"])
    ratio = ours / floor
    report(
        "gatewright --version cold start",
        f"{ours * 1000:.1f} ms",
        ratio,
        f"python -c pass ({floor * 1000:.1f} ms)",
        "< 3x",
        ratio < 3,
    )


if __name__ == "__main__":
    main()
