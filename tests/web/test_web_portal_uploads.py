"""网上办事 on the pages: the enterprise uploads what it is asked for from its project page, the clerk accepts
or sends back from the approval page, and the enterprise reads the reason; the list counts what the detail
asks for; the enterprise sees its own clerk's full number."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import update

from agency.accounts.models import User
from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.test_web_pages import TOKEN_RE, web_login


def _pdf(text: str) -> bytes:
    return b"%PDF-1.7\n" + text.encode() * 300


async def test_the_enterprise_uploads_and_reads_why_a_file_came_back(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    xmba = d.approval_id("xmba")
    await d.ok(xmba, "prepare")
    clerk = (await client.get("/api/me", headers=d.clerk)).json()["username"]
    await api.execute(update(User).where(User.username == clerk).values(phone="13912345678"))
    enterprise = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
    await web_login(client, enterprise.username)

    listed = await client.get("/app/portal")
    count = re.search(r"(\d+) 项需准备或补正材料", listed.text)
    page = await client.get(f"/app/portal/projects/{d.project['id']}")
    asked = re.findall(r'class="card material missing" id="ask-(\d+)"', page.text)
    assert count is not None and int(count.group(1)) == len(asked) >= 1
    assert str(xmba) in asked
    assert "13912345678" in page.text  # its own clerk's number, in full

    route = f"/app/approvals/{xmba}/materials/sqb/files"
    assert f'action="{route}"' in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    sent = await client.post(route, data={"_csrf_token": token}, follow_redirects=False,
                             files={"file": ("申请表.pdf", _pdf("申请表"), "application/pdf")})
    assert sent.status_code == 303, sent.text[:2000]
    assert sent.headers["location"].startswith(f"/app/portal/projects/{d.project['id']}?ok=")
    licence = await client.post(f"/app/approvals/{xmba}/materials/yyzz/files", data={"_csrf_token": token},
                                files={"file": ("营业执照.pdf", _pdf("营业执照"), "application/pdf")})
    assert licence.status_code == 200 and "等待代办员审核" in licence.text
    assert licence.text.count("已上传，待代办员审核") == 2
    wrong = await client.post(route, data={"_csrf_token": token}, follow_redirects=False,
                              files={"file": ("说明.txt", "不是扫描件".encode(), "text/plain")})
    assert wrong.status_code == 303 and "failed=" in wrong.headers["location"]
    assert "该材料只接受" in (await client.get(wrong.headers["location"])).text

    await web_login(client, clerk)
    review = await client.get(f"/app/approvals/{xmba}")
    pending = re.findall(r'action="/app/files/(\d+)/review"', review.text)
    assert "企业上传 · 待审核" in review.text and len(set(pending)) == 2
    second, first = sorted(set(pending), key=int)  # the application form, then the licence
    token = TOKEN_RE.search(review.text).group(1)  # type: ignore[union-attr]
    no_reason = await client.post(f"/app/files/{second}/review", data={"_csrf_token": token, "accept": "0"})
    assert no_reason.status_code == 422 and "退回须写明原因" in no_reason.text
    back = await client.post(f"/app/files/{second}/review", follow_redirects=False,
                             data={"_csrf_token": token, "accept": "0", "reason": "未盖公章，请盖章后重新上传"})
    assert back.status_code == 303, back.text[:2000]
    took = await client.post(f"/app/files/{first}/review", follow_redirects=False,
                             data={"_csrf_token": token, "accept": "1"})
    assert took.status_code == 303
    materials = {m["code"]: m for m in (await d.get(xmba))["materials"]}
    assert [f["filename"] for f in materials["yyzz"]["files"]] == ["营业执照.pdf"]
    assert materials["sqb"]["files"] == [] and materials["sqb"]["pending"] == []

    await web_login(client, enterprise.username)
    seen = await client.get(f"/app/portal/projects/{d.project['id']}")
    assert "被退回" in seen.text and "原因：未盖公章，请盖章后重新上传" in seen.text
    assert "已上传，待代办员审核" not in seen.text


async def test_the_enterprise_reads_its_papers_as_pdf_and_not_the_internal_ones(client: AsyncTestClient[Any],
                                                                                api: Api) -> None:
    d = await open_dossier(api)
    letter = await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                   json={"template": "authorization_letter"})
    assert letter.status_code == 201, letter.text
    xmba = await d.ready_to_submit("xmba")
    bundle = await api.client.post("/api/bundles", headers=d.clerk,
                                   json={"project_id": d.project["id"], "approval_ids": [xmba]})
    assert bundle.status_code == 201, bundle.text
    papers = (await api.client.get(f"/api/projects/{d.project['id']}/documents", headers=d.clerk)).json()
    transmittal = next(p for p in papers if p["template"] == "transmittal_list")
    enterprise = await api.create_user("enterprise", enterprise_id=d.enterprise_id)
    await web_login(client, enterprise.username)
    page = await client.get(f"/app/portal/projects/{d.project['id']}")
    link = f'href="/app/documents/{letter.json()["id"]}/pdf"'
    assert link in page.text and f'/app/documents/{transmittal["id"]}/pdf' not in page.text
    pdf = await client.get(f"/app/documents/{letter.json()['id']}/pdf")
    assert pdf.status_code == 200, pdf.text[:1000]
    assert pdf.headers["content-type"].startswith("application/pdf") and pdf.content.startswith(b"%PDF")
    assert (await client.get(f"/app/documents/{transmittal['id']}/pdf")).status_code == 404
    other = await open_dossier(api)
    theirs = await api.client.post(f"/api/projects/{other.project['id']}/documents", headers=other.clerk,
                                   json={"template": "authorization_letter"})
    assert (await client.get(f"/app/documents/{theirs.json()['id']}/pdf")).status_code == 404
