"""Chinese names of the catalog's fields and values, for the pages that show a catalog or its changes.

The file keeps its keys in English (they are the format, docs/catalog-format.md); a person reads these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agency.catalog.format_model import KIND_NAMES, STAGE_NAMES

# The nine public elements (九要素) in the order the office publishes them.
NINE_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("subject", "实施主体与申请人"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("procedure", "办理程序"),
    ("time_limit_text", "办理时限"),
    ("result", "办理结果"),
    ("fee_basis", "收费依据"),
    ("fee_standard", "收费标准"),
    ("supervision", "监督渠道"),
)

ITEM_FIELDS: Mapping[str, str] = {
    "code": "代码", "name": "事项名称", "department": "实施部门", "stage": "所属阶段", "kind": "事项类型",
    **dict(NINE_ELEMENTS),
    "statutory_limit": "法定时限", "promised_limit": "承诺时限", "statutory_limit_by_scale": "按项目规模的法定时限",
    "suspension_allowed": "可否中止计时", "extension_allowed": "可否延期", "extension_cap_workdays": "延期上限",
    "supplement_limit_workdays": "补正期限", "application_form": "申请表模板", "materials": "申请材料",
    "citations": "法律引文", "external_codes": "外部系统编码", "obligations": "决定后的企业义务", "fees": "收费项目",
}
ROUTE_FIELDS: Mapping[str, str] = {
    "code": "代码", "name": "路线名称", "description": "说明", "items": "事项及前置条件", "milestones": "节点",
    "escalation": "预警阈值", "stages": "阶段牵头部门与时限", "government_target_workdays": "政府审批用时目标",
}
DEPARTMENT_FIELDS: Mapping[str, str] = {
    "name": "部门名称", "mode": "办理方式", "contacts": "督办联系人", "kind": "单位性质",
    "reconsideration_body": "行政复议机关", "court": "管辖法院", "doc_prefix": "文书编号前缀",
}
MODE_NAMES: Mapping[str, str] = {"online": "线上办理", "offline": "线下办理（代办员录入）",
                                 "external": "省工改系统办理（同步导入）"}
DEPARTMENT_KIND_NAMES: Mapping[str, str] = {"authority": "行政机关", "utility": "公用事业单位"}
# Said without format codes a reader need not know (the office calls OFD 版式文件); PDF and DOCX are known words.
FILE_TYPE_NAMES: Mapping[str, str] = {"pdf": "PDF", "jpeg": "图片", "png": "图片", "tiff": "图片",
                                      "ofd": "国标版式文件", "docx": "DOCX"}
FEE_PER_NAMES: Mapping[str, str] = {"fixed": "每次", "piece": "每件", "m2": "每平方米", "mu": "每亩"}
OBLIGATION_UNIT_NAMES: Mapping[str, str] = {"month": "个月", "calendar_day": "日", "workday": "个工作日"}
# The coded lists of an item or route, and the key that names an entry of each.
CODED_LISTS: Mapping[str, str] = {"materials": "code", "fees": "code", "obligations": "code", "items": "item",
                                  "milestones": "code", "stages": "code", "citations": "cite"}


def file_types_text(types: list[str]) -> str:
    """[pdf, jpeg, png] → PDF、图片."""
    return "、".join(dict.fromkeys(FILE_TYPE_NAMES.get(t, t) for t in types))


def limit_text(limit: Any) -> str:
    """{count: 3, unit: workday} → 3 个工作日; none → 无法定时限."""
    if not limit:
        return "无法定时限"
    count, unit = (limit.get("count"), limit.get("unit")) if isinstance(limit, dict) else (limit.count, limit.unit)
    return f"{count} 个工作日" if unit == "workday" else f"{count} 日（自然日）"


def value_text(field: str, value: Any) -> str | None:
    """A short value as a person reads it; None when it is too long or structured to show inline."""
    if field in ("statutory_limit", "promised_limit"):
        return limit_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "未设定"
    if isinstance(value, int):
        return f"{value} 个工作日" if field.endswith("_workdays") else str(value)
    if field == "stage":
        return STAGE_NAMES.get(str(value), str(value))
    if field == "kind":
        return KIND_NAMES.get(str(value)) or DEPARTMENT_KIND_NAMES.get(str(value), str(value))
    if field == "mode":
        return MODE_NAMES.get(str(value), str(value))
    if isinstance(value, str) and len(value) <= 40 and "\n" not in value:
        return value
    return None
