"""The designer's preferences: what they are, their defaults, and how they are kept.

They live in QSettings under ``preferences/``. A stored value of the wrong type or out of
range (an older version, a hand-edited file) falls back to its default instead of failing.
Every open window applies them when they change (``MainWindow.apply_preferences``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.ui.canvas.items import GRID

SCHEMES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
GROUP = "preferences"
PAPER, DIM_PAPER = "#f8fafc", "#d1d5db"
"""The canvas: a light page, dimmed to grey paper in the dark scheme."""


@dataclass(frozen=True)
class Preferences:
    colour_scheme: str = "system"
    """``system``, ``light`` or ``dark``."""
    snap_to_grid: bool = True
    grid: int = GRID
    """Grid step in scene pixels that dragged nodes snap to."""
    validation_delay_ms: int = 150
    """Quiet time after an edit before the rules run again."""
    recent_count: int = 10
    """How many files File > Open Recent keeps."""


LIMITS = {"grid": (2, 100), "validation_delay_ms": (0, 5000), "recent_count": (1, 30)}


def _stored(name: str, raw: Any, default: Any) -> Any:
    """``raw`` as read back from QSettings (often a string), or ``default`` if unusable."""
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        return {"true": True, "false": False}.get(str(raw).lower(), default)
    if isinstance(default, int):
        try:
            value = int(str(raw))
        except ValueError:
            return default
        low, high = LIMITS[name]
        return value if low <= value <= high else default
    return raw if isinstance(raw, str) and raw in SCHEMES else default


def load_preferences() -> Preferences:
    settings = QSettings()
    defaults = Preferences()
    values = {}
    for field in fields(Preferences):
        default = getattr(defaults, field.name)
        raw = settings.value(f"{GROUP}/{field.name}", None)
        values[field.name] = default if raw is None else _stored(field.name, raw, default)
    return replace(defaults, **values)


def save_preferences(preferences: Preferences) -> None:
    settings = QSettings()
    for name, value in asdict(preferences).items():
        settings.setValue(f"{GROUP}/{name}", value)
    settings.sync()


# -- colour schemes ---------------------------------------------------------------------

_DARK = {
    QPalette.ColorRole.Window: "#2b2d31",
    QPalette.ColorRole.WindowText: "#e5e7eb",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#2b2d31",
    QPalette.ColorRole.ToolTipBase: "#1e1f22",
    QPalette.ColorRole.ToolTipText: "#e5e7eb",
    QPalette.ColorRole.PlaceholderText: "#9ca3af",
    QPalette.ColorRole.Text: "#e5e7eb",
    QPalette.ColorRole.Button: "#35373c",
    QPalette.ColorRole.ButtonText: "#e5e7eb",
    QPalette.ColorRole.BrightText: "#f87171",
    QPalette.ColorRole.Light: "#45474d",
    QPalette.ColorRole.Midlight: "#3b3d42",
    QPalette.ColorRole.Mid: "#25272b",
    QPalette.ColorRole.Dark: "#1a1b1e",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3b82f6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#60a5fa",
    QPalette.ColorRole.LinkVisited: "#a78bfa",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    return palette


def is_dark(scheme: str) -> bool:
    """Whether ``scheme`` shows dark now (``system`` asks the platform)."""
    if scheme == "system":
        return QApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    return scheme == "dark"


_applied = "system"
"""The scheme whose palette the application has (``system``: the platform's own)."""


def apply_colour_scheme(scheme: str) -> None:
    """Give every widget the palette of ``scheme``: the system's own, or light or dark."""
    global _applied
    app = QApplication.instance()
    if not isinstance(app, QApplication) or scheme == _applied:
        return
    _applied = scheme
    if scheme == "dark":
        app.setPalette(dark_palette())
    elif scheme == "light":
        app.setPalette(app.style().standardPalette())
    else:
        app.setPalette(QPalette())  # back to the platform's palette
