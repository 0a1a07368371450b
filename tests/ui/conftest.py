"""The GUI fixtures (`aloop`, `desk`) for the tests in this directory: see tests/helpers/desk.py."""

from tests.helpers.desk import aloop, desk

__all__ = ["aloop", "desk"]
