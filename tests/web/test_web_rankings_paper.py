"""The monthly 通报 is a recorded paper like every other: numbered, with its verification code on the DOCX and on
its sealed PDF; kept once issued; read by leaders and administrators only; revoked, the next one is a new paper."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
from sqlalchemy import select

from agency.documents.models import Document
from agency.documents.sealing import DEMO_P12, DEMO_PASSWORD
from documents import seal
from tests.agency.documents.test_verification_api import check, require_pdf
from tests.documents.conftest import docx_text
from tests.support import Api
from tests.web.test_web_rankings import _browser

CODE = re.compile(r"验证码：([A-Z0-9]{5}(?:-[A-Z0-9]{5}){3})")


@pytest.mark.today("2026-02-10")  # a month no other test completes anything in (shared test database)
async def test_the_bulletin_is_a_numbered_paper_with_its_code_on_docx_and_sealed_pdf(api: Api) -> None:
    require_pdf()
    leader = await _browser(api, await api.user_headers("leader"))
    url = "/app/reports/rankings/bulletin.{}?month=2026-01"
    word = await leader.get(url.format("docx"))
    assert word.status_code == 200, word.text[:500]
    text = docx_text(word.content)
    found = CODE.search(text)
    assert found and "以 PDF 版本为准" in text and "关于2026年1月红旗窗口和服务标兵评比情况的通报" in text
    code = found.group(1)
    shown = (await api.client.get(f"/api/verify/{code}")).json()
    assert shown["genuine"] is True and shown["status"] == "valid" and shown["template"] == "ranking_bulletin"
    assert shown["number"].startswith("代办〔2026〕") and shown["issuer"] == "示范县行政服务中心"
    assert shown["sha256_docx"] == hashlib.sha256(word.content).hexdigest()
    assert (await leader.get(url.format("docx"))).content == word.content  # kept: the same paper, not a new one

    pdf = await leader.get(url.format("pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    root = seal.certificate_of((api.settings.data_dir / DEMO_P12).read_bytes(), DEMO_PASSWORD)
    assert (await asyncio.to_thread(seal.check_signature, pdf.content, [root])).valid
    answer = await check(api, code, pdf.content)
    assert answer["identical"] is True and answer["signature_valid"] is True
    assert (await api.client.get(f"/api/verify/{code}")).json()["sha256_pdf"] == hashlib.sha256(pdf.content).hexdigest()

    # The center's paper of no dossier: a leader reads its file, a clerk not even by its number.
    async with api.sessions() as session:
        paper = (await session.execute(select(Document).where(Document.verification_code == code))).scalar_one()
    assert paper.project_id is None
    leader_headers = await api.user_headers("leader")
    clerk_headers = await api.user_headers("clerk")
    for file_id in (paper.file_id, paper.pdf_file_id):
        assert (await api.client.get(f"/api/files/{file_id}", headers=leader_headers)).status_code == 200
        assert (await api.client.get(f"/api/files/{file_id}", headers=clerk_headers)).status_code == 404
    assert (await (await _browser(api, clerk_headers)).get(url.format("docx"))).status_code == 403

    # The rankings page names the standing 通报; the administrator alone gets the revoke form.
    ranking = (await leader.get("/app/reports/rankings?month=2026-01")).text
    form = f'action="/app/reports/rankings/bulletin/{paper.id}/revoke?month=2026-01"'
    assert f'href="/verify/{code}"' in ranking and paper.doc_number in ranking and form not in ranking
    admin = await _browser(api, api.admin_headers)
    assert form in (await admin.get("/app/reports/rankings?month=2026-01")).text
    denied = await leader.post(f"/app/reports/rankings/bulletin/{paper.id}/revoke?month=2026-01",
                               {"reason": "数据有误"}, page="/app/reports/rankings?month=2026-01")
    assert denied.status_code == 403
    # Revoked, the next request issues a new paper with a new number and code; the old code says 已撤销.
    revoked = await admin.post(f"/app/reports/rankings/bulletin/{paper.id}/revoke?month=2026-01",
                               {"reason": "数据有误，重新通报"}, page="/app/reports/rankings?month=2026-01")
    assert revoked.status_code == 303 and "ok=" in revoked.headers["location"], revoked.text[:300]
    again = CODE.search(docx_text((await leader.get(url.format("docx"))).content))
    assert again and again.group(1) != code
    assert (await api.client.get(f"/api/verify/{code}")).json()["status"] == "revoked"
    assert (await api.client.get(f"/api/verify/{again.group(1)}")).json()["status"] == "valid"
