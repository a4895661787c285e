"""One page of a query and the total it pages through: both in SQL, never a slice in Python."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


async def paginate(session: AsyncSession, query: Select[tuple[T]], *, order_by: Any, page: int,
                   page_size: int) -> tuple[list[T], int]:
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    order = order_by if isinstance(order_by, tuple) else (order_by,)  # a tiebreak after the first key
    rows = (await session.execute(query.order_by(*order).offset((page - 1) * page_size).limit(page_size))
            ).scalars().all()
    return list(rows), int(total)
