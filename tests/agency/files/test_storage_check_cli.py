"""`agency storage check` walks the file rows and the stored objects and names every inconsistency:
objects missing behind a row, objects whose bytes no longer hash to the recorded sha256, and orphan
objects no row refers to (which --repair-orphans removes once they are older than an hour).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

import storage
from agency import timeutil
from agency.cli import main
from agency.db import migrate
from agency.db.engine import create_engine, create_sessionmaker
from agency.documents.models import DocumentTemplate
from agency.files.models import StoredFile
from agency.ops.storage_check import ORPHAN_GRACE
from agency.settings import get_settings
from tests.agency.files.files_fixtures import STORAGE_KINDS, moto_or_skip, pdf, running_moto, storage_url
from tests.conftest import drop_database, new_database
from tests.storage.blob_helpers import MotoServer


@pytest.fixture(scope="module")
def check_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer | BaseException]:
    yield from running_moto(tmp_path_factory, "check-moto")


@pytest.fixture(scope="module")
def check_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own: the check walks every row of the files table."""
    url = new_database(backend, tmp_path_factory.mktemp("check-db"))
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(params=STORAGE_KINDS)
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@dataclass
class Stored:
    id: int
    key: str
    data: bytes


@dataclass
class Setup:
    database_url: str
    storage_url: str
    store: storage.BlobStore
    files: list[Stored]
    monkeypatch: pytest.MonkeyPatch
    data_dir: Path

    async def run(self, *options: str) -> tuple[int, str]:
        self.monkeypatch.setenv("AGENCY_DATABASE_URL", self.database_url)
        self.monkeypatch.setenv("AGENCY_STORAGE_URL", self.storage_url)
        self.monkeypatch.setenv("AGENCY_DATA_DIR", str(self.data_dir))
        self.monkeypatch.setenv("AGENCY_SECRET_KEY", "x" * 40)
        get_settings.cache_clear()
        try:
            # The command runs its own event loop, so it runs in a thread of its own.
            result = await asyncio.to_thread(CliRunner().invoke, main, ["storage", "check", *options])
        finally:
            get_settings.cache_clear()
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.stdout

    async def keys(self) -> set[str]:
        return {key async for key in self.store.iter_keys()}

    async def put(self, data: bytes, uploaded_at: datetime | None) -> str:
        metadata = {"uploaded-at": uploaded_at.isoformat()} if uploaded_at else None
        return (await self.store.put(_once(data), max_size=len(data), metadata=metadata)).key


@pytest.fixture
async def setup(check_database: str, storage_kind: str, request: pytest.FixtureRequest, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setup]:
    """Two files uploaded an hour and a half ago: an object each, and its row."""
    moto = moto_or_skip(request.getfixturevalue("check_moto")) if storage_kind == "s3" else None
    url = storage_url(storage_kind, tmp_path, moto)
    store = storage.open_store(url)
    engine = create_engine(check_database, pool_size=1)
    files = []
    try:
        async with create_sessionmaker(engine)() as session:
            await session.execute(delete(StoredFile))
            for n in range(2):
                data = pdf(50_000 + n, seed=f"check-{n}-{tmp_path.name}")
                uploaded_at = timeutil.now() - ORPHAN_GRACE * 1.5
                blob = await store.put(_once(data), max_size=len(data),
                                       metadata={"uploaded-at": uploaded_at.isoformat()})
                row = StoredFile(storage_key=blob.key, kind="document", original_name=f"第{n}号文件.pdf",
                                 size=blob.size, sha256=blob.sha256, content_type="application/pdf",
                                 uploaded_at=uploaded_at)
                session.add(row)
                await session.flush()
                files.append(Stored(row.id, blob.key, data))
            await session.commit()
        yield Setup(check_database, url, store, files, monkeypatch, tmp_path)
    finally:
        await store.aclose()
        await engine.dispose()


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_consistent_store_passes(setup: Setup) -> None:
    code, output = await setup.run()
    assert code == 0, output
    assert "checked 2 file rows and 2 objects" in output
    assert "storage consistent" in output
    assert "MISSING" not in output and "ORPHAN" not in output and "MISMATCH" not in output


