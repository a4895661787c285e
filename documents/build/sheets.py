"""The papers that are forms and lists: a bordered grid in 小四/五号, little running text."""

from __future__ import annotations

from docx.document import Document as DocumentObject
from docx.table import Table

from documents.build.kit import (
    FORM_PT,
    TABLE_PT,
    C,
    loop_row,
    new_document,
    paragraph,
    right_left_line,
    row,
    signature,
    table,
    title,
)
from documents.forms import ApplicationFormSpec, FormField

# label | value | label | value = 15.6 cm; a value cell holds an 18-character credit code in 小四.
_LABEL_W, _VALUE_W = 2.6, 5.2


def _pairs(t: Table, rows: list[list[C | str]], *, height_cm: float = 0.85) -> None:
    for cells in rows:
        row(t, cells, size=FORM_PT, height_cm=height_cm)


def registration_form() -> DocumentObject:
    doc = new_document("代办服务登记表", body_pt=FORM_PT)
    title(doc, "代办服务登记表")
    right_left_line(doc, "登记编号：{{ doc_number }}", "登记日期：{{ issued_on|cn_date }}")
    t = table(doc, (_LABEL_W, _VALUE_W, _LABEL_W, _VALUE_W))
    wide = 3
    _pairs(
        t,
        [
            ["企业名称", C("{{ enterprise.name }}", span=wide, align="left")],
            ["统一社会\n信用代码", "{{ enterprise.credit_code }}", "所在园区", "{{ enterprise.park }}"],
            ["法定代表人", "{{ enterprise.legal_representative }}", "联系人", "{{ enterprise.contact_name }}"],
            ["联系电话", "{{ enterprise.contact_phone }}", "企业地址", C("{{ enterprise.address }}", align="left")],
            ["项目名称", C("{{ project.name }}", span=wide, align="left")],
            ["项目代码", "{{ project.investment_code }}", "档案编号", "{{ project.code }}"],
            ["建设地点", C("{{ project.location }}", span=wide, align="left")],
            [
                "总投资\n（万元）",
                "{{ project.investment_wan|num }}",
                "用地面积\n（亩）",
                "{{ project.land_area_mu|num }}",
            ],
            [
                "总建筑面积\n（平方米）",
                "{{ project.building_area_m2|num }}",
                "计划开工\n竣工日期",
                "{{ project.planned_start|cn_date }}\n{{ project.planned_completion|cn_date }}",
            ],
            ["建设内容", C("{{ project.construction_content }}", span=wide, align="left")],
            [
                "服务方式",
                "{{ service_mode }}",
                "绿色通道",
                "{{ green_channel|check }} 是　　{{ (not green_channel)|check }} 否",
            ],
            ["项目来源", "{{ source }}", "代办员", "{{ project.clerk_name }}\n{{ project.clerk_phone }}"],
            ["备注", C("{{ remarks }}", span=wide, align="left")],
        ],
    )
    paragraph(doc, "拟办审批事项", size=FORM_PT, font="SimHei", align="left", before=10, after=4, keep_next=True)
    plan = table(doc, (1.0, 5.2, 4.0, 2.2, 3.2))
    row(plan, ["序号", "事项名称", "实施部门", "承诺时限", "计划办结日期"], header=True)
    loop_row(plan, "{%tr for a in approvals %}")
    row(
        plan,
        [
            "{{ loop.index }}",
            C("{{ a.name }}", align="left"),
            C("{{ a.department }}", align="left"),
            "{{ a.promised_limit }}",
            "{{ a.target_on|cn_date }}",
        ],
        height_cm=0.65,
    )
    loop_row(plan, "{%tr endfor %}")
    paragraph(doc, "")
    sign = table(doc, (7.8, 7.8), borders=False)
    row(
        sign,
        [
            C("企业经办人（签字）：", align="left"),
            C("代办员（签字）：{{ project.clerk_name }}", align="left"),
        ],
        size=FORM_PT,
        height_cm=1.0,
    )
    return doc


