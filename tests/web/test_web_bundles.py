"""Bundles in the pages: the compose form offers only what can go out now and says why not for the rest, a notice
before acceptance reads 待补正, the inbox names whose bundle it is, and the approve form takes the decision's scan."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from tests.agency.approvals.flow import open_dossier
from tests.agency.bundles.test_bundles_api import upload_required
from tests.support import Api
from tests.web.test_web_pages import TOKEN_RE, web_login


def _section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


async def test_compose_form_offers_only_ready_items_and_a_notice_reads_待补正(client: AsyncTestClient[Any],
                                                                             api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    jnsc, ydghxk = d.approval_id("jnsc"), d.approval_id("ydghxk")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    await d.ok(ydghxk, "prepare")
    clerk = (await client.get("/api/me", headers=d.clerk)).json()["username"]
    await web_login(client, clerk)
    page = await client.get(f"/app/projects/{d.project['id']}")
    assert page.status_code == 200, page.text[:2000]
    compose = _section(page.text, 'id="send-h"', "</section>")
    assert f'name="approval_ids" value="{jnsc}"' in compose
    assert f'value="{ydghxk}"' not in compose  # not offered…
    assert re.search(rf'data-approval="{ydghxk}">建设用地规划许可证：缺少材料', compose)  # …and why
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    sent = await client.post(f"/app/projects/{d.project['id']}/bundles",
                             data={"_csrf_token": token, "approval_ids": str(jnsc)}, follow_redirects=False)
    assert sent.status_code == 303 and "ok=" in sent.headers["location"]

    fgj = await api.create_user("department", department_code="fgj")
    officer = await api.login(fgj.username)
    material = (await d.get(jnsc))["materials"][0]["code"]
    await d.ok(jnsc, "request_supplement", officer, missing_materials=[material], reason="盖章不清")
    project = await client.get(f"/app/projects/{d.project['id']}")
    row = _section(_section(project.text, 'id="appr-h"', "</table>"), f'href="/app/approvals/{jnsc}"', "</tr>")
    assert "待补正" in row and "材料准备中" not in row
    compose = _section(project.text, 'id="send-h"', "</section>")
    assert "补正材料报送至 发展和改革局" in compose and "补正材料尚未上传" in compose
    approval = await client.get(f"/app/approvals/{jnsc}")
    assert 'st-preparing">待补正</span>' in approval.text and 'id="act-resubmit"' in approval.text
    assert 'id="act-submit"' not in approval.text

    # The department's inbox names the enterprise, the project and the items of each bundle.
    await web_login(client, fgj.username)
    inbox = await client.get("/app/inbox")
    bundles = _section(inbox.text, 'id="bundles-h"', "</section>")
    assert d.project["enterprise"]["name"] in bundles and d.project["name"] in bundles and "节能审查" in bundles


async def test_the_approve_form_takes_the_decision_scan(client: AsyncTestClient[Any], api: Api) -> None:
    d = await open_dossier(api)
    await d.force_approved("xmba")
    jnsc = d.approval_id("jnsc")
    await d.ok(jnsc, "prepare")
    await upload_required(d, jnsc)
    await d.ok(jnsc, "submit")
    fgj = await api.create_user("department", department_code="fgj")
    await d.ok(jnsc, "accept", await api.login(fgj.username))
    await web_login(client, fgj.username)
    page = await client.get(f"/app/approvals/{jnsc}")
    assert 'id="f-approve-decision_file"' in page.text and 'enctype="multipart/form-data"' in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    version = str((await d.get(jnsc))["version"])
    fields = {"_csrf_token": token, "action": "approve", "version": version, "certificate_no": "发改能审〔2026〕9号"}
    missing = await client.post(f"/app/approvals/{jnsc}/actions", data=fields)
    assert missing.status_code == 422 and 'id="e-f-approve-decision_file"' in missing.text
    assert "请上传批文或证照的扫描件" in missing.text
    scan = b"%PDF-1.7\n" + "审查意见".encode() * 200
    done = await client.post(f"/app/approvals/{jnsc}/actions", data=fields,
                             files={"decision_file": ("审查意见.pdf", scan, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    after = await client.get(done.headers["location"])
    assert 'id="decision-files"' in after.text and ">审查意见.pdf</a>" in after.text
    assert [f["filename"] for f in (await d.get(jnsc))["decision_files"]] == ["审查意见.pdf"]


async def test_the_administrator_sets_a_department_paper_series_on_its_page(client: AsyncTestClient[Any],
                                                                           api: Api) -> None:
    admin = (await client.get("/api/me", headers=api.admin_headers)).json()["username"]
    await web_login(client, admin)
    page = await client.get("/app/admin/departments")
    assert 'id="p-sthj"' in page.text and "文书编号前缀" in page.text
    token = TOKEN_RE.search(page.text).group(1)  # type: ignore[union-attr]
    section = page.text.split('action="/app/admin/departments/sthj"')[1].split("</form>")[0]
    form = {"_csrf_token": token, "name": "生态环境分局", "mode": "online", "doc_prefix": "示环〔告"}
    form |= dict(re.findall(r'name="(\w+_(?:name|phone))" value="([^"]*)"', section))
    refused = await client.post("/app/admin/departments/sthj", data=form)
    assert refused.status_code == 422 and "文书编号前缀" in refused.text
    saved = await client.post("/app/admin/departments/sthj", data=form | {"doc_prefix": "示环告"},
                              follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    assert 'value="示环告"' in (await client.get("/app/admin/departments")).text
