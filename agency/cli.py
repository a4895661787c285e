"""The ``agency`` command: serve, worker, db, user, audit (and more as domains arrive)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from agency import timeutil
from agency.settings import Settings, SettingsError, get_settings

T = TypeVar("T")
console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        settings = get_settings()
        # Every command on the process's clock (AGENCY_TODAY), not only the app: `serve --demo` loads before
        # the app exists; the worker and the operator commands have no app.
        timeutil.use_offset(settings.clock_offset_seconds)
        return settings
    except SettingsError as error:
        # One line naming the variable, no traceback: the operator fixes the environment and retries.
        click.echo(f"agency: configuration error: {error}", err=True)
        sys.exit(2)


async def in_session(work: Callable[[Any], Awaitable[T]], settings: Settings) -> T:
    """Runs ``work`` in one committed transaction on a short-lived engine of its own, then the jobs it asked
    for (its papers, the clocks a calendar change moves) to their end."""
    import storage as blobs
    from agency.audit.sealer import seal_all
    from agency.db.engine import create_engine, create_sessionmaker
    from agency.job_handlers import job_runner
    from agency.jobs import service as jobs

    engine = create_engine(settings.database_url, pool_size=2)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            result = await work(session)
            await session.commit()
            pending = jobs.committed(session)
        if pending:
            store = blobs.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
            try:
                runner = job_runner(sessions, store, settings)
                await runner.run_many(pending)
                await runner.drain()
            finally:
                await store.aclose()
        # The audit lines this command (and its jobs) wrote, sealed before it exits (agency/audit/sealer.py).
        await seal_all(sessions)
        return result
    finally:
        await engine.dispose()


def run_with_session(work: Callable[[Any], Awaitable[T]], settings: Settings) -> T:
    return asyncio.run(in_session(work, settings))


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=False)


def stage_reporter(bar: Progress) -> Callable[[str, int, int | None], None]:
    """A progress callback ``(stage, done, total)`` that gives each stage its own bar."""
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return report


@click.group()
def main() -> None:
    """Agency — 代办服务 workbench of the county administrative service center."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load the demo catalog, data and accounts (once).")
@click.option("--workers", default=1, show_default=True, type=int, help="Server worker processes.")
@click.option("--migrate/--no-migrate", default=None,
              help="Upgrade the database first (default: yes on the embedded default, no otherwise).")
def serve(host: str, port: int, demo: bool, workers: int, migrate: bool | None) -> None:
    """Run the HTTP service (granian, ASGI)."""
    from agency.db import migrate as migrations

    settings = load_settings()
    if migrate if migrate is not None else settings.embedded or demo:
        migrations.upgrade(settings.database_url)
    if demo:
        import storage as blobs
        from agency.demo import load_demo

        async def load(session: Any) -> str:
            store = blobs.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
            try:
                return await load_demo(session, settings, store, history=settings.demo_history == "year",
                                       progress=click.echo)
            finally:
                await store.aclose()

        summary = run_with_session(load, settings)
        click.echo(summary)
        click.echo(f"demo accounts: admin, clerk, leader, enterprise, dept-<部门代码> — password: "
                   f"{settings.demo_password}")
    where = "embedded default (SQLite, local storage, in-process sweep)" if settings.embedded else "servers"
    click.echo(f"Agency on http://{host}:{port}/ — {where}; data in {settings.data_dir}")
    from agency.server import run_server

    run_server(host=host, port=port, workers=workers, log_level=settings.log_level)


@main.command()
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
def worker(burst: bool) -> None:
    """Run the background worker (escalation sweep, notification delivery)."""
    settings = load_settings()
    if not settings.redis_url:
        click.echo("agency worker: AGENCY_REDIS_URL is not set; the embedded default runs the sweep "
                   "inside `agency serve`", err=True)
        sys.exit(2)
    from agency.app import configure_logging
    from agency.worker import run_worker

    configure_logging(settings.log_level)
    run_worker(settings, burst=burst)


@main.group()
def db() -> None:
    """Database migrations (Alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    from agency.db import migrate

    migrate.upgrade(load_settings().database_url, revision)
    click.echo(f"database upgraded to {revision}")


@db.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    from agency.db import migrate

    migrate.downgrade(load_settings().database_url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command("current")
def db_current() -> None:
    from agency.db import migrate

    migrate.current(load_settings().database_url)


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Generate a migration from the models (review it before committing)."""
    from agency.db import migrate

    migrate.revision(load_settings().database_url, message)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "clerk", "department", "leader", "enterprise"]))
