"""tests/server/test_timeline_api.py's scenarios on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.postgres.conftest import scenarios_of
from tests.server import test_timeline_api as scenarios

globals().update(scenarios_of(scenarios))
pytestmark = [pytest.mark.postgres, *getattr(scenarios, "pytestmark", [])]
