"""End-to-end tests use the GUI tests' desktop fixtures (the Qt app as the agent, on a qasync loop)."""

from tests.helpers.desk import aloop, desk

__all__ = ["aloop", "desk"]
