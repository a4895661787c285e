"""Every stored object a row of the database refers to: scans and papers (``files``), the template versions
an administrator uploaded (``document_templates``), and whatever table gains a ``storage_key`` later.

One answer for everything that must know which objects are in use: `agency storage check` (missing,
altered and orphan objects; --repair-orphans deletes only objects no row names), `agency backup` (which
objects a restore brings back) — so no object a row needs is ever taken for an orphan.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from agency.db import models

KEY = "storage_key"
DIGEST = "sha256"
# How a row is named in a report; a table not listed here is named by its table name.
_NAMES = {"files": "file", "document_templates": "document template"}


@dataclass(frozen=True, slots=True)
class ObjectRef:
    what: str  # "file #12", "document template #3 (authorization_letter version 2)"
    key: str
    sha256: str


def referring_tables() -> list[Table]:
    """The tables whose rows name an object (a ``storage_key`` column): found, not listed, so a new one counts."""
    tables = [t for t in models.Base.metadata.sorted_tables if KEY in t.c]
    for table in tables:
        assert DIGEST in table.c, f"{table.name} names objects without their sha256"
    return tables


def _what(table: Table, row: dict[str, object]) -> str:
    name = f"{_NAMES.get(table.name, table.name)} #{row['id']}"
    if "code" in row and "version" in row:
        name += f" ({row['code']} version {row['version']})"
    return name


async def referenced(connection: AsyncConnection | AsyncSession) -> list[ObjectRef]:
    refs: list[ObjectRef] = []
    for table in referring_tables():
        extra = [table.c[c] for c in ("code", "version") if c in table.c]
        query = select(table.c.id, table.c[KEY], table.c[DIGEST], *extra).order_by(table.c.id)
        for row in (await connection.execute(query)).mappings():
            refs.append(ObjectRef(_what(table, dict(row)), str(row[KEY]), str(row[DIGEST])))
    return refs
