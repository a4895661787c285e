"""一次性告知 from the department's approval page: preview the notice, then send it (plain forms, no JavaScript).

The officer sees the notice before it exists: the chosen materials, the enterprise, the department, the item
and the deadline; previewing (and downloading the preview) leaves no document, no stored file, no audit line,
no notification and no change of state. Confirming sends exactly what was previewed.
"""

from __future__ import annotations

import html
import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select

import documents as paper
from agency.approvals.models import Approval
from agency.audit.models import AuditEvent
from agency.documents.models import Document
from agency.files.models import StoredFile
from agency.notifications.models import Notification
from tests.agency.approvals.flow import Dossier, open_dossier
from tests.agency.documents.test_documents_api import text_of
from tests.support import Api
from tests.web.test_web_a11y import check
from tests.web.test_web_pages import TOKEN_RE, web_login
from tests.web.test_web_queries import MAX_STATEMENTS, Counter

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REASON = "申请表未加盖公章 <请盖章> & 复印件不清晰"


async def _footprint(d: Dossier, approval_id: int) -> dict[str, Any]:
    """What sending a notice changes: papers, stored files, audit lines, outbox rows, the approval's state."""
    async with d.api.sessions() as session:
        async def count(model: Any, *where: Any) -> int:
            return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

        approval = await session.get_one(Approval, approval_id)
        return {"documents": await count(Document, Document.project_id == d.project["id"]),
                "files": await count(StoredFile, StoredFile.project_id == d.project["id"]),
                "events": await count(AuditEvent), "notifications": await count(Notification),
                "state": (approval.status, approval.version, approval.pending_supplement)}


