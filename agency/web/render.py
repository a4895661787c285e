"""Rendering helpers shared by the pages: the page template response, form errors, error pages."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.orm.exc import StaleDataError

from agency.access import ROLE_NAMES_ZH, Actor
from agency.approvals.rules import ACTION_NAMES
from agency.catalog.format_model import STAGE_NAMES
from agency.errors import AgencyError, NotFound
from agency.web.session import LoginRequired, PasswordChangeRequired, login_url

log = logging.getLogger("agency.web")

LEVEL_NAMES = {"none": "正常", "prompt": "临期提示", "yellow": "黄牌", "red": "红牌", "l3": "督办"}
PROJECT_STATUS_NAMES = {"planning": "筹划中", "in_progress": "办理中", "completed": "已办结", "blocked": "受阻",
                        "closed": "已关闭"}
GREEN_NAMES = {"none": "未申请", "requested": "已申请待审批", "approved": "已开通", "refused": "未获批准"}
EVENT_NAMES = {f"approval.{k}": v for k, v in ACTION_NAMES.items()} | {
    "approval.reassign": "移交经办人", "file.upload": "上传材料", "file.download": "下载文件",
    "document.generate": "生成文书", "bundle.send": "组批报送", "bundle.receive": "部门签收",
    "project.create": "建立项目档案", "project.add_approval": "增加审批事项", "project.remove_approval": "删除审批事项",
    "project.facts": "修改项目信息", "project.milestone": "更新里程碑", "project.close": "关闭项目",
    "project.green_channel.request": "申请绿色通道", "project.green_channel.decide": "审批绿色通道",
    "escalation.acknowledge": "签收督办", "escalation.resolve": "督办办结", "enterprise.create": "登记企业",
    "enterprise.view_personal": "查看个人信息"}


def page(request: Request[Any, Any, Any], name: str, actor: Actor | None = None, *, status_code: int = 200,
         **context: Any) -> Template:
    user = getattr(request.state, "web_user", None) if actor is not None else None
    return Template(template_name=name, status_code=status_code, context={
        "actor": actor, "user": user, "role_name": ROLE_NAMES_ZH[actor.role] if actor else "",
        "path": request.url.path, "LEVEL_NAMES": LEVEL_NAMES, "PROJECT_STATUS_NAMES": PROJECT_STATUS_NAMES,
        "GREEN_NAMES": GREEN_NAMES, "EVENT_NAMES": EVENT_NAMES,
        "STAGE_NAMES": STAGE_NAMES, **context})


def field_errors(error: AgencyError) -> dict[str, str]:
    """The service's Invalid(field=…) and Conflict(field=…) errors, by form field."""
    result: dict[str, str] = {}
    if isinstance(error.extra, list):
        for entry in error.extra:
            if isinstance(entry, dict) and entry.get("field"):
                result.setdefault(str(entry["field"]), error.detail)
    return result or {"_form": error.detail}


_ENGLISH_TAIL = re.compile(r"（[^（）]*[A-Za-z][^（）]*）\s*$")


def zh(detail: str) -> str:
    """A service message without its trailing English explanation in full-width brackets."""
    return _ENGLISH_TAIL.sub("", detail)


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


_TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 409: "操作冲突",
           413: "文件过大", 415: "文件类型不支持", 422: "填写有误", 423: "账号已锁定", 500: "系统错误",
           503: "服务暂不可用"}


def html_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, LoginRequired):
        return Redirect(login_url(exc.next_path, exc.reason), status_code=303)
    if isinstance(exc, PasswordChangeRequired):
        return Redirect("/app/password", status_code=303)
    if isinstance(exc, AgencyError):
        status, detail = exc.status_code, exc.detail
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, str(exc.detail)
        if isinstance(exc, NotFoundException):
            status = 404
        elif isinstance(exc, PermissionDeniedException) or status == 403:
            status, detail = 403, "表单已过期或缺少安全校验码，请返回刷新页面后重试。" if "CSRF" in detail else detail
    elif isinstance(exc, StaleDataError):
        status, detail = 409, "数据已被他人修改，请刷新页面后重试。"
    else:
        log.exception("page error on %s", request.url.path, exc_info=exc)
        status, detail = 500, "系统发生错误，请稍后再试；如持续出现请联系管理员。"
    if status == 404 or isinstance(exc, NotFound):
        status, detail = 404, "您要找的页面不存在，或您无权查看。"
    body = request.app.template_engine.get_template("error.html").render(  # type: ignore[union-attr]
        status=status, title=_TITLES.get(status, "出错了"), detail=detail, actor=None, user=None,
        path=request.url.path)
    return Response(content=body, status_code=status, media_type=MediaType.HTML)


def html_exception_handlers() -> dict[Any, Any]:
    """Every key the app maps to a JSON body, mapped to an HTML page instead (router level)."""
    from agency.http import EXCEPTION_HANDLERS

    return {**dict.fromkeys(EXCEPTION_HANDLERS, html_error), LoginRequired: html_error,
            PasswordChangeRequired: html_error}
