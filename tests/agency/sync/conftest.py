from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from agency.catalog.models import Department
from tests.support import Api


@pytest.fixture
async def external_fgj(api: Api) -> AsyncIterator[None]:
    """发展和改革局 acts in the provincial system for the test (the shared database gets it back after)."""
    await api.execute(update(Department).where(Department.code == "fgj").values(mode="external"))
    try:
        yield
    finally:
        await api.execute(update(Department).where(Department.code == "fgj").values(mode="online"))
