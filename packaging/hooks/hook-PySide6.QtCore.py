"""PyInstaller hook for PySide6.QtCore: the stock one, less Qt's translations (bundle_plan)."""

import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bundle_plan import kept  # packaging/ is not a package

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, target) for source, target in binaries if kept(source)]
datas = [(source, target) for source, target in datas if kept(source)]
