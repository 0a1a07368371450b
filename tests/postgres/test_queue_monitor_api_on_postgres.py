"""tests/server/test_queue_monitor_api.py's scenarios on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.postgres.conftest import scenarios_of
from tests.server import test_queue_monitor_api as scenarios

globals().update(scenarios_of(scenarios))
pytestmark = [pytest.mark.postgres, *getattr(scenarios, "pytestmark", [])]
