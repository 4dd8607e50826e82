"""Run-time hook for PySide6 that does not import Qt at start-up.

PyInstaller's own hook imports PySide6.QtCore in every run (to register a qt.conf), which
loads Qt and ICU even for `gatewright --version` or `check` in a pipeline. The QtCore
module of the PyPI wheels registers its own qt.conf relative to where it lies, which the
bundle keeps (PySide6/Qt/), so only the search paths are set here.
"""


def _pyi_rthook() -> None:
    import os
    import sys

    qt = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt, "qml")


_pyi_rthook()
del _pyi_rthook
