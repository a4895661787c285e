"""Rendering helpers shared by the pages: the page template response, form errors, error pages."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.orm.exc import StaleDataError

from agency.access import ROLE_NAMES_ZH, Actor
from agency.accounts.passwords import RULE_ZH as PASSWORD_RULE
from agency.approvals.rules import ACTION_NAMES, status_name
from agency.catalog.format_model import STAGE_NAMES
from agency.errors import AgencyError, NotFound
from agency.schemas import MAX_ID
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
    "project.handover": "移交项目", "fee.assess": "核定收费", "fee.payment": "登记缴款", "fee.refund": "退费",
    "fee.cancel": "撤销收费", "fee.reconcile": "收费对账",
    "project.facts": "修改项目信息", "project.milestone": "更新里程碑", "project.close": "关闭项目",
    "project.green_channel.request": "申请绿色通道", "project.green_channel.decide": "审批绿色通道",
    "escalation.acknowledge": "签收督办", "escalation.resolve": "督办办结", "enterprise.create": "登记企业",
    "enterprise.view_personal": "查看个人信息", "bundle.archive_download": "下载报送材料包",
    "project.archive_download": "下载项目档案", "approval.deemed_accept": "逾期视为受理（行政许可法第三十二条）",
    "file.withdraw": "撤回材料文件", "file.accept": "采纳企业上传的材料", "file.return": "退回企业上传的材料",
    "material.state": "确定材料状态", "project.mandate_pause": "企业中止代办",
    "project.mandate_resume": "企业续办代办", "commitment_check.confirmed": "告知承诺核查属实",
    "commitment_check.false": "告知承诺核查不实", "escalation.withdraw": "撤销预警",
    "document.revoke": "撤销文书",
    "auth.login": "登录", "auth.logout": "退出登录", "auth.session_idle_timeout": "长时间未操作自动退出",
    "calendar.import": "导入工作日历", "calendar.set_day": "调整工作日历", "catalog.import": "导入事项目录",
    "department.update": "修改部门信息", "enterprise.update": "修改企业信息", "escalation.sweep": "电子监察巡查",
    "evaluation.appeal": "对差评提出申诉", "evaluation.appeal_decision": "处理差评申诉",
    "evaluation.create": "企业评价", "ranking_criteria.update": "修改评比标准",
    "file.upload_decision": "上传审批决定文书", "follow_up.close": "差评整改回访办结",
    "integration.create_key": "生成外部系统接口密钥", "integration.revoke_key": "吊销外部系统接口密钥",
    "meeting.acknowledge": "签收协调会纪要", "meeting.call": "召集协调会", "meeting.minutes": "录入协调会纪要",
    "notification.dead": "通知多次发送失败", "notification.read": "阅读通知", "notification.retry": "重发通知",
    "obligation.extend": "延长承诺事项期限", "obligation.meet": "承诺事项已履行",
    "problem.log": "登记协调问题", "problem.decision": "协调会决定", "problem.respond": "答复问题进展",
    "problem.resolve": "问题标记已解决", "problem.confirm": "确认问题已解决", "problem.reopen": "重新打开问题",
    "project.investment_code": "填写投资项目代码", "project.update": "修改项目信息",
    "rating_link.issue": "向企业发送评价链接", "rectification.reply": "答复整改",
    "rectification.verdict": "认定整改结果",
    "site.save": "保存办事站点", "sync.apply": "采用省系统同步结果", "sync.correct": "作为更正采用省系统同步结果",
    "sync.discard": "舍弃省系统同步结果",
    "sync.match": "匹配省系统同步记录", "sync.receive": "接收省系统同步记录", "template.upload": "上传文书模板",
    "user.create": "新建用户", "user.update": "修改用户", "user.password_change": "修改密码",
    "user.password_reset": "重置密码", "user.lock": "锁定账号", "user.unlock": "解锁账号", "user.activate": "启用账号",
    "user.deactivate": "停用账号"}
# An action of a kind the list above does not name yet: its object, in Chinese, never the code.
_OBJECT_NAMES = {"approval": "审批事项", "project": "项目", "file": "材料文件", "document": "文书",
                 "bundle": "报送批次",
                 "user": "用户", "enterprise": "企业", "escalation": "督办", "fee": "收费", "meeting": "协调会",
                 "problem": "协调问题", "evaluation": "评价", "notification": "通知", "sync": "省系统同步",
                 "catalog": "事项目录", "calendar": "工作日历", "obligation": "承诺事项", "site": "办事站点"}


def event_name(action: str) -> str:
    """What an entry of a 办理记录 did, in words (``rating_link.issue`` → 向企业发送评价链接)."""
    return EVENT_NAMES.get(action) or _OBJECT_NAMES.get(action.partition(".")[0], "系统") + "操作"


def actor_name(username: str | None) -> str:
    """Who did it: the system's own jobs (the sweep, the rating links sent at the end) are 系统."""
    return "系统" if username in (None, "", "system") else str(username)


