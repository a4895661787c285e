"""The statutory notices (受理通知书, 延期告知书, 特别程序告知书, 终止办理告知书) and the papers of reform-era
intake (容缺受理通知书, 告知承诺书): letters of the approval's department to the enterprise."""

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
from documents.build.letters import LIST_PT

_APPLICATION = (
    "你单位{% if received_on %}于{{ received_on|cn_date }}{% endif %}提出的“{{ item_name }}”申请"
    "（项目名称：{{ project.name }}{% if case_number %}；申请编号：{{ case_number }}{% endif %}）"
)
_CONTACT = "代办员：{{ project.clerk_name }} {{ project.clerk_phone }}。"


def _body(doc: DocumentObject, text: str, *, size: float = BODY_PT, keep_next: bool = False) -> None:
    paragraph(doc, text, size=size, indent=True, keep_next=keep_next)


def _open(name: str, size: float = BODY_PT) -> DocumentObject:
    doc = new_document(name, body_pt=size)
    title(doc, name)
    doc_number(doc, size=size)
    paragraph(doc, "{{ enterprise.name }}：", size=size, align="left")
    return doc


def _close(doc: DocumentObject, size: float = BODY_PT) -> DocumentObject:
    signature(doc, ["{{ department }}（盖章）", "{{ issued_on|cn_date }}"], size=size)
    receipt = "签收人：＿＿＿＿＿＿＿＿　　签收日期：　　　　年　　月　　日"
    paragraph(doc, receipt, size=FORM_PT, align="left", before=30)
    return doc


def acceptance_notice() -> DocumentObject:
    doc = _open("受理通知书")
    _body(
        doc,
        _APPLICATION + "，{% if deemed %}本机关自收到申请之日起五个工作日内未作出受理、不予受理或者要求补正的决定，"
        "依照《中华人民共和国行政许可法》第三十二条的规定，自收到申请材料之日即{{ accepted_on|cn_date }}起"
        "即为受理。{% else %}申请材料齐全、符合法定形式，依照《中华人民共和国行政许可法》第三十二条第一款第（五）项"
        "的规定，本机关决定自{{ accepted_on|cn_date }}起予以受理。{% endif %}",
    )
    _body(
        doc,
        "{% if due_on %}本事项承诺办理时限为{{ promised_limit }}，本机关将于{{ due_on|cn_date }}前作出决定"
        "（依法不计入办理时限的时间除外）。{% else %}本机关将在法定期限内作出决定。{% endif %}" + _CONTACT,
        keep_next=True,
    )
    return _close(doc)


def extension_notice() -> DocumentObject:
    doc = _open("延期告知书")
    _body(doc, _APPLICATION + "，本机关已依法受理。因{{ reason }}，本机关不能在原定期限内作出决定。")
    _body(
        doc,
        "依照《中华人民共和国行政许可法》第四十二条第一款的规定，经本机关负责人批准，"
        "办理期限自{{ extended_on|cn_date }}起延长{{ days }}日"
        "{% if due_on %}，本机关将于{{ due_on|cn_date }}前作出决定{% endif %}"
        "{% if statutory_due_on %}，法定期限延至{{ statutory_due_on|cn_date }}{% endif %}。特此告知。" + _CONTACT,
        keep_next=True,
    )
    return _close(doc)


def special_procedure_notice() -> DocumentObject:
    doc = _open("特别程序告知书")
    _body(doc, _APPLICATION + "，本机关已依法受理。因{{ reason }}，本事项需要进行{{ procedure }}。")
    _body(
        doc,
        "依照《中华人民共和国行政许可法》第四十五条的规定，{{ procedure }}所需时间不计算在办理期限内。"
        "{{ procedure }}自{{ suspended_on|cn_date }}开始，预计需要{{ days }}个工作日，结束后本机关将恢复办理"
        "并告知你单位。" + _CONTACT,
        keep_next=True,
    )
    return _close(doc)


def termination_notice() -> DocumentObject:
    doc = _open("终止办理告知书")
    _body(
        doc,
        _APPLICATION + "，本机关{% if supplement_requested_on %}已于{{ supplement_requested_on|cn_date }}"
        "一次性告知你单位需要补正的全部材料{% if supplement_due_on %}，补正期限至{{ supplement_due_on|cn_date }}"
        "{% endif %}{% else %}已一次性告知你单位需要补正的材料{% endif %}。你单位逾期未补正，视为放弃本次申请。",
    )
    _body(
        doc,
        "本机关决定自{{ terminated_on|cn_date }}起终止办理该申请。理由：{{ reason }}。你单位可以在材料齐全后"
        "重新提出申请。" + _CONTACT,
        keep_next=True,
    )
    return _close(doc)


def deferral_notice() -> DocumentObject:
    size = LIST_PT
    doc = _open("容缺受理通知书", size)
    _body(
        doc,
        _APPLICATION + "，主要申请材料齐全、符合法定形式，下列次要材料尚欠缺。根据容缺受理的规定，本机关决定自"
        "{{ accepted_on|cn_date }}起予以容缺受理。请你单位在承诺期限内补齐下列材料：",
        size=size,
        keep_next=True,
    )
    t = table(doc, (1.0, 7.0, 3.6, 4.0))
    row(t, ["序号", "容缺材料", "承诺补齐日期", "说明"], header=True)
    loop_row(t, "{%tr for m in materials %}")
    row(t, ["{{ loop.index }}", C("{{ m.name }}", align="left"), "{{ m.promised_on|cn_date }}",
            C("{{ m.note }}", align="left")])
    loop_row(t, "{%tr endfor %}")
    _body(
        doc,
        "逾期未补齐的，本机关将依照有关规定处理，相关责任由你单位承担。" + _CONTACT,
        size=size,
        keep_next=True,
    )
    return _close(doc, size)


def commitment_letter() -> DocumentObject:
    size = LIST_PT
    doc = new_document("告知承诺书", body_pt=size)
    title(doc, "告知承诺书")
    doc_number(doc, size=size)
    paragraph(doc, "一、审批部门告知", size=size, font=HEI, indent=True, keep_next=True)
    _body(
        doc,
        "{{ enterprise.name }}申请办理“{{ item_name }}”（项目名称：{{ project.name }}"
        "{% if case_number %}；申请编号：{{ case_number }}{% endif %}），下列材料可以由申请人书面承诺代替提交。"
        "{{ department }}将在作出决定后{{ verify_within_months }}个月内对承诺内容进行核查；"
        "承诺不实的，依法撤销相关决定并记入信用记录。",
        size=size,
        keep_next=True,
    )
    t = table(doc, (1.0, 7.6, 7.0))
    row(t, ["序号", "以承诺代替的材料", "说明"], header=True)
    loop_row(t, "{%tr for m in materials %}")
    row(t, ["{{ loop.index }}", C("{{ m.name }}", align="left"), C("{{ m.note }}", align="left")])
    loop_row(t, "{%tr endfor %}")
    signature(doc, ["{{ department }}（盖章）", "{{ issued_on|cn_date }}"], size=size, before=8)
    paragraph(doc, "二、申请人承诺", size=size, font=HEI, indent=True, keep_next=True)
    _body(
        doc,
        "本单位已知晓上述告知内容，承诺已经符合上述材料所证明的条件，所承诺内容真实、准确，愿意接受核查，"
        "并承担承诺不实的法律责任。",
        size=size,
        keep_next=True,
    )
    signature(doc, ["申请人（盖章）：{{ enterprise.name }}", "法定代表人（签字）：＿＿＿＿＿＿",
                    "　　　　年　　月　　日"], size=size)
    return doc
