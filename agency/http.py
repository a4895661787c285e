"""Turns every exception into the error body of API.md: ``{status_code, detail, extra}``.

Bad input never reaches the 500 handler: malformed JSON is a 400, a field that fails validation a
422 naming the field, and a database that is down a 503. What is left over is a 500 whose body says
nothing about the code; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from agency.calendar.workdays import CalendarRangeError
from agency.errors import AgencyError

log = logging.getLogger("agency.http")

_PATH_RE = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_QUOTED_RE = re.compile(r"`([^`]+)`")

# Friendlier words for the messages msgspec gives, so a clerk can read them.
_HTTP_DETAILS = {
    404: "未找到该资源（Not found）",
    405: "不支持该请求方法（Method not allowed）",
    401: "未登录或登录已失效（Not authenticated）",
    403: "无权执行该操作（Forbidden）",
}


class AgencyRequest(Request[Any, Any, Any]):
    """The request of every route: a JSON body nested deeper than the decoder recurses (``[[[[…]]]]``, even
    unauthenticated, on the login) is the client's error, a 400, not a RecursionError and a 500."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("JSON 嵌套层数过多（JSON nested too deeply）") from None


def error_response(status_code: int, detail: str, extra: Any = None) -> Response[dict[str, Any]]:
    return Response(
        {"status_code": status_code, "detail": detail, "extra": extra},
        status_code=status_code,
        media_type="application/json",
    )


def _field_of(message: str, cause: BaseException | None) -> tuple[str, str]:
    """The offending field's dotted path and msgspec's message without the path suffix."""
    text = str(cause) if cause is not None else message
    match = _PATH_RE.search(text)
    path = match.group("path") if match else ""
    bare = _PATH_RE.sub("", text)
    path = path.removeprefix("data").lstrip(".")
    # A missing or unknown field is reported at its parent object: name the field itself.
    if bare.startswith(("Object missing required field", "Object contains unknown field")):
        named = _QUOTED_RE.search(bare)
        if named:
            path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path, bare


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    cause = exc.__cause__
    for item in exc.extra if isinstance(exc.extra, list) else []:
        source = str(getattr(item.get("source"), "value", item.get("source") or "body"))
        if source == "body":
            field, message = _field_of(str(item.get("message", "")), cause)
            if (not field and message.startswith("'data'")) or message.endswith("required field `data`"):
                return error_response(400, "请求体为空：需要一个 JSON 对象（empty request body）")
            if not field:
                return error_response(400, f"请求体格式不正确：{message}（malformed request body）")
        else:
            field, message = str(item.get("key", "")), str(item.get("message", ""))
        errors.append({"field": field, "message": message, "source": source})
    if not errors:
        return error_response(400, f"请求格式不正确：{exc.detail}")
    first = errors[0]
    detail = f"字段 {first['field']} 无效：{first['message']}"
    return error_response(422, detail, errors)


def http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException):
        return validation_handler(request, exc)
    detail = exc.detail
    if exc.status_code in _HTTP_DETAILS and detail in ("", "Not Found", "Method Not Allowed", "Unauthorized",
                                                        "Forbidden", "No JWT token found in request header"):
        detail = _HTTP_DETAILS[exc.status_code]
    if exc.status_code == 400 and detail.startswith("JSON is malformed"):
        detail = f"JSON 格式错误（{detail}）"
    response = error_response(exc.status_code, detail, exc.extra or None)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def agency_handler(request: Request[Any, Any, Any], exc: AgencyError) -> Response[dict[str, Any]]:
    response = error_response(exc.status_code, exc.detail, exc.extra)
    response.headers.update(exc.headers)  # Retry-After of a 429 or a 423
    return response


def database_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    if isinstance(exc, DataError) or _caused_by_bad_value(exc):
        # A value the column cannot hold (an id beyond 64 bits, a string too long): the client's input.
        log.info("data error on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(422, "数值超出允许范围（value out of range）")
    if isinstance(exc, IntegrityError):
        log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(409, "与已有数据冲突，请刷新后重试（conflict with existing data）")
    if isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(503, "数据库暂时不可用，请稍后重试（database unavailable）")
    return internal_handler(request, exc)


def _caused_by_bad_value(exc: BaseException) -> bool:
    """asyncpg reports a value it cannot encode (an id beyond 64 bits) as a generic DBAPIError."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, OverflowError) or type(seen).__name__ == "DataError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if _is_connection_error(exc):
        log.error("service unavailable on %s %s: %r", request.method, request.url.path, exc)
        return error_response(503, "后台服务暂时不可用，请稍后重试（service unavailable）")
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "服务器内部错误，已记录，请联系管理员（internal error）")


def _is_connection_error(exc: BaseException) -> bool:
    # PoolTimeout: every database connection of this worker stayed busy for the pool's timeout.
    return isinstance(exc, ConnectionError | TimeoutError | OSError | PoolTimeout) \
        and not isinstance(exc, FileNotFoundError)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    AgencyError: agency_handler,
    HTTPException: http_handler,
    DBAPIError: database_handler,
    StaleDataError: lambda request, exc: error_response(
        409, "数据已被他人修改，请刷新后重试（stale version）", [{"field": "version", "message": "stale version"}]),
    msgspec.ValidationError: lambda request, exc: error_response(422, f"数据校验失败：{exc}"),
    CalendarRangeError: lambda request, exc: error_response(
        422, f"日期超出工作日历支持的范围（{exc}）", [{"field": "date", "message": str(exc)}]),
    OverflowError: lambda request, exc: error_response(422, "数值超出允许范围（value out of range）"),
    UnicodeDecodeError: lambda request, exc: error_response(400, "请求体不是有效的 UTF-8 文本（invalid UTF-8）"),
    Exception: internal_handler,
}
