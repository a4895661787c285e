"""`agency backup` and `agency restore`: a system seeded through the API is backed up, restored onto an empty
database and storage, and comes back whole — `agency audit verify` and `agency storage check` clean, the dossier,
the scans' bytes and the audit timeline the same. A non-empty target is refused and a tampered backup is caught
before anything is written. Run on PostgreSQL + S3 (moto), as in production, and on SQLite + a storage folder,
the embedded default.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import documents as paper
import storage
from agency.cli import main
from agency.db import migrate
from agency.documents.service import DOCX
from agency.ops import database
from agency.settings import get_settings
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.documents.test_documents_api import _replace_in_docx
from tests.agency.files.files_fixtures import MiB, files_app, moto_or_skip, pdf, running_moto, storage_url
from tests.conftest import drop_database, new_database, seed_reference_data
from tests.storage.blob_helpers import MotoServer
from tests.support import unique

SYSTEMS = [pytest.param(("sqlite", "file"), id="sqlite-file"),
           pytest.param(("postgresql", "s3"), id="postgresql-s3", marks=pytest.mark.integration)]


@dataclass
class System:
    """One database and one store, and how `agency` commands reach them."""

    database_url: str
    storage_url: str
    folder: Path

    @property
    def env(self) -> dict[str, str]:
        return {"AGENCY_DATABASE_URL": self.database_url, "AGENCY_STORAGE_URL": self.storage_url,
                "AGENCY_DATA_DIR": str(self.folder), "AGENCY_SECRET_KEY": "b" * 40}

    async def agency(self, *args: str) -> tuple[int, str]:
        get_settings.cache_clear()
        try:
            # The command runs its own event loop, so it runs in a thread of its own.
            result = await asyncio.to_thread(CliRunner().invoke, main, list(args), env=self.env)
        finally:
            get_settings.cache_clear()
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, result.output

    async def keys(self) -> set[str]:
        store = storage.open_store(self.storage_url)
        try:
            return {key async for key in store.iter_keys()}
        finally:
            await store.aclose()

    async def tables(self) -> list[str]:
        if self.database_url.startswith("sqlite") and not database.sqlite_path(self.database_url).exists():
            return []
        return await database.tables(self.database_url)


@dataclass
class Seeded:
    """The source system after the seeding, what it showed through the API, and its backup."""

    kind: tuple[str, str]
    source: System
    dossier: Dossier
    files: dict[int, str]  # file id → sha256 of the bytes uploaded
    template_sha256: str  # of the template version an administrator uploaded
    events: list[dict[str, Any]]
    backup: Path
    moto: MotoServer | None
    made: list[str] = field(default_factory=list)

    async def empty_target(self, folder: Path) -> System:
        """A fresh empty database (not even migrated) and a fresh empty folder or bucket."""
        url = await asyncio.to_thread(new_database, self.kind[0], folder)
        self.made.append(url)
        return System(url, storage_url(self.kind[1], folder, self.moto), folder)


@pytest.fixture(scope="module")
def backup_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer | BaseException]:
    yield from running_moto(tmp_path_factory, "backup-moto")


@pytest.fixture(scope="module", params=SYSTEMS)
async def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Seeded]:
    """A system with an enterprise, a dossier, an approval acted on and two scans (one in S3 parts), backed up."""
    db_kind, store_kind = request.param
    moto = moto_or_skip(request.getfixturevalue("backup_moto")) if store_kind == "s3" else None
    folder = tmp_path_factory.mktemp("source")
    url = await asyncio.to_thread(new_database, db_kind, folder)
    made = [url]
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        await seed_reference_data(url)
        source = System(url, storage_url(store_kind, folder, moto), folder)
        async with files_app(url, folder, store_kind, source.storage_url, AGENCY_UPLOAD_LIMIT_MB="16") as app:
            dossier = await open_dossier(app.api)
            xmba = dossier.approval_id("xmba")
            await dossier.ok(xmba, "prepare")
            files = {}
            for data, name in ((pdf(seed=unique("licence")), "营业执照.pdf"),
                               (pdf(6 * MiB, seed=unique("plan")), "总平面图.pdf")):  # > one 5 MiB part
                response = await app.upload(dossier.clerk, xmba, "yyzz", data, name)
                assert response.status_code == 201, response.text
                files[response.json()["id"]] = hashlib.sha256(data).hexdigest()
            # An object no file row names, yet one the system needs: an uploaded template version.
            builtin = paper.builtin_template_bytes("authorization_letter")
            template = _replace_in_docx(builtin, "代办服务委托书", "代办服务委托书（本县版）")
            uploaded = await app.client.put("/api/document-templates/authorization_letter",
                                            headers=app.api.admin_headers, content=template)
            assert uploaded.status_code == 200, uploaded.text
            events = await timeline(app.client, dossier)
        backup = folder / "backup"
        code, output = await source.agency("backup", str(backup))
        assert code == 0, output
        seeded = Seeded((db_kind, store_kind), source, dossier, files, hashlib.sha256(template).hexdigest(), events,
                        backup, moto, made)
        yield seeded
    finally:
        for made_url in made:
            await asyncio.to_thread(drop_database, made_url)


async def timeline(client: Any, dossier: Dossier) -> list[dict[str, Any]]:
    response = await client.get(f"/api/projects/{dossier.project['id']}/events", headers=dossier.clerk,
                                params={"page_size": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_backup_holds_the_database_every_object_and_a_manifest(seeded: Seeded) -> None:
    import json

    manifest = json.loads((seeded.backup / "manifest.json").read_text())
    assert manifest["database"]["kind"] == seeded.kind[0] and manifest["storage_kind"] == seeded.kind[1]
    objects = {entry["key"]: entry for entry in manifest["objects"]}
    assert set(objects) == await seeded.source.keys() and manifest["missing"] == []
    assert sorted(entry["sha256"] for entry in objects.values()) == sorted([*seeded.files.values(),
                                                                            seeded.template_sha256])
    for key, entry in objects.items():
        copy = (seeded.backup / "objects" / key).read_bytes()
        # Every object a row names is restored, the template version too (it was taken for an orphan).
        assert hashlib.sha256(copy).hexdigest() == entry["sha256"] and entry["referenced"]
        assert entry["content_type"] in ("application/pdf", DOCX) and "uploaded-at" in entry["metadata"]
    assert manifest["audit"]["events"] > 0 and manifest["audit"]["last_hash"]

    code, output = await seeded.source.agency("restore", "--verify-only", str(seeded.backup))
    assert code == 0 and "all intact" in output, output


async def test_restore_onto_an_empty_system_brings_back_dossier_scans_and_audit_chain(
        seeded: Seeded, tmp_path: Path) -> None:
    target = await seeded.empty_target(tmp_path)
    code, output = await target.agency("restore", str(seeded.backup))
    assert code == 0, output
    objects = len(seeded.files) + 1  # the scans and the uploaded template version
    assert "restored the database" in output and f"and {objects} objects" in output

    code, output = await target.agency("audit", "verify")
    assert code == 0 and "audit chain intact" in output, output
    code, output = await target.agency("storage", "check")
    assert code == 0 and "storage consistent" in output and "BROKEN" not in output, output
    assert f"checked {objects} file rows and {objects} objects" in output
    code, output = await target.agency("clocks", "check")
    assert code == 0 and "clock rows agree with the clock events" in output, output

    async with files_app(target.database_url, tmp_path, seeded.kind[1], target.storage_url, admin=False) as app:
        clerk = seeded.dossier.clerk  # the session row came back with the database
        assert await timeline(app.client, seeded.dossier) == seeded.events
        project = await app.client.get(f"/api/projects/{seeded.dossier.project['id']}", headers=clerk)
        assert project.status_code == 200 and project.json()["name"] == seeded.dossier.project["name"]
        for file_id, sha256 in seeded.files.items():
            download = await app.client.get(f"/api/files/{file_id}", headers=clerk)
            assert download.status_code == 200, download.text
            assert hashlib.sha256(download.content).hexdigest() == sha256
            assert (await app.store.stat((await app.row(file_id)).storage_key)).sha256 == sha256
        paper_made = await app.client.post(f"/api/projects/{seeded.dossier.project['id']}/documents",
                                           headers=clerk, json={"template": "authorization_letter"})
        assert paper_made.status_code == 201 and paper_made.json()["template_version"] == 1, paper_made.text


async def test_restore_onto_a_database_with_tables_is_refused(seeded: Seeded, tmp_path: Path) -> None:
    target = await seeded.empty_target(tmp_path)
    await asyncio.to_thread(migrate.upgrade, target.database_url)  # say, `agency serve` ran once
    code, output = await target.agency("restore", str(seeded.backup))
    assert code == 1 and "the target database is not empty" in output and "nothing was restored" in output, output
    assert "Traceback" not in output
    assert await target.keys() == set()


async def test_restore_onto_storage_with_objects_is_refused(seeded: Seeded, tmp_path: Path) -> None:
    target = await seeded.empty_target(tmp_path)
    target.storage_url = seeded.source.storage_url  # the live bucket or folder, by mistake
    code, output = await target.agency("restore", str(seeded.backup))
    assert code == 1 and "the target storage is not empty" in output, output
    assert await target.tables() == []


async def test_tampered_object_in_the_backup_is_caught_before_anything_is_written(
        seeded: Seeded, tmp_path: Path) -> None:
    copy = tmp_path / "tampered"
    await asyncio.to_thread(shutil.copytree, seeded.backup, copy)
    victim = next(path for path in (copy / "objects").rglob("*") if path.is_file())
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit
    victim.write_bytes(bytes(data))
    key = victim.relative_to(copy / "objects").as_posix()

    code, output = await seeded.source.agency("restore", "--verify-only", str(copy))
    assert code == 1 and f"objects/{key} hashes to" in output, output

    target = await seeded.empty_target(tmp_path)
    code, output = await target.agency("restore", str(copy))
    assert code == 1, output
    assert "the backup is damaged or was altered; nothing was restored" in output and f"objects/{key}" in output
    assert await target.tables() == [] and await target.keys() == set()


async def test_tampered_database_copy_is_caught(seeded: Seeded, tmp_path: Path) -> None:
    copy = tmp_path / "tampered"
    await asyncio.to_thread(shutil.copytree, seeded.backup, copy)
    dump = next(copy.glob("database.*"))
    dump.write_bytes(dump.read_bytes() + b"\0")
    code, output = await seeded.source.agency("restore", "--verify-only", str(copy))
    assert code == 1 and f"{dump.name} hashes to" in output, output


# -- bad input: one line saying what is wrong, no traceback ----------------------------------------


def embedded(folder: Path) -> System:
    return System(f"sqlite+aiosqlite:///{folder / 'agency.db'}", f"file://{folder / 'storage'}", folder)


async def test_backup_into_a_folder_that_is_not_empty_is_refused(tmp_path: Path) -> None:
    system = embedded(tmp_path)
    await asyncio.to_thread(migrate.upgrade, system.database_url)
    (tmp_path / "old-backup").mkdir()
    (tmp_path / "old-backup" / "notes.txt").write_text("last week's")
    code, output = await system.agency("backup", str(tmp_path / "old-backup"))
    assert code == 1 and "old-backup is not empty: give a new or empty folder" in output, output
    assert "Traceback" not in output and (tmp_path / "old-backup" / "notes.txt").exists()


async def test_missing_pg_dump_is_named_and_leaves_no_partial_backup(tmp_path: Path) -> None:
    system = System("postgresql://agency@127.0.0.1:5432/agency", "file:///srv/agency/storage", tmp_path)
    get_settings.cache_clear()
    result = await asyncio.to_thread(CliRunner().invoke, main, ["backup", str(tmp_path / "b")],
                                     env={**system.env, "PATH": str(tmp_path)})
    get_settings.cache_clear()
    assert result.exit_code == 1 and "pg_dump not found on PATH" in result.output, result.output
    assert not (tmp_path / "b").exists() and "Traceback" not in result.output


async def test_restore_from_a_folder_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    system = embedded(tmp_path)
    code, output = await system.agency("restore", str(tmp_path / "nowhere"))
    assert code == 1 and "nowhere is not a folder" in output, output
    (tmp_path / "half").mkdir()
    code, output = await system.agency("restore", str(tmp_path / "half"))
    assert code == 1 and "holds no manifest.json: not a backup, or a backup that did not finish" in output, output
    assert not (tmp_path / "agency.db").exists()
