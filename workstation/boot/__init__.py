"""Start-up and wiring of the desktop: the Qt environment, the window first, then the services."""