def page(request: Request[Any, Any, Any], name: str, actor: Actor | None = None, *, status_code: int = 200,
         headers: dict[str, str] | None = None, **context: Any) -> Template:
    user = getattr(request.state, "web_user", None) if actor is not None else None
    for key in ("err", "error"):  # a service message shown on the page: its Chinese half only
        if isinstance(context.get(key), str):
            context[key] = zh(context[key])
    if isinstance(context.get("errors"), dict):
        context["errors"] = {k: zh(v) if isinstance(v, str) else v for k, v in context["errors"].items()}
    return Template(template_name=name, status_code=status_code, headers=headers, context={
        "actor": actor, "user": user, "role_name": ROLE_NAMES_ZH[actor.role] if actor else "",
        "path": request.url.path, "LEVEL_NAMES": LEVEL_NAMES, "PROJECT_STATUS_NAMES": PROJECT_STATUS_NAMES,
        "GREEN_NAMES": GREEN_NAMES, "EVENT_NAMES": EVENT_NAMES, "event_name": event_name, "actor_name": actor_name,
        "STAGE_NAMES": STAGE_NAMES, "approval_status": approval_status, "PASSWORD_RULE": PASSWORD_RULE,
        **context})


def approval_status(approval: Any) -> str:
    """An approval's status as every page shows it: a notice given before acceptance reads 待补正 (the status
    stays ``preparing``)."""
    return status_name(approval.status, approval.pending_supplement)


def field_errors(error: AgencyError) -> dict[str, str]:
    """The service's Invalid(field=…) and Conflict(field=…) errors, by form field."""
    result: dict[str, str] = {}
    if isinstance(error.extra, list):
        for entry in error.extra:
            if isinstance(entry, dict) and entry.get("field"):
                result.setdefault(str(entry["field"]), zh(error.detail))
    return result or {"_form": zh(error.detail)}


# A bracketed aside with no Chinese in it and English words: the service messages' English half for the API's
# developers ("（password must have at least 10 characters）", "（type not accepted）").
_ENGLISH_ASIDE = re.compile(r"\s*[（(][^（）()\u3400-\u9fff]*[A-Za-z]{3,}[^（）()\u3400-\u9fff]*[）)]")


def zh(detail: str) -> str:
    """A service message without its English explanations in brackets."""
    return _ENGLISH_ASIDE.sub("", detail).strip()


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
    elif isinstance(exc, ValidationException):
        status, detail = 400, _bad_query(exc)
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, zh(str(exc.detail))
        if status == 405:
            status = 404  # a page only a form posts to: nothing to see at that address
        if isinstance(exc, NotFoundException):
            status = 404
        elif isinstance(exc, PermissionDeniedException) or status == 403:
            status, detail = 403, "表单已过期或缺少安全校验码，请返回刷新页面后重试。" if "CSRF" in detail else detail
    elif isinstance(exc, StaleDataError):
        status, detail = 409, "数据已被他人修改，请刷新页面后重试。"
    elif (known := _api_answer(request, exc)) is not None:
        status, detail = known  # what the API answers for it (a value beyond a column, the database down …)
    else:
        log.exception("page error on %s", request.url.path, exc_info=exc)
        status, detail = 500, "系统发生错误，请稍后再试；如持续出现请联系管理员。"
    if status == 404 or isinstance(exc, NotFound):
        status, detail = 404, "您要找的页面不存在，或您无权查看。"
    body = request.app.template_engine.get_template("error.html").render(  # type: ignore[union-attr]
        status=status, title=_TITLES.get(status, "出错了"), detail=detail, actor=None, user=None,
        path=request.url.path)
    headers = exc.headers if isinstance(exc, AgencyError) else None  # Retry-After of a 429 or a 423
    return Response(content=body, status_code=status, media_type=MediaType.HTML, headers=headers)


