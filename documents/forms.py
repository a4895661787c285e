"""Application forms (申请表): one template per catalog item, filled from the dossier.

A form is described once here — which facts it prints, in which order, under which Chinese label —
and that description serves three purposes: the template builder lays the form out from it,
``missing_fields`` tells the clerk which facts to complete before printing, and the registry gets one
``application_form/<item_code>`` entry per form. Rows without a fact path are printed empty, for the
applicant to fill in by hand (things the dossier does not know, e.g. a contract price).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal

from documents.contexts import PaperContext

__all__ = [
    "APPLICATION_FORMS",
    "ApplicationFormContext",
    "ApplicationFormSpec",
    "FormField",
    "missing_fields",
]


class ApplicationFormContext(PaperContext, frozen=True, kw_only=True):
    item_code: str
    item_name: str
    department: str


FieldFormat = Literal["text", "date", "num"]


@dataclass(frozen=True, slots=True)
class FormField:
    label: str
    path: str | None = None  # "project.location"; None = a blank the applicant fills in
    format: FieldFormat = "text"
    wide: bool = False  # takes a whole row (long text such as 建设内容)


@dataclass(frozen=True, slots=True)
class ApplicationFormSpec:
    item_code: str
    title: str  # 企业投资项目备案申请表
    item_name: str  # 企业投资项目备案
    department: str
    fields: tuple[FormField, ...]
    # A sentence the applicant signs, specific to the item where the law asks for one.
    pledge: str = "本单位承诺所填信息及所附申请材料真实、准确、完整、有效，如有虚假，愿承担相应法律责任。"


_APPLICANT: Final = (
    FormField("申请单位", "enterprise.name", wide=True),
    FormField("统一社会信用代码", "enterprise.credit_code"),
    FormField("法定代表人", "enterprise.legal_representative"),
    FormField("联系人", "enterprise.contact_name"),
    FormField("联系电话", "enterprise.contact_phone"),
    FormField("单位地址", "enterprise.address", wide=True),
)


def _form(
    item_code: str, item_name: str, department: str, *fields: FormField, pledge: str | None = None
) -> ApplicationFormSpec:
    spec = ApplicationFormSpec(
        item_code=item_code,
        title=f"{item_name}申请表",
        item_name=item_name,
        department=department,
        fields=(*_APPLICANT, *fields),
    )
    return spec if pledge is None else replace(spec, pledge=pledge)


_PROJECT_NAME = FormField("项目名称", "project.name", wide=True)
_PROJECT_CODE = FormField("项目代码", "project.investment_code")
_LOCATION = FormField("建设地点", "project.location", wide=True)
_INVESTMENT = FormField("总投资（万元）", "project.investment_wan", "num")
_LAND = FormField("用地面积（亩）", "project.land_area_mu", "num")
_AREA = FormField("总建筑面积（㎡）", "project.building_area_m2", "num")
_CONTENT = FormField("建设规模及内容", "project.construction_content", wide=True)
_START = FormField("计划开工日期", "project.planned_start", "date")
_FINISH = FormField("计划竣工日期", "project.planned_completion", "date")
_DESIGN = FormField("设计单位", "project.design_unit", wide=True)
_BUILDER = FormField("施工单位", "project.construction_unit", wide=True)
_SUPERVISOR = FormField("监理单位", "project.supervision_unit", wide=True)

# Keyed by catalog item code: the demo catalog (agency/catalog/data/demo_catalog.yaml) refers to
# these forms as ``application_form: application_form/<item code>``.
APPLICATION_FORMS: Final[Mapping[str, ApplicationFormSpec]] = {
    spec.item_code: spec
    for spec in (
        _form(
            "xmba",
            "企业投资项目备案",
            "发展和改革局",
            _PROJECT_NAME,
            _LOCATION,
            _INVESTMENT,
            FormField("固定资产投资（万元）"),
            _LAND,
            _AREA,
            _START,
            _FINISH,
            _CONTENT,
            pledge="本单位承诺：项目符合国家产业政策，所填备案信息真实、准确、完整，如有虚假，愿承担相应法律责任。",
        ),
        _form(
            "ydghxk",
            "建设用地规划许可",
            "自然资源和规划局",
            _PROJECT_NAME,
            _PROJECT_CODE,
            FormField("土地出让合同编号"),
            _LOCATION,
            _LAND,
            FormField("用地性质"),
            _CONTENT,
        ),
        _form(
            "gcghxk",
            "建设工程规划许可",
            "自然资源和规划局",
            _PROJECT_NAME,
            _PROJECT_CODE,
            _LOCATION,
            _LAND,
            _AREA,
            FormField("建筑层数 / 高度"),
            _DESIGN,
            _CONTENT,
        ),
        _form(
            "hp",
            "环境影响评价审批",
            "生态环境分局",
            _PROJECT_NAME,
            _PROJECT_CODE,
            _LOCATION,
            _INVESTMENT,
            FormField("环保投资（万元）"),
            FormField("环评文件类别", wide=True),
            FormField("环评文件编制单位", wide=True),
            FormField("项目概况", "project.description", wide=True),
        ),
        _form(
            "sgxk",
            "建筑工程施工许可",
            "住房和城乡建设局",
            _PROJECT_NAME,
            _PROJECT_CODE,
            _LOCATION,
            _AREA,
            FormField("合同价格（万元）"),
            _START,
            _FINISH,
            _DESIGN,
            _BUILDER,
            _SUPERVISOR,
            _CONTENT,
        ),
        _form(
            "xfsj",
            "特殊建设工程消防设计审查",
            "住房和城乡建设局",
            _PROJECT_NAME,
            _PROJECT_CODE,
            _LOCATION,
            _AREA,
            FormField("使用性质"),
            FormField("建筑高度 / 层数"),
            FormField("耐火等级"),
            _DESIGN,
            _BUILDER,
            FormField("工程概况", "project.description", wide=True),
        ),
    )
}


def _lookup(context: object, path: str) -> object:
    value = context
    for part in path.split("."):
        value = getattr(value, part)
    return value


def missing_fields(context: ApplicationFormContext) -> list[str]:
    """The Chinese labels of the facts this item's form prints but the dossier leaves empty.

    Blank-by-design rows (no fact path) are not listed: the applicant writes those by hand.
    Raises ``KeyError`` when ``context.item_code`` has no application form.
    """
    try:
        spec = APPLICATION_FORMS[context.item_code]
    except KeyError:
        raise KeyError(f"no application form for catalog item {context.item_code!r}") from None
    missing: list[str] = []
    for field in spec.fields:
        if field.path is None:
            continue
        value = _lookup(context, field.path)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(field.label)
    return missing
