"""The database half of a backup: pg_dump / pg_restore for PostgreSQL, the SQLite backup API for the file.

Both copies are consistent snapshots taken while the service runs. On PostgreSQL the file rows
and the end of the audit chain are read in the very snapshot pg_dump copies (an exported
snapshot), so the objects the backup must hold are exactly the ones the dumped rows name.
Connection secrets reach pg_dump through its environment, never its command line.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from agency.audit.models import AuditEvent
from agency.audit.service import chain_head
from agency.db.engine import create_engine
from agency.ops.manifest import AuditHead, OpsError
from agency.ops.objects import referenced

#: What reaching or reading a database can raise: asyncpg raises its own errors, unwrapped, while connecting.
DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError)
_LIBPQ_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


@dataclass(frozen=True)
class Snapshot:
    """What the database copy says: the key and digest of every object a row names (files, papers, template
    versions: agency/ops/objects.py), the audit chain's end, the revision."""

    files: dict[str, str]
    audit: AuditHead
    revision: str | None


def kind_of(database_url: str) -> str:
    return "sqlite" if make_url(database_url).get_backend_name() == "sqlite" else "postgresql"


def _describe(database_url: str) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    return f"PostgreSQL database {url.database!r} on {url.host or 'localhost'}:{url.port or 5432}"


async def read_snapshot(connection: AsyncConnection) -> Snapshot:
    files = {ref.key: ref.sha256 for ref in await referenced(connection)}
    count = (await connection.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    # The end of the chain as sealed (agency/audit/sealer.py); a line written since is counted, not yet chained.
    head = (await connection.execute(chain_head().with_only_columns(AuditEvent.id, AuditEvent.hash))).one_or_none()
    last_id, last_hash = (head.id, head.hash) if head is not None else (None, None)
    revision = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    return Snapshot(files, AuditHead(events=count, last_id=last_id, last_hash=last_hash), revision)


async def state(database_url: str) -> Snapshot:
    engine = create_engine(database_url, pool_size=1)
    return await _state(engine, database_url)


async def sqlite_copy_state(path: Path) -> Snapshot:
    """Read a copy as it is: the application's engine would switch it to WAL and leave files beside it."""
    url = f"sqlite+aiosqlite:///{path}"
    return await _state(create_async_engine(url), url)


async def _state(engine: AsyncEngine, database_url: str) -> Snapshot:
    try:
        async with engine.connect() as connection:
            return await read_snapshot(connection)
    except DB_ERRORS as error:
        raise OpsError(_cannot("read", database_url, error)) from None
    finally:
        await engine.dispose()


async def tables(database_url: str) -> list[str]:
    """The tables already in the target database (empty list: safe to restore into)."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_table_names)
    except DB_ERRORS as error:
        raise OpsError(_cannot("connect to", database_url, error, restoring=True)) from None
    finally:
        await engine.dispose()


def _table_names(sync: Connection) -> list[str]:
    inspector = inspect(sync)
    schemas = inspector.get_schema_names()
    if "main" in schemas:  # SQLite
        return sorted(inspector.get_table_names())
    return sorted(f"{schema}.{name}" for schema in schemas
                  if schema != "information_schema" and not schema.startswith("pg_")
                  for name in inspector.get_table_names(schema=schema))


def _cannot(doing: str, database_url: str, error: BaseException, *, restoring: bool = False) -> str:
    hint = "; create it first, empty (createdb NAME)" if restoring and "does not exist" in str(error) else ""
    return f"cannot {doing} {_describe(database_url)}: {_first_line(error)}{hint}"


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    return message[0] if message else type(error).__name__


# -- PostgreSQL: pg_dump and pg_restore ---------------------------------------------------------


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise OpsError(f"{name} not found on PATH: install the PostgreSQL client programs of the server's major "
                       f"version (Debian: postgresql-client-15) or add their folder to PATH")
    return path


def libpq_env(database_url: str) -> dict[str, str]:
    """The connection as libpq environment variables, so no password appears in a process list."""
    url = make_url(database_url)
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    query = {name: value if isinstance(value, str) else value[-1] for name, value in url.query.items()}
    if "host" in query:
        env["PGHOST"] = query["host"]
    sslmode = query.get("sslmode") or query.get("ssl")
    if sslmode in _LIBPQ_SSLMODES:
        env["PGSSLMODE"] = sslmode
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


async def _run(program: str, *arguments: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(program, *arguments, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        detail = (err or out).decode(errors="replace").strip().splitlines()
        shown = " / ".join(detail[:3]) or f"exit status {process.returncode}"
        raise OpsError(f"{Path(program).name} failed: {shown}")


async def dump_postgres(database_url: str, target: Path) -> Snapshot:
    """pg_dump --format=custom in a snapshot this connection exported and reads the file rows in."""
    pg_dump = tool("pg_dump")
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                await connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot_id = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar_one()
                snapshot = await read_snapshot(connection)
                # The exported snapshot lives as long as this transaction: keep it open while pg_dump runs.
                await _run(pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot_id}",
                           f"--file={target}", env=libpq_env(database_url))
            return snapshot
    except DB_ERRORS as error:
        raise OpsError(_cannot("read", database_url, error)) from None
    finally:
        await engine.dispose()


async def restore_postgres(database_url: str, dump: Path) -> None:
    """All or nothing, owned by the restoring role (the office's roles may differ from the source's)."""
    pg_restore = tool("pg_restore")
    env = libpq_env(database_url)
    await _run(pg_restore, "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={env['PGDATABASE']}", str(dump), env=env)


# -- SQLite: the online backup API --------------------------------------------------------------


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise OpsError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite file (writers may go on), as one self-contained file."""
    if not source.is_file():
        raise OpsError(f"the SQLite file {source} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
            # The copy must not depend on -wal/-shm files beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise OpsError(f"copying the SQLite file {source} failed: {error}") from None
