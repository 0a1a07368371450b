"""The frozen bundle's `PySide6.QtOpenGL`: an empty module in place of the 8.9 MB binding.

pyqtgraph imports `PySide6.QtOpenGL` when it is imported (PlotCurveItem, PColorMeshItem and its
OpenGL helpers call `importlib.import_module` at module level) but uses its classes only to draw
with OpenGL, which the queue monitor turns off (`workstation/ui/monitor_charts.py`,
`useOpenGL=False`). Nothing else needs the binding: no other PySide6 binding imports it, and Qt's
OpenGL library stays for QtOpenGLWidgets and QtWebEngine. Any use of a class raises an
AttributeError that says so (not ImportError: `hasattr` must keep working on the module).
"""


def __getattr__(name: str) -> object:
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"PySide6.QtOpenGL.{name}: Qt's OpenGL classes are not in this bundle "
        "(packaging/bundle_policy.py, REPLACED); the app draws its charts without OpenGL"
    )
