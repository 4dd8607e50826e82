"""PyInstaller hook for PySide6.QtGui: the stock one, less the plugins bundle_plan drops.

Dropping a plugin here, before the analysis follows its libraries, keeps those libraries
(GTK's, Wayland's) out of the bundle too; filtering the finished analysis would not.
"""

import sys
from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bundle_plan import kept  # packaging/ is not a package

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, target) for source, target in binaries if kept(source)]
datas = [(source, target) for source, target in datas if kept(source)]
