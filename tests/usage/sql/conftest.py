from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.usage.sql.postgres_server import Postgres, binaries, start, stop


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL on 127.0.0.1 for the session; CI installs it (.ci/run)."""
    if binaries() is None:
        if os.environ.get("HYBRIDCTL_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required here and not installed (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql; .ci/run installs it)")
    server = start()
    yield server
    stop(server)
