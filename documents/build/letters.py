"""The papers written as letters: body text in 三号 宋体, a list table where one is needed, the
issuer's seal block at the end. Each function returns a python-docx Document ready to save."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from documents.build.kit import (
    BODY_PT,
    FORM_PT,
    HEI,
    C,
    doc_number,
    loop_row,
    new_document,
    paragraph,
    row,
    signature,
    table,
    title,
)

_RIGHTS = (
    "如对本决定不服，可以自收到本告知书之日起六十日内向"
    "{{ center.reconsideration_body }}申请行政复议，或者自收到本告知书之日起六个月内依法向"
    "{{ center.court }}提起行政诉讼。"
)


# Letters that carry a list table use 四号 (14 pt) so that text, table and seal fit on one page;
# a letter of text only keeps the 三号 (16 pt) of GB/T 9704.
LIST_PT = 14.0


def _body(doc: DocumentObject, text: str, *, size: float = BODY_PT, before: float = 0, keep_next: bool = False) -> None:
    paragraph(doc, text, size=size, indent=True, before=before, keep_next=keep_next)


def _heading(doc: DocumentObject, text: str, *, size: float = BODY_PT) -> None:
    # 一、二、… headings of a clause list: 黑体, same size as the text, as GB/T 9704 orders.
    paragraph(doc, text, size=size, font=HEI, indent=True, keep_next=True)


def _line(doc: DocumentObject, text: str, *, size: float = BODY_PT, before: float = 0) -> None:
    paragraph(doc, text, size=size, align="left", before=before)


def _receipt(doc: DocumentObject) -> None:
    paragraph(
        doc,
        "签收人：＿＿＿＿＿＿＿＿　　签收日期：　　　　年　　月　　日",
        size=FORM_PT,
        align="left",
        before=30,
    )


def authorization_letter() -> DocumentObject:
    size = LIST_PT
    doc = new_document("代办服务委托书", body_pt=size)
    title(doc, "代办服务委托书")
    doc_number(doc, size=size)
    for line in (
        "委托方（甲方）：{{ enterprise.name }}",
        "统一社会信用代码：{{ enterprise.credit_code }}",
        "法定代表人：{{ enterprise.legal_representative }}",
        "联系人：{{ enterprise.contact_name }}　　联系电话：{{ enterprise.contact_phone }}",
        "受托方（乙方）：{{ center.office_name }}",
        "地址：{{ center.address }}",
        "联系电话：{{ center.phone }}",
    ):
        _line(doc, line, size=size)
    _body(
        doc,
        "甲方投资建设的{{ project.name }}（项目代码：{{ project.investment_code or '尚未赋码' }}；"
        "档案编号：{{ project.code }}；建设地点："
        "{{ project.location }}；总投资{{ project.investment_wan|num }}万元），自愿委托乙方提供"
        "{{ service_mode }}服务。乙方指定代办员{{ project.clerk_name }}（联系电话："
        "{{ project.clerk_phone }}）具体负责。经双方协商，约定如下：",
        size=size,
        before=8,
    )
    _heading(doc, "一、委托事项", size=size)
    _body(doc, "甲方委托乙方代为办理下列审批服务事项，事项可经双方书面确认后增减：", size=size, keep_next=True)
    t = table(doc, (1.0, 7.0, 4.8, 2.8))
    row(t, ["序号", "事项名称", "实施部门", "承诺时限"], header=True)
    loop_row(t, "{%tr for item in items %}")
    row(
        t,
        [
            "{{ loop.index }}",
            C("{{ item.name }}", align="left"),
            C("{{ item.department }}", align="left"),
            "{{ item.promised_limit }}",
        ],
        height_cm=0.6,
    )
    loop_row(t, "{%tr endfor %}")
    _heading(doc, "二、甲方责任", size=size)
    _body(
        doc,
        "甲方如实提供办理上述事项所需的全部申请材料，对材料的真实性、合法性、有效性负责；"
        "按一次性告知的要求及时补正材料；依法应由申请人缴纳的费用由甲方承担；指定专人与乙方联络。",
        size=size,
    )
    _heading(doc, "三、乙方责任", size=size)
    _body(
        doc,
        "乙方无偿提供代办服务，负责政策咨询、材料预审、报送、跟踪、协调和催办，及时向甲方告知办理进度；"
        "对甲方提供的资料和商业秘密负有保密义务，不得用于代办以外的用途。乙方不代替审批部门作出审批决定。",
        size=size,
    )
    _heading(doc, "四、委托期限", size=size)
    _body(
        doc,
        "自本委托书签订之日起{% if valid_until %}至{{ valid_until|cn_date }}止"
        "{% else %}至委托事项全部办结之日止{% endif %}。委托期间，甲方可以书面通知乙方终止委托。",
        size=size,
    )
    _heading(doc, "五、其他", size=size)
    _body(doc, "本委托书一式两份，甲乙双方各执一份，自双方签字盖章之日起生效。", size=size, keep_next=True)
    paragraph(doc, "", size=size, keep_next=True)  # air between the clauses and the seals
    seals = table(doc, (7.8, 7.8), borders=False)
    for left, right, height in (
        ("甲方（盖章）", "乙方（盖章）", 1.8),
        ("法定代表人（签字）：", "代办员（签字）：", 1.4),
        ("{{ issued_on|cn_date }}", "{{ issued_on|cn_date }}", 0.8),
    ):
        row(seals, [C(left, align="left"), C(right, align="left")], size=size, height_cm=height)
    return doc


def one_time_notice() -> DocumentObject:
    size = LIST_PT
    doc = new_document("一次性告知单", body_pt=size)
    title(doc, "一次性告知单", after=0)
    paragraph(doc, "（申请材料补正）", size=size, align="center", after=4)
    doc_number(doc, size=size)
    _line(doc, "{{ enterprise.name }}：", size=size)
    _body(
        doc,
        "你单位{% if received_on %}于{{ received_on|cn_date }}{% endif %}提交的“{{ item_name }}”申请材料"
        "（项目名称：{{ project.name }}{% if case_number %}；申请编号：{{ case_number }}{% endif %}）"
        "已收悉。经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》"
        "第三十二条第一款第（四）项的规定，现一次性告知你单位需要补正的全部材料如下：",
        size=size,
        keep_next=True,
    )
    t = table(doc, (1.0, 5.2, 1.2, 2.6, 5.6))
    row(t, ["序号", "材料名称", "份数", "原件/复印件", "说明"], header=True)
    loop_row(t, "{%tr for m in materials %}")
    row(
        t,
        [
            "{{ loop.index }}",
            C("{{ m.name }}", align="left"),
            "{{ m.copies }}",
            "{{ '原件' if m.original else '复印件' }}",
            C("{{ m.note }}", align="left"),
        ],
    )
    loop_row(t, "{%tr endfor %}")
    _body(
        doc,
        "请于{{ deadline|cn_date }}前将上述材料一次补正齐全后提交。材料齐全、符合法定形式的，"
        "本机关将依法受理；逾期未补正的，视为放弃本次申请，你单位可以重新提出申请。",
        size=size,
        before=6,
    )
    _body(
        doc,
        "咨询电话：{{ department }} {{ department_phone }}；代办员：{{ project.clerk_name }} "
        "{{ project.clerk_phone }}。",
        size=size,
        keep_next=True,
    )
    signature(doc, ["{{ department }}（盖章）", "{{ issued_on|cn_date }}"], size=size)
    _receipt(doc)
    return doc


def _either(problem: str, approval: str) -> str:
    """A cell's words for a problem's notice or an approval's: one template serves both subjects."""
    return f"{{{{ '{problem}' if subject == 'problem' else '{approval}' }}}}"


