"""The S3 server going away under a running `agency serve` and coming back: uploads, downloads and
papers answer 503 and leave nothing behind, /health names the storage, and afterwards everything
works again and `agency storage check` finds rows and objects consistent.

moto (the test S3 server) keeps its objects in memory, so what is stopped is the S3 endpoint the app
talks to (a relay in front of moto): its port refuses connections and open connections are reset.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

import storage
from agency.documents.models import Document
from agency.files.models import StoredFile
from tests.agency.approvals.flow import open_dossier
from tests.agency.files.files_fixtures import (
    S3_ACCESS,
    S3_SECRET,
    moto_or_skip,
    multipart,
    pdf,
    start_moto,
    upload_path,
)
from tests.faults.stack import (
    TcpFront,
    assert_audit_chain_intact,
    assert_storage_consistent,
    health,
    http_api,
    poll_until,
    server_env,
    start_server,
)
from tests.storage.blob_helpers import leftovers
from tests.support import Api

pytestmark = pytest.mark.integration


@pytest.fixture
def s3_front(tmp_path: Path) -> Iterator[TcpFront]:
    moto = moto_or_skip(start_moto(tmp_path / "moto.log"))
    front = TcpFront(("127.0.0.1", moto.port))
    front.start()
    yield front
    front.stop()
    moto.stop()


def _bucket_url(endpoint: str, bucket: str) -> str:
    return f"s3://{S3_ACCESS}:{S3_SECRET}@{endpoint}/{bucket}?secure=false&region=us-east-1"


async def _upload(api: Api, headers: dict[str, str], approval_id: int, material: str, data: bytes) -> httpx.Response:
    body, content_type = multipart(data, "营业执照.pdf")
    return await api.client.post(upload_path(approval_id, material), content=body,
                                 headers={**headers, **content_type})


async def _rows(api: Api) -> tuple[int, int]:
    async with api.sessions() as session:
        files = (await session.execute(select(func.count()).select_from(StoredFile))).scalar_one()
        papers = (await session.execute(select(func.count()).select_from(Document))).scalar_one()
    return files, papers


async def test_s3_stopped_and_restarted_503s_leave_nothing_behind_and_storage_stays_consistent(
        database: str, tmp_path: Path, s3_front: TcpFront) -> None:
    bucket = f"faults-{uuid.uuid4().hex[:12]}"
    env = server_env(database, tmp_path, AGENCY_STORAGE_URL=_bucket_url(s3_front.endpoint, bucket))
    # What is really in the bucket, asked of moto itself (behind the relay): versions and unfinished uploads too.
    behind = storage.open_store(_bucket_url(f"127.0.0.1:{s3_front.target[1]}", bucket))
    server, url = await start_server(env, tmp_path / "serve.log")
    try:
        async with http_api(url, database, tmp_path) as api:
            d = await open_dossier(api)
            xmba = d.approval_id("xmba")
            kept_bytes = pdf(seed=uuid.uuid4().hex)
            kept = await _upload(api, d.clerk, xmba, "yyzz", kept_bytes)
            assert kept.status_code == 201, kept.text
            kept_id = kept.json()["id"]
            assert (await health(url))["storage"] == "ok"
            rows_before, objects_before = await _rows(api), set(await leftovers(behind))

            await asyncio.to_thread(s3_front.stop)
            for size in (10_000, 800_000):
                refused = await _upload(api, d.clerk, xmba, "sqb", pdf(size, seed=uuid.uuid4().hex))
                assert refused.status_code == 503, refused.text
                assert "文件存储暂时不可用" in refused.json()["detail"]
            download = await api.client.get(f"/api/files/{kept_id}", headers=d.clerk)
            assert download.status_code == 503 and "storage" in download.json()["detail"]
            paper = await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                          json={"template": "registration_form"})
            assert paper.status_code == 503, paper.text
            down = await health(url)
            assert (down["status"], down["storage"], down["database"]) == ("degraded", "unavailable", "ok")
            assert await _rows(api) == rows_before, "a row was written for what could not be stored"
            assert set(await leftovers(behind)) == objects_before, "an object was left behind"

            await asyncio.to_thread(s3_front.start)

            async def storage_ok() -> bool:
                return (await health(url))["storage"] == "ok"

            await poll_until(storage_ok, "/health to report the storage ok again")
            again = await api.client.get(f"/api/files/{kept_id}", headers=d.clerk)
            assert again.status_code == 200 and again.content == kept_bytes
            after_bytes = pdf(seed=uuid.uuid4().hex)
            uploaded = await _upload(api, d.clerk, xmba, "sqb", after_bytes)
            assert uploaded.status_code == 201, uploaded.text
            assert uploaded.json()["sha256"] == hashlib.sha256(after_bytes).hexdigest()
            made = await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                         json={"template": "registration_form"})
            assert made.status_code == 201, made.text
            assert await _rows(api) == (rows_before[0] + 2, rows_before[1] + 1)
            await assert_storage_consistent(env)
            await assert_audit_chain_intact(env)
    finally:
        server.stop()
        await behind.aclose()

