"""The public verification page /verify/{code}: no login, no session, no CSRF token; in Chinese; it tells a
genuine paper from an altered copy and shows nothing of the dossier."""

from __future__ import annotations

import re

from tests.agency.approvals.flow import open_dossier
from tests.support import Api
from tests.web.browsers import Browser
from tests.web.test_web_a11y import check


async def test_anyone_checks_a_paper_on_the_page(api: Api) -> None:
    d = await open_dossier(api)
    made = (await api.client.post(f"/api/projects/{d.project['id']}/documents", headers=d.clerk,
                                  json={"template": "authorization_letter"})).json()
    code = made["verification_code"]
    data = (await api.client.get(f"/api/files/{made['file_id']}", headers=d.clerk)).content
    async with Browser(api.client) as stranger:  # no login, no cookie
        page = await stranger.get(f"/verify/{code}")
        assert page.status_code == 200
        html = page.text
        assert "该验证码真实有效" in html and "代办服务委托书" in html and made["doc_number"] in html
        assert "示范县行政服务中心" in html and made["sha256"] in html and "以 PDF 版本为准" in html
        assert 'name="viewport"' in html and check(html) == []  # a phone's width; labels, one h1, no inline script
        assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', html)  # nothing from outside
        for private in (d.project["name"], d.project["enterprise"]["name"], "张三", "13800001111"):
            assert private not in html
        # The file check is a plain multipart POST with no CSRF token: the page is public.
        same = await stranger.http.post(f"/verify/{code}", files={"file": ("委托书.docx", data)})
        assert same.status_code == 200 and "与本系统出具的原件完全一致" in same.text
        altered = bytearray(data)
        altered[len(altered) // 2] ^= 0x01
        differs = await stranger.http.post(f"/verify/{code}", files={"file": ("委托书.docx", bytes(altered))})
        assert differs.status_code == 200 and "与原件不一致" in differs.text
        empty = await stranger.http.post(f"/verify/{code}", data={"x": "1"})
        assert empty.status_code == 422 and "请" in empty.text
        unknown = await stranger.get("/verify/ABCDE-FGHJK-MNPQR-STUVW")
        assert unknown.status_code == 404 and "没有验证码为" in unknown.text
    revoked = await api.client.post(f"/api/documents/{made['id']}/revoke", headers=api.admin_headers,
                                    json={"reason": "内部原因"})
    assert revoked.status_code == 200
    async with Browser(api.client) as stranger:
        page = await stranger.get(f"/verify/{code}")
        assert page.status_code == 200 and "已撤销" in page.text and "内部原因" not in page.text
