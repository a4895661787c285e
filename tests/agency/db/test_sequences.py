"""agency.db.sequences: a paper's number is taken at once, so papers do not wait for each other (both databases)."""

from __future__ import annotations

import asyncio
import uuid

from agency.db.sequences import next_value_at_once
from tests.support import Api


async def test_a_number_taken_at_once_does_not_wait_for_the_transaction_that_took_the_one_before(api: Api) -> None:
    name = f"document:t{uuid.uuid4().hex[:8]}:2026"
    async with api.sessions() as rendering:
        first = await next_value_at_once(rendering, name)
        if rendering.get_bind().dialect.name == "postgresql":
            # The first paper is still being rendered (its transaction open): the next one is numbered meanwhile.
            async with api.sessions() as other:
                second = await asyncio.wait_for(next_value_at_once(other, name), timeout=5)
                await other.commit()
            await rendering.rollback()  # the first paper failed: its number stays used, never given twice
            async with api.sessions() as later:
                third = await next_value_at_once(later, name)
                await later.commit()
            assert (first, second, third) == (1, 2, 3)
        else:
            # SQLite has one writer at a time: the number is the caller's transaction's, and goes with it.
            await rendering.rollback()
            async with api.sessions() as later:
                again = await next_value_at_once(later, name)
                await later.commit()
            assert (first, again) == (1, 1)
