"""tests/server/test_ingest_twins.py's scenarios on PostgreSQL (twins, their search by words)."""

from __future__ import annotations

import pytest

from tests.postgres.conftest import scenarios_of
from tests.server import test_ingest_twins as scenarios

globals().update(scenarios_of(scenarios))
pytestmark = [pytest.mark.postgres, *getattr(scenarios, "pytestmark", [])]