def _fields(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form fields as httpx posts them, a name given more than once (the ticked materials) kept in order."""
    fields: dict[str, list[str]] = {}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return fields


def _confirm_form(page: str) -> list[tuple[str, str]]:
    form = re.search(r'<form[^>]*id="confirm-supplement".*?</form>', page, re.S)
    assert form, page[-3000:]
    return [(html.unescape(n), html.unescape(v)) for n, v in re.findall(
        r'<input[^>]*type="hidden"[^>]*name="([^"]+)" value="([^"]*)"', form.group(0))]


async def _submitted(api: Api) -> tuple[Dossier, int, list[dict[str, Any]], str]:
    d = await open_dossier(api)
    officer = await api.create_user("department", department_code="fgj")
    xmba = await d.ready_to_submit("xmba")
    await d.ok(xmba, "submit")
    return d, xmba, (await d.get(xmba))["materials"], officer.username


async def test_officer_previews_the_one_time_notice_then_sends_what_was_previewed(
        client: AsyncTestClient[Any], api: Api) -> None:
    d, xmba, materials, officer = await _submitted(api)
    await web_login(client, officer)
    page = await client.get(f"/app/approvals/{xmba}")
    assert f'action="/app/approvals/{xmba}/supplement/preview"' in page.text and "预览一次性告知单" in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    chosen, skipped = materials[0], materials[1]
    version = (await d.get(xmba))["version"]
    form = [("_csrf_token", token), ("action", "request_supplement"), ("version", str(version)),
            ("missing_materials", chosen["code"]), ("reason", REASON)]
    before = await _footprint(d, xmba)

    counter = Counter()
    engine = client.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counter)
    preview = await client.post(f"/app/approvals/{xmba}/supplement/preview", data=_fields(form))
    event.remove(engine, "before_cursor_execute", counter)
    assert preview.status_code == 200, preview.text[-3000:]
    text = preview.text
    notice = text.split('id="notice-preview"')[1].split("</article>")[0]
    assert chosen["name"] in notice and skipped["name"] not in notice
    assert d.project["enterprise"]["name"] in notice and d.project["name"] in notice
    assert "发展和改革局" in notice and "企业投资项目备案" in notice
    assert html.escape(REASON, quote=False) in notice  # the note, escaped, next to the material
    assert "（发出时编号）" in notice and "代办〔" not in notice  # no document number is used up
    assert "行政许可法" in notice and re.search(r"请于\d{4}年\d{1,2}月\d{1,2}日前", notice)
    assert not check(text), check(text)
    assert len(counter.statements) <= MAX_STATEMENTS, counter.statements
    assert await _footprint(d, xmba) == before

    confirm = _confirm_form(text)
    assert ("missing_materials", chosen["code"]) in confirm and ("reason", REASON) in confirm
    assert ("action", "request_supplement") in confirm and ("version", str(version)) in confirm
    assert "_csrf_token" in dict(confirm)

    word = await client.post(f"/app/approvals/{xmba}/supplement/preview-file",
                             data=_fields([*confirm, ("format", "docx")]))
    assert word.status_code == 200 and word.headers["content-type"].startswith(DOCX)
    assert "attachment" in word.headers["content-disposition"]
    previewed = text_of(word.content)
    assert chosen["name"] in previewed and d.project["enterprise"]["name"] in previewed and REASON in previewed
    if paper.pdf_available():  # LibreOffice installed: the PDF to print comes from the same paper
        pdf = await client.post(f"/app/approvals/{xmba}/supplement/preview-file",
                                data=_fields([*confirm, ("format", "pdf")]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert await _footprint(d, xmba) == before

    sent = await client.post(f"/app/approvals/{xmba}/actions", data=_fields(confirm), follow_redirects=False)
    assert sent.status_code == 303, sent.text[-3000:]
    assert "告知书已生成" in (await client.get(sent.headers["location"])).text
    after = await _footprint(d, xmba)
    assert after["documents"] == before["documents"] + 1 and after["events"] > before["events"]
    assert after["state"][0] == "preparing"
    documents = (await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    real = next(doc for doc in documents if doc["template"] == "one_time_notice")
    stored = (await api.client.get(f"/api/files/{real['file_id']}", headers=d.clerk)).content
    # The paper sent reads exactly as the preview did, but for its number and the verification mark Agency adds
    # after the template (its code is made when the paper is issued).
    body, mark = text_of(stored).split("\n\n验证码：")
    assert body == previewed.replace("（发出时编号）", real["doc_number"])
    assert mark.startswith(real["verification_code"])


async def test_preview_keeps_the_composer_honest(client: AsyncTestClient[Any], api: Api) -> None:
    d, xmba, materials, officer = await _submitted(api)
    await web_login(client, officer)
    page = await client.get(f"/app/approvals/{xmba}")
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    version = str((await d.get(xmba))["version"])
    route = f"/app/approvals/{xmba}/supplement"
    nothing = await client.post(f"{route}/preview", data={"_csrf_token": token, "version": version, "reason": "x"})
    assert nothing.status_code == 422 and 'id="e-f-request_supplement-missing_materials"' in nothing.text
    assert "请勾选需补正的材料" in nothing.text or "须一次性列明全部需补正的材料" in nothing.text
    stale = await client.post(f"{route}/preview", data={"_csrf_token": token, "version": "99",
                                                        "missing_materials": materials[0]["code"]})
    assert stale.status_code == 409 and "请刷新后重试" in stale.text
    unsigned = await client.post(f"{route}/preview", data={"version": version,
                                                           "missing_materials": materials[0]["code"]})
    assert unsigned.status_code == 403
    # Back to the composer from the preview: the materials ticked and the note typed are kept.
    edit = await client.post(f"{route}/edit", data={"_csrf_token": token, "version": version,
                                                    "missing_materials": materials[1]["code"], "reason": "请补盖公章"})
    assert edit.status_code == 200 and '<details open id="act-request_supplement">' in edit.text
    assert f'value="{materials[1]["code"]}" checked' in edit.text and ">请补盖公章</textarea>" in edit.text
    # Other departments do not see the approval at all; the clerk may not ask on behalf of an online department.
    stranger = await api.create_user("department", department_code="zrzy")
    await web_login(client, stranger.username)
    token = TOKEN_RE.search((await client.get("/app/inbox")).text).group(1)  # type: ignore[union-attr]
    hidden = await client.post(f"{route}/preview", data={"_csrf_token": token, "version": version,
                                                         "missing_materials": materials[0]["code"]})
    assert hidden.status_code == 404
    clerk = (await api.client.get("/api/me", headers=d.clerk)).json()["username"]
    await web_login(client, clerk)
    token = TOKEN_RE.search((await client.get(f"/app/approvals/{xmba}")).text).group(1)  # type: ignore[union-attr]
    refused = await client.post(f"{route}/preview", data={"_csrf_token": token, "version": version,
                                                          "missing_materials": materials[0]["code"]})
    assert refused.status_code == 403
