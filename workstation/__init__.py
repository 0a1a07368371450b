"""Unified agent workstation: PySide6 desktop for contact-centre agents plus its reference backend."""

__version__ = "0.1.0"
