"""Form input → the API's request Structs, with field-level messages in Chinese."""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.params import QueryParameter

from agency.schemas import MAX_ID

# A list page's ``site`` filter: a site's code (agency.sites), or empty for every site.
SiteCode = Annotated[str | None, QueryParameter(pattern="^([a-z][a-z0-9_-]{0,31})?$")]

T = TypeVar("T", bound=msgspec.Struct)

_PATH = re.compile(r"at `\$\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)")
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")

MESSAGES = {
    "credit_code": "请输入 18 位统一社会信用代码。",
    "name": "请输入名称（2–200 个字）。",
    "legal_representative": "请输入法定代表人姓名。",
    "contact_name": "请输入联系人姓名。",
    "contact_phone": "请输入有效的联系电话（数字，可含 +、空格和 -，5–20 位）。",
    "address": "请输入地址（至少 2 个字）。",
    "enterprise_id": "请选择企业。",
    "route_code": "请选择审批路线。",
    "investment_wan": "请输入大于 0 的投资额（万元）。",
    "location": "请输入建设地点（至少 2 个字）。",
    "land_area_mu": "用地面积须为大于 0 的数字（亩），不填可留空。",
    "reason": "请填写理由（至少 4 个字）。",
    "days": "请输入 1–365 之间的整数天数。",
    "valid_until": "请输入有效日期（年-月-日）。",
    "effective_on": "请输入实际办理日期（年-月-日，不晚于今天）。",
    "certificate_no": "证书编号不超过 100 个字。",
    "missing_materials": "请勾选需补正的材料。",
    "version": "页面已过期，请刷新后重试。",
    "action": "请选择要办理的操作。",
}


def convert(data: dict[str, Any], struct: type[T], *, optional: tuple[str, ...] = ()) -> tuple[T | None,
                                                                                             dict[str, str]]:
    """The Struct, or the first failing field and a message a clerk can act on."""
    given = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()
             if k in struct.__struct_fields__}
    for key in optional:
        if given.get(key) == "":
            given.pop(key)
    try:
        return msgspec.convert(given, struct, strict=False), {}
    except msgspec.ValidationError as error:
        text = str(error)
        match = _MISSING.search(text) or _PATH.search(text)
        field = match.group("field") if match else "_form"
        return None, {field: MESSAGES.get(field, "此项填写有误，请检查。")}


def form_id(value: object) -> int | None:
    """An id typed or posted in a form, or None when it is not one (empty, not a number, beyond any row's id)."""
    text = str(value or "").strip()
    if not text.isdecimal() or not text.isascii() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def form_ids(values: list[object]) -> list[int] | None:
    """Several ids (checkboxes); None when any of them is not an id."""
    ids = [form_id(v) for v in values]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]
