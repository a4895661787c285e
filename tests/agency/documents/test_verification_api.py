"""Papers anyone can verify, through HTTP: the code on every paper, the sealed PDF, the public check
(GET/POST /api/verify/{code}, no login), revocation and supersession, the rate limit."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import documents as paper
import storage
from agency.documents.sealing import DEMO_P12, DEMO_PASSWORD
from agency.files.models import StoredFile
from agency.job_handlers import job_runner
from agency.jobs.models import Job
from documents import seal
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.documents.test_documents_api import text_of
from tests.documents.conftest import tool_missing
from tests.support import Api, FreshApi


async def generate(d: Dossier, template: str = "authorization_letter", **fields: object) -> dict[str, Any]:
    response = await d.api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                       json={"template": template, **fields})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


async def listed(d: Dossier, document_id: int) -> dict[str, Any]:
    documents = (await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    found: dict[str, Any] = next(doc for doc in documents if doc["id"] == document_id)
    return found


async def download(d: Dossier, file_id: int) -> bytes:
    response = await d.api.client.get(f"/api/files/{file_id}", headers=d.clerk)
    assert response.status_code == 200, response.text
    return response.content


async def check(api: Api, code: str, data: bytes, name: str = "paper.pdf") -> dict[str, Any]:
    response = await api.client.post(f"/api/verify/{code}", files={"file": (name, data)})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def require_pdf() -> None:
    if not paper.pdf_available():
        tool_missing("LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui fonts-noto-cjk)")


async def test_a_word_paper_carries_its_code_and_anyone_can_check_it(api: Api) -> None:
    d = await open_dossier(api)
    made = await generate(d)
    code = made["verification_code"]
    assert made["status"] == "ready"  # a Word copy is not sealed: nothing to wait for
    data = await download(d, made["file_id"])
    text = text_of(data)
    assert f"验证码：{code}" in text and f"/verify/{code}" in text and "以 PDF 版本为准" in text
    shown = await api.client.get(f"/api/verify/{code}")  # no login
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["genuine"] is True and body["status"] == "valid" and body["template"] == "authorization_letter"
    assert body["number"] == made["doc_number"] and body["issuer"] == "示范县行政服务中心"
    assert body["sha256_docx"] == made["sha256"] and body["sha256_pdf"] is None and body["issued_at"]
    # Nothing of the dossier: not the enterprise, its people, the project.
    for private in (d.project["name"], d.project["enterprise"]["name"], "张三", "李四", "13800001111"):
        assert private not in shown.text
    same = await check(api, code, data, "委托书.docx")
    assert same["identical"] is True and same["signature_valid"] is None
    altered = bytearray(data)
    altered[len(altered) // 2] ^= 0x01
    assert (await check(api, code, bytes(altered), "委托书.docx"))["identical"] is False


async def test_a_pdf_paper_asked_for_is_sealed_at_once_and_validates_with_pyhanko(api: Api) -> None:
    require_pdf()
    d = await open_dossier(api)
    made = await generate(d, format="pdf")
    code = made["verification_code"]
    now = await listed(d, made["id"])
    assert made["status"] == now["status"] == "ready"  # sealed before it was stored: nothing to wait for
    sealed = await download(d, made["file_id"])
    root = seal.certificate_of((api.settings.data_dir / DEMO_P12).read_bytes(), DEMO_PASSWORD)
    validated = await asyncio.to_thread(seal.check_signature, sealed, [root])  # pyHanko runs its own loop
    assert validated.signed and validated.valid and "演示用印章，无法律效力" in str(validated.signer)
    shown = (await api.client.get(f"/api/verify/{code}")).json()
    assert shown["sha256_pdf"] == now["sha256"] and shown["sha256_docx"] is None
    good = await check(api, code, sealed)
    assert good == {"identical": True, "signature_valid": True, "signer": validated.signer, "paper": good["paper"]}
    altered = bytearray(sealed)
    altered[len(sealed) // 3] ^= 0x01
    bad = await check(api, code, bytes(altered))
    assert bad["identical"] is False and bad["signature_valid"] is False
    assert not (await asyncio.to_thread(seal.check_signature, bytes(altered), [root])).valid


async def test_unknown_codes_are_404_and_checks_are_rate_limited(backend: str, tmp_path: Path) -> None:
    async with FreshApi(backend, tmp_path, AGENCY_VERIFY_REQUESTS_PER_MINUTE="5") as api:
        for code in ("ABCDE-FGHJK-MNPQR-STUVW", "not-a-code"):
            missing = await api.client.get(f"/api/verify/{code}")
            assert missing.status_code == 404 and "验证码" in missing.json()["detail"]
        assert (await api.client.post("/api/verify/ABCDE-FGHJK-MNPQR-STUVW",
                                      files={"file": ("x.pdf", b"%PDF-1.7")})).status_code == 404
        answers = [(await api.client.get("/api/verify/ABCDE-FGHJK-MNPQR-STUVW")).status_code for _ in range(3)]
        assert answers == [404, 404, 429]  # five in a minute from one address, then 429
        limited = await api.client.get("/api/verify/ABCDE-FGHJK-MNPQR-STUVW")
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


async def test_a_later_paper_supersedes_and_an_admin_revokes(api: Api) -> None:
    d = await open_dossier(api)
    first, second = await generate(d), await generate(d)
    assert (await api.client.get(f"/api/verify/{first['verification_code']}")).json()["status"] == "superseded"
    code = second["verification_code"]
    assert (await api.client.get(f"/api/verify/{code}")).json()["status"] == "valid"
    url = f"/api/documents/{second['id']}/revoke"
    assert (await api.client.post(url, headers=d.clerk, json={"reason": "文号有误"})).status_code == 403
    assert (await api.client.post(url, headers=api.admin_headers, json={"reason": ""})).status_code == 422
    revoked = await api.client.post(url, headers=api.admin_headers, json={"reason": "文号有误"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert (await api.client.post(url, headers=api.admin_headers, json={"reason": "再次"})).status_code == 409
    shown = (await api.client.get(f"/api/verify/{code}")).json()
    assert shown["status"] == "revoked" and shown["revoked_at"] and "文号有误" not in str(shown)
    assert (await api.client.post("/api/documents/999999999/revoke", headers=api.admin_headers,
                                  json={"reason": "x"})).status_code == 404
    events = (await api.client.get(f"/api/projects/{d.project['id']}/events", headers=d.clerk)).json()["items"]
    assert any(e.get("action") == "document.revoke" for e in events)


async def test_a_seal_key_that_cannot_be_loaded_is_a_503_and_nothing_is_stored(backend: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.p12"
    broken.write_bytes(b"not a PKCS#12 file")
    async with FreshApi(backend, tmp_path, AGENCY_SEAL_P12=str(broken), AGENCY_SEAL_PASSWORD="x",
                        AGENCY_SEAL_P12_FGJ=str(broken)) as api:
        d = await open_dossier(api)
        refused = await d.api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                          json={"template": "authorization_letter", "format": "pdf"})
        assert refused.status_code == 503 and "AGENCY_SEAL_P12 和" in refused.json()["detail"]
        # A department's own key that cannot be loaded names the department's variables, not the center's.
        by_department = await d.api.client.post(
            f"/api/projects/{d.project['id']}/documents", headers=await d.officer("fgj"),
            json={"template": "one_time_notice", "approval_id": d.approval_id("xmba"), "format": "pdf"})
        assert by_department.status_code == 503, by_department.text
        assert "AGENCY_SEAL_P12_FGJ" in by_department.json()["detail"]
        assert (await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json() == []
        assert (await generate(d))["status"] == "ready"  # a Word paper needs no seal


async def test_a_seal_that_fails_on_demand_is_a_503_and_nothing_is_stored(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    require_pdf()
    d = await open_dossier(api)
    async with api.sessions() as session:
        files_before = len((await session.execute(select(StoredFile.id))).all())
    with signing_service_down(monkeypatch):
        refused = await d.api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                          json={"template": "authorization_letter", "format": "pdf"})
    assert refused.status_code == 503 and "电子签章失败" in refused.json()["detail"]
    assert (await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json() == []
    async with api.sessions() as session:
        assert len((await session.execute(select(StoredFile.id))).all()) == files_before
    # Asked again once the signer is back, the paper is sealed before it is stored: ready at once.
    made = await generate(d, format="pdf")
    assert made["status"] == "ready" and made["sha256"] == (await listed(d, made["id"]))["sha256"]


async def _act_paper(d: Dossier, template: str, approval_id: int) -> dict[str, Any]:
    documents = (await d.api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    found: dict[str, Any] = next(doc for doc in documents
                                 if doc["template"] == template and doc["approval_id"] == approval_id)
    return found


async def _supplement_requested(d: Dossier) -> int:
    """发展和改革局 asks for more on 项目备案: the flow issues its one-time notice after the act committed."""
    fgj = await d.officer("fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    asked = [(await d.get(xmba))["materials"][0]["code"]]
    await d.ok(xmba, "request_supplement", fgj, missing_materials=asked, reason="复印件不清晰")
    return xmba


@contextmanager
def signing_service_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within it every seal fails, as when the signing service is down."""

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise seal.SealError("signing service down")

    with monkeypatch.context() as patched:
        patched.setattr(seal.PadesSigner, "sign", refuse)
        yield


