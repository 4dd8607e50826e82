"""What the bundle leaves out of PySide6: the rules the spec and its Qt hooks share."""

from __future__ import annotations

from pathlib import PurePath

# Qt plugins kept: platforms xcb (X11, and XWayland on Wayland desktops), offscreen and
# minimal (headless runs); the xcb GL integrations; image formats SVG, JPEG, GIF and ICO
# (PNG is built into Qt); the SVG icon engine; input contexts (compose, ibus); the XDG
# desktop portal theme. Everything below is left out.
DROPPED_PLUGINS = (
    # Wayland-native, EGL, framebuffer, VNC and Vulkan-display platforms.
    "plugins/platforms/libqeglfs",
    "plugins/platforms/libqlinuxfb",
    "plugins/platforms/libqminimalegl",
    "plugins/platforms/libqvkkhrdisplay",
    "plugins/platforms/libqvnc",
    "plugins/platforms/libqwayland",
    "plugins/egldeviceintegrations/",
    "plugins/wayland-",
    # The GTK 3 theme would copy GTK, Pango and Cairo from the build machine.
    "plugins/platformthemes/libqgtk3",
    # Image formats nothing here reads; the PDF one links Qt Pdf.
    "plugins/imageformats/libqpdf",
    "plugins/imageformats/libqicns",
    "plugins/imageformats/libqtga",
    "plugins/imageformats/libqtiff",
    "plugins/imageformats/libqwbmp",
    "plugins/imageformats/libqwebp",
    # Touch and tablet input devices, QML tooling, TLS, SQL and network information.
    "plugins/generic/",
    "plugins/qmltooling/",
    "plugins/tls/",
    "plugins/sqldrivers/",
    "plugins/networkinformation/",
    # Qt's own translations: the designer speaks English only.
    "Qt/translations/",
)

DROPPED_LIBRARIES = (
    "libQt6EglFs",
    "libQt6Designer",
    "libQt6Network",
    "libQt6Pdf",
    "libQt6Qml",
    "libQt6Quick",
    "libQt6VirtualKeyboard",
    "libQt6WaylandClient",
    "libQt6WaylandEgl",
    "libQt6WlShell",
)
"""Qt libraries that only the dropped plugins and unused Qt modules link."""

UNUSED_QT_MODULES = (
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtCharts",
    "PySide6.QtConcurrent",
    "PySide6.QtDataVisualization",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtGraphs",
    "PySide6.QtHelp",
    "PySide6.QtMultimedia",
    "PySide6.QtNetwork",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtWebChannel",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtXml",
)
"""Python modules of PySide6 that the designer never imports (it uses QtCore, QtGui,
QtWidgets, and QtSvg through the image-format and icon-engine plugins)."""


def kept(path: str) -> bool:
    """Whether a file (source path or path in the bundle) belongs in the bundle."""
    name = path.replace("\\", "/")
    if any(part in name for part in DROPPED_PLUGINS):
        return False
    return not PurePath(name).name.startswith(DROPPED_LIBRARIES)
