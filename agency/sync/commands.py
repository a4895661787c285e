"""``agency integration create-key|revoke-key NAME`` and ``agency sync import FILE [--dry-run]``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click


@click.group("integration")
def integration_group() -> None:
    """Keys of the outside systems that push records (role integration)."""


def _as_system(command: str, work: Callable[[Any], Awaitable[str]]) -> str:
    """Runs ``work(session)`` in one transaction of the CLI; an AgencyError ends the command with its detail."""
    from agency import cli
    from agency.errors import AgencyError

    try:
        return cli.run_with_session(work, cli.load_settings())
    except AgencyError as error:
        click.echo(f"agency integration {command}: {error.detail}", err=True)
        sys.exit(1)


@integration_group.command("create-key")
@click.argument("name")
def create_key(name: str) -> None:
    """Issue a key for the outside system NAME; it is printed once and only its sha256 is kept."""
    from agency.access import SYSTEM
    from agency.accounts import integration

    async def work(session: Any) -> str:
        _, key = await integration.create_key(session, SYSTEM, name)
        return key

    key = _as_system("create-key", work)
    click.echo(f"key for {name} (shown once; send it as 'Authorization: Bearer <key>'):")
    click.echo(key)


@integration_group.command("revoke-key")
@click.argument("name")
def revoke_key(name: str) -> None:
    """Revoke the key of the outside system NAME: its next request is refused (401)."""
    from agency.access import SYSTEM
    from agency.accounts import integration

    async def work(session: Any) -> str:
        row = await integration.revoke_key(session, SYSTEM, name)
        return row.revoked_at.isoformat() if row.revoked_at else ""

    click.echo(f"key for {name} revoked ({_as_system('revoke-key', work)})")


@click.group("sync")
def sync_group() -> None:
    """Records of the provincial approval systems (docs/sync-format.md)."""


@sync_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would happen and change nothing.")
def import_file(file: Path, dry_run: bool) -> None:
    """Apply a file of records (JSON lines or CSV) as POST /api/sync/records would."""
    import storage
    from agency import cli, timeutil
    from agency.access import SYSTEM
    from agency.db.engine import create_engine, create_sessionmaker
    from agency.errors import AgencyError
    from agency.sync import decision_files, fileformat, service

    settings = cli.load_settings()
    try:
        records = fileformat.read_records(file)
    except AgencyError as error:
        click.echo(f"agency sync import: {error.detail}", err=True)
        sys.exit(1)

    async def work(session: Any) -> service.Outcome:
        stored = decision_files.Stored(storage.open_store(settings.storage_url,
                                                          public_endpoint=settings.storage_public_endpoint))
        try:
            outcome = await service.receive(session, SYSTEM, records, timeutil.today(), stored)
            if dry_run:
                await session.rollback()
                await stored.discard()  # the rehearsal's decision documents go with its transaction
            return outcome
        except BaseException:
            await session.rollback()
            await stored.discard()
            raise
        finally:
            await stored.store.aclose()

    async def rehearse() -> service.Outcome:
        engine = create_engine(settings.database_url, pool_size=2)
        try:
            async with create_sessionmaker(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        outcome = asyncio.run(rehearse()) if dry_run else cli.run_with_session(work, settings)
    except AgencyError as error:
        click.echo(f"agency sync import: {error.detail}", err=True)
        sys.exit(1)
    click.echo(f"{'dry run: ' if dry_run else ''}{len(records)} records: applied {outcome.applied}, "
               f"unchanged {outcome.unchanged}, queued {len(outcome.queued)}")
    for record_id, reason in outcome.queued:
        click.echo(f"  - {record_id}: {reason}")
