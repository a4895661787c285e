"""The department's inbox, the leader's dashboard, reports, the rating link and the admin pages, over HTTP.

They run on the demo data (``demo_settings``); what the demo lacks (a bundle, an escalation, a pending
green-channel request, a rating link) is made here through the services.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from agency import timeutil
from agency.access import Actor, Role
from agency.app import create_app
from agency.approvals.models import Approval
from agency.cli import in_session
from agency.dossiers import service as projects
from agency.escalation.models import Escalation
from agency.evaluations import service as evaluations
from agency.evaluations.models import Evaluation, RatingLink
from agency.projects.models import Project
from agency.settings import Settings
from agency.timeutil import today_local
from tests.web.conftest import demo_login
from tests.web.test_web_pages import TOKEN_RE

CLERK = Actor(user_id=None, username="clerk", role=Role.CLERK)


async def _in_db(settings: Settings, work: Any) -> Any:
    return await in_session(work, settings)


@pytest.fixture
async def web(demo_settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(demo_settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False, base_url="https://testserver.local") as c:
        yield c


async def _token(client: AsyncTestClient[Any], path: str) -> tuple[str, str]:
    page = await client.get(path)
    assert page.status_code == 200, (path, page.status_code, page.text[:500])
    return TOKEN_RE.search(page.text).group(1), page.text  # type: ignore[union-attr]


async def _escalation(settings: Settings, department: str, level: str = "red") -> int:
    async def make(session: Any) -> int:
        approval = (await session.execute(select(Approval).where(
            Approval.department_code == department, Approval.status.in_(("accepted", "submitted")))
            .order_by(Approval.id).limit(1))).scalar_one()
        row = Escalation(subject_id=approval.id, approval_id=approval.id, project_id=approval.project_id,
                         department_code=department,
                         rule="clock", level=level, as_of=today_local(), fired_at=timeutil.now(),
                         due_on=today_local(), overdue_workdays=2, status="open")
        session.add(row)
        await session.flush()
        return int(row.id)
    return await _in_db(settings, make)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("user", "home"), [("dept-fgj", "/app/inbox"), ("leader", "/app/dashboard"),
                                            ("clerk", "/app"), ("admin", "/app")])
async def test_each_role_lands_on_its_page(web: AsyncTestClient[Any], demo_settings: Settings, user: str,
                                           home: str) -> None:
    token, _ = await _token(web, "/login")
    done = await web.post("/login", data={"_csrf_token": token, "username": user,
                                          "password": demo_settings.demo_password}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == home


@pytest.mark.parametrize(("user", "path", "status"), [
    ("clerk", "/app/inbox", 403), ("leader", "/app/inbox", 403), ("enterprise", "/app/inbox", 403),
    ("clerk", "/app/dashboard", 403), ("dept-fgj", "/app/dashboard", 403), ("enterprise", "/app/dashboard", 403),
    ("dept-fgj", "/app/reports", 403), ("enterprise", "/app/reports", 403), ("dept-fgj", "/app/reports.xlsx", 403),
    ("leader", "/app/admin/users", 403), ("clerk", "/app/admin/catalog", 403),
    ("dept-fgj", "/app/admin/calendar", 403), ("clerk", "/app/admin/templates", 403),
    ("clerk", "/app/admin/templates/one_time_notice/versions/0", 403),
    ("dept-fgj", "/app/bundles/999999/archive", 404)])
async def test_pages_refuse_other_roles(web: AsyncTestClient[Any], demo_settings: Settings, user: str, path: str,
                                        status: int) -> None:
    await demo_login(web, demo_settings, user)
    response = await web.get(path)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")


async def test_department_receives_a_bundle_and_acknowledges_supervision(web: AsyncTestClient[Any],
                                                                         demo_settings: Settings) -> None:
    clerk = await web.post("/api/auth/login", json={"username": "clerk", "password": demo_settings.demo_password})
    bearer = {"Authorization": f"Bearer {clerk.json()['token']}"}

    async def preparing(session: Any) -> tuple[int, int, list[str]]:
        row = (await session.execute(select(Approval.id, Approval.project_id, Approval.pending_supplement).where(
            Approval.department_code == "fgj", Approval.status == "preparing").order_by(Approval.id))).first()
        return int(row[0]), int(row[1]), list((row[2] or {}).get("missing_materials") or [])
    approval_id, project_id, asked = await _in_db(demo_settings, preparing)
    for code in asked:  # the demo's is 待补正 (a notice before acceptance): the supplement is uploaded first
        uploaded = await web.post(f"/api/approvals/{approval_id}/materials/{code}/files", headers=bearer,
                                  files={"file": (f"{code}.pdf", b"%PDF-1.7\n" + code.encode() * 500,
                                                  "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
    sent = await web.post("/api/bundles", json={"project_id": project_id, "approval_ids": [approval_id]},
                          headers=bearer)
    assert sent.status_code == 201, sent.text
    bundle = sent.json()
    escalation_id = await _escalation(demo_settings, "fgj")
    await demo_login(web, demo_settings, "dept-fgj")
    token, inbox = await _token(web, "/app/inbox")
    assert bundle["code"] in inbox and f'action="/app/bundles/{bundle["id"]}/receive"' in inbox
    assert f'action="/app/escalations/{escalation_id}/acknowledge"' in inbox
    # The approvals are sorted by remaining working days, each with its level.
    remaining = [int(n) for n in re.findall(r'data-label="剩余工作日">(-?\d+)<', inbox)]
    assert remaining == sorted(remaining) and remaining
    assert (await web.post(f"/app/bundles/{bundle['id']}/receive", data={})).status_code == 403  # no CSRF token
    done = await web.post(f"/app/bundles/{bundle['id']}/receive", data={"_csrf_token": token},
                          follow_redirects=False)
    assert done.status_code == 303 and "ok=" in done.headers["location"]
    again = await web.post(f"/app/bundles/{bundle['id']}/receive", data={"_csrf_token": token})
    assert again.status_code == 200 and "已签收" in again.text and 'class="alert"' in again.text
    archive = await web.get(f"/app/bundles/{bundle['id']}/archive")
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    ack = await web.post(f"/app/escalations/{escalation_id}/acknowledge",
                         data={"_csrf_token": token, "note": "已安排专人办理"})
    assert ack.status_code == 200 and "督办已签收" in ack.text
    assert f'action="/app/escalations/{escalation_id}/acknowledge"' not in ack.text


async def test_leader_decides_green_channel_resolves_and_sees_charts(web: AsyncTestClient[Any],
                                                                     demo_settings: Settings) -> None:
    async def request(session: Any) -> int:
        project = (await session.execute(select(Project).where(Project.green_channel_status == "none")
                                         .order_by(Project.id.desc()).limit(1))).scalar_one()
        clerk = Actor(user_id=project.clerk_id, username="clerk", role=Role.CLERK)
        await projects.request_green_channel(session, clerk, project.id, "县重点项目，须尽快投产")
        return int(project.id)
    project_id = await _in_db(demo_settings, request)
    escalation_id = await _escalation(demo_settings, "fgj", "l3")
    await demo_login(web, demo_settings, "leader")
    token, dashboard = await _token(web, "/app/dashboard")
    for chart in ("chart-levels", "chart-ontime", "chart-overdue"):
        assert f'id="{chart}"' in dashboard and f'<title id="{chart}-t">' in dashboard
    assert "<polyline" in dashboard and 'class="bar' in dashboard
    assert f"/app/projects/{project_id}/green-channel/decide" in dashboard
    refused = await web.post(f"/app/projects/{project_id}/green-channel/decide",
                             data={"_csrf_token": token, "decision": "refuse", "note": ""})
    assert "不同意时须说明理由" in refused.text
    # Refused here (the browser test approves one): each green-channel project costs the dashboard queries.
    done = await web.post(f"/app/projects/{project_id}/green-channel/decide",
                          data={"_csrf_token": token, "decision": "refuse", "note": "不符合重点项目条件"})
    assert done.status_code == 200 and "绿色通道申请未同意" in done.text
    no_csrf = await web.post(f"/app/escalations/{escalation_id}/resolve", data={"note": "已协调"})
    assert no_csrf.status_code == 403
    resolved = await web.post(f"/app/escalations/{escalation_id}/resolve",
                              data={"_csrf_token": token, "note": "已协调部门办结"})
    assert resolved.status_code == 200 and "督办已办结" in resolved.text
    assert f"/app/escalations/{escalation_id}/resolve" not in resolved.text


async def test_reports_page_and_its_spreadsheet(web: AsyncTestClient[Any], demo_settings: Settings) -> None:
    from openpyxl import load_workbook

    await demo_login(web, demo_settings, "clerk")
    start, end = timeutil.today().replace(day=1), timeutil.today()
    page = await web.get(f"/app/reports?from={start}&to={end}")
    assert page.status_code == 200 and "按时办结率" in page.text
    link = re.search(r'href="(/app/reports\.xlsx\?[^"]+)"', page.text)
    assert link
    sheet = await web.get(link.group(1).replace("&amp;", "&"))
    assert sheet.status_code == 200 and "attachment" in sheet.headers["content-disposition"]
    api = await web.get(f"/api/reports/departments?from={start}&to={end}")  # no bearer: the JSON needs a token
    assert api.status_code == 401
    book = load_workbook(io.BytesIO(sheet.content))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    assert any("发展" in c or "局" in c for c in cells), cells[:40]


async def _rating_link(settings: Settings, *, expired: bool = False) -> str:
    async def issue(session: Any) -> str:
        approval = (await session.execute(select(Approval).where(Approval.status == "approved").where(
            ~Approval.id.in_(select(Evaluation.approval_id))).order_by(Approval.id).limit(1))).scalar_one()
        url = await evaluations.issue_rating_link(session, approval)
        if expired:
            await session.execute(update(RatingLink).where(RatingLink.approval_id == approval.id)
                                  .values(expires_at=timeutil.now() - timedelta(days=1)))
        return url.rsplit("/", 1)[1]
    return await _in_db(settings, issue)  # type: ignore[no-any-return]


async def test_rating_link_rates_once_without_login(web: AsyncTestClient[Any], demo_settings: Settings) -> None:
    token = await _rating_link(demo_settings)
    csrf, form = await _token(web, f"/rate/{token}")
    assert "非常满意" in form and "非常不满意" in form and 'type="radio"' in form and "办理部门" in form
    assert (await web.post(f"/rate/{token}", data={"score": "5"})).status_code == 403  # CSRF
    missing = await web.post(f"/rate/{token}", data={"_csrf_token": csrf, "comment": "好"})
    assert missing.status_code == 422 and "请选择满意程度" in missing.text
    done = await web.post(f"/rate/{token}", data={"_csrf_token": csrf, "score": "5", "comment": "很快"})
    assert done.status_code == 200 and "感谢您的评价" in done.text
    used = await web.post(f"/rate/{token}", data={"_csrf_token": csrf, "score": "1"})
    assert used.status_code == 410 and "已使用" in used.text and "rating link" not in used.text
    assert (await web.get(f"/rate/{token}")).status_code == 410
    expired = await web.get(f"/rate/{await _rating_link(demo_settings, expired=True)}")
    assert expired.status_code == 410 and "已过期" in expired.text
    assert (await web.get("/rate/no-such-token")).status_code == 404


async def test_admin_pages(web: AsyncTestClient[Any], demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "admin")
    token, users = await _token(web, "/app/admin/users")
    assert "dept-fgj" in users
    created = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-new-leader", "display_name": "王科长", "role": "leader",
        "password": "Strong-Passw0rd-2026!", "must_change_password": "1"}, follow_redirects=False)
    assert created.status_code == 303, created.text[:2000]
    taken = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-new-leader", "display_name": "王科长", "role": "leader",
        "password": "Strong-Passw0rd-2026!"})
    assert taken.status_code == 422 and "已存在" in taken.text
    user_id = re.search(r'action="/app/admin/users/(\d+)/lock"[^<]*<input[^>]*>\s*<input type="hidden" name="locked" '
                        r'value="1">\s*<button type="submit">锁定<span class="sr-only"> web-new-leader',
                        (await web.get("/app/admin/users")).text)
    assert user_id
    locked = await web.post(f"/app/admin/users/{user_id.group(1)}/lock", data={"_csrf_token": token, "locked": "1"})
    assert "已锁定用户 web-new-leader" in locked.text
    # Catalog: every problem, with its line; nothing imported.
    bad = await web.post("/app/admin/catalog", data={"_csrf_token": token, "text": "version: x\nitems: 5\n"})
    assert bad.status_code == 422 and 'id="catalog-errors"' in bad.text
    assert re.search(r"<li>第 \d+ 行", bad.text), bad.text[-3000:]
    # Calendar: the year grid, and one day set.
    year = today_local().year
    cal = await web.get(f"/app/admin/calendar?year={year}")
    assert cal.status_code == 200 and cal.text.count('class="cal-month') == 12
    day = date(year, 12, 31) if date(year, 12, 31).weekday() < 5 else date(year, 12, 29)
    form = {"_csrf_token": token, "day": day.isoformat(), "workday": "0", "note": "测试放假"}
    preview = await web.post("/app/admin/calendar", data=form)
    # First what the change would move, and nothing changed yet; then, confirmed, the change.
    assert preview.status_code == 200 and 'id="calendar-preview"' in preview.text, preview.text[-2000:]
    assert "确认调整" in preview.text and f"已将 {day.isoformat()}" not in preview.text
    set_day = await web.post("/app/admin/calendar", data={**form, "confirm": "1"})
    assert set_day.status_code == 200 and f"已将 {day.isoformat()} 设为休息日" in set_day.text
    assert 'id="recompute-job"' in set_day.text
    # Templates: a file that is not a usable template is refused with its problems.
    listing = await web.get("/app/admin/templates")
    assert "一次性告知单" in listing.text
    refused = await web.post("/app/admin/templates", data={"_csrf_token": token, "code": "one_time_notice"},
                             files={"file": ("x.docx", b"not a docx", "application/octet-stream")})
    assert refused.status_code == 422 and 'id="template-errors"' in refused.text


async def test_admin_resets_passwords_and_edits_department_contacts(web: AsyncTestClient[Any],
                                                                    demo_settings: Settings) -> None:
    await demo_login(web, demo_settings, "admin")
    token, page_text = await _token(web, "/app/admin/departments")
    assert "首席代表" in page_text and "供电公司" in page_text
    form = {"_csrf_token": token, "name": "水利局", "mode": "online"}
    for n, level in enumerate(("chief_representative", "leader_in_charge", "main_leader")):
        form |= {f"{level}_name": f"测试联系人{n}", f"{level}_phone": f"0571-8800{n}111"}
    saved = await web.post("/app/admin/departments/slj", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert "测试联系人1" in (await web.get("/app/admin/departments")).text
    broken = await web.post("/app/admin/departments/slj", data=form | {"main_leader_phone": "电话"})
    assert broken.status_code == 422 and "主要领导" in broken.text
    created = await web.post("/app/admin/users", data={
        "_csrf_token": token, "username": "web-reset-me", "display_name": "待重置", "role": "clerk",
        "password": "Strong-Passw0rd-2026!"}, follow_redirects=False)
    assert created.status_code == 303
    users = (await web.get("/app/admin/users")).text
    user_id = re.search(r'action="/app/admin/users/(\d+)/password"(?:(?!</form>).)*web-reset-me', users, re.S)
    assert user_id
    weak = await web.post(f"/app/admin/users/{user_id.group(1)}/password", data={"_csrf_token": token, "password": "x"})
    assert weak.status_code == 422
    reset = await web.post(f"/app/admin/users/{user_id.group(1)}/password",
                           data={"_csrf_token": token, "password": "Reset#2026web"}, follow_redirects=False)
    assert reset.status_code == 303
