"""The PDF of a paper issued as DOCX (an act's paper, by default): sealed like a PDF paper asked for, the first
time someone asks for it, kept, and checked by /verify; a seal that cannot be made is a 503 and nothing is kept."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from agency.documents.models import Document
from agency.documents.sealing import DEMO_P12, DEMO_PASSWORD
from agency.files.models import StoredFile
from documents import seal
from tests.agency.approvals.flow import open_dossier
from tests.agency.documents.test_documents_api import text_of
from tests.agency.documents.test_verification_api import (
    _act_paper,
    _supplement_requested,
    check,
    download,
    pdf_text,
    require_pdf,
    signing_service_down,
    supplement_requested_with_the_seal_down,
)
from tests.support import Api, FreshApi


async def test_the_pdf_of_an_act_paper_is_sealed_kept_and_verifiable(api: Api, tmp_path: Path) -> None:
    require_pdf()
    d = await open_dossier(api)
    xmba = await _supplement_requested(d)
    notice = await _act_paper(d, "one_time_notice", xmba)
    assert notice["format"] == "docx"
    code = notice["verification_code"]
    assert "以 PDF 版本为准" in text_of(await download(d, notice["file_id"]))  # the Word copy says so
    assert (await api.client.get(f"/api/verify/{code}")).json()["sha256_pdf"] is None  # no PDF asked for yet
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    first = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=enterprise)
    assert first.status_code == 200, first.text
    sealed = first.content
    root = seal.certificate_of((api.settings.data_dir / DEMO_P12).read_bytes(), DEMO_PASSWORD)
    validated = await asyncio.to_thread(seal.check_signature, sealed, [root])  # pyHanko's own validator
    assert validated.signed and validated.valid
    shown = (await api.client.get(f"/api/verify/{code}")).json()
    assert shown["sha256_pdf"] == hashlib.sha256(sealed).hexdigest() and shown["sha256_docx"] == notice["sha256"]
    answer = await check(api, code, sealed)
    assert answer["identical"] is True and answer["signature_valid"] is True and answer["signer"]
    # Asked again (by the clerk, by the portal page): the same kept file, not a second seal.
    again = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=d.clerk)
    assert again.status_code == 200 and again.content == sealed
    # The sealed copy carries the code and says whose seal it bears; not the Word copy's note.
    text = pdf_text(sealed, tmp_path).replace("\n", "")
    assert code in text and "以 PDF 版本为准" not in text
    assert "出具单位：发展和改革局。本文书由示范县行政服务中心加盖电子印章。" in text
    async with api.sessions() as session:
        document = await session.get_one(Document, notice["id"])
        copy = await session.get_one(StoredFile, document.pdf_file_id)
        assert (copy.sha256, copy.content_type, copy.project_id) == (shown["sha256_pdf"], "application/pdf",
                                                                      d.project["id"])


async def test_the_internal_papers_pdf_copy_stays_internal(api: Api) -> None:
    require_pdf()
    d = await open_dossier(api)
    xmba = await d.ready_to_submit("xmba")
    bundle = await api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": [xmba]})
    assert bundle.status_code == 201, bundle.text
    papers = (await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    transmittal = next(p for p in papers if p["template"] == "transmittal_list")
    made = await api.client.get(f"/api/documents/{transmittal['id']}/pdf", headers=d.clerk)
    assert made.status_code == 200, made.text
    async with api.sessions() as session:
        copy_id = (await session.get_one(Document, transmittal["id"])).pdf_file_id
    enterprise = await api.user_headers("enterprise", enterprise_id=d.enterprise_id)
    assert (await api.client.get(f"/api/documents/{transmittal['id']}/pdf", headers=enterprise)).status_code == 404
    assert (await api.client.get(f"/api/files/{copy_id}", headers=enterprise)).status_code == 404


async def test_a_seal_that_fails_for_a_pdf_copy_is_a_503_and_nothing_is_kept(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    require_pdf()
    d = await open_dossier(api)
    xmba = await _supplement_requested(d)
    notice = await _act_paper(d, "one_time_notice", xmba)
    async with api.sessions() as session:
        files_before = len((await session.execute(select(StoredFile.id))).all())
    with signing_service_down(monkeypatch):
        refused = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=d.clerk)
    assert refused.status_code == 503 and "电子签章失败" in refused.json()["detail"]
    async with api.sessions() as session:
        assert len((await session.execute(select(StoredFile.id))).all()) == files_before
        document = await session.get_one(Document, notice["id"])
        assert document.pdf_file_id is None and document.sha256_pdf is None
    assert (await api.client.get(f"/api/verify/{notice['verification_code']}")).json()["sha256_pdf"] is None
    later = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=d.clerk)  # the signer is back
    assert later.status_code == 200
    assert (await check(api, notice["verification_code"], later.content))["signature_valid"] is True


async def test_an_act_pdf_not_sealed_yet_is_not_served_as_pdf(
        backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_pdf()
    async with FreshApi(backend, tmp_path, AGENCY_ACT_PAPERS="pdf") as api:
        d = await open_dossier(api)
        xmba = await supplement_requested_with_the_seal_down(d, monkeypatch)
        notice = await _act_paper(d, "one_time_notice", xmba)
        assert notice["status"] == "failed"
        waiting = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=d.clerk)
        assert waiting.status_code == 503 and "正在加盖电子印章" in waiting.json()["detail"]
        assert waiting.headers["retry-after"] == "30"


async def test_a_revoked_paper_is_not_sealed_anew(api: Api) -> None:
    """A Word paper revoked before anyone asked for its PDF gets no sealed copy afterwards: /verify would
    otherwise report a freshly sealed file beside 已撤销."""
    d = await open_dossier(api)
    xmba = await _supplement_requested(d)
    notice = await _act_paper(d, "one_time_notice", xmba)
    revoked = await api.client.post(f"/api/documents/{notice['id']}/revoke", headers=api.admin_headers,
                                    json={"reason": "文号有误"})
    assert revoked.status_code == 200, revoked.text
    refused = await api.client.get(f"/api/documents/{notice['id']}/pdf", headers=d.clerk)
    assert refused.status_code == 409 and "已撤销" in refused.json()["detail"]
    shown = (await api.client.get(f"/api/verify/{notice['verification_code']}")).json()
    assert shown["status"] == "revoked" and shown["sha256_pdf"] is None
