"""The agency office's papers of the mandate (中止单, 终止单, 续办委托书), the coordination meeting's minutes
(会议纪要) and a fee's payment notice (缴款通知书)."""

from __future__ import annotations

from docx.document import Document as DocumentObject

from documents.build.kit import (
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
from documents.build.letters import LIST_PT

_SIZE = LIST_PT
_MANDATE = (
    "{{ enterprise.name }}（统一社会信用代码：{{ enterprise.credit_code }}）"
    "{% if mandated_on %}于{{ mandated_on|cn_date }}{% endif %}委托{{ center.office_name }}代办"
    "“{{ project.name }}”（档案编号：{{ project.code }}"
    "{% if project.investment_code %}；项目代码：{{ project.investment_code }}{% endif %}）的审批手续。"
)
# The law's time limits do not depend on the agency service: every mandate paper says so.
_CLOCKS_RUN_ON = (
    "{% if open_items %}下列事项已在审批部门办理，其法定和承诺办理期限不因代办服务的变化而停止计算，"
    "需企业补正或答复的，由企业直接向审批部门办理：{% endif %}"
)


def _body(doc: DocumentObject, text: str, *, keep_next: bool = False) -> None:
    paragraph(doc, text, size=_SIZE, indent=True, keep_next=keep_next)


def _open_items(doc: DocumentObject) -> None:
    _body(doc, _CLOCKS_RUN_ON, keep_next=True)
    t = table(doc, (1.2, 7.4, 4.6, 2.4))
    row(t, ["序号", "在办事项", "审批部门", "状态"], header=True)
    loop_row(t, "{%tr for i in open_items %}")
    row(t, ["{{ loop.index }}", C("{{ i.name }}", align="left"), C("{{ i.department }}", align="left"),
            "{{ i.status }}"])
    loop_row(t, "{%tr endfor %}")


def _signatures(doc: DocumentObject) -> None:
    """The two parties side by side (a borderless table), so that the paper and its verification mark fit on one
    page."""
    paragraph(doc, "", size=_SIZE, line_pt=8)
    t = table(doc, (7.8, 7.8), borders=False)
    row(t, [C("委托方（盖章）：\n{{ enterprise.name }}\n法定代表人或委托代理人（签字）：\n\n　　　　年　　月　　日",
              align="left"),
            C("受托方（盖章）：\n{{ center.office_name }}\n代办员：{{ project.clerk_name }}\n\n{{ issued_on|cn_date }}",
              align="left")], size=FORM_PT, height_cm=None)


def _mandate_paper(name: str) -> DocumentObject:
    doc = new_document(name, body_pt=_SIZE)
    title(doc, name)
    doc_number(doc, size=_SIZE)
    _body(doc, _MANDATE)
    return doc


def mandate_pause() -> DocumentObject:
    doc = _mandate_paper("代办服务中止单")
    _body(doc, "应委托方要求，自{{ paused_on|cn_date }}起中止上述代办服务。中止原因：{{ reason }}。")
    _body(doc, "中止期间，代办员不再代为提交材料和跟踪催办；委托方可以随时申请续办，续办后代办服务按原委托继续。")
    _open_items(doc)
    _signatures(doc)
    return doc


def mandate_end() -> DocumentObject:
    doc = _mandate_paper("代办服务终止单")
    _body(doc, "自{{ ended_on|cn_date }}起终止上述代办服务，委托关系随之解除。终止原因：{{ reason }}。")
    _body(doc, "{% if finished_items %}终止前已办结的事项：{{ finished_items|join('、') }}。{% endif %}"
               "代办期间形成的材料和文书已归档，委托方可以凭本单查阅或领取。")
    _signatures(doc)
    return doc


def mandate_renewal() -> DocumentObject:
    doc = _mandate_paper("续办委托书")
    _body(doc, "{% if paused_on %}该代办服务于{{ paused_on|cn_date }}中止。{% endif %}委托方现申请续办，"
               "自{{ resumed_on|cn_date }}起恢复代办服务，委托事项、权限和期限按原《代办服务委托书》执行。"
               "续办事由：{{ reason }}。")
    _open_items(doc)
    _signatures(doc)
    return doc


def meeting_minutes() -> DocumentObject:
    doc = new_document("会议纪要", body_pt=_SIZE)
    title(doc, "{{ title }}会议纪要")
    doc_number(doc, size=_SIZE)
    _body(doc, "{{ held_on|cn_date }}，{% if convener %}{{ convener }}召集{% endif %}召开{{ title }}，"
               "协调{{ enterprise.name }}“{{ project.name }}”"
               "{% if projects|length > 1 %}等{{ projects|length }}个项目{% endif %}"
               "推进中的问题。现将会议议定事项纪要如下：")
    paragraph(doc, "一、参会人员", size=_SIZE, font=HEI, indent=True, keep_next=True)
    _body(doc, "{{ attendees|join('；') }}。")
    paragraph(doc, "二、议定事项", size=_SIZE, font=HEI, indent=True, keep_next=True)
    t = table(doc, (1.2, 7.0, 4.0, 3.4))
    row(t, ["序号", "议定事项", "责任部门", "完成期限"], header=True)
    loop_row(t, "{%tr for d in decisions %}")
    row(t, ["{{ loop.index }}", C("{% if d.project %}【{{ d.project }}】{% endif %}{{ d.text }}", align="left"),
            C("{{ d.department }}", align="left"), "{{ d.due_on|cn_date }}"])
    loop_row(t, "{%tr endfor %}")
    _body(doc, "请各责任部门按期落实，并在系统中签收本纪要、答复进展；逾期未解决的，按问题清单督办。")
    signature(doc, ["{{ center.name }}（盖章）", "{{ issued_on|cn_date }}"], size=_SIZE)
    paragraph(doc, "送：{{ recipients|join('、') }}", size=FORM_PT, align="left", before=18)
    return doc


def payment_notice() -> DocumentObject:
    doc = new_document("缴款通知书", body_pt=_SIZE)
    title(doc, "非税收入缴款通知书")
    doc_number(doc, size=_SIZE)
    paragraph(doc, "{{ enterprise.name }}：", size=_SIZE, align="left")
    _body(doc, "{% if charged %}你单位申请办理的“{{ item_name }}”（项目名称：{{ project.name }}）"
               "依法应缴纳下列费用，请于{{ due_on|cn_date }}前缴入下列账户，缴款时须注明缴款码：{% else %}"
               "你单位申请办理的“{{ item_name }}”（项目名称：{{ project.name }}），本事项不收费，"
               "无需缴纳任何费用。{% endif %}", keep_next=True)
    t = table(doc, (3.2, 12.4))
    for label, value in (("收费项目", "{{ fee_name }}"), ("收费依据", "{{ basis }}"), ("收费标准", "{{ standard }}"),
                         ("应缴金额", "{% if charged %}人民币 {{ amount_yuan }} 元{% else %}本事项不收费{% endif %}"),
                         ("缴款码", "{{ payment_ref }}"), ("收款户名", "{{ account_name }}"),
                         ("开户银行", "{{ bank }}"), ("账　　号", "{{ account_no }}"),
                         ("缴款期限", "{{ due_on|cn_date }}"), ("执收部门", "{{ department }}")):
        row(t, [label, C(value, align="left")], size=FORM_PT, height_cm=0.8)
    _body(doc, "{% if charged %}费用缴入财政非税收入专户，不得以现金交给经办人员。缴款后凭银行回单或电子票据"
               "办理后续手续；对收费有异议的，可以向{{ center.name }}反映。{% endif %}"
               "代办员：{{ project.clerk_name }} {{ project.clerk_phone }}。", keep_next=True)
    signature(doc, ["{{ department }}（盖章）", "{{ issued_on|cn_date }}"], size=_SIZE)
    return doc
