"""Fixtures for the X12 tests: the API test world (fixed clock 2026-11-23) with the fee
schedule and a plan authorization of tests/integration/test_claims.py, on SQLite and
PostgreSQL; the sample interchanges of tests/resources/x12."""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The REST API helpers of the e2e tests (tests/e2e is on sys.path only when pytest collects it).
sys.path.insert(0, str(Path(__file__).parent.parent / "e2e"))
from api_support import Api, make_api
from x12_builders import FEES


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    made = make_api(database_url)
    made.world.load(copy.deepcopy(FEES))
    yield made
    made.close()
