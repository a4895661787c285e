"""The administrator's template page: every version of a template, who uploaded it and when, and its file."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta
from typing import Any

from docx import Document as Docx
from litestar.testing import AsyncTestClient

import documents as paper
from agency import timeutil
from agency.settings import Settings
from agency.timeutil import CHINA
from tests.web.conftest import demo_login
from tests.web.test_web_office import _token
from tests.web.test_web_office import web as web  # the demo-data client, shared

CODE = "completion_notice"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _edited(note: str) -> bytes:
    """The built-in template with one more plain paragraph: a valid new version an administrator might upload."""
    document = Docx(io.BytesIO(paper.builtin_template_bytes(CODE)))
    document.add_paragraph(note)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _version(page: str, number: int) -> str:
    found = re.search(rf'<li class="version[^"]*" id="tpl-{CODE}-v{number}">(.*?)</li>', page, re.S)
    assert found, page[-4000:]
    return found.group(1)


async def test_template_page_lists_every_version_with_its_uploader_time_and_file(web: AsyncTestClient[Any],
                                                                                 demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "admin")
    token, before = await _token(web, "/app/admin/templates")
    uploaded = [_edited("（第一次修订：增加联系电话说明）"), _edited("（第二次修订：调整落款格式）")]
    for data in uploaded:
        done = await web.post("/app/admin/templates", data={"_csrf_token": token, "code": CODE},
                              files={"file": ("办结通知书.docx", data, DOCX)}, follow_redirects=False)
        assert done.status_code == 303, done.text[-2000:]
    newest = int(re.search(r"第 (\d+) 版", (await web.get(done.headers["location"])).text).group(1))  # type: ignore[union-attr]
    page = (await web.get("/app/admin/templates")).text
    current, older, builtin = _version(page, newest), _version(page, newest - 1), _version(page, 0)
    assert "当前使用" in current and "当前使用" not in older and "当前使用" not in builtin
    assert f"第 {newest} 版（共上传 {newest} 版）" in page
    for text, data in ((current, uploaded[1]), (older, uploaded[0])):
        assert "系统管理员 上传于" in text and "校验通过" in text
        assert f"{round(len(data) / 1024, 1)} KB" in text and hashlib.sha256(data).hexdigest()[:12] in text
        shown = re.search(r'<time datetime="([^"]+)">([\d-]+ [\d:]+)</time>', text)
        assert shown
        at = datetime.fromisoformat(shown.group(1)).astimezone(CHINA)
        assert shown.group(2) == at.strftime("%Y-%m-%d %H:%M")  # China time, whatever the server's zone
        assert abs(timeutil.now().astimezone(CHINA) - at) < timedelta(minutes=5)
    assert "内置版本" in builtin and "随系统发布" in builtin
    # Each version downloads as it was uploaded; version 0 is the shipped template.
    for number, data in ((newest - 1, uploaded[0]), (newest, uploaded[1]), (0, paper.builtin_template_bytes(CODE))):
        link = f"/app/admin/templates/{CODE}/versions/{number}"
        assert f'href="{link}"' in page
        response = await web.get(link)
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-type"].startswith(DOCX)
        assert "attachment" in response.headers["content-disposition"]
    form = "/app/admin/templates/application_form/xmba/versions/0"  # an item's 申请表: a code with a slash
    assert f'href="{form}"' in page
    assert (await web.get(form)).content == paper.builtin_template_bytes(paper.application_form_code("xmba"))
    assert (await web.get(f"/app/admin/templates/{CODE}/versions/{newest + 1}")).status_code == 404
    assert (await web.get("/app/admin/templates/no_such_template/versions/0")).status_code == 404
    assert "办结通知书" in before