def transmittal_list() -> DocumentObject:
    doc = new_document("材料移交清单", body_pt=FORM_PT)
    title(doc, "材料移交清单")
    right_left_line(doc, "批次编号：{{ bundle_code }}", "{{ doc_number }}")
    info = table(doc, (_LABEL_W, _VALUE_W, _LABEL_W, _VALUE_W))
    _pairs(
        info,
        [
            ["项目名称", C("{{ project.name }}", span=3, align="left")],
            ["申请单位", C("{{ enterprise.name }}", span=3, align="left")],
            ["移交单位", C("{{ center.office_name }}", align="left"), "接收部门", C("{{ department }}", align="left")],
            ["移交日期", "{{ issued_on|cn_date }}", "代办员", "{{ project.clerk_name }}\n{{ project.clerk_phone }}"],
        ],
    )
    paragraph(doc, "移交材料", size=FORM_PT, font="SimHei", align="left", before=10, after=4, keep_next=True)
    files = table(doc, (1.0, 3.8, 5.4, 2.0, 3.4))
    row(files, ["序号", "材料名称", "文件名", "页数/大小", "SHA-256\n（前12位）"], header=True)
    loop_row(files, "{%tr for a in approvals %}")
    row(
        files,
        [
            C(
                "审批事项：{{ a.name }}{% if a.case_number %}（编号：{{ a.case_number }}）{% endif %}"
                "　共{{ a.files|length }}个文件",
                span=5,
                align="left",
                bold=True,
            )
        ],
        height_cm=0.7,
    )
    loop_row(files, "{%tr for f in a.files %}")
    row(
        files,
        [
            "{{ loop.index }}",
            C("{{ f.material }}", align="left"),
            C("{{ f.filename }}", align="left"),
            "{% if f.pages %}{{ f.pages }}页{% else %}{{ f.size_bytes|filesize }}{% endif %}",
            C("{{ f.sha256|short_hash }}", font="Courier New"),
        ],
        height_cm=0.6,
    )
    loop_row(files, "{%tr endfor %}")
    loop_row(files, "{%tr endfor %}")
    row(
        files,
        [
            "合计",
            C(
                "共{{ approvals|length }}个审批事项，{{ file_count }}个文件，合计{{ total_bytes|filesize }}",
                span=4,
                align="left",
            ),
        ],
    )
    paragraph(
        doc,
        "注：电子文件随本清单一并移交，SHA-256 校验值用于核对文件在移交后未被改动。",
        size=TABLE_PT,
        align="left",
        before=4,
    )
    paragraph(doc, "")
    sign = table(doc, (7.8, 7.8), borders=False)
    for left, right in (
        ("移交人（签字）：{{ sender_name }}", "接收人（签字）：{{ receiver_name }}"),
        ("移交时间：{{ issued_on|cn_date }}", "接收时间：　　　　年　　月　　日"),
    ):
        row(sign, [C(left, align="left"), C(right, align="left")], size=FORM_PT, height_cm=1.0)
    return doc


