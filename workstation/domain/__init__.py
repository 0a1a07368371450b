"""Pure-Python business concepts shared by the desktop and the reference backend."""
