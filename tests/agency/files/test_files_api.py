"""Scans through HTTP, on both storage backends (a folder, and S3 through the minio SDK against moto).

Every refused upload answers with its own 4xx and leaves no row and nothing in the store — not even a
temporary file, an S3 object version or an unfinished multipart upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from agency.approvals.models import Approval
from agency.audit import service as audit_service
from agency.audit.models import AuditEvent
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.files.files_fixtures import (
    LIMIT,
    STORAGE_KINDS,
    AsgiResult,
    FilesApp,
    MiB,
    Scene,
    asgi_post,
    body_messages,
    docx,
    elf,
    files_app,
    html,
    jpeg,
    moto_or_skip,
    multipart,
    ofd,
    pdf,
    png,
    running_moto,
    start_moto,
    tiff,
    upload_path,
    windows_exe,
    xlsx,
)
from tests.storage.blob_helpers import MotoServer
from tests.support import unique, valid_credit_code

KEY_FORM = re.compile(r"\d{4}/\d{2}/[0-9a-f]{32}")


@pytest.fixture(scope="session")
def files_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer | BaseException]:
    yield from running_moto(tmp_path_factory, "files-moto")


@pytest.fixture(scope="module", params=STORAGE_KINDS)
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
async def scene(migrated_database: str, storage_kind: str, request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    moto = moto_or_skip(request.getfixturevalue("files_moto")) if storage_kind == "s3" else None
    async with files_app(migrated_database, tmp_path_factory.mktemp("files"), storage_kind, moto=moto) as app:
        yield Scene(app, await open_dossier(app.api))


@pytest.fixture
async def private_s3(tmp_path: Path, files_moto: MotoServer | BaseException) -> AsyncIterator[MotoServer]:
    """An S3 server of the test's own, for a test that stops it."""
    moto_or_skip(files_moto)
    server = moto_or_skip(await asyncio.to_thread(start_moto, tmp_path / "moto-private.log"))
    yield server
    await asyncio.to_thread(server.stop)


def error_of(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) >= {"status_code", "detail", "extra"} and body["status_code"] == response.status_code
    return body


# -- a good upload --------------------------------------------------------------------------------