def supervision_notice() -> DocumentObject:
    size = LIST_PT
    doc = new_document("督办通知单", body_pt=size)
    title(doc, "督办通知单")
    doc_number(doc, size=size)
    t = table(doc, (2.8, 5.0, 2.8, 5.0))
    rows: tuple[list[C | str], ...] = (
        ["项目名称", C("{{ project.name }}", span=3, align="left")],
        ["申请单位", C("{{ enterprise.name }}", span=3, align="left")],
        [_either("督办问题", "督办事项"), C("{{ item_name }}", span=3, align="left")],
        [_either("责任部门", "承办部门"), C("{{ department }}", align="left"),
         _either("问题类别", "事项编号"), "{{ category if subject == 'problem' else case_number }}"],
        [_either("登记日期", "受理日期"), "{{ accepted_on|cn_date }}", _either("", "承诺时限"),
         "{{ promised_limit }}"],
        [_either("解决期限", "应办结日期"), "{{ due_on|cn_date }}", "超期工作日", "{{ overdue_workdays }}"],
        ["督办等级", C("{{ level|level_zh }}", bold=True), "反馈期限", "{{ respond_by|cn_date }}"],
    )
    for cells in rows:
        row(t, cells, size=FORM_PT, height_cm=0.8)
    _line(doc, "{{ department }}：", size=size, before=10)
    _body(
        doc,
        "{% if subject == 'problem' %}你单位负责解决的{{ enterprise.name }}“{{ project.name }}”协调问题"
        "“{{ item_name }}”，应于{{ due_on|cn_date }}前解决{% else %}"
        "你单位承办的{{ enterprise.name }}“{{ project.name }}”{{ item_name }}事项，应于"
        "{{ due_on|cn_date }}办结{% endif %}，截至{{ issued_on|cn_date }}"
        "{% if overdue_workdays > 0 %}已超过{{ '解决期限' if subject == 'problem' else '承诺时限' }}"
        "{{ overdue_workdays }}个工作日{% else %}即将到期{% endif %}，"
        "{% if level in ('l3', '督办') %}已提请县领导督办{% else %}电子监察系统已亮{{ level|level_zh }}{% endif %}。",
        size=size,
    )
    _body(
        doc,
        "{% if requirements %}{{ requirements }}{% else %}根据限时办结制和电子监察的有关规定，现予督办。"
        "请你单位高度重视，于{{ respond_by|cn_date }}前{{ '解决该问题' if subject == 'problem' else '办结该事项' }}"
        "，或者将未能按期办结的原因、"
        "拟采取的措施和预计办结时间书面反馈{{ center.name }}。{% endif %}",
        size=size,
        keep_next=True,
    )
    signature(doc, ["{{ center.name }}（盖章）", "{{ issued_on|cn_date }}"], size=size)
    paragraph(doc, "抄送：{{ targets|join('、') }}", size=FORM_PT, align="left", before=18)
    _receipt(doc)
    return doc