def progress_report() -> DocumentObject:
    # Landscape: eight columns of long names would wrap every row on a portrait page.
    doc = new_document("项目进度报告", body_pt=FORM_PT, landscape=True)
    title(doc, "项目进度报告", after=0)
    paragraph(doc, "（截至{{ as_of|cn_date }}）", size=FORM_PT, align="center", after=2)
    paragraph(doc, "{{ doc_number }}", size=FORM_PT, align="center", after=8)
    info = table(doc, (2.4, 9.45, 2.4, 9.45))
    _pairs(
        info,
        [
            ["项目名称", C("{{ project.name }}", align="left"), "申请单位", C("{{ enterprise.name }}", align="left")],
            [
                "项目代码",
                "{{ project.investment_code }}（档案编号 {{ project.code }}）",
                "代办员",
                "{{ project.clerk_name }}　{{ project.clerk_phone }}"],
            [
                "绿色通道",
                "{{ '是' if green_channel else '否' }}",
                "预计办结",
                "{{ forecast_completion|cn_date }}{% if forecast_provisional %}（暂定）{% endif %}",
            ],
        ],
        height_cm=0.75,
    )
    paragraph(
        doc,
        "本项目共{{ rows|length }}个审批事项，已办结"
        "{{ rows|selectattr('status', 'in', ['approved', '已办结'])|list|length }}个；"
        "红牌{{ rows|selectattr('level', 'in', ['red', 'l3', '红牌', '督办'])|list|length }}个，"
        "黄牌{{ rows|selectattr('level', 'in', ['yellow', '黄牌'])|list|length }}个"
        "{% if forecast_workdays is not none %}；预计还需{{ forecast_workdays }}个工作日{% endif %}。",
        size=FORM_PT,
        indent=True,
        before=6,
        after=6,
    )
    t = table(doc, (1.0, 2.6, 7.1, 4.4, 1.9, 3.2, 2.0, 1.5))
    row(t, ["序号", "阶段", "审批事项", "实施部门", "状态", "应办结日期", "剩余工作日", "预警"], header=True)
    loop_row(t, "{%tr for r in rows %}")
    row(
        t,
        [
            "{{ loop.index }}",
            "{{ r.stage }}",
            C("{{ r.name }}", align="left"),
            C("{{ r.department }}", align="left"),
            "{{ r.status|status_zh }}",
            "{{ r.due_on|cn_date }}{% if r.provisional %}*{% endif %}",
            "{% if r.remaining_workdays is not none %}{% if r.remaining_workdays < 0 %}超"
            "{{ -r.remaining_workdays }}{% else %}{{ r.remaining_workdays }}{% endif %}{% endif %}",
            "{% cellbg r.level|level_fill %}{{ r.level|level_zh if r.level != 'none' else '' }}",
        ],
        height_cm=0.55,
    )
    loop_row(t, "{%tr endfor %}")
    paragraph(
        doc,
        "注：带 * 的日期取决于尚未公布的次年节假日安排，为暂定日期，公布后自动重算；“超3”指已超期3个工作日。",
        size=TABLE_PT,
        align="left",
        before=4,
    )
    paragraph(doc, "{% if remarks %}说明：{{ remarks }}{% endif %}", size=FORM_PT, align="left", before=4)
    signature(doc, ["{{ center.office_name }}", "{{ issued_on|cn_date }}"], size=FORM_PT, before=12)
    return doc


def _value(field: FormField) -> str:
    if field.path is None:
        return ""
    suffix = {"text": "", "date": "|cn_date", "num": "|num"}[field.format]
    return f"{{{{ {field.path}{suffix} }}}}"


def _label(text: str) -> str:
    """Break a long label where a reader would: before its unit, else in the middle."""
    if len(text) <= 6:
        return text
    cut = text.find("（")
    if cut <= 0:
        cut = (len(text) + 1) // 2
    return f"{text[:cut]}\n{text[cut:]}"


def application_form(spec: ApplicationFormSpec) -> DocumentObject:
    doc = new_document(spec.title, body_pt=FORM_PT)
    title(doc, spec.title)
    right_left_line(doc, "受理部门：{{ department }}", "编号：{{ doc_number }}")
    t = table(doc, (3.0, 4.8, 3.0, 4.8))
    pending: list[C | str] = []
    for field in spec.fields:
        if field.wide:
            if pending:  # a half row left open before a wide one: let it run to the margin
                pending[-1] = C(_value_of(pending[-1]), span=3, align="left")
                _pairs(t, [pending])
                pending = []
            _pairs(t, [[_label(field.label), C(_value(field), span=3, align="left")]])
            continue
        pending += [_label(field.label), C(_value(field), align="left")]
        if len(pending) == 4:
            _pairs(t, [pending])
            pending = []
    if pending:
        pending[-1] = C(_value_of(pending[-1]), span=3, align="left")
        _pairs(t, [pending])
    _pairs(t, [["申请事项", C("{{ item_name }}", span=3, align="left")]])
    row(
        t,
        [
            "申请人\n承诺",
            C(
                f"{spec.pledge}\n申请单位（盖章）：　　　　　　法定代表人（签字）：\n{{{{ issued_on|cn_date }}}}",
                span=3,
                align="left",
            ),
        ],
        size=FORM_PT,
        height_cm=2.6,
    )
    row(
        t,
        ["受理部门\n意见", C("\n经办人：　　　　　　　　　　　　　　年　　月　　日", span=3, align="left")],
        size=FORM_PT,
        height_cm=2.4,
    )
    return doc


def _value_of(cell: C | str) -> str:
    return cell.text if isinstance(cell, C) else cell


__all__ = ["application_form", "progress_report", "registration_form", "transmittal_list"]