async def test_upload_is_a_new_immutable_version_with_server_sha256_and_generated_key(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    xmba = d.approval_id("xmba")
    first, second = pdf(seed=unique("v1")), pdf(20_000, seed=unique("v2"))
    keys_before = await app.keys()

    one = await app.upload(d.clerk, xmba, "yyzz", first, "营业执照副本.pdf")
    assert one.status_code == 201, one.text
    body = one.json()
    assert body["filename"] == "营业执照副本.pdf" and body["size"] == len(first)
    assert body["sha256"] == hashlib.sha256(first).hexdigest()
    assert body["content_type"] == "application/pdf" and body["material_code"] == "yyzz"
    two = await app.upload(d.clerk, xmba, "yyzz", second, "营业执照副本.pdf")
    assert two.status_code == 201, two.text
    assert two.json()["version"] == body["version"] + 1

    rows = {row.id: row for row in await app.rows(xmba)}
    old, new = rows[body["id"]], rows[two.json()["id"]]
    assert KEY_FORM.fullmatch(old.storage_key) and KEY_FORM.fullmatch(new.storage_key)
    assert old.storage_key != new.storage_key
    assert await app.keys() == keys_before | {old.storage_key, new.storage_key}
    assert (await app.store.stat(new.storage_key)).sha256 == hashlib.sha256(second).hexdigest()
    # The first version is still there, byte for byte: nothing is overwritten.
    assert (await app.client.get(f"/api/files/{old.id}", headers=d.clerk)).content == first

    approval = await d.get(xmba)
    material = next(m for m in approval["materials"] if m["code"] == "yyzz")
    listed = {f["id"]: f for f in material["files"]}
    assert {old.id, new.id} <= set(listed)
    assert {k: listed[new.id][k] for k in ("filename", "size", "sha256", "content_type")} == {
        "filename": "营业执照副本.pdf", "size": len(second), "sha256": new.sha256, "content_type": "application/pdf"}
    assert listed[new.id]["uploaded_at"]
    async with app.api.sessions() as session:
        audited = (await session.execute(select(AuditEvent).where(
            AuditEvent.action == "file.upload", AuditEvent.object_id == str(new.id)))).scalar_one()
    assert audited.after is not None and audited.after["sha256"] == new.sha256


async def test_type_is_judged_by_content_never_by_name_or_declared_type(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    xmba, ydghxk = d.approval_id("xmba"), d.approval_id("ydghxk")
    cases = [  # approval, material, content, a misleading name, a misleading part type, the sniffed type
        (xmba, "sqb", docx(), "申请表.pdf", "application/pdf",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xmba, "sqb", ofd(), "申请表.docx", "application/msword", "application/ofd"),
        (xmba, "yyzz", jpeg(), "执照.png", "image/png", "image/jpeg"),
        (xmba, "yyzz", png(), "执照.jpg", "image/jpeg", "image/png"),
        (xmba, "cns", pdf(seed=unique("cns")), "承诺书.exe", "application/x-msdownload", "application/pdf"),
        (ydghxk, "hxt", tiff(), "红线图.pdf", "application/pdf", "image/tiff"),
    ]
    for approval_id, material, data, name, part_type, sniffed in cases:
        response = await app.upload(d.clerk, approval_id, material, data, name, part_type=part_type)
        assert response.status_code == 201, (material, name, response.text)
        assert response.json()["content_type"] == sniffed, name
        assert response.json()["filename"] == name  # the name is kept as it was, only as metadata


# -- refused uploads: each with its own answer, and nothing left behind ---------------------------

def cut_short(made: tuple[bytes, dict[str, str]]) -> tuple[bytes, dict[str, str]]:
    body, content_type = made
    return body[:-30], content_type  # the closing boundary never comes


def gbk_name(made: tuple[bytes, dict[str, str]]) -> tuple[bytes, dict[str, str]]:
    body, content_type = made
    return body.replace("营业执照".encode(), "营业执照".encode("gbk")), content_type  # as an old client sends


BAD_UPLOADS: list[tuple[str, str, Callable[[], tuple[bytes, dict[str, str]]], int, str]] = [
    ("empty", "yyzz", lambda: multipart(b"", "空文件.pdf"), 422, "文件为空"),
    ("one byte over the limit", "yyzz", lambda: multipart(pdf(LIMIT + 1), "大扫描件.pdf"), 413, "1 MB"),
    ("far over the limit, declared", "yyzz", lambda: multipart(pdf(3 * LIMIT), "巨大.pdf"), 413, "1 MB"),
    ("ELF executable renamed .pdf", "yyzz", lambda: multipart(elf(), "营业执照.pdf"), 415, "无法识别"),
    ("Windows executable renamed .pdf", "yyzz", lambda: multipart(windows_exe(), "scan.pdf"), 415, "无法识别"),
    ("HTML named .pdf", "yyzz", lambda: multipart(html(), "执照.pdf", part_type="application/pdf"), 415, "无法识别"),
    ("truncated PDF header", "yyzz", lambda: multipart(b"%PD", "截断.pdf"), 415, "无法识别"),
    ("XLSX is a ZIP but no DOCX", "sqb", lambda: multipart(xlsx(), "申请表.docx"), 415, "无法识别"),
    ("PNG where only PDF/OFD is accepted", "cns", lambda: multipart(png(), "承诺书.pdf"), 415, "OFD、PDF"),
    ("DOCX where only PDF/OFD is accepted", "cns", lambda: multipart(docx(), "承诺书.docx"), 415, "DOCX"),
    ("no file field", "yyzz", lambda: multipart(b"just text", None, field="note"), 422, "file"),
    ("not multipart", "yyzz", lambda: (b'{"file": "JVBERi0="}', {"Content-Type": "application/json"}), 422,
     "multipart"),
    ("file name not UTF-8", "yyzz", lambda: gbk_name(multipart(pdf(), "营业执照.pdf")), 400, "multipart"),
    ("multipart cut short", "yyzz", lambda: cut_short(multipart(pdf(), "a.pdf")), 400, "multipart"),
    ("unknown material", "nosuch", lambda: multipart(pdf(), "a.pdf"), 404, "nosuch"),
]


@pytest.mark.parametrize(("material", "make", "status", "says"), [case[1:] for case in BAD_UPLOADS],
                         ids=[case[0] for case in BAD_UPLOADS])
async def test_bad_upload_gets_its_4xx_and_leaves_no_row_and_no_object(
        scene: Scene, material: str, make: Callable[[], tuple[bytes, dict[str, str]]], status: int,
        says: str) -> None:
    app, d = scene.app, scene.dossier
    xmba = d.approval_id("xmba")
    before = await app.snapshot(xmba)
    body, content_type = make()
    response = await app.client.post(upload_path(xmba, material), content=body, headers={**d.clerk, **content_type})
    assert response.status_code == status, response.text
    assert says in error_of(response)["detail"], response.text
    await app.expect_unchanged(before)


async def test_exactly_the_limit_is_accepted(scene: Scene) -> None:
    response = await scene.app.upload(scene.clerk, scene.dossier.approval_id("xmba"), "yyzz", pdf(LIMIT, "edge"))
    assert response.status_code == 201, response.text
    assert response.json()["size"] == LIMIT


async def test_oversize_is_refused_as_soon_as_known(scene: Scene) -> None:
    """A declared length over the limit is refused before any byte is read; an undeclared one right after
    the limit is passed, without reading the rest."""
    app, d = scene.app, scene.dossier
    xmba = d.approval_id("xmba")
    before = await app.snapshot(xmba)
    body, content_type = multipart(pdf(4 * LIMIT, "huge"), "巨大.pdf")
    declared = await asgi_post(app.client, upload_path(xmba, "yyzz"),
                               {**d.clerk, **content_type, "Content-Length": str(len(body))}, body_messages(body))
    assert declared.status == 413 and declared.consumed == 0, declared
    undeclared = await asgi_post(app.client, upload_path(xmba, "yyzz"), {**d.clerk, **content_type},
                                 body_messages(body))
    assert undeclared.status == 413, undeclared
    assert undeclared.consumed <= LIMIT + 256 * 1024, f"read {undeclared.consumed} bytes of {len(body)}"
    assert "1 MB" in undeclared.json()["detail"]
    await app.expect_unchanged(before)


@pytest.mark.parametrize("hang_up_after", [100 * 1024, 7 * MiB], ids=["before-first-part", "mid-multipart"])
async def test_client_hanging_up_mid_upload_leaves_no_row_and_no_object(
        scene: Scene, tmp_path: Path, hang_up_after: int) -> None:
    # 7 MiB is past the first 5 MiB part: on S3 the multipart upload has started and must be aborted.
    async with files_app(scene.app.api.settings.database_url, tmp_path, scene.app.kind, scene.app.storage_url,
                         admin=False, AGENCY_UPLOAD_LIMIT_MB="16") as app:
        xmba = scene.dossier.approval_id("xmba")
        before = await app.snapshot(xmba)
        body, content_type = multipart(pdf(8 * MiB, "gone"), "断线.pdf")
        result = await asgi_post(app.client, upload_path(xmba, "yyzz"),
                                 {**scene.clerk, **content_type, "Content-Length": str(len(body))},
                                 body_messages(body, chunk=256 * 1024, stop_after=hang_up_after))
        assert result.status == 400 and "断开" in result.json()["detail"], result
        await app.expect_unchanged(before)


async def slow_upload(app: FilesApp, headers: dict[str, str], approval_id: int, material: str,
                      meanwhile: Callable[[], Awaitable[None]]) -> tuple[AsgiResult, list[int]]:
    """An upload whose client stalls after the first kilobyte until ``meanwhile`` has run (at most 4 s).

    Returns the answer and how many database connections the app had checked out during the stall.
    """
    body, content_type = multipart(pdf(200_000, seed=unique("slow")), "慢速上传.pdf")
    stalled, resume = threading.Event(), threading.Event()
    held: list[int] = []

    async def stall() -> dict[str, Any]:
        held.append(app.client.app.state.engine.pool.checkedout())
        stalled.set()
        for _ in range(80):
            if resume.is_set():
                break
            await asyncio.sleep(0.05)
        return {"type": "http.request", "body": body[1000:], "more_body": False}

    upload = asyncio.create_task(asgi_post(
        app.client, upload_path(approval_id, material), {**headers, **content_type},
        iter([{"type": "http.request", "body": body[:1000], "more_body": True}, stall])))
    try:
        assert await asyncio.to_thread(stalled.wait, 10)
        await meanwhile()
    finally:
        resume.set()
    return await upload, held


async def test_a_slow_upload_holds_no_database_connection_and_blocks_no_one(scene: Scene) -> None:
    """A scan over a slow line takes minutes: meanwhile the upload holds no transaction (on SQLite, no
    write lock that every other request would queue behind), and others keep writing."""
    app, d = scene.app, scene.dossier
    waited: list[float] = []

    async def someone_else_writes() -> None:
        started = time.monotonic()
        enterprise = json.dumps({
            "credit_code": valid_credit_code(), "name": unique("同时登记企业"), "legal_representative": "钱七",
            "contact_name": "孙八", "contact_phone": "13700003333", "address": "示范县开发区5号", "park": "开发区"})
        other = await asgi_post(app.client, "/api/enterprises", {**d.clerk, "Content-Type": "application/json"},
                                iter([{"type": "http.request", "body": enterprise.encode(), "more_body": False}]))
        waited.append(time.monotonic() - started)
        assert other.status == 201, other.body

    upload, held = await slow_upload(app, d.clerk, d.approval_id("xmba"), "yyzz", someone_else_writes)
    assert upload.status == 201, upload.body
    assert waited[0] < 2.0, f"a write waited {waited[0]:.1f} s for the upload to finish"
    assert held == [0], "the upload kept a database connection while the file was arriving"


async def test_approval_closed_while_the_file_was_arriving_keeps_nothing(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    stbc = d.approval_id("stbc")
    material = (await d.get(stbc))["materials"][0]["code"]
    before = await app.snapshot(stbc)

    async def withdraw() -> None:
        await app.api.execute(update(Approval).where(Approval.id == stbc).values(status="withdrawn"))

    upload, _ = await slow_upload(app, d.clerk, stbc, material, withdraw)
    assert upload.status == 409 and "撤回" in upload.json()["detail"], upload.body
    await app.expect_unchanged(before)


async def test_failed_database_write_removes_the_stored_object(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    app, d = scene.app, scene.dossier
    xmba = d.approval_id("xmba")
    before = await app.snapshot(xmba)
    stored: list[str] = []

    async def database_gone(session: Any, actor: Any, action: str, *args: Any, **kwargs: Any) -> None:
        stored.append(kwargs["after"]["sha256"])  # the object is in the store by now
        raise OperationalError("INSERT INTO audit_events", {}, ConnectionResetError("server closed the connection"))

    monkeypatch.setattr(audit_service, "record", database_gone)
    response = await app.upload(d.clerk, xmba, "yyzz", pdf(seed=unique("db-down")), "执照.pdf")
    monkeypatch.undo()
    assert stored, "the failure was not reached"
    assert response.status_code == 503, response.text
    await app.expect_unchanged(before)


# -- file names: metadata only, sanitised for display -----------------------------------------

NAMES = [
    ("path traversal", "../../../etc/passwd.pdf", "passwd.pdf"),
    ("windows traversal", "..\\..\\Windows\\System32\\evil.pdf", "evil.pdf"),
    ("absolute path", "/var/lib/agency/storage/2026/01/x.pdf", "x.pdf"),
    ("300 characters", "营" * 296 + ".pdf", "营" * 196 + ".pdf"),
    ("unicode", "营业执照（副本）2026年①.pdf", "营业执照（副本）2026年①.pdf"),
    ("decomposed unicode", "Cafe\u0301 证照.pdf", "Caf\u00e9 证照.pdf"),
    ("markup", "<img src=x onerror=alert(1)>.pdf", "_img src=x onerror=alert(1)_.pdf"),
    ("reserved characters", 'a|b?c*d:e.pdf', "a_b_c_d_e.pdf"),
    ("bidi override", "发票\u202efdp.exe", "发票fdp.exe"),  # would show as 发票exe.pdf
    ("zero-width characters", "营业\u200b执照\ufeff.pdf", "营业执照.pdf"),
    ("ideographic space is kept", "营业执照\u3000副本.pdf", "营业执照\u3000副本.pdf"),
    ("quotes", 'say "hi".pdf', "say _hi_.pdf"),
    ("nothing left", "../..", "yyzz.pdf"),
    ("no name", "", "yyzz.pdf"),
]


@pytest.mark.parametrize(("raw", "shown"), [n[1:] for n in NAMES], ids=[n[0] for n in NAMES])
async def test_file_name_is_kept_as_sanitised_metadata_only(scene: Scene, raw: str, shown: str) -> None:
    app, d = scene.app, scene.dossier
    xmba = d.approval_id("xmba")
    keys_before = await app.keys()
    data = pdf(seed=unique("name"))
    response = await app.upload(d.clerk, xmba, "yyzz", data, raw)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == shown
    row = await app.row(response.json()["id"])
    assert row.original_name == shown and len(shown) <= 200
    assert KEY_FORM.fullmatch(row.storage_key), row.storage_key  # the key never comes from the name
    assert await app.keys() == keys_before | {row.storage_key}
    if app.kind == "file":
        root = Path(app.storage_url.removeprefix("file://"))
        assert not (root.parent / "etc").exists() and not any(root.parent.glob("**/passwd.pdf"))
    download = await app.client.get(f"/api/files/{row.id}", headers=d.clerk)
    assert download.status_code == 200 and download.content == data
    disposition = download.headers["content-disposition"]
    assert disposition.endswith("filename*=UTF-8''" + quote(shown, safe="!#$&+-.^_`|~"))
    assert "\r" not in disposition and "\n" not in disposition


# -- download and metadata ------------------------------------------------------------------------


async def test_download_streams_the_bytes_with_utf8_content_disposition(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    data = pdf(300_000, seed=unique("download"))
    name = "建设用地规划许可证（副本）.pdf"
    uploaded = (await app.upload(d.clerk, d.approval_id("xmba"), "cns", data, name)).json()
    response = await app.client.get(f"/api/files/{uploaded['id']}", headers=d.clerk)
    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["x-content-sha256"] == hashlib.sha256(data).hexdigest()
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert encoded.isascii() and unquote(encoded) == name
    assert "no-store" in response.headers["cache-control"]

    meta = await app.client.get(f"/api/files/{uploaded['id']}/meta", headers=d.clerk)
    assert meta.status_code == 200
    assert meta.json() | {"uploaded_at": None} == {
        "id": uploaded["id"], "filename": name, "size": len(data), "sha256": uploaded["sha256"],
        "content_type": "application/pdf", "version": uploaded["version"], "kind": "scan", "material_code": "cns",
        "approval_id": d.approval_id("xmba"), "project_id": d.project["id"], "uploaded_at": None}
    async with app.api.sessions() as session:
        reads = (await session.execute(select(AuditEvent.actor_username).where(
            AuditEvent.action == "file.download", AuditEvent.object_id == str(uploaded["id"])))).scalars().all()
    assert len(reads) == 1  # who read which scan is kept


async def test_missing_object_behind_a_row_is_404_with_a_hint(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    uploaded = (await app.upload(d.clerk, d.approval_id("xmba"), "yyzz", pdf(seed=unique("lost")))).json()
    await app.store.delete((await app.row(uploaded["id"])).storage_key)
    response = await app.client.get(f"/api/files/{uploaded['id']}", headers=d.clerk)
    assert response.status_code == 404 and "storage check" in response.json()["detail"]


async def other_enterprise(d: Dossier) -> int:
    response = await d.api.client.post("/api/enterprises", headers=d.clerk, json={
        "credit_code": valid_credit_code(), "name": unique("别家企业"), "legal_representative": "王五",
        "contact_name": "赵六", "contact_phone": "13900002222", "address": "示范县开发区9号", "park": "开发区"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_only_those_who_may_see_the_approval_see_its_files(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    api = app.api
    xmba = d.approval_id("xmba")  # 企业投资项目备案, department fgj
    uploaded = (await app.upload(d.clerk, xmba, "yyzz", pdf(seed=unique("secret")), "法人身份证.pdf")).json()
    file_id = uploaded["id"]
    own_enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    stranger = await api.user_headers("enterprise", enterprise_id=await other_enterprise(d))
    fgj, zrzy = await d.officer("fgj"), await d.officer("zrzy")
    leader = await api.user_headers("leader")

    for who, headers in (("own enterprise", own_enterprise), ("its department", fgj), ("leader", leader)):
        meta = await app.client.get(f"/api/files/{file_id}/meta", headers=headers)
        assert meta.status_code == 200, (who, meta.text)
        download = await app.client.get(f"/api/files/{file_id}", headers=headers)
        assert download.status_code == 200 and download.headers["x-content-sha256"] == uploaded["sha256"], who
    nowhere = await app.client.get("/api/files/987654321/meta", headers=d.clerk)
    assert nowhere.status_code == 404
    for who, headers in (("another enterprise", stranger), ("another department", zrzy)):
        for path in (f"/api/files/{file_id}", f"/api/files/{file_id}/meta"):
            response = await app.client.get(path, headers=headers)
            assert response.status_code == 404, (who, path, response.text)
            assert response.json()["detail"] == nowhere.json()["detail"], "the answer must not reveal the file"
    assert (await app.client.get(f"/api/approvals/{xmba}", headers=zrzy)).status_code == 404
    assert (await app.client.get(f"/api/files/{file_id}")).status_code == 401

    # The clerk uploads into the current set; the dossier's own enterprise only into the pending list the clerk
    # reviews (网上办事); its department may not, and who cannot see the approval does not learn it exists.
    for who, headers, status in (("its department", fgj, 403), ("another enterprise", stranger, 404),
                                 ("another department", zrzy, 404)):
        before = await app.snapshot(xmba)
        response = await app.upload(headers, xmba, "yyzz", pdf(seed=unique("intruder")))
        assert response.status_code == status, (who, response.text)
        await app.expect_unchanged(before)
    offered = await app.upload(own_enterprise, xmba, "yyzz", pdf(seed=unique("offered")))
    assert offered.status_code == 201 and offered.json()["state"] == "pending", offered.text


async def test_closed_approval_takes_no_more_files(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "withdraw", reason="企业调整方案，暂不办理")
    material = (await d.get(jnsc))["materials"][0]["code"]
    before = await app.snapshot(jnsc)
    response = await app.upload(d.clerk, jnsc, material, pdf(seed=unique("closed")))
    assert response.status_code == 409, response.text
    await app.expect_unchanged(before)


async def test_concurrent_uploads_of_one_material_get_distinct_versions(scene: Scene) -> None:
    app, d = scene.app, scene.dossier
    ydghxk = d.approval_id("ydghxk")

    async def one(n: int) -> Any:
        body, content_type = multipart(pdf(200_000, seed=unique("race")), f"{n}.pdf")
        return await asgi_post(app.client, upload_path(ydghxk, "crht"), {**d.clerk, **content_type},
                               body_messages(body, chunk=16 * 1024))

    results = await asyncio.gather(*(one(n) for n in range(3)))
    assert [r.status for r in results] == [201, 201, 201], [r.body for r in results]
    versions = sorted(r.json()["version"] for r in results)
    assert versions == list(range(versions[0], versions[0] + 3))
    rows = {row.id: row for row in await app.rows(ydghxk)}
    keys = {rows[r.json()["id"]].storage_key for r in results}
    assert len(keys) == 3 and keys <= await app.keys()


# -- presigned download --------------------------------------------------------------------------


async def test_redirect_mode_gives_a_presigned_url_of_at_most_ten_minutes(scene: Scene, tmp_path: Path) -> None:
    d = scene.dossier
    data = pdf(seed=unique("presigned"))
    name = "不动产权证书.pdf"
    uploaded = (await scene.app.upload(d.clerk, d.approval_id("xmba"), "yyzz", data, name)).json()
    async with files_app(scene.app.api.settings.database_url, tmp_path, scene.app.kind, scene.app.storage_url,
                         admin=False, AGENCY_DOWNLOAD_MODE="redirect") as app:
        stranger = await app.api.user_headers("enterprise", enterprise_id=await other_enterprise(d))
        assert (await app.client.get(f"/api/files/{uploaded['id']}", headers=stranger,
                                     follow_redirects=False)).status_code == 404
        response = await app.client.get(f"/api/files/{uploaded['id']}", headers=d.clerk, follow_redirects=False)
        if app.kind == "file":  # a folder cannot presign: the bytes are streamed instead
            assert response.status_code == 200 and response.content == data
            return
        assert response.status_code == 307, response.text
        url = response.headers["location"]
        query = parse_qs(urlsplit(url).query)
        assert 0 < int(query["X-Amz-Expires"][0]) <= 600
        assert urlsplit(url).netloc == app.storage_url.split("@", 1)[1].split("/", 1)[0]
        assert "filename*=UTF-8''" + quote(name) in query["response-content-disposition"][0]
        async with app.api.sessions() as session:
            reads = (await session.execute(select(AuditEvent.id).where(
                AuditEvent.action == "file.download", AuditEvent.object_id == str(uploaded["id"])))).all()
        assert len(reads) == 1  # a presigned read is recorded too
        async with httpx.AsyncClient() as outside:  # what the browser does next (moto does not check signatures)
            fetched = await outside.get(url)
        assert fetched.status_code == 200 and fetched.content == data


# -- storage down ---------------------------------------------------------------------------------


async def test_storage_down_is_503_no_row_and_degraded_health(
        migrated_database: str, private_s3: MotoServer, tmp_path: Path) -> None:
    async with files_app(migrated_database, tmp_path, "s3", moto=private_s3) as app:
        d = await open_dossier(app.api)
        xmba = d.approval_id("xmba")
        kept = await app.upload(d.clerk, xmba, "yyzz", pdf(seed=unique("before")))
        assert kept.status_code == 201, kept.text
        assert (await app.client.get("/health")).json()["storage"] == "ok"

        await asyncio.to_thread(private_s3.stop)
        for size in (10_000, 800_000):
            response = await app.upload(d.clerk, xmba, "sqb", pdf(size, seed=unique("down")))
            assert response.status_code == 503, response.text
            assert "文件存储暂时不可用" in response.json()["detail"] and "未保存" in response.json()["detail"]
        assert [row.id for row in await app.rows(xmba)] == [kept.json()["id"]]
        health = await app.client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "degraded" and health.json()["storage"] == "unavailable"
        assert health.json()["database"] == "ok"
        download = await app.client.get(f"/api/files/{kept.json()['id']}", headers=d.clerk)
        assert download.status_code == 503 and "storage" in download.json()["detail"]
        meta = await app.client.get(f"/api/files/{kept.json()['id']}/meta", headers=d.clerk)
        assert meta.status_code == 200  # the database still answers what it knows

        await asyncio.to_thread(private_s3.start)
        recovered = await app.client.get("/health")
        assert recovered.json() | {"queue": None} == {"status": "ok", "database": "ok", "storage": "ok",
                                                       "queue": None}
        again = await app.upload(d.clerk, xmba, "sqb", pdf(seed=unique("after")))
        assert again.status_code == 201, again.text
        assert await app.keys() == {(await app.row(again.json()["id"])).storage_key}


# -- the submit pre-condition reads the real files ---------------------------------------------


async def test_submit_needs_an_uploaded_file_for_every_required_material(scene: Scene) -> None:
    app = scene.app
    d = await open_dossier(app.api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    required = {m["code"]: m["name"] for m in (await d.get(xmba))["materials"] if m["required"]}
    assert set(required) == {"sqb", "yyzz", "cns"}
    assert (await app.upload(d.clerk, xmba, "sqb", docx(), "备案申请表.docx")).status_code == 201
    assert (await app.upload(d.clerk, xmba, "yyzz", png(), "营业执照.png")).status_code == 201
    refused = await app.upload(d.clerk, xmba, "cns", png(), "承诺书.png")  # refused: cns takes PDF or OFD only
    assert refused.status_code == 415

    not_ready = await d.act(xmba, "submit")
    assert not_ready.status_code == 422, not_ready.text
    assert required["cns"] in not_ready.json()["detail"]
    assert [(e["material_code"], e["name"]) for e in not_ready.json()["extra"]] == [("cns", required["cns"])]

    assert (await app.upload(d.clerk, xmba, "cns", ofd(), "承诺书.ofd")).status_code == 201
    submitted = await d.act(xmba, "submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    checklist = {m["code"]: m["files"] for m in submitted.json()["materials"]}
    assert all(len(checklist[code]) == 1 for code in required)