# The query parameters of the pages' filters, as the user knows them.
_PARAMETER_NAMES = {"status": "状态", "green": "绿色通道", "level": "预警级别", "work": "工作视图", "mine": "只看我的",
                    "page": "页码", "page_no": "页码", "year": "年份", "from": "开始日期", "to": "截止日期",
                    "date_from": "开始日期", "date_to": "截止日期", "q": "搜索词", "enterprise_id": "企业",
                    "created": "新建标记", "next": "跳转地址", "reason": "退出原因"}


def _bad_query(exc: ValidationException) -> str:
    """A filter or page number in the address that no list knows, named the way the page names it; a form whose
    fields could not be read at all."""
    items = [item for item in exc.extra if isinstance(item, dict)] if isinstance(exc.extra, list) else []
    keys = [str(item.get("key") or "") for item in items
            if str(getattr(item.get("source"), "value", item.get("source") or "")) in ("query", "path")]
    if not keys and items:
        return "提交的表单内容有误，请返回页面检查后重新提交。"
    named = "、".join(f"“{_PARAMETER_NAMES.get(key, '筛选条件')}”" for key in dict.fromkeys(keys) if key)
    return f"地址中的{named or '筛选条件'}取值无效，请返回页面重新选择。"


def _api_answer(request: Request[Any, Any, Any], exc: Exception) -> tuple[int, str] | None:
    """The status and message the JSON API gives this exception (agency/http.py), unless that is a 500."""
    from agency.http import EXCEPTION_HANDLERS

    for kind in type(exc).__mro__:
        handler = EXCEPTION_HANDLERS.get(kind)
        if handler is not None and kind is not Exception:
            response = handler(request, exc)
            if response.status_code < 500 or response.status_code == 503:
                return response.status_code, zh(str(response.content.get("detail", "")))
            return None
    return None


async def ids_in_range(request: Request[Any, Any, Any]) -> None:
    """An id in a page's path beyond what a row can have names nothing: the page is not found (404), as for
    any id that does not exist, instead of a value the database cannot even hold."""
    for value in request.path_params.values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFound("no such page")


PAGE_PATHS = ("/app", "/login", "/logout", "/rate/", "/verify/")
PROGRAM_PATHS = ("/api", "/schema", "/health")  # answered in JSON, for programs


def pages_answer_html(handlers: dict[Any, Any]) -> dict[Any, Any]:
    """The app's JSON error handlers, answering with an HTML error page for an address of the pages, and for any
    other address but the API's that a browser asks for: what the router of the pages never sees (no route at
    that address, a path segment of the wrong type, a method the route does not take) is still a page in the
    app's style, not a JSON body in a browser."""

    def either(handler: Any) -> Any:
        def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            path = request.url.path
            if path == "/" or path.startswith(PAGE_PATHS) or (
                    not path.startswith(PROGRAM_PATHS) and "text/html" in request.headers.get("accept", "")):
                return html_error(request, exc)
            return handler(request, exc)  # type: ignore[no-any-return]
        return answer

    return {kind: either(handler) for kind, handler in handlers.items()}


def html_exception_handlers() -> dict[Any, Any]:
    """Every key the app maps to a JSON body, mapped to an HTML page instead (router level)."""
    from agency.http import EXCEPTION_HANDLERS

    return {**dict.fromkeys(EXCEPTION_HANDLERS, html_error), LoginRequired: html_error,
            PasswordChangeRequired: html_error}
