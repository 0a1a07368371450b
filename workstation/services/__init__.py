"""Application logic between the widgets and the adapters; QtCore signals, never widgets."""