@click.option("--display-name", required=True)
@click.option("--department", "department_code", default=None)
@click.option("--enterprise-id", type=int, default=None)
@click.option("--phone", default=None)
@click.option("--password", default=None, help="Initial password (asked for when omitted).")
def user_create(username: str, role: str, display_name: str, department_code: str | None,
                enterprise_id: int | None, phone: str | None, password: str | None) -> None:
    """Create a user with an initial password that must be changed at first login."""
    import msgspec

    from agency.access import SYSTEM
    from agency.accounts import service
    from agency.accounts.schemas import UserCreateIn
    from agency.errors import AgencyError

    settings = load_settings()
    password = password or getpass.getpass("initial password: ")
    try:
        data = msgspec.convert({"username": username, "password": password, "role": role,
                                "display_name": display_name, "department_code": department_code,
                                "enterprise_id": enterprise_id, "phone": phone}, UserCreateIn)
        created = run_with_session(lambda session: service.create_user(session, SYSTEM, data), settings)
    except (AgencyError, msgspec.ValidationError) as error:
        click.echo(f"agency user create: {getattr(error, 'detail', error)}", err=True)
        sys.exit(1)
    click.echo(f"created user {created.username} (id {created.id}, role {created.role}); "
               "the password must be changed at first login")


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Seal the lines waiting for their seal, walk the hash chain and report the first broken link."""
    from agency.audit.sealer import seal_pending
    from agency.audit.service import unsealed, verify_chain

    settings = load_settings()

    async def seal_and_verify(session: Any) -> tuple[int, int, Any, int]:
        sealed = await seal_pending(session, batch=10**9)
        await session.commit()
        checked, broken = await verify_chain(session, progress=report)
        return sealed, checked, broken, await unsealed(session)

    with progress_bar() as bar:
        task = bar.add_task("verifying audit chain", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        sealed, checked, broken, waiting = run_with_session(seal_and_verify, settings)
    if sealed:
        click.echo(f"sealed {sealed} events that were waiting for their seal")
    if broken is not None:
        click.echo(f"BROKEN: {broken} (checked {checked} events)")
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} events verified"
               + (f"; {waiting} written since, not yet sealed" if waiting else ""))


@main.group("catalog")
def catalog_group() -> None:
    """The approval catalog (departments, items, routes)."""


@catalog_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def catalog_import(file: str) -> None:
    """Import a catalog YAML file as a new version (all or nothing)."""

    from agency.access import SYSTEM
    from agency.catalog import service
    from agency.errors import AgencyError

    settings = load_settings()
    text = Path(file).read_text(encoding="utf-8")
    try:
        summary = run_with_session(lambda session: service.import_catalog(session, SYSTEM, text), settings)
    except AgencyError as error:
        click.echo(f"agency catalog import: {error.detail}", err=True)
        for problem in error.extra or []:
            # The sentence the admin reads: 第 12 行，事项 xmba 的字段 promised_limit：…
            click.echo(f"  - {problem.get('text') or problem['message']}", err=True)
        sys.exit(1)
    if summary.get("unchanged"):
        click.echo(f"catalog {summary['version']} is already the current version; nothing imported")
        return
    items = summary["items"]
    click.echo(f"catalog {summary['version']} imported: items added {len(items['added'])}, changed "
               f"{len(items['changed'])}, removed {len(items['removed'])}, unchanged {len(items['unchanged'])}")
    unchecked = summary.get("unchecked_citations") or []
    click.echo(f"citations not checked against the law's text: {len(unchecked)}")
    for citation in unchecked:
        click.echo(f"  - {citation['item']}: {citation['cite']}")


@main.group("calendar")
def calendar_group() -> None:
    """The working calendar (holidays and make-up workdays)."""


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def calendar_import(file: str) -> None:
    """Load a year's official schedule (docs/calendar-format.md); its due dates stop being provisional."""

    from agency.access import SYSTEM
    from agency.approvals import calendar_change
    from agency.calendar import service
    from agency.errors import AgencyError
    from agency.supervision import provisional

    settings = load_settings()
    text = Path(file).read_text(encoding="utf-8")

    async def work(session: Any) -> dict[str, object]:
        await service.ensure_seeded(session)
        summary, change = await service.import_file(session, SYSTEM, text)
        await calendar_change.after_import(session, SYSTEM, change)
        # Firings made on the estimate of this year, judged again on the real calendar.
        summary |= await provisional.reevaluate(session, SYSTEM)
        return summary

    try:
        summary = run_with_session(work, settings)
    except AgencyError as error:
        click.echo(f"agency calendar import: {error.detail}", err=True)
        sys.exit(1)
    click.echo(f"calendar {summary['year']} imported ({summary['source']}): {summary['days']} dates, "
               f"{summary['changed_days']} changed; the clocks they move are recomputed; provisional "
               f"escalations: {summary['kept']} kept, {summary['withdrawn']} withdrawn")


@main.group("clocks")
def clocks_group() -> None:
    """The clock rows: every running or paused clock as its events make it, written where it changes."""


@clocks_group.command("check")
def clocks_check() -> None:
    """Compare the clock rows with what the clock events give now; exit 1 if any row differs."""
    from agency import timeutil
    from agency.approvals import clock_rows

    differing = run_with_session(lambda session: clock_rows.differences(session, timeutil.today()), load_settings())
    if differing:
        click.echo(f"clock rows: {differing} differ from the clock events (run `agency clocks rebuild`)")
        sys.exit(1)
    click.echo("clock rows agree with the clock events")


