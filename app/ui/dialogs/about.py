"""The About dialog: version and the licenses of what Gatewright is built on."""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QMessageBox, QWidget

LICENSES = (
    ("PySide6 / Qt", "LGPL-3.0"),
    ("pydantic", "MIT"),
    ("networkx", "BSD-3-Clause"),
    ("reportlab", "BSD"),
    ("graphviz (Python)", "MIT"),
    ("sqlite-utils", "Apache-2.0"),
    ("click", "BSD-3-Clause"),
    ("rich", "MIT"),
    ("DejaVu fonts", "Bitstream Vera / public domain"),
)


def show_about(parent: QWidget, version: str) -> None:
    rows = "".join(f"<tr><td>{name}</td><td>{license_}</td></tr>" for name, license_ in LICENSES)
    QMessageBox.about(
        parent,
        "About Gatewright",
        f"<h3>Gatewright {version}</h3>"
        "<p>Design, check and rehearse the procedures that take machine-learning models "
        "to production.</p>"
        f"<p>Qt for Python {pyside_version}. Licensed under Apache-2.0.</p>"
        f"<table>{rows}</table>",
    )
