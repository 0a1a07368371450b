"""The GUI fixtures of tests/ui (a qasync loop, a signed-in desk against the real backend)."""

from tests.helpers.desk import aloop, desk

__all__ = ["aloop", "desk"]