async def supplement_requested_with_the_seal_down(d: Dossier, monkeypatch: pytest.MonkeyPatch) -> int:
    """The department asks for a supplement while the signing service is down (its paper's seal fails)."""
    with signing_service_down(monkeypatch):
        return await _supplement_requested(d)


async def test_a_seal_that_fails_after_an_act_leaves_a_failed_paper_that_is_retried(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_pdf()
    async with FreshApi(backend, tmp_path, AGENCY_ACT_PAPERS="pdf") as api:
        d = await open_dossier(api)
        xmba = await supplement_requested_with_the_seal_down(d, monkeypatch)  # the act stands: the seal may fail
        assert (await d.get(xmba))["status"] == "preparing"  # back to the enterprise: the act committed
        made = await _act_paper(d, "one_time_notice", xmba)
        assert made["status"] == "failed" and made["format"] == "pdf"
        assert (await api.client.get(f"/api/verify/{made['verification_code']}")).json()["sealing"] == "failed"
        async with api.sessions() as session:
            jobs = (await session.execute(select(Job).where(Job.kind == "papers.seal",
                                                            Job.status == "pending"))).scalars()
            retry = next(job.id for job in jobs if job.payload["document_id"] == made["id"])
        store = storage.open_store(api.settings.storage_url)
        try:  # the retry, taken now rather than after its back-off
            assert await job_runner(api.sessions, store, api.settings).run(retry)
        finally:
            await store.aclose()
        assert (await _act_paper(d, "one_time_notice", xmba))["status"] == "ready"
        sealed = await download(d, made["file_id"])
        root = seal.certificate_of((api.settings.data_dir / DEMO_P12).read_bytes(), DEMO_PASSWORD)
        assert (await asyncio.to_thread(seal.check_signature, sealed, [root])).valid


def pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        tool_missing("pdftotext is not installed (Debian: poppler-utils)")
    (tmp_path / "paper.pdf").write_bytes(data)
    return subprocess.run(["pdftotext", str(tmp_path / "paper.pdf"), "-"], capture_output=True, check=True,
                          text=True).stdout


async def test_a_department_with_its_own_key_seals_its_papers_the_others_bear_the_centers_seal(
        backend: str, tmp_path: Path) -> None:
    """Key and seal belong to one issuer: 自然资源和规划局 has its own (a second demo certificate), 发展和改革局
    has none, so its paper bears the center's seal and key and names the department as its issuer."""
    require_pdf()
    own = tmp_path / "zrzy.p12"
    own.write_bytes(seal.demo_pkcs12("自然资源和规划局", "zrzy-pass"))
    department_root = seal.certificate_of(own.read_bytes(), "zrzy-pass")
    async with FreshApi(backend, tmp_path, AGENCY_ACT_PAPERS="pdf", AGENCY_SEAL_P12_ZRZY=str(own),
                        AGENCY_SEAL_PASSWORD_ZRZY="zrzy-pass") as api:
        d = await open_dossier(api)
        await d.force_approved("xmba")
        ydghxk = await d.ready_to_submit("ydghxk")
        await d.ok(ydghxk, "submit")
        await d.ok(ydghxk, "accept", await d.officer("zrzy"))
        accepted = await _act_paper(d, "acceptance_notice", ydghxk)
        assert accepted["status"] == "ready"
        data = await download(d, accepted["file_id"])
        by_department = await asyncio.to_thread(seal.check_signature, data, [department_root])
        assert by_department.valid and "自然资源和规划局" in str(by_department.signer)
        assert not (api.settings.data_dir / DEMO_P12).exists()  # the center's key was not even loaded
        shown = (await api.client.get(f"/api/verify/{accepted['verification_code']}")).json()
        assert shown["issuer"] == "自然资源和规划局"
        assert (await check(api, accepted["verification_code"], data))["signature_valid"] is True
        assert "出具单位" not in pdf_text(data, tmp_path)  # its own seal: nothing to explain

        other = await open_dossier(api)
        xmba = await _supplement_requested(other)
        notice = await _act_paper(other, "one_time_notice", xmba)
        data = await download(other, notice["file_id"])
        center_root = seal.certificate_of((api.settings.data_dir / DEMO_P12).read_bytes(), DEMO_PASSWORD)
        by_center = await asyncio.to_thread(seal.check_signature, data, [center_root])
        assert by_center.valid and "示范县行政服务中心" in str(by_center.signer)
        assert not (await asyncio.to_thread(seal.check_signature, data, [department_root])).valid
        assert (await api.client.get(f"/api/verify/{notice['verification_code']}")).json()["issuer"] == "发展和改革局"
        text = pdf_text(data, tmp_path).replace("\n", "")
        assert "出具单位：发展和改革局。本文书由示范县行政服务中心加盖电子印章。" in text


@pytest.mark.parametrize("path", ["/api/verify/ABCDE-FGHJK-MNPQR-STUVW"])
async def test_the_public_check_needs_no_session_and_no_csrf_token(api: Api, path: str) -> None:
    response = await api.client.post(path, files={"file": ("x.pdf", b"%PDF")})
    assert response.status_code == 404  # reached the handler: neither 401 nor 403