def refusal_notice() -> DocumentObject:
    doc = new_document("不予受理/不予许可告知书")
    title(doc, "{{ '不予受理告知书' if kind == 'intake_refusal' else '不予许可告知书' }}")
    doc_number(doc)
    _line(doc, "{{ enterprise.name }}：")
    _body(
        doc,
        "你单位{% if applied_on %}于{{ applied_on|cn_date }}{% endif %}提出的“{{ item_name }}”申请"
        "（项目名称：{{ project.name }}{% if case_number %}；申请编号：{{ case_number }}{% endif %}），"
        "{% if kind == 'intake_refusal' %}经审查，本机关决定不予受理。"
        "{% else %}本机关已依法受理。经审查，本机关决定不予许可。{% endif %}理由如下：",
    )
    _body(doc, "{{ reason }}")
    _body(doc, "依据：{{ legal_basis }}")
    _body(
        doc,
        "{% if utility %}如对本答复有异议，可以向{{ complaint_channel or center.name }}投诉。{% else %}"
        + _RIGHTS
        + "{% endif %}",
        keep_next=True,
    )
    signature(doc, ["{{ department }}（盖章）", "{{ issued_on|cn_date }}"])
    _receipt(doc)
    return doc


def completion_notice() -> DocumentObject:
    size = LIST_PT
    doc = new_document("办结通知书", body_pt=size)
    title(doc, "办结通知书")
    doc_number(doc, size=size)
    _line(doc, "{{ enterprise.name }}：", size=size)
    _body(
        doc,
        "你单位委托我中心代办的“{{ project.name }}”（项目代码：{{ project.investment_code or '尚未赋码' }}；"
        "档案编号：{{ project.code }}）"
        "{% if started_on %}自{{ started_on|cn_date }}起办理，{% endif %}下列审批事项已于"
        "{{ completed_on|cn_date }}全部办结{% if elapsed_workdays is not none %}，"
        "共用时{{ elapsed_workdays }}个工作日{% endif %}：",
        size=size,
        keep_next=True,
    )
    t = table(doc, (1.0, 3.4, 3.4, 4.4, 3.4))
    row(t, ["序号", "事项名称", "实施部门", "证照（文书）编号", "办结日期"], header=True)
    loop_row(t, "{%tr for item in items %}")
    row(
        t,
        [
            "{{ loop.index }}",
            C("{{ item.name }}", align="left"),
            C("{{ item.department }}", align="left"),
            # docxtpl's {%p %} drops the whole paragraph, so an item without validity has no blank line.
            C(
                "{{ item.certificate_no }}\n{%p if item.valid_until %}\n"
                "有效期至{{ item.valid_until|cn_date }}\n{%p endif %}",
                align="left",
            ),
            "{{ item.approved_on|cn_date }}",
        ],
    )
    loop_row(t, "{%tr endfor %}")
    _body(
        doc,
        "请持本通知书到{% if pick_up_place %}{{ pick_up_place }}{% else %}{{ center.name }}企业代办服务窗口{% endif %}"
        "领取尚未领取的证照（文书）原件。"
        "欢迎你单位对本次代办服务作出评价（非常满意、满意、基本满意、不满意、非常不满意），"
        "监督电话：{{ center.phone }}。",
        size=size,
        before=6,
        keep_next=True,
    )
    signature(doc, ["{{ center.office_name }}（盖章）", "{{ issued_on|cn_date }}"], size=size)
    return doc