async def test_object_missing_behind_a_row_is_named(setup: Setup) -> None:
    lost = setup.files[0]
    await setup.store.delete(lost.key)
    code, output = await setup.run()
    assert code == 1, output
    assert f"MISSING object for file #{lost.id}: {lost.key}" in output
    assert output.count("MISSING") == 1 and "MISMATCH" not in output and "ORPHAN" not in output
    assert "checked 2 file rows and 1 objects" in output and "storage consistent" not in output


async def test_changed_bytes_are_a_sha256_mismatch(setup: Setup) -> None:
    changed = setup.files[1]
    tampered = changed.data[:-10] + b"0123456789"
    if isinstance(setup.store, storage.FilesystemBlobStore):
        (setup.store.root / changed.key).write_bytes(tampered)  # behind the store's back
    else:
        assert isinstance(setup.store, storage.S3BlobStore)
        from io import BytesIO

        store = setup.store
        await asyncio.to_thread(store.client.put_object, store.bucket, changed.key, BytesIO(tampered),
                                len(tampered))
    code, output = await setup.run()
    assert code == 1, output
    assert (f"SHA256 MISMATCH for file #{changed.id}: {changed.key} now hashes to "
            f"{hashlib.sha256(tampered).hexdigest()}") in output
    assert "MISSING" not in output and "ORPHAN" not in output


async def test_orphans_are_reported_and_old_ones_repaired(setup: Setup) -> None:
    now = timeutil.now()
    old = await setup.put(pdf(seed="old orphan"), now - timedelta(hours=2))
    undated = await setup.put(pdf(seed="undated orphan"), None)  # from before uploads were dated
    young = await setup.put(pdf(seed="young orphan"), now - timedelta(minutes=5))  # maybe an upload in flight
    rows = {f.key for f in setup.files}

    code, output = await setup.run()
    assert code == 1, output
    assert "checked 2 file rows and 5 objects" in output
    for key in (old, undated, young):
        assert f"ORPHAN object (no row): {key}" in output
    assert await setup.keys() == rows | {old, undated, young}  # reporting removes nothing

    code, output = await setup.run("--repair-orphans")
    assert "removed 2 orphan objects" in output
    assert await setup.keys() == rows | {young}
    assert code == 1, "an orphan is still there: the store is not consistent yet\n" + output

    await setup.store.delete(young)
    code, output = await setup.run("--repair-orphans")
    assert code == 0 and "storage consistent" in output, output


async def test_uploaded_template_versions_are_known_objects_not_orphans(setup: Setup) -> None:
    """Issue 19, finding 4: the check called an uploaded template version an orphan, and --repair-orphans deleted
    it; every later paper of that template then failed. Every row naming an object is known to the check."""
    data = pdf(seed=f"template-{setup.data_dir.name}")  # the check compares bytes, not what they are
    key = await setup.put(data, timeutil.now() - ORPHAN_GRACE * 2)
    engine = create_engine(setup.database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            row = DocumentTemplate(code="authorization_letter", version=1, storage_key=key,
                                   sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                   uploaded_at=timeutil.now() - ORPHAN_GRACE * 2)
            session.add(row)
            await session.commit()
            template_id = row.id
        try:
            code, output = await setup.run("--repair-orphans")
            assert code == 0 and "storage consistent" in output and "ORPHAN" not in output, output
            assert "checked 3 file rows and 3 objects" in output
            assert key in await setup.keys()
            await setup.store.delete(key)
            code, output = await setup.run()
            assert code == 1, output
            assert (f"MISSING object for document template #{template_id} (authorization_letter version 1): "
                    f"{key}") in output
        finally:
            async with create_sessionmaker(engine)() as session:
                await session.execute(delete(DocumentTemplate))
                await session.commit()
    finally:
        await engine.dispose()