@clocks_group.command("rebuild")
def clocks_rebuild() -> None:
    """Recompute every clock row from the clock events (after SQL written outside Agency)."""
    from agency import timeutil
    from agency.approvals import clock_rows

    count = run_with_session(lambda session: clock_rows.rebuild(session, timeutil.today()), load_settings())
    click.echo(f"clock rows rebuilt from the clock events of {count} approvals")


@main.group("storage")
def storage_group() -> None:
    """Object storage of scans and papers."""


@storage_group.command("check")
@click.option("--repair-orphans", is_flag=True, help="Delete objects no row refers to (older than an hour).")
def storage_check(repair_orphans: bool) -> None:
    """Compare the rows that name objects (files, papers, template versions) with the stored objects:
    missing objects, orphans and sha256 mismatches."""
    import storage as blobs
    from agency.ops.storage_check import check

    settings = load_settings()
    store = blobs.open_store(settings.storage_url, public_endpoint=settings.storage_public_endpoint)
    with progress_bar() as bar:
        report = stage_reporter(bar)

        async def work(session: Any) -> Any:
            try:
                return await check(session, store, repair_orphans=repair_orphans,
                                   progress=lambda stage, done, total: report(f"checking {stage}", done, total))
            finally:
                await store.aclose()

        result = run_with_session(work, settings)
    click.echo(f"checked {result.checked_rows} file rows and {result.checked_objects} objects")
    for what, key in result.missing:
        click.echo(f"MISSING object for {what}: {key}")
    for what, key, actual in result.mismatched:
        click.echo(f"SHA256 MISMATCH for {what}: {key} now hashes to {actual}")
    for key in result.orphans:
        click.echo(f"ORPHAN object (no row): {key}")
    if result.removed_orphans:
        click.echo(f"removed {result.removed_orphans} orphan objects")
    if not result.clean:
        sys.exit(1)
    click.echo("storage consistent")



@main.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Copy the database and every stored object into FOLDER (new or empty), with a sha256 manifest."""
    import storage as blobs
    from agency.ops.backup import backup
    from agency.ops.manifest import OpsError

    settings = load_settings()
    try:
        with progress_bar() as bar:
            result = asyncio.run(backup(settings, folder.expanduser().resolve(), stage_reporter(bar)))
    except (OpsError, blobs.StorageError) as error:
        click.echo(f"agency backup: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup in {result.folder}: {result.database_kind} database ({result.file_rows} file rows, "
               f"{result.audit_events} audit events), {result.objects} objects ({result.bytes} bytes)")
    if result.unreferenced:
        click.echo(f"{result.unreferenced} objects no file row names (uploads in progress or orphans) were copied "
                   "but will not be restored")
    for key in result.missing:
        click.echo(f"MISSING object a file row names: {key}")
    for key in result.damaged:
        click.echo(f"SHA256 MISMATCH in the live store: {key}")
    click.echo(f"manifest sha256 {result.manifest_sha256} (note it in the backup log, apart from the copy)")
    if not result.clean:
        click.echo("the live system is not consistent (see above; run `agency storage check`): this backup "
                   "copies it as it is", err=True)
        sys.exit(1)


@main.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Check the backup against its manifest and stop.")
def restore_command(folder: Path, verify_only: bool) -> None:
    """Restore a backup onto an EMPTY database and storage (refused otherwise), its copies checked first."""
    import storage as blobs
    from agency.ops.manifest import OpsError
    from agency.ops.restore import check_backup, restore

    settings = load_settings()
    folder = folder.expanduser().resolve()
    try:
        with progress_bar() as bar:
            if verify_only:
                manifest, digest = check_backup(folder, stage_reporter(bar))
            else:
                result = asyncio.run(restore(settings, folder, stage_reporter(bar)))
                manifest, digest = result.manifest, result.manifest_sha256
    except (OpsError, blobs.StorageError) as error:
        click.echo(f"agency restore: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup of {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC, manifest sha256 {digest}: "
               f"{manifest.database.kind} database, {len(manifest.objects)} objects, all intact")
    if verify_only:
        return
    click.echo(f"restored the database (revision {manifest.database.revision}, {manifest.audit.events} audit "
               f"events) and {result.objects} objects ({result.bytes} bytes)"
               + (f"; left out {result.skipped} objects no file row named" if result.skipped else ""))
    click.echo("next: `agency db upgrade` if this release is newer, then `agency audit verify` and "
               "`agency storage check` (both must be clean)")


def _add_commands() -> None:
    from agency.sync.commands import integration_group, sync_group

    main.add_command(integration_group)
    main.add_command(sync_group)


_add_commands()

if __name__ == "__main__":
    main()
